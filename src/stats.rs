//! Running counters of the worker, shared between the pipeline, the Kafka callbacks and the progress log.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Counters updated lock-free from any thread.
#[derive(Debug, Default)]
pub struct Stats {
    pub consumed: AtomicU64,
    pub published: AtomicU64,
    pub dead_lettered: AtomicU64,
    pub enrichment_panics: AtomicU64,
    pub in_flight: AtomicI64,
    pub rebalances: AtomicU64,
    /// Total consumer lag over assigned partitions, from librdkafka statistics; -1 until known.
    pub lag: AtomicI64,
}

/// A consistent-enough copy of the counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Snapshot {
    pub consumed: u64,
    pub published: u64,
    pub dead_lettered: u64,
    pub enrichment_panics: u64,
    pub in_flight: i64,
    pub rebalances: u64,
    pub lag: i64,
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            lag: AtomicI64::new(-1),
            ..Stats::default()
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            consumed: self.consumed.load(Ordering::Relaxed),
            published: self.published.load(Ordering::Relaxed),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
            enrichment_panics: self.enrichment_panics.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            rebalances: self.rebalances.load(Ordering::Relaxed),
            lag: self.lag.load(Ordering::Relaxed),
        }
    }
}

/// Adds one to a counter.
pub fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}
