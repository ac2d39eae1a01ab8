//! Kafka clients: the only place librdkafka properties are set, and the callbacks
//! (statistics, rebalances, logs) that feed [`Stats`] and tracing.

use std::sync::Arc;

use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::producer::FutureProducer;
use rdkafka::statistics::Statistics;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::TopicPartitionList;

use crate::config::{Delivery, KafkaSettings};
use crate::stats::{RebalanceKind, Stats};

/// The consumer the pipeline reads articles from.
pub type ArticleConsumer = rdkafka::consumer::StreamConsumer<WorkerContext>;

/// How often librdkafka reports statistics (consumer lag, producer connections) to
/// [`WorkerContext`].
const STATISTICS_INTERVAL_MS: &str = "5000";

/// Callbacks shared by the worker's consumer and producer.
#[derive(Clone)]
pub struct WorkerContext {
    stats: Arc<Stats>,
    role: &'static str,
}

impl WorkerContext {
    pub fn new(stats: Arc<Stats>, role: &'static str) -> WorkerContext {
        WorkerContext { stats, role }
    }
}

impl ClientContext for WorkerContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        let client = self.role;
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => {
                tracing::error!(client, facility, "librdkafka: {message}")
            }
            RDKafkaLogLevel::Warning => tracing::warn!(client, facility, "librdkafka: {message}"),
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(client, facility, "librdkafka: {message}")
            }
            RDKafkaLogLevel::Debug => tracing::debug!(client, facility, "librdkafka: {message}"),
        }
    }

    fn stats(&self, statistics: Statistics) {
        match self.role {
            "consumer" => self.stats.set_lag(
                statistics
                    .topics
                    .iter()
                    .flat_map(|(topic, t)| {
                        t.partitions
                            .iter()
                            .map(move |(partition, p)| (topic, *partition, p.consumer_lag))
                    })
                    .filter(|(_, partition, lag)| *partition >= 0 && *lag >= 0)
                    .map(|(topic, partition, lag)| (topic.clone(), partition, lag)),
            ),
            _ => self.stats.set_producer_connected(
                statistics
                    .brokers
                    .values()
                    .any(|broker| broker.state == "UP"),
            ),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        let client = self.role;
        if client == "producer"
            && error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown)
        {
            self.stats.set_producer_connected(false);
        }
        tracing::warn!(client, error = %error, "Kafka client error: {reason}.");
    }
}

impl ConsumerContext for WorkerContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(partitions) = rebalance {
            // Commit what was stored for the partitions we lose; articles still in
            // flight for them are redelivered to the new owner (at-least-once).
            match consumer.commit_consumer_state(CommitMode::Sync) {
                Ok(()) => tracing::info!(
                    partitions = partitions.count(),
                    "Committed stored offsets before partitions were revoked."
                ),
                Err(err) => tracing::debug!(
                    error = %err,
                    "Nothing committed before partitions were revoked."
                ),
            }
        }
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let kind = match rebalance {
            Rebalance::Assign(_) => RebalanceKind::assign,
            Rebalance::Revoke(_) => RebalanceKind::revoke,
            Rebalance::Error(_) => RebalanceKind::error,
        };
        let assigned = consumer.assignment().map_or(0, |list| list.count());
        self.stats.rebalanced(kind, assigned);
        match rebalance {
            Rebalance::Assign(partitions) => tracing::info!(
                partitions = %describe(partitions),
                "Partitions assigned."
            ),
            Rebalance::Revoke(partitions) => tracing::info!(
                partitions = %describe(partitions),
                "Partitions revoked."
            ),
            Rebalance::Error(err) => tracing::warn!(error = %err, "Rebalance failed."),
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => {
                self.stats.committed(true);
                tracing::debug!(offsets = %describe(offsets), "Offsets committed.");
            }
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(err) => {
                self.stats.committed(false);
                tracing::warn!(error = %err, "Offset commit failed.");
            }
        }
    }
}

/// `topic[partition]@offset, ...` for logs.
fn describe(list: &TopicPartitionList) -> String {
    list.elements()
        .iter()
        .map(|e| format!("{}[{}]@{:?}", e.topic(), e.partition(), e.offset()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the consumer. At least once: offsets are stored by the pipeline only and
/// committed by librdkafka. Exactly once: offsets are committed inside the producer's
/// transactions only, and only committed input is read.
pub fn consumer(
    settings: &KafkaSettings,
    delivery: Delivery,
    stats: Arc<Stats>,
) -> KafkaResult<ArticleConsumer> {
    let exactly_once = delivery == Delivery::ExactlyOnce;
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.brokers)
        .set("group.id", &settings.group_id)
        .set(
            "enable.auto.commit",
            if exactly_once { "false" } else { "true" },
        )
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", settings.auto_offset_reset.as_str())
        .set("statistics.interval.ms", STATISTICS_INTERVAL_MS)
        .set("client.id", "news-enricher");
    for (name, value) in &settings.consumer {
        config.set(name, value);
    }
    if exactly_once {
        config.set("isolation.level", "read_committed");
    }
    config.create_with_context(WorkerContext::new(stats, "consumer"))
}

/// Builds the idempotent producer used for output records and dead letters; under
/// exactly-once delivery it is transactional, with `kafka.transactional_id`.
pub fn producer(
    settings: &KafkaSettings,
    delivery: Delivery,
    stats: Arc<Stats>,
) -> KafkaResult<FutureProducer<WorkerContext>> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.brokers)
        .set("enable.idempotence", "true")
        .set("statistics.interval.ms", STATISTICS_INTERVAL_MS)
        .set("client.id", "news-enricher");
    for (name, value) in &settings.producer {
        config.set(name, value);
    }
    if delivery == Delivery::ExactlyOnce {
        config.set("transactional.id", &settings.transactional_id);
        // librdkafka requires message.timeout.ms <= transaction.timeout.ms.
        if let (Some(message_timeout), false) = (
            settings.producer.get("message.timeout.ms"),
            settings.producer.contains_key("transaction.timeout.ms"),
        ) {
            config.set("transaction.timeout.ms", message_timeout);
        }
    }
    config.create_with_context(WorkerContext::new(stats, "producer"))
}
