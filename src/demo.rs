//! `demo`: the real worker on bundled example articles, against librdkafka's in-process mock cluster.

use std::fmt;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;

use crate::article::Article;
use crate::config::Settings;
use crate::enrich::{Enricher, LoadError};
use crate::pipeline::{self, EnrichFn, PipelineError};
use crate::stats::Stats;

/// The example articles, as (name, raw bytes), produced in this order.
pub const EXAMPLES: &[(&str, &[u8])] = &[
    (
        "01-istanbul-embassy-talks",
        include_bytes!("../data/articles/01-istanbul-embassy-talks.txt"),
    ),
    (
        "02-un-aid-sudan",
        include_bytes!("../data/articles/02-un-aid-sudan.txt"),
    ),
    (
        "03-eu-sanctions",
        include_bytes!("../data/articles/03-eu-sanctions.txt"),
    ),
    (
        "04-uk-budget",
        include_bytes!("../data/articles/04-uk-budget.txt"),
    ),
    (
        "05-json-summit",
        include_bytes!("../data/articles/05-json-summit.json"),
    ),
    (
        "06-german-news",
        include_bytes!("../data/articles/06-german-news.txt"),
    ),
    (
        "07-bad-date",
        include_bytes!("../data/articles/07-bad-date.txt"),
    ),
];

/// How long the demo waits for every example to come out.
const DEMO_TIMEOUT: Duration = Duration::from_secs(60);

/// The demo could not complete.
#[derive(Debug)]
pub enum DemoError {
    /// The enrichment models did not load.
    Load(LoadError),
    /// The mock cluster or a demo client could not be set up.
    Kafka(KafkaError),
    /// The worker itself stopped with an error.
    Pipeline(PipelineError),
    /// Not every example came out in time.
    Timeout { expected: usize, received: usize },
    /// Writing the records out failed.
    Output(std::io::Error),
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Load(err) => err.fmt(f),
            DemoError::Kafka(err) => write!(f, "mock Kafka cluster: {err}"),
            DemoError::Pipeline(err) => write!(f, "worker: {err}"),
            DemoError::Timeout { expected, received } => write!(
                f,
                "only {received} of {expected} records came out within {}s",
                DEMO_TIMEOUT.as_secs()
            ),
            DemoError::Output(err) => write!(f, "cannot write output: {err}"),
        }
    }
}

impl std::error::Error for DemoError {}

impl From<KafkaError> for DemoError {
    fn from(err: KafkaError) -> DemoError {
        DemoError::Kafka(err)
    }
}

/// Runs the demo: produce the examples, run the worker, print every output and
/// dead-letter record to `out` (one JSON document per record), then shut down.
pub async fn run(mut settings: Settings, out: &mut impl Write) -> Result<(), DemoError> {
    let cluster = MockCluster::new(1)?;
    settings.kafka.brokers = cluster.bootstrap_servers();
    settings.kafka.group_id = "news-enricher-demo".to_string();
    settings.log.progress_interval_secs = 0;
    settings
        .kafka
        .consumer
        .insert("session.timeout.ms".to_string(), "6000".to_string());
    let k = &settings.kafka;
    for topic in [&k.input_topic, &k.output_topic, &k.dead_letter_topic] {
        cluster.create_topic(topic, 1, 1)?;
    }

    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &k.brokers)
        .create()?;
    for (name, bytes) in EXAMPLES {
        let record = FutureRecord::to(&k.input_topic).key(*name).payload(*bytes);
        producer
            .send(record, Timeout::Never)
            .await
            .map_err(|(err, _)| err)?;
    }

    let reader: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &k.brokers)
        .set("group.id", "news-enricher-demo-reader")
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "6000")
        .create()?;
    reader.subscribe(&[k.output_topic.as_str(), k.dead_letter_topic.as_str()])?;

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let enricher = Enricher::new().map_err(DemoError::Load)?;
    let enrich: Arc<EnrichFn> = Arc::new(move |article: &Article| enricher.enrich(article));
    let worker_settings = settings.clone();
    let worker = tokio::spawn(async move {
        pipeline::run(
            &worker_settings,
            enrich,
            Arc::new(Stats::new()),
            async move {
                let _ = stopped.await;
            },
        )
        .await
    });

    let expected = EXAMPLES.len();
    let mut received = 0;
    let collect = async {
        while received < expected {
            let message = reader.recv().await?;
            let document = if message.topic() == settings.kafka.dead_letter_topic {
                let headers = message
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                let value =
                                    h.value.map(String::from_utf8_lossy).unwrap_or_default();
                                (
                                    h.key.to_string(),
                                    serde_json::Value::from(value.into_owned()),
                                )
                            })
                            .collect::<serde_json::Map<_, _>>()
                    })
                    .unwrap_or_default();
                serde_json::json!({
                    "dead_letter": {
                        "key": message.key().map(String::from_utf8_lossy),
                        "headers": headers,
                    }
                })
            } else {
                serde_json::from_slice(message.payload().unwrap_or_default())
                    .unwrap_or(serde_json::Value::Null)
            };
            let text = serde_json::to_string_pretty(&document).unwrap_or_default();
            writeln!(out, "{text}").map_err(DemoError::Output)?;
            received += 1;
        }
        Ok::<(), DemoError>(())
    };
    let collected = tokio::time::timeout(DEMO_TIMEOUT, collect).await;
    let _ = stop.send(());
    let worker_result = worker.await;
    match collected {
        Ok(result) => result?,
        Err(_) => return Err(DemoError::Timeout { expected, received }),
    }
    match worker_result {
        Ok(Ok(_summary)) => Ok(()),
        Ok(Err(err)) => Err(DemoError::Pipeline(err)),
        // The worker task panicked or was cancelled: report it as a timeout of the demo.
        Err(_) => Err(DemoError::Timeout { expected, received }),
    }
}
