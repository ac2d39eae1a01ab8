//! The worker's state as numbers: counters, gauges and latency histograms shared by the
//! pipeline, the Kafka callbacks, the progress log and the HTTP endpoint, exported as
//! Prometheus metrics (every series prefixed `news_enricher_`), and the health rules
//! (`/livez`, `/readyz`) derived from them.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

use crate::enrich::StageTimes;

/// Prefix of every exported series.
pub const METRIC_PREFIX: &str = "news_enricher";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClassLabel {
    class: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
struct PartitionLabel {
    topic: String,
    partition: i32,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabel {
    stage: &'static str,
}

/// What a rebalance did to this member's assignment.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum RebalanceKind {
    assign,
    revoke,
    error,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RebalanceLabel {
    kind: RebalanceKind,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommitLabel {
    outcome: &'static str,
}

/// The enrichment stages timed per article, in [`StageTimes`] order.
const STAGES: [&str; 6] = ["language", "text", "ner", "entities", "quotes", "events"];

/// Upper bounds (seconds) of the per-article latency buckets: consume to acknowledgement.
const ARTICLE_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Upper bounds (seconds) of the per-stage buckets (a stage takes microseconds to milliseconds).
const STAGE_BUCKETS: [f64; 15] = [
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 1.0,
];

/// Counters, gauges and histograms updated lock-free from any thread.
#[derive(Debug)]
pub struct Stats {
    registry: Registry,
    consumed: Counter,
    published: Counter,
    dead_lettered: Family<ClassLabel, Counter>,
    /// All classes together, for the progress log (not exported: sum the family).
    dead_lettered_total: Counter,
    enrichment_failures: Counter,
    in_flight: Gauge,
    article_seconds: Histogram,
    stage_seconds: [Histogram; 6],
    lag: Family<PartitionLabel, Gauge>,
    /// Partitions with a lag series, so that revoked ones can be removed.
    lag_partitions: Mutex<BTreeSet<PartitionLabel>>,
    /// Total consumer lag over assigned partitions; -1 until known.
    lag_total: AtomicI64,
    rebalances: Family<RebalanceLabel, Counter>,
    rebalances_total: Counter,
    commits: Family<CommitLabel, Counter>,
    assigned_partitions: Gauge,
    producer_connected: Gauge,
    draining: Gauge,
    started: Instant,
    /// Milliseconds after `started` when a message last finished (or partitions were assigned).
    last_progress_ms: AtomicU64,
}

/// A consistent-enough copy of the main counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Snapshot {
    pub consumed: u64,
    pub published: u64,
    pub dead_lettered: u64,
    pub enrichment_failures: u64,
    pub in_flight: i64,
    pub rebalances: u64,
    pub lag: i64,
    pub assigned_partitions: i64,
}

/// Whether the worker is making progress (`/livez`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    Live,
    /// Work is waiting (lag or articles in flight) but nothing finished for this long.
    Stalled {
        lag: i64,
        in_flight: i64,
        idle: Duration,
    },
}

/// Whether the worker should be counted as serving (`/readyz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    NoPartitions,
    ProducerDisconnected,
    Draining,
}

impl Readiness {
    pub fn reason(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::NoPartitions => "no partitions assigned",
            Readiness::ProducerDisconnected => "producer not connected",
            Readiness::Draining => "draining",
        }
    }
}

impl Default for Stats {
    fn default() -> Stats {
        Stats::new()
    }
}

impl Stats {
    pub fn new() -> Stats {
        let mut registry = Registry::with_prefix(METRIC_PREFIX);
        let stage_family: Family<StageLabel, Histogram, _> =
            Family::new_with_constructor(|| Histogram::new(STAGE_BUCKETS));
        let stats = Stats {
            registry: Registry::default(),
            consumed: Counter::default(),
            published: Counter::default(),
            dead_lettered: Family::default(),
            dead_lettered_total: Counter::default(),
            enrichment_failures: Counter::default(),
            in_flight: Gauge::default(),
            article_seconds: Histogram::new(ARTICLE_BUCKETS),
            // Handles into the family, so that observing takes no family lock.
            stage_seconds: STAGES
                .map(|stage| stage_family.get_or_create_owned(&StageLabel { stage })),
            lag: Family::default(),
            lag_partitions: Mutex::new(BTreeSet::new()),
            lag_total: AtomicI64::new(-1),
            rebalances: Family::default(),
            rebalances_total: Counter::default(),
            commits: Family::default(),
            assigned_partitions: Gauge::default(),
            producer_connected: Gauge::default(),
            draining: Gauge::default(),
            started: Instant::now(),
            last_progress_ms: AtomicU64::new(0),
        };
        registry.register(
            "build",
            "Version and build features of the running binary",
            Info::new(vec![
                ("version", env!("CARGO_PKG_VERSION")),
                ("otel", if cfg!(feature = "otel") { "on" } else { "off" }),
            ]),
        );
        registry.register(
            "articles_consumed",
            "Input messages taken from the input topic",
            stats.consumed.clone(),
        );
        registry.register(
            "articles_published",
            "Output records acknowledged by the broker",
            stats.published.clone(),
        );
        registry.register(
            "articles_dead_lettered",
            "Messages acknowledged on the dead-letter topic, by error class",
            stats.dead_lettered.clone(),
        );
        registry.register(
            "enrichment_failures",
            "Articles whose enrichment panicked (they are dead-lettered as enrichment_panic)",
            stats.enrichment_failures.clone(),
        );
        registry.register(
            "articles_in_flight",
            "Articles taken from the input and not yet acknowledged on an output topic",
            stats.in_flight.clone(),
        );
        registry.register_with_unit(
            "article_duration",
            "Time from taking a message to the broker's acknowledgement of its output",
            Unit::Seconds,
            stats.article_seconds.clone(),
        );
        registry.register_with_unit(
            "stage_duration",
            "Time per article in each enrichment stage",
            Unit::Seconds,
            stage_family,
        );
        registry.register(
            "consumer_lag",
            "Messages behind the partition's end (committed offset to high watermark), from librdkafka statistics",
            stats.lag.clone(),
        );
        registry.register(
            "rebalances",
            "Consumer group rebalances seen by this member, by kind",
            stats.rebalances.clone(),
        );
        registry.register(
            "commits",
            "Offset commits reported by librdkafka, by outcome",
            stats.commits.clone(),
        );
        registry.register(
            "assigned_partitions",
            "Input partitions currently assigned to this member",
            stats.assigned_partitions.clone(),
        );
        registry.register(
            "producer_connected",
            "1 when the producer has a broker connection up, else 0",
            stats.producer_connected.clone(),
        );
        registry.register(
            "draining",
            "1 after a shutdown was requested, while in-flight articles finish",
            stats.draining.clone(),
        );
        Stats { registry, ..stats }
    }

    /// A message was taken from the input.
    pub fn message_started(&self) {
        self.consumed.inc();
        self.in_flight.inc();
    }

    /// A message left the pipeline (or was abandoned), `taken` when it was consumed.
    pub fn message_finished(&self, taken: Instant) {
        self.article_seconds.observe(taken.elapsed().as_secs_f64());
        self.in_flight.dec();
    }

    /// An output record was acknowledged.
    pub fn published(&self) {
        self.published.inc();
        self.progressed();
    }

    /// A dead letter of `class` was acknowledged.
    pub fn dead_lettered(&self, class: &str) {
        self.dead_lettered
            .get_or_create(&ClassLabel {
                class: class.to_string(),
            })
            .inc();
        self.dead_lettered_total.inc();
        self.progressed();
    }

    /// Enrichment panicked on an article.
    pub fn enrichment_failed(&self) {
        self.enrichment_failures.inc();
    }

    /// Adds one article's stage times to the stage histograms.
    pub fn record_stages(&self, times: &StageTimes) {
        let durations = [
            times.language,
            times.text,
            times.ner,
            times.entities,
            times.quotes,
            times.events,
        ];
        for (histogram, duration) in self.stage_seconds.iter().zip(durations) {
            histogram.observe(duration.as_secs_f64());
        }
    }

    /// Replaces the per-partition lag with a new statistics report: `(topic, partition, lag)`
    /// for every assigned partition whose lag is known.
    pub fn set_lag(&self, partitions: impl IntoIterator<Item = (String, i32, i64)>) {
        let mut total = 0;
        let mut seen = BTreeSet::new();
        for (topic, partition, lag) in partitions {
            let label = PartitionLabel { topic, partition };
            self.lag.get_or_create(&label).set(lag);
            seen.insert(label);
            total += lag;
        }
        let mut known = self
            .lag_partitions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for gone in known.difference(&seen) {
            self.lag.remove(gone);
        }
        *known = seen;
        self.lag_total.store(total, Ordering::Relaxed);
    }

    /// A rebalance happened; `assigned` is the number of partitions assigned after it.
    pub fn rebalanced(&self, kind: RebalanceKind, assigned: usize) {
        self.rebalances
            .get_or_create(&RebalanceLabel { kind })
            .inc();
        self.rebalances_total.inc();
        self.assigned_partitions
            .set(i64::try_from(assigned).unwrap_or(i64::MAX));
        if kind == RebalanceKind::assign {
            // A fresh assignment starts a fresh stall clock.
            self.progressed();
        }
    }

    /// librdkafka reported a commit.
    pub fn committed(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.commits.get_or_create(&CommitLabel { outcome }).inc();
    }

    pub fn set_producer_connected(&self, connected: bool) {
        self.producer_connected.set(i64::from(connected));
    }

    /// Shutdown was requested: readiness turns false for good.
    pub fn set_draining(&self) {
        self.draining.set(1);
    }

    fn progressed(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_progress_ms.store(now, Ordering::Relaxed);
    }

    /// Time since a message last finished (or since start-up or the last assignment).
    pub fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_progress_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            consumed: self.consumed.get(),
            published: self.published.get(),
            dead_lettered: self.dead_lettered_total.get(),
            enrichment_failures: self.enrichment_failures.get(),
            in_flight: self.in_flight.get(),
            rebalances: self.rebalances_total.get(),
            lag: self.lag_total.load(Ordering::Relaxed),
            assigned_partitions: self.assigned_partitions.get(),
        }
    }

    /// `/livez`: stalled when there is lag or work in flight and nothing finished for
    /// `stall_after` (the "consumer silently stops" failure of librdkafka clients).
    pub fn liveness(&self, stall_after: Duration) -> Liveness {
        let now = self.snapshot();
        let idle = self.idle();
        if (now.lag > 0 || now.in_flight > 0) && idle >= stall_after {
            Liveness::Stalled {
                lag: now.lag,
                in_flight: now.in_flight,
                idle,
            }
        } else {
            Liveness::Live
        }
    }

    /// `/readyz`: partitions assigned, producer connected, not draining.
    pub fn readiness(&self) -> Readiness {
        if self.draining.get() != 0 {
            Readiness::Draining
        } else if self.assigned_partitions.get() <= 0 {
            Readiness::NoPartitions
        } else if self.producer_connected.get() == 0 {
            Readiness::ProducerDisconnected
        } else {
            Readiness::Ready
        }
    }

    /// Every series in the Prometheus text format (version 0.0.4).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// Content type of [`Stats::encode`].
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[cfg(test)]
mod tests {
    use super::*;

    /// Stats with every family holding a series, so that each appears in the text.
    fn busy() -> Stats {
        let stats = Stats::new();
        stats.message_started();
        stats.published();
        stats.dead_lettered("empty_body");
        stats.enrichment_failed();
        stats.message_finished(Instant::now());
        stats.record_stages(&StageTimes::default());
        stats.set_lag([("articles".to_string(), 0, 7)]);
        stats.rebalanced(RebalanceKind::assign, 1);
        stats.committed(true);
        stats
    }

    #[test]
    fn every_series_is_prefixed_and_counts_show() {
        let text = busy().encode();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.starts_with("news_enricher_"), "{line}");
        }
        for series in [
            "news_enricher_articles_consumed_total 1",
            "news_enricher_articles_published_total 1",
            "news_enricher_articles_dead_lettered_total{class=\"empty_body\"} 1",
            "news_enricher_enrichment_failures_total 1",
            "news_enricher_articles_in_flight 0",
            "news_enricher_consumer_lag{topic=\"articles\",partition=\"0\"} 7",
            "news_enricher_rebalances_total{kind=\"assign\"} 1",
            "news_enricher_commits_total{outcome=\"ok\"} 1",
            "news_enricher_stage_duration_seconds_count{stage=\"ner\"} 1",
            "news_enricher_article_duration_seconds_count 1",
        ] {
            assert!(
                text.lines().any(|l| l == series),
                "{series} missing:\n{text}"
            );
        }
    }

    #[test]
    fn revoked_partitions_lose_their_lag_series() {
        let stats = Stats::new();
        stats.set_lag([("a".to_string(), 0, 3), ("a".to_string(), 1, 4)]);
        assert_eq!(stats.snapshot().lag, 7);
        stats.set_lag([("a".to_string(), 1, 2)]);
        let text = stats.encode();
        assert!(!text.contains("partition=\"0\""), "{text}");
        assert!(text.contains("news_enricher_consumer_lag{topic=\"a\",partition=\"1\"} 2"));
        assert_eq!(stats.snapshot().lag, 2);
    }

    #[test]
    fn the_grafana_dashboard_uses_only_exported_series() {
        let dashboard = include_str!("../deploy/grafana-dashboard.json");
        let text = busy().encode();
        let exported: BTreeSet<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split(['{', ' ']).next())
            .collect();
        let mut used = BTreeSet::new();
        for (at, _) in dashboard.match_indices("news_enricher_") {
            let name: String = dashboard[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            // "news_enricher_*" in prose names the prefix, not a series.
            if !name.ends_with('_') {
                used.insert(name);
            }
        }
        assert!(used.len() >= 10, "{used:?}");
        for name in &used {
            assert!(exported.contains(name.as_str()), "{name} is not exported");
        }
    }
}
