//! `bench end-to-end`: the real worker binary, with the full enrichment, on real articles
//! through the real broker: articles/s at saturation, latency at a set rate, peak RSS.
//!
//! The worker runs as a child process (`news-enricher run`), so its peak RSS (`VmHWM`) is
//! the worker's alone. Articles are read from a corpus folder and repeated, each under its
//! own key, until the requested count is reached. An output reader on this process takes
//! the time each record arrives:
//! - saturation: the whole backlog is loaded first, then the worker starts; the rate is
//!   counted from the first to the last output record;
//! - latency: the worker starts on empty topics and articles are produced at a fixed
//!   rate; a record's latency runs from handing its article to the producer to reading
//!   the enriched record on the output topic.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use serde::Serialize;

use super::{create_topics, load, peak_rss_kb_of, BenchError};
use crate::config::Settings;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Article texts, repeated in order to make up the article count.
    pub texts: Arc<Vec<String>>,
    /// Articles in the saturation backlog.
    pub articles: u64,
    pub partitions: i32,
    /// Latency run: articles per second, or `None` for half the saturation rate.
    pub rate: Option<f64>,
    /// Length of the latency run.
    pub seconds: f64,
    /// Skip the latency run.
    pub saturation_only: bool,
}

/// What `bench end-to-end` measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub corpus_articles: usize,
    pub mean_article_bytes: usize,
    pub partitions: i32,
    pub saturation: Option<Saturation>,
    pub latency: Option<Latency>,
    /// The machine's load averages (1, 5, 15 min) when the runs ended: the figures are
    /// only comparable on a quiet machine.
    pub load_average: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Saturation {
    pub articles: u64,
    pub load_per_s: f64,
    /// From the worker's start (group join included) to the last output record.
    pub seconds_total: f64,
    /// From the first to the last output record.
    pub seconds_steady: f64,
    pub articles_per_s: f64,
    pub worker_peak_rss_kb: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub rate_per_s: f64,
    pub articles: u64,
    /// Records read back; duplicates counted once.
    pub received: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub worker_peak_rss_kb: u64,
}

/// Runs the saturation run, then the latency run at half its rate; with `plan.rate`, only
/// the latency run at that rate. The worker inherits this process's environment, so
/// `NEWS_ENRICHER__...` variables set for the benchmark configure it too.
pub async fn run(settings: Settings, plan: &Plan) -> Result<Report, BenchError> {
    let saturation = if plan.rate.is_some() {
        None
    } else {
        Some(saturation(settings.clone(), plan).await?)
    };
    let rate = plan
        .rate
        .or_else(|| saturation.as_ref().map(|s| s.articles_per_s / 2.0));
    let latency = match rate {
        Some(rate) if !plan.saturation_only => Some(latency(settings, plan, rate).await?),
        _ => None,
    };
    let bytes: usize = plan.texts.iter().map(String::len).sum();
    Ok(Report {
        corpus_articles: plan.texts.len(),
        mean_article_bytes: bytes / plan.texts.len().max(1),
        partitions: plan.partitions,
        saturation,
        latency,
        load_average: load_average(),
    })
}

fn article(texts: &[String], n: u64) -> &[u8] {
    let i = usize::try_from(n).unwrap_or(0) % texts.len().max(1);
    texts.get(i).map_or(&[][..], |t| t.as_bytes())
}

async fn saturation(mut settings: Settings, plan: &Plan) -> Result<Saturation, BenchError> {
    create_topics(&mut settings, "e2e-saturation", plan.partitions).await?;
    let texts = plan.texts.clone();
    let load_per_s = load(
        &settings.kafka.brokers,
        &settings.kafka.input_topic,
        plan.articles,
        |n| (format!("e2e-{n}"), article(&texts, n).to_vec()),
    )
    .await?;
    let reader = Reader::start(&settings, plan.articles)?;
    let started = Instant::now();
    let mut worker = spawn_worker(&settings)?;
    let done = reader.wait(&mut worker, plan.articles).await;
    let worker_peak_rss_kb = stop_worker(worker);
    let arrivals = done?;
    let first = arrivals.iter().flatten().min().copied().unwrap_or(started);
    let last = arrivals.iter().flatten().max().copied().unwrap_or(started);
    let seconds_steady = (last - first).as_secs_f64();
    Ok(Saturation {
        articles: plan.articles,
        load_per_s,
        seconds_total: (last - started).as_secs_f64(),
        seconds_steady,
        articles_per_s: plan.articles.saturating_sub(1) as f64 / seconds_steady.max(1e-9),
        worker_peak_rss_kb,
    })
}

async fn latency(mut settings: Settings, plan: &Plan, rate: f64) -> Result<Latency, BenchError> {
    create_topics(&mut settings, "e2e-latency", plan.partitions).await?;
    let warm_up: u64 = 200;
    let articles = (rate * plan.seconds).round().max(1.0) as u64;
    let total = warm_up + articles;
    let reader = Reader::start(&settings, total)?;
    let mut worker = spawn_worker(&settings)?;
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &settings.kafka.brokers)
        .set("linger.ms", "1")
        .set("compression.type", "lz4")
        .create()?;
    let topic = settings.kafka.input_topic.clone();
    let sent: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; total as usize]));
    // Warm-up: the group joins and the first articles go through before timing starts.
    for n in 0..warm_up {
        send(&producer, &topic, n, article(&plan.texts, n), &sent)?;
    }
    let warmed = reader
        .wait_for(&mut worker, warm_up, Duration::from_secs(120))
        .await;
    if let Err(err) = warmed {
        stop_worker(worker);
        return Err(err);
    }
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for n in warm_up..total {
        ticker.tick().await;
        send(&producer, &topic, n, article(&plan.texts, n), &sent)?;
    }
    producer.flush(Timeout::After(Duration::from_secs(30)))?;
    let done = reader.wait(&mut worker, total).await;
    let worker_peak_rss_kb = stop_worker(worker);
    let arrivals = done?;
    let sent = sent.lock().map(|s| s.clone()).unwrap_or_default();
    let mut latencies: Vec<f64> = sent
        .iter()
        .zip(&arrivals)
        .skip(warm_up as usize)
        .filter_map(|(sent, arrived)| {
            Some(
                (arrived.as_ref()?.saturating_duration_since(*sent.as_ref()?)).as_secs_f64()
                    * 1000.0,
            )
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).copied().unwrap_or(f64::NAN)
    };
    Ok(Latency {
        rate_per_s: rate,
        articles,
        received: latencies.len() as u64,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        worker_peak_rss_kb,
    })
}

/// Hands one article to the producer and notes the time.
fn send(
    producer: &FutureProducer,
    topic: &str,
    n: u64,
    payload: &[u8],
    sent: &Mutex<Vec<Option<Instant>>>,
) -> Result<(), BenchError> {
    let key = format!("e2e-{n}");
    let mut record = FutureRecord::to(topic).key(&key).payload(payload);
    loop {
        let now = Instant::now();
        match producer.send_result(record) {
            Ok(_delivery) => {
                if let Ok(mut sent) = sent.lock() {
                    if let Some(slot) = sent.get_mut(n as usize) {
                        *slot = Some(now);
                    }
                }
                return Ok(());
            }
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                producer.poll(Duration::from_millis(10));
            }
            Err((err, _)) => return Err(err.into()),
        }
    }
}

/// The worker binary as a child process on the bench's topics.
fn spawn_worker(settings: &Settings) -> Result<Child, BenchError> {
    let exe = std::env::current_exe().map_err(BenchError::Worker)?;
    let log = std::env::temp_dir().join(format!("{}.log", settings.kafka.group_id));
    let stderr = std::fs::File::create(&log).map_err(BenchError::Worker)?;
    let k = &settings.kafka;
    let mut command = Command::new(exe);
    command
        .arg("run")
        .env("NEWS_ENRICHER__KAFKA__BROKERS", &k.brokers)
        .env("NEWS_ENRICHER__KAFKA__GROUP_ID", &k.group_id)
        .env("NEWS_ENRICHER__KAFKA__INPUT_TOPIC", &k.input_topic)
        .env("NEWS_ENRICHER__KAFKA__OUTPUT_TOPIC", &k.output_topic)
        .env(
            "NEWS_ENRICHER__KAFKA__DEAD_LETTER_TOPIC",
            &k.dead_letter_topic,
        )
        .env("NEWS_ENRICHER__LOG__FORMAT", "json")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);
    tracing::info!(log = %log.display(), "Worker started for the benchmark.");
    command.spawn().map_err(BenchError::Worker)
}

/// SIGTERM, wait, and the worker's peak RSS (read just before the signal).
fn stop_worker(mut worker: Child) -> u64 {
    let rss = peak_rss_kb_of(&PathBuf::from(format!("/proc/{}/status", worker.id())));
    let _ = Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status();
    let _ = worker.wait();
    rss
}

/// Reads the output topic on a thread of its own and notes when each record arrived.
struct Reader {
    arrivals: Arc<Mutex<Vec<Option<Instant>>>>,
    received: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<Result<(), KafkaError>>>,
}

impl Reader {
    fn start(settings: &Settings, expected: u64) -> Result<Reader, BenchError> {
        let topic = settings.kafka.output_topic.clone();
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &settings.kafka.brokers)
            .set("group.id", format!("{topic}-reader"))
            .set("enable.auto.commit", "false")
            .set("isolation.level", "read_committed")
            .set("fetch.wait.max.ms", "10")
            .create()?;
        let metadata = consumer.fetch_metadata(Some(&topic), Duration::from_secs(10))?;
        let mut assignment = TopicPartitionList::new();
        for topic_metadata in metadata.topics() {
            for partition in topic_metadata.partitions() {
                assignment.add_partition_offset(&topic, partition.id(), Offset::Beginning)?;
            }
        }
        consumer.assign(&assignment)?;
        let arrivals = Arc::new(Mutex::new(vec![None; expected as usize]));
        let received = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (arrivals, received, stop) = (arrivals.clone(), received.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Some(message) = consumer.poll(Duration::from_millis(50)) else {
                        continue;
                    };
                    let now = Instant::now();
                    let message = message?;
                    let n = message
                        .key()
                        .and_then(|k| std::str::from_utf8(k).ok())
                        .and_then(|k| k.strip_prefix("e2e-"))
                        .and_then(|n| n.parse::<usize>().ok());
                    if let (Some(n), Ok(mut arrivals)) = (n, arrivals.lock()) {
                        if let Some(slot @ None) = arrivals.get_mut(n) {
                            *slot = Some(now);
                            received.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Ok(())
            })
        };
        Ok(Reader {
            arrivals,
            received,
            stop,
            thread: Some(thread),
        })
    }

    /// Waits until `count` distinct records arrived; fails when the worker exits or
    /// nothing arrives for a minute.
    async fn wait_for(
        &self,
        worker: &mut Child,
        count: u64,
        quiet: Duration,
    ) -> Result<(), BenchError> {
        let mut last = (0, Instant::now());
        loop {
            let received = self.received.load(Ordering::Relaxed);
            if received >= count {
                return Ok(());
            }
            if received != last.0 {
                last = (received, Instant::now());
            }
            let exited = matches!(worker.try_wait(), Ok(Some(_)));
            if exited || last.1.elapsed() > quiet {
                return Err(BenchError::Stalled {
                    published: received,
                    expected: count,
                });
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// [`Reader::wait_for`] every record, then stops reading and returns the arrivals.
    async fn wait(
        mut self,
        worker: &mut Child,
        count: u64,
    ) -> Result<Vec<Option<Instant>>, BenchError> {
        let waited = self.wait_for(worker, count, Duration::from_secs(60)).await;
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            match thread.join() {
                Ok(Ok(())) => {}
                Ok(Err(err)) => return Err(err.into()),
                Err(_) => return Err(BenchError::Kafka(KafkaError::Canceled)),
            }
        }
        waited?;
        let arrivals = self.arrivals.lock().map(|a| a.clone()).unwrap_or_default();
        Ok(arrivals)
    }
}

/// `/proc/loadavg`'s three load averages, or empty where unknown.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
