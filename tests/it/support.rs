//! Shared test helpers: the broker address, topics, producing, draining, and the worker binary.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

/// The real broker's address, or `None` (with a note) when tests run without one.
/// Decodes `payload` as the worker does and enriches it: the article body and its enrichment.
pub fn enrich_payload(payload: &[u8]) -> (String, news_enricher::enrich::Enrichment) {
    let article = news_enricher::decode::decode(
        Some(payload),
        None,
        news_enricher::decode::Limits {
            max_body_bytes: 1 << 20,
        },
    )
    .expect("decodes");
    let enrichment = news_enricher::enrich::Enricher::new()
        .expect("models load")
        .enrich(&article);
    (article.body, enrichment)
}

pub fn brokers() -> Option<String> {
    match std::env::var("NEWS_ENRICHER_TEST_BROKERS") {
        Ok(brokers) if !brokers.trim().is_empty() => Some(brokers),
        _ if std::env::var_os("CI").is_some() => {
            panic!("NEWS_ENRICHER_TEST_BROKERS is not set; CI must run scripts/test.sh")
        }
        _ => {
            eprintln!("skipped: no Kafka broker (run scripts/test.sh, which starts one)");
            None
        }
    }
}

/// Returns early from a test when no broker is available.
macro_rules! require_broker {
    () => {
        match $crate::support::brokers() {
            Some(brokers) => brokers,
            None => return,
        }
    };
}
pub(crate) use require_broker;

/// Who is using the broker: tests share it; the broker-fault test stops it, so it waits
/// for the others to finish and keeps new ones waiting until it is done.
#[derive(Default)]
struct BrokerUse {
    shares: usize,
    owner: Option<std::thread::ThreadId>,
}

static BROKER_USE: Mutex<BrokerUse> = Mutex::new(BrokerUse {
    shares: 0,
    owner: None,
});
static BROKER_FREED: Condvar = Condvar::new();

/// A test's share of the broker, held as long as its [`Topics`].
#[derive(Debug)]
pub struct BrokerShare {
    counted: bool,
}

impl BrokerShare {
    fn take() -> BrokerShare {
        let me = std::thread::current().id();
        let mut state = BROKER_USE.lock().unwrap_or_else(|e| e.into_inner());
        while state.owner.is_some_and(|owner| owner != me) {
            state = BROKER_FREED.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let counted = state.owner.is_none();
        if counted {
            state.shares += 1;
        }
        BrokerShare { counted }
    }
}

impl Drop for BrokerShare {
    fn drop(&mut self) {
        if self.counted {
            let mut state = BROKER_USE.lock().unwrap_or_else(|e| e.into_inner());
            state.shares -= 1;
            BROKER_FREED.notify_all();
        }
    }
}

/// The broker to this test alone (it may stop and restart it), once every other test
/// holding a share has finished.
pub struct BrokerOwner;

impl BrokerOwner {
    pub fn take() -> BrokerOwner {
        let me = std::thread::current().id();
        let mut state = BROKER_USE.lock().unwrap_or_else(|e| e.into_inner());
        while state.owner.is_some() {
            state = BROKER_FREED.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.owner = Some(me);
        while state.shares > 0 {
            state = BROKER_FREED.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        BrokerOwner
    }
}

impl Drop for BrokerOwner {
    fn drop(&mut self) {
        let mut state = BROKER_USE.lock().unwrap_or_else(|e| e.into_inner());
        state.owner = None;
        BROKER_FREED.notify_all();
    }
}

/// Names of one test's topics and consumer group, unique per run.
#[derive(Debug, Clone)]
pub struct Topics {
    pub input: String,
    pub output: String,
    pub dead_letter: String,
    pub group: String,
    _share: Option<Arc<BrokerShare>>,
}

impl Topics {
    /// Creates the three topics on the broker.
    pub fn create(brokers: &str, test: &str, input_partitions: i32) -> Topics {
        let share = Arc::new(BrokerShare::take());
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis();
        let base = format!("{test}-{}-{stamp}", std::process::id());
        let topics = Topics {
            input: format!("{base}-in"),
            output: format!("{base}-out"),
            dead_letter: format!("{base}-dlq"),
            group: format!("{base}-group"),
            _share: Some(share),
        };
        let admin: AdminClient<DefaultClientContext> =
            client_config(brokers).create().expect("admin client");
        let new = [
            NewTopic::new(&topics.input, input_partitions, TopicReplication::Fixed(1)),
            NewTopic::new(&topics.output, 1, TopicReplication::Fixed(1)),
            NewTopic::new(&topics.dead_letter, 1, TopicReplication::Fixed(1)),
        ];
        let runtime = runtime();
        let results = runtime
            .block_on(admin.create_topics(&new, &AdminOptions::new()))
            .expect("create topics");
        for result in results {
            result.expect("topic created");
        }
        topics
    }

    /// Names only, for a test that needs no broker (nothing is created).
    pub fn named(input: &str, output: &str, dead_letter: &str, group: &str) -> Topics {
        Topics {
            input: input.to_string(),
            output: output.to_string(),
            dead_letter: dead_letter.to_string(),
            group: group.to_string(),
            _share: None,
        }
    }

    /// The worker's settings for these topics, as environment variables.
    pub fn worker_env(&self, brokers: &str) -> Vec<(String, String)> {
        [
            ("NEWS_ENRICHER__KAFKA__BROKERS", brokers),
            ("NEWS_ENRICHER__KAFKA__GROUP_ID", &self.group),
            ("NEWS_ENRICHER__KAFKA__INPUT_TOPIC", &self.input),
            ("NEWS_ENRICHER__KAFKA__OUTPUT_TOPIC", &self.output),
            ("NEWS_ENRICHER__KAFKA__DEAD_LETTER_TOPIC", &self.dead_letter),
            ("NEWS_ENRICHER__KAFKA__CONSUMER__SESSION_TIMEOUT_MS", "6000"),
            (
                "NEWS_ENRICHER__KAFKA__CONSUMER__HEARTBEAT_INTERVAL_MS",
                "1000",
            ),
            ("NEWS_ENRICHER__LOG__FORMAT", "json"),
            // Workers run side by side: each gets a free port, read back from its log.
            ("NEWS_ENRICHER__HTTP__ADDRESS", "127.0.0.1"),
            ("NEWS_ENRICHER__HTTP__PORT", "0"),
            ("NEWS_ENRICHER__LOG__PROGRESS_INTERVAL_SECS", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}

pub fn client_config(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers);
    config
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// One message to produce: key and payload, either may be absent.
pub type Input = (Option<Vec<u8>>, Option<Vec<u8>>);

/// A key or payload from text.
pub fn bytes(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

/// Produces every message to `topic` (partition chosen by key hash) and waits for all acks.
pub fn produce(brokers: &str, topic: &str, messages: &[Input]) {
    let plain: Vec<(Input, Vec<(&str, String)>)> =
        messages.iter().map(|m| (m.clone(), Vec::new())).collect();
    produce_with_headers(brokers, topic, &plain);
}

/// Like [`produce`], each message with its headers.
pub fn produce_with_headers(brokers: &str, topic: &str, messages: &[(Input, Vec<(&str, String)>)]) {
    let producer: ThreadedProducer<_> = client_config(brokers)
        .set("linger.ms", "5")
        .set("enable.idempotence", "true")
        .create()
        .expect("producer");
    for ((key, payload), headers) in messages {
        let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic);
        if !headers.is_empty() {
            let owned = headers
                .iter()
                .fold(OwnedHeaders::new(), |all, (name, value)| {
                    all.insert(Header {
                        key: name,
                        value: Some(value.as_bytes()),
                    })
                });
            record = record.headers(owned);
        }
        if let Some(key) = key {
            record = record.key(key.as_slice());
        }
        if let Some(payload) = payload {
            record = record.payload(payload.as_slice());
        }
        let mut record = record;
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((err, back)) => {
                    assert!(
                        matches!(
                            err,
                            rdkafka::error::KafkaError::MessageProduction(
                                rdkafka::types::RDKafkaErrorCode::QueueFull
                            )
                        ),
                        "produce failed: {err}"
                    );
                    record = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
    producer
        .flush(Duration::from_secs(60))
        .expect("every input message acknowledged");
}

/// Reads a whole topic from the beginning until `expected` messages arrived and the
/// topic has been quiet for a moment, or `timeout` passed.
pub fn drain(brokers: &str, topic: &str, expected: usize, timeout: Duration) -> Vec<OwnedMessage> {
    let consumer: BaseConsumer = client_config(brokers)
        .set("group.id", format!("{topic}-reader"))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()
        .expect("consumer");
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .expect("metadata");
    let mut assignment = TopicPartitionList::new();
    for partition in metadata.topics()[0].partitions() {
        assignment
            .add_partition_offset(topic, partition.id(), Offset::Beginning)
            .expect("partition");
    }
    consumer.assign(&assignment).expect("assign");
    let started = Instant::now();
    let mut messages = Vec::new();
    let mut quiet_since = Instant::now();
    while started.elapsed() < timeout {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(message)) => {
                messages.push(message.detach());
                quiet_since = Instant::now();
            }
            Some(Err(err)) => panic!("consume from {topic}: {err}"),
            None if messages.len() >= expected
                && quiet_since.elapsed() > Duration::from_millis(1500) =>
            {
                break
            }
            None => {}
        }
    }
    messages
}

/// Total messages in `topic` (sum of high watermarks).
pub fn topic_size(brokers: &str, topic: &str) -> i64 {
    let consumer: BaseConsumer = client_config(brokers).create().expect("consumer");
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .expect("metadata");
    metadata.topics()[0]
        .partitions()
        .iter()
        .map(|p| {
            let (low, high) = consumer
                .fetch_watermarks(topic, p.id(), Duration::from_secs(10))
                .expect("watermarks");
            high - low
        })
        .sum()
}

/// Committed offsets of `group` on every partition of `topic`.
pub fn committed(brokers: &str, group: &str, topic: &str) -> HashMap<i32, i64> {
    let consumer: BaseConsumer = client_config(brokers)
        .set("group.id", group)
        .create()
        .expect("consumer");
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .expect("metadata");
    let mut list = TopicPartitionList::new();
    for partition in metadata.topics()[0].partitions() {
        list.add_partition(topic, partition.id());
    }
    let committed = consumer
        .committed_offsets(list, Duration::from_secs(10))
        .expect("committed offsets");
    committed
        .elements()
        .iter()
        .map(|e| {
            let offset = match e.offset() {
                Offset::Offset(n) => n,
                _ => 0,
            };
            (e.partition(), offset)
        })
        .collect()
}

/// The headers of a message as a map of UTF-8 strings.
pub fn headers(message: &OwnedMessage) -> HashMap<String, String> {
    message
        .headers()
        .map(|headers| {
            headers
                .iter()
                .map(|h| {
                    let value = h.value.map(String::from_utf8_lossy).unwrap_or_default();
                    (h.key.to_string(), value.into_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The output record's JSON.
pub fn record_json(message: &OwnedMessage) -> serde_json::Value {
    serde_json::from_slice(message.payload().expect("output records have a payload"))
        .expect("output record is JSON")
}

/// The compiled JSON Schema of output records.
pub fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema: serde_json::Value =
            serde_json::from_str(news_enricher::encode::SCHEMA).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    })
}

/// Panics with every violation when `record` does not match the output schema.
pub fn assert_valid_record(record: &serde_json::Value) {
    let errors: Vec<String> = schema()
        .iter_errors(record)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "record violates the schema: {errors:#?}\n{record:#}"
    );
}

/// A worker process (the real binary) with its stderr captured to a file.
pub struct Worker {
    pub child: Child,
    pub log: PathBuf,
}

impl Worker {
    pub fn start(env: &[(String, String)], log: &Path) -> Worker {
        let stderr = std::fs::File::create(log).expect("worker log file");
        let child = Command::new(env!("CARGO_BIN_EXE_news-enricher"))
            .arg("run")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("worker starts");
        Worker {
            child,
            log: log.to_path_buf(),
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The address of the worker's HTTP endpoint, from its start-up log line.
    pub fn http_address(&self) -> SocketAddr {
        let mut found = None;
        let logged = wait_until(Duration::from_secs(30), || {
            found = self.log_text().lines().find_map(|line| {
                let event: serde_json::Value = serde_json::from_str(line).ok()?;
                if event["message"] != "HTTP endpoint listening." {
                    return None;
                }
                event["address"].as_str()?.parse().ok()
            });
            found.is_some()
        });
        assert!(logged, "no HTTP endpoint in the log:\n{}", self.log_text());
        found.expect("address logged")
    }
}

/// `GET path` on a worker's HTTP endpoint: status and body; (0, error) when it does not answer.
pub fn http_get(address: SocketAddr, path: &str) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(news_enricher::http::get(address, path))
        .unwrap_or_else(|err| (0, err.to_string()))
}

/// The value of one series (`name` or `name{labels}`) in Prometheus text, if present.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        line.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// The sum of every series of a metric family (`name{...} value` lines) in Prometheus text.
pub fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| {
            line.starts_with(&format!("{name}{{")) || line.starts_with(&format!("{name} "))
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How often each expected id occurs among output records (keyed by id).
#[derive(Debug)]
pub struct Tally {
    pub records: usize,
    pub distinct: usize,
    pub duplicates: usize,
    pub missing: Vec<String>,
}

impl Tally {
    pub fn of(output: &[OwnedMessage], expected: &std::collections::BTreeSet<String>) -> Tally {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for message in output {
            let id = String::from_utf8_lossy(message.key().expect("key")).into_owned();
            *seen.entry(id).or_default() += 1;
        }
        Tally {
            records: output.len(),
            distinct: seen.len(),
            duplicates: seen.values().map(|n| n - 1).sum(),
            missing: expected
                .iter()
                .filter(|id| !seen.contains_key(*id))
                .cloned()
                .collect(),
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "consumed {} output records, {} distinct ids, {} duplicates, {} missing",
            self.records,
            self.distinct,
            self.duplicates,
            self.missing.len()
        )
    }
}

/// A fresh directory for one test's files.
pub fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "news-enricher-it-{test}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Waits until `condition` holds, polling; false on timeout.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}

/// A plain-text article of about `size` bytes with a recognisable id line.
pub fn article_text(n: usize, size: usize) -> Vec<u8> {
    let mut text = format!(
        "date 2025-02-27\nArticle {n}. Russian and American diplomats met in Istanbul on Thursday.\n"
    );
    while text.len() < size {
        text.push_str("Officials said the talks would continue next month in Washington. ");
    }
    text.into_bytes()
}

/// `count` plain articles of about `size` bytes keyed `k-0`, `k-1`, ..., and their ids.
pub fn numbered_articles(
    count: usize,
    size: usize,
) -> (Vec<Input>, std::collections::BTreeSet<String>) {
    let inputs: Vec<Input> = (0..count)
        .map(|n| {
            (
                Some(format!("k-{n}").into_bytes()),
                Some(article_text(n, size)),
            )
        })
        .collect();
    let ids = (0..count).map(|n| format!("k-{n}")).collect();
    (inputs, ids)
}
