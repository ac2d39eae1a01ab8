//! `bench`: throughput measurements run as commands, never as timed tests.
//!
//! `bench pipeline` measures the worker's own overhead: articles through a real broker
//! with an enrichment that does nothing. `bench enrich` measures enrichment alone, per
//! stage, on one thread, over a folder of `.txt` articles. `bench end-to-end`
//! ([`end_to_end`]) runs the worker binary with the full enrichment on a corpus through
//! the broker: saturation rate, latency at a set rate, peak RSS.

pub mod end_to_end;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::util::Timeout;
use serde::Serialize;

use crate::article::{Article, Published};
use crate::config::Settings;
use crate::enrich::{Enrichment, Language, Status};
use crate::pipeline::{self, EnrichFn, PipelineError};
use crate::stats::Stats;

/// A benchmark could not run.
#[derive(Debug)]
pub enum BenchError {
    Kafka(KafkaError),
    Pipeline(PipelineError),
    /// The worker process could not be started.
    Worker(std::io::Error),
    /// The worker did not publish everything in time.
    Stalled {
        published: u64,
        expected: u64,
    },
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::Kafka(err) => write!(f, "Kafka: {err}"),
            BenchError::Pipeline(err) => write!(f, "worker: {err}"),
            BenchError::Worker(err) => write!(f, "cannot start the worker process: {err}"),
            BenchError::Stalled {
                published,
                expected,
            } => write!(f, "worker stalled at {published} of {expected} articles"),
        }
    }
}

impl std::error::Error for BenchError {}

impl From<KafkaError> for BenchError {
    fn from(err: KafkaError) -> BenchError {
        BenchError::Kafka(err)
    }
}

/// What `bench pipeline` measured.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineReport {
    pub articles: u64,
    pub article_bytes: usize,
    pub partitions: i32,
    /// Rate at which the benchmark itself loaded the input topic.
    pub produce_per_s: f64,
    /// From the worker's start (group join included) to the last acknowledgement.
    pub seconds_total: f64,
    /// From the first to the last published article: the steady-state rate.
    pub seconds_steady: f64,
    pub articles_per_s: f64,
    pub mb_per_s: f64,
}

/// Loads `articles` articles of `article_bytes` into fresh topics, runs the worker with
/// a do-nothing enrichment and reports its throughput.
pub async fn pipeline(
    mut settings: Settings,
    articles: u64,
    article_bytes: usize,
    partitions: i32,
) -> Result<PipelineReport, BenchError> {
    create_topics(&mut settings, "pipeline", partitions).await?;
    let sample = sample_article(0, article_bytes);
    let produce_per_s = load(
        &settings.kafka.brokers,
        &settings.kafka.input_topic,
        articles,
        |n| {
            (
                format!("bench-{n}"),
                sample_article(n, article_bytes).into_bytes(),
            )
        },
    )
    .await?;

    let stats = Arc::new(Stats::new());
    let nothing: Arc<EnrichFn> = Arc::new(|_: &Article| Enrichment {
        language: Language {
            code: "und".to_string(),
            confidence: 0.0,
            reliable: false,
        },
        status: Status::Enriched,
        dateline: None,
        entities: Vec::new(),
        quotes: Vec::new(),
        events: Vec::new(),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let worker = {
        let settings = settings.clone();
        let stats = stats.clone();
        tokio::spawn(async move {
            pipeline::run(&settings, nothing, stats, async move {
                let _ = stopped.await;
            })
            .await
        })
    };
    let mut first: Option<Instant> = None;
    let mut last_progress = (0, Instant::now());
    loop {
        let published = stats.snapshot().published;
        if published > 0 && first.is_none() {
            first = Some(Instant::now());
        }
        if published >= articles {
            break;
        }
        if published != last_progress.0 {
            last_progress = (published, Instant::now());
        } else if last_progress.1.elapsed() > Duration::from_secs(60) || worker.is_finished() {
            let _ = stop.send(());
            return Err(BenchError::Stalled {
                published,
                expected: articles,
            });
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let seconds_total = started.elapsed().as_secs_f64();
    let seconds_steady = first.map_or(seconds_total, |t| t.elapsed().as_secs_f64());
    let _ = stop.send(());
    match worker.await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => return Err(BenchError::Pipeline(err)),
        Err(_) => {
            return Err(BenchError::Stalled {
                published: stats.snapshot().published,
                expected: articles,
            })
        }
    }
    let articles_per_s = articles as f64 / seconds_steady;
    Ok(PipelineReport {
        articles,
        article_bytes: sample.len(),
        partitions,
        produce_per_s,
        seconds_total,
        seconds_steady,
        articles_per_s,
        mb_per_s: articles_per_s * sample.len() as f64 / 1e6,
    })
}

/// Points `settings` at fresh topics (input and output with `partitions` partitions) and
/// a fresh consumer group, and creates the topics.
async fn create_topics(
    settings: &mut Settings,
    name: &str,
    partitions: i32,
) -> Result<(), BenchError> {
    let stamp = chrono::Utc::now().timestamp_millis();
    let base = format!("bench-{name}-{stamp}");
    settings.kafka.input_topic = format!("{base}-in");
    settings.kafka.output_topic = format!("{base}-out");
    settings.kafka.dead_letter_topic = format!("{base}-dlq");
    settings.kafka.group_id = format!("{base}-group");
    settings.log.progress_interval_secs = 0;
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &settings.kafka.brokers)
        .create()?;
    let k = &settings.kafka;
    let topics = [
        NewTopic::new(&k.input_topic, partitions, TopicReplication::Fixed(1)),
        NewTopic::new(&k.output_topic, partitions, TopicReplication::Fixed(1)),
        NewTopic::new(&k.dead_letter_topic, 1, TopicReplication::Fixed(1)),
    ];
    for result in admin.create_topics(&topics, &AdminOptions::new()).await? {
        result.map_err(|(_, code)| KafkaError::AdminOp(code))?;
    }
    Ok(())
}

/// Produces `count` messages made by `message(n)` (key, payload) to `topic` and waits
/// for every acknowledgement; returns the rate in messages per second.
async fn load(
    brokers: &str,
    topic: &str,
    count: u64,
    message: impl Fn(u64) -> (String, Vec<u8>),
) -> Result<f64, BenchError> {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "5")
        .set("compression.type", "lz4")
        .create()?;
    let loading = Instant::now();
    let mut pending = FuturesUnordered::new();
    let mut n = 0;
    while n < count {
        let (key, payload) = message(n);
        let record = FutureRecord::to(topic).key(&key).payload(&payload);
        match producer.send_result(record) {
            Ok(delivery) => {
                pending.push(delivery);
                n += 1;
            }
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                drain_some(&mut pending).await?;
            }
            Err((err, _)) => return Err(err.into()),
        }
    }
    while !pending.is_empty() {
        drain_some(&mut pending).await?;
    }
    producer.flush(Timeout::After(Duration::from_secs(60)))?;
    Ok(count as f64 / loading.elapsed().as_secs_f64())
}

/// Waits for up to a thousand pending deliveries.
async fn drain_some(pending: &mut FuturesUnordered<DeliveryFuture>) -> Result<(), BenchError> {
    for _ in 0..1000 {
        match pending.next().await {
            Some(Ok(Ok(_))) => {}
            Some(Ok(Err((err, _)))) => return Err(BenchError::Kafka(err)),
            Some(Err(_cancelled)) => return Err(BenchError::Kafka(KafkaError::Canceled)),
            None => break,
        }
    }
    Ok(())
}

/// A plain-text article of about `bytes` bytes, different for every `seed`: words drawn
/// from a news vocabulary, so that compression behaves as on real text, not on a repeat.
fn sample_article(seed: u64, bytes: usize) -> String {
    const WORDS: &[&str] = &[
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "said",
        "on",
        "for",
        "that",
        "with",
        "was",
        "by",
        "minister",
        "government",
        "president",
        "talks",
        "Moscow",
        "Washington",
        "Istanbul",
        "diplomats",
        "embassy",
        "Thursday",
        "officials",
        "reporters",
        "foreign",
        "security",
        "agreement",
        "sanctions",
        "ceasefire",
        "Ukraine",
        "Russia",
        "United",
        "States",
        "Kremlin",
        "spokesman",
        "meeting",
        "relations",
        "would",
        "could",
        "after",
        "before",
        "week",
        "month",
        "billion",
        "percent",
        "economy",
        "election",
        "parliament",
        "vote",
        "party",
        "leader",
        "military",
        "forces",
        "border",
        "attack",
        "aid",
        "refugees",
        "council",
        "Nations",
        "European",
        "Union",
        "Brussels",
        "London",
        "Beijing",
        "trade",
        "tariffs",
        "oil",
        "gas",
        "prices",
        "market",
        "bank",
        "court",
        "ruling",
        "police",
        "arrested",
        "protest",
        "crowd",
    ];
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut text = String::with_capacity(bytes + 32);
    text.push_str("date 2025-02-27\n");
    let mut sentence_words = 0;
    while text.len() < bytes {
        // xorshift64: cheap, deterministic, good enough to vary the words.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let word = WORDS[(state % WORDS.len() as u64) as usize];
        if sentence_words == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                text.extend(first.to_uppercase());
                text.push_str(chars.as_str());
            }
        } else {
            text.push(' ');
            text.push_str(word);
        }
        sentence_words += 1;
        if sentence_words > 8 + (state % 14) as usize {
            text.push_str(if state % 5 == 0 { ".\n\n" } else { ". " });
            sentence_words = 0;
        }
    }
    text
}

/// What `bench enrich` measured.
#[derive(Debug, Clone, Serialize)]
pub struct EnrichReport {
    pub articles: usize,
    pub words: usize,
    pub seconds: f64,
    pub articles_per_s: f64,
    pub words_per_s: f64,
    /// Words per second of each stage alone (`language`, `text`, `ner`, `entities`,
    /// `quotes`, `events`).
    pub stage_words_per_s: std::collections::BTreeMap<&'static str, f64>,
    /// Peak resident memory of the process, from `/proc/self/status` (0 where unavailable).
    pub peak_rss_kb: u64,
}

/// Reading the corpus failed.
#[derive(Debug)]
pub struct CorpusError {
    pub path: std::path::PathBuf,
    pub source: std::io::Error,
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for CorpusError {}

/// Every `.txt` file under `dir`, sorted by path, as text (bytes that are not UTF-8 are
/// replaced, as one BBC file has a Latin-1 byte).
pub fn read_corpus(dir: &std::path::Path) -> Result<Vec<String>, CorpusError> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), CorpusError> {
        let error = |source| CorpusError {
            path: dir.to_path_buf(),
            source,
        };
        for entry in std::fs::read_dir(dir).map_err(error)? {
            let path = entry.map_err(error)?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else if path.extension().is_some_and(|e| e == "txt") {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            std::fs::read(&path)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .map_err(|source| CorpusError { path, source })
        })
        .collect()
}

/// Runs the full enrichment over `texts` on this thread and reports throughput.
pub fn enrich(enricher: &crate::enrich::Enricher, texts: &[String]) -> EnrichReport {
    use crate::enrich::StageTimes;
    // Articles in production carry a date, against which event dates are resolved; the BBC
    // corpus is from 2004-2005.
    let published = chrono::NaiveDate::from_ymd_opt(2005, 6, 30).map(Published::from_date);
    let articles: Vec<Article> = texts
        .iter()
        .map(|body| Article {
            published,
            ..Article::from_body("", body.as_str())
        })
        .collect();
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    // One warm-up pass so that page faults and first-touch allocations are not measured.
    for article in articles.iter().take(50) {
        std::hint::black_box(enricher.enrich(article));
    }
    let mut times = StageTimes::default();
    let started = Instant::now();
    for article in &articles {
        std::hint::black_box(enricher.enrich_timed(article, &mut times));
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = |d: Duration| {
        let s = d.as_secs_f64();
        if s > 0.0 {
            words as f64 / s
        } else {
            f64::INFINITY
        }
    };
    let stage_words_per_s = [
        ("language", rate(times.language)),
        ("text", rate(times.text)),
        ("ner", rate(times.ner)),
        ("entities", rate(times.entities)),
        ("quotes", rate(times.quotes)),
        ("events", rate(times.events)),
    ]
    .into_iter()
    .collect();
    EnrichReport {
        articles: articles.len(),
        words,
        seconds,
        articles_per_s: articles.len() as f64 / seconds,
        words_per_s: words as f64 / seconds,
        stage_words_per_s,
        peak_rss_kb: peak_rss_kb(),
    }
}

/// Peak resident set size of this process in KiB (`VmHWM`), 0 where unknown.
pub fn peak_rss_kb() -> u64 {
    peak_rss_kb_of(std::path::Path::new("/proc/self/status"))
}

/// Peak resident set size (`VmHWM`) in KiB from a `/proc/PID/status` file, 0 where unknown.
pub fn peak_rss_kb_of(status: &std::path::Path) -> u64 {
    std::fs::read_to_string(status)
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
