//! The worker loop: consume -> process on the CPU pool -> produce -> store offset.
//!
//! Articles are processed concurrently (up to `pipeline.max_in_flight`) but finish
//! in input order, so an offset is stored only when every earlier message of the
//! same partition has been published or dead-lettered and acknowledged.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt};
use rdkafka::consumer::{CommitMode, Consumer};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::{BorrowedMessage, Header, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::article::Article;
use crate::config::{Delivery, Settings};
use crate::dead_letter::{self, Rejection};
use crate::decode::Limits;
use crate::encode::SourcePosition;
use crate::enrich::Enrichment;
use crate::kafka::{self, WorkerContext};
use crate::process::{self, Options, Outcome};
use crate::stats::Stats;
use crate::trace_context::{self, TraceContext};

/// The worker cannot go on: it stops, and offsets not yet stored are redelivered.
#[derive(Debug)]
pub enum PipelineError {
    /// A Kafka client could not be created or could not subscribe.
    Client(KafkaError),
    /// The CPU worker pool could not be started.
    Pool(String),
    /// A configured topic does not exist on the cluster.
    MissingTopic { topic: String },
    /// A record could not be delivered even after librdkafka's retries.
    Delivery { topic: String, error: KafkaError },
    /// A transaction could not be started or committed (exactly-once delivery).
    Transaction(KafkaError),
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Client(err) => write!(f, "cannot set up the Kafka clients: {err}"),
            PipelineError::Pool(err) => write!(f, "cannot start the enrichment threads: {err}"),
            PipelineError::MissingTopic { topic } => write!(
                f,
                "topic {topic} does not exist; create it (the worker does not create topics)"
            ),
            PipelineError::Transaction(err) => write!(f, "Kafka transaction failed: {err}"),
            PipelineError::Delivery { topic, error } => {
                write!(f, "cannot deliver a record to topic {topic}: {error}")
            }
        }
    }
}

impl std::error::Error for PipelineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PipelineError::Client(err)
            | PipelineError::Delivery { error: err, .. }
            | PipelineError::Transaction(err) => Some(err),
            PipelineError::Pool(_) | PipelineError::MissingTopic { .. } => None,
        }
    }
}

/// What one run of the worker did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub published: u64,
    pub dead_lettered: u64,
    /// Articles abandoned at the shutdown deadline; they are redelivered later.
    pub abandoned: i64,
}

/// The enrichment function the pipeline calls on its CPU pool.
pub type EnrichFn = dyn Fn(&Article) -> Enrichment + Send + Sync;

/// Everything a message's future needs, shared by all of them.
struct Shared {
    producer: FutureProducer<WorkerContext>,
    pool: rayon::ThreadPool,
    enrich: Arc<EnrichFn>,
    options: Options,
    output_topic: String,
    dead_letter_topic: String,
    stats: Arc<Stats>,
}

/// How a message left the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Published,
    DeadLettered,
}

/// Runs the worker until `shutdown` completes or a [`PipelineError`] stops it.
///
/// On shutdown, intake stops, in-flight articles are drained, the producer is
/// flushed and stored offsets are committed, all within
/// `pipeline.shutdown_deadline_secs`. Articles not finished by then are not
/// committed and will be redelivered.
pub async fn run(
    settings: &Settings,
    enrich: Arc<EnrichFn>,
    stats: Arc<Stats>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Summary, PipelineError> {
    let draining = stats.clone();
    let shutdown = async move {
        shutdown.await;
        draining.set_draining();
        tracing::info!("Shutdown requested; draining in-flight articles.");
    }
    .boxed()
    .shared();
    let delivery = settings.pipeline.delivery;
    let consumer =
        kafka::consumer(&settings.kafka, delivery, stats.clone()).map_err(PipelineError::Client)?;
    let producer =
        kafka::producer(&settings.kafka, delivery, stats.clone()).map_err(PipelineError::Client)?;
    let k = &settings.kafka;
    let topics = [&k.input_topic, &k.output_topic, &k.dead_letter_topic];
    tokio::select! {
        checked = check_topics(&producer, topics.map(String::clone)) => checked?,
        () = shutdown.clone() => return Ok(Summary::default()),
    }
    // The producer reached the cluster; its statistics keep this up to date from now on.
    stats.set_producer_connected(true);
    consumer
        .subscribe(&[settings.kafka.input_topic.as_str()])
        .map_err(PipelineError::Client)?;
    let threads = settings.pipeline.effective_worker_threads();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("enrich-{i}"))
        .build()
        .map_err(|err| PipelineError::Pool(err.to_string()))?;
    let shared = Arc::new(Shared {
        producer,
        pool,
        enrich,
        options: Options {
            limits: Limits {
                max_body_bytes: settings.pipeline.max_body_bytes,
            },
            include_body: settings.pipeline.include_body,
        },
        output_topic: settings.kafka.output_topic.clone(),
        dead_letter_topic: settings.kafka.dead_letter_topic.clone(),
        stats: stats.clone(),
    });
    tracing::info!(
        input = %settings.kafka.input_topic,
        output = %settings.kafka.output_topic,
        dead_letter = %settings.kafka.dead_letter_topic,
        threads,
        max_in_flight = settings.pipeline.max_in_flight,
        "Worker started."
    );

    let deadline_secs = settings.pipeline.shutdown_deadline();
    let deadline = {
        let shutdown = shutdown.clone();
        async move {
            shutdown.await;
            tokio::time::sleep(deadline_secs).await;
        }
    };
    let started_drain = {
        let shutdown = shutdown.clone();
        async move {
            shutdown.await;
            Instant::now()
        }
    }
    .shared();
    let progress = tokio::spawn(log_progress(
        stats.clone(),
        Duration::from_secs(settings.log.progress_interval_secs),
    ));

    let mut summary = Summary::default();
    let outcome = if delivery == Delivery::ExactlyOnce {
        let batches = consumer
            .stream()
            .take_until(shutdown.clone())
            .filter_map(detach)
            .ready_chunks(settings.pipeline.max_in_flight);
        transactions(
            &consumer,
            &shared,
            batches,
            deadline,
            settings,
            &mut summary,
        )
        .await
    } else {
        let messages = consumer
            .stream()
            .take_until(shutdown.clone())
            .filter_map(detach);
        let finished = messages
            .map(|message| handle(shared.clone(), message))
            .buffered(settings.pipeline.max_in_flight);
        tokio::pin!(finished);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                biased;
                next = finished.next() => match next {
                    None => break Ok(()),
                    Some(Err(err)) => break Err(err),
                    Some(Ok((position, fate))) => {
                        match fate {
                            Fate::Published => summary.published += 1,
                            Fate::DeadLettered => summary.dead_lettered += 1,
                        }
                        if let Err(err) = consumer.store_offset(&position.topic, position.partition, position.offset) {
                            // The partition was revoked meanwhile; its new owner redelivers.
                            tracing::debug!(error = %err, topic = %position.topic, partition = position.partition, "Offset not stored.");
                        }
                    }
                },
                () = &mut deadline => {
                    summary.abandoned = stats.snapshot().in_flight;
                    tracing::warn!(abandoned = summary.abandoned, "Shutdown deadline passed; unfinished articles will be redelivered.");
                    break Ok(());
                }
            }
        }
    };
    progress.abort();

    // Flush and commit within what is left of the deadline (or a full deadline
    // when stopping on an error).
    let spent = started_drain
        .now_or_never()
        .map_or(Duration::ZERO, |t| t.elapsed());
    let remaining = deadline_secs
        .saturating_sub(spent)
        .max(Duration::from_millis(500));
    if let Err(err) = shared.producer.flush(Timeout::After(remaining)) {
        tracing::warn!(error = %err, "Producer flush did not finish.");
    }
    match consumer.commit_consumer_state(CommitMode::Sync) {
        Ok(()) => tracing::info!("Stored offsets committed."),
        Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {
            tracing::debug!("Final commit had nothing to do.");
        }
        // The articles published since the last commit are redelivered: duplicates, no loss.
        Err(err) => {
            tracing::warn!(error = %err, "Final commit failed; the articles since the last commit will be redelivered.")
        }
    }
    tracing::info!(
        published = summary.published,
        dead_lettered = summary.dead_lettered,
        abandoned = summary.abandoned,
        "Worker stopped."
    );
    outcome.map(|()| summary)
}

/// How long a transaction call (init, send offsets, commit, abort) may take.
const TRANSACTION_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs a blocking transaction call of the producer off the async threads.
async fn transaction_call<T: Send + 'static>(
    producer: &FutureProducer<WorkerContext>,
    call: impl FnOnce(&FutureProducer<WorkerContext>) -> KafkaResult<T> + Send + 'static,
) -> Result<T, PipelineError> {
    let producer = producer.clone();
    match tokio::task::spawn_blocking(move || call(&producer)).await {
        Ok(result) => result.map_err(PipelineError::Transaction),
        Err(err) => Err(PipelineError::Pool(format!(
            "transaction call stopped: {err}"
        ))),
    }
}

/// The exactly-once loop: each batch (the messages ready at once, at most
/// `max_in_flight`) is processed in one transaction that also carries the batch's
/// input offsets, and is committed only when every record of it is acknowledged.
///
/// Rebalances happen while the consumer is polled, between batches, so no
/// transaction is open when partitions move. A batch whose commit fails is aborted
/// and its partitions are rewound to the batch's first offsets; a fatal error (the
/// producer was fenced by a newer instance with the same `transactional.id`) stops
/// the worker.
async fn transactions<S>(
    consumer: &kafka::ArticleConsumer,
    shared: &Arc<Shared>,
    batches: S,
    deadline: impl Future<Output = ()>,
    settings: &Settings,
    summary: &mut Summary,
) -> Result<(), PipelineError>
where
    S: futures::Stream<Item = Vec<OwnedMessage>>,
{
    transaction_call(&shared.producer, |p| {
        p.init_transactions(TRANSACTION_TIMEOUT)
    })
    .await?;
    tracing::info!(
        transactional_id = %settings.kafka.transactional_id,
        "Transactions initialised; earlier transactions of this id are fenced."
    );
    tokio::pin!(batches);
    tokio::pin!(deadline);
    loop {
        let batch = tokio::select! {
            biased;
            batch = batches.next() => match batch {
                None => return Ok(()),
                Some(batch) => batch,
            },
            () = &mut deadline => return Ok(()),
        };
        // First offset of each partition in the batch, to rewind to on abort; the
        // offset after its last message, to commit.
        let mut rewind: BTreeMap<(String, i32), i64> = BTreeMap::new();
        let mut commit: BTreeMap<(String, i32), i64> = BTreeMap::new();
        for message in &batch {
            let key = (message.topic().to_string(), message.partition());
            rewind.entry(key.clone()).or_insert(message.offset());
            commit.insert(key, message.offset() + 1);
        }
        shared
            .producer
            .begin_transaction()
            .map_err(PipelineError::Transaction)?;
        let mut counts = Summary::default();
        let processed: Result<bool, PipelineError> = {
            let finished = futures::stream::iter(batch)
                .map(|message| handle(shared.clone(), message))
                .buffered(settings.pipeline.max_in_flight);
            tokio::pin!(finished);
            loop {
                tokio::select! {
                    biased;
                    next = finished.next() => match next {
                        None => break Ok(true),
                        Some(Err(err)) => break Err(err),
                        Some(Ok((_, Fate::Published))) => counts.published += 1,
                        Some(Ok((_, Fate::DeadLettered))) => counts.dead_lettered += 1,
                    },
                    () = &mut deadline => break Ok(false),
                }
            }
        };
        let committed = match processed {
            Ok(true) => {
                let mut offsets = TopicPartitionList::new();
                for ((topic, partition), next) in &commit {
                    offsets
                        .add_partition_offset(topic, *partition, Offset::Offset(*next))
                        .map_err(PipelineError::Transaction)?;
                }
                match consumer.group_metadata() {
                    Some(group) => {
                        transaction_call(&shared.producer, move |p| {
                            p.send_offsets_to_transaction(&offsets, &group, TRANSACTION_TIMEOUT)?;
                            p.commit_transaction(TRANSACTION_TIMEOUT)
                        })
                        .await
                    }
                    None => Err(PipelineError::Pool(
                        "the consumer has no group metadata to commit offsets with".to_string(),
                    )),
                }
            }
            Ok(false) => {
                summary.abandoned = shared.stats.snapshot().in_flight;
                tracing::warn!(
                    abandoned = summary.abandoned,
                    "Shutdown deadline passed; the open transaction is aborted and its articles will be redelivered."
                );
                let _ = transaction_call(&shared.producer, |p| {
                    p.abort_transaction(TRANSACTION_TIMEOUT)
                })
                .await;
                return Ok(());
            }
            Err(err) => Err(err),
        };
        match committed {
            Ok(()) => {
                summary.published += counts.published;
                summary.dead_lettered += counts.dead_lettered;
                tracing::debug!(
                    published = counts.published,
                    dead_lettered = counts.dead_lettered,
                    "Transaction committed."
                );
            }
            Err(PipelineError::Transaction(KafkaError::Transaction(err))) if !err.is_fatal() => {
                tracing::warn!(error = %err, articles = counts.published + counts.dead_lettered, "Transaction failed; aborted, and its partitions rewound.");
                transaction_call(&shared.producer, |p| {
                    p.abort_transaction(TRANSACTION_TIMEOUT)
                })
                .await?;
                for ((topic, partition), first) in rewind {
                    // A partition revoked meanwhile is its new owner's to redeliver.
                    if let Err(err) = consumer.seek(
                        &topic,
                        partition,
                        Offset::Offset(first),
                        Duration::from_secs(10),
                    ) {
                        tracing::debug!(error = %err, %topic, partition, "Partition not rewound.");
                    }
                }
            }
            Err(err) => {
                let _ = transaction_call(&shared.producer, |p| {
                    p.abort_transaction(TRANSACTION_TIMEOUT)
                })
                .await;
                return Err(err);
            }
        }
    }
}

/// Waits until the cluster answers, then checks that every topic exists.
///
/// An unreachable cluster is retried (it may still be starting); a missing topic is a
/// configuration error and stops the worker at once.
async fn check_topics(
    producer: &FutureProducer<WorkerContext>,
    topics: [String; 3],
) -> Result<(), PipelineError> {
    const METADATA_TIMEOUT: Duration = Duration::from_secs(10);
    const RETRY_AFTER: Duration = Duration::from_secs(5);
    loop {
        let client = producer.clone();
        let metadata = tokio::task::spawn_blocking(move || {
            client.client().fetch_metadata(None, METADATA_TIMEOUT)
        })
        .await;
        match metadata {
            Ok(Ok(metadata)) => {
                for topic in topics {
                    let known = metadata.topics().iter().any(|t| {
                        t.name() == topic && t.error().is_none() && !t.partitions().is_empty()
                    });
                    if !known {
                        return Err(PipelineError::MissingTopic { topic });
                    }
                }
                return Ok(());
            }
            Ok(Err(err)) => tracing::warn!(
                error = %err,
                retry_in_s = RETRY_AFTER.as_secs(),
                "Kafka cluster not reachable yet; retrying."
            ),
            Err(err) => {
                return Err(PipelineError::Pool(format!(
                    "metadata lookup stopped: {err}"
                )))
            }
        }
        tokio::time::sleep(RETRY_AFTER).await;
    }
}

/// Copies a consumed message out of librdkafka's buffer; logs and skips consumer errors.
///
/// A named function rather than a closure: closures here trip a higher-ranked
/// lifetime limitation when the pipeline future is checked for `Send`.
fn detach(
    message: KafkaResult<BorrowedMessage<'_>>,
) -> futures::future::Ready<Option<OwnedMessage>> {
    futures::future::ready(match message {
        Ok(message) => Some(message.detach()),
        Err(err) => {
            tracing::warn!(error = %err, "Consumer error; going on.");
            None
        }
    })
}

/// One message: CPU work on the pool, then produce, then report its position.
async fn handle(
    shared: Arc<Shared>,
    message: OwnedMessage,
) -> Result<(SourcePosition, Fate), PipelineError> {
    let position = SourcePosition {
        topic: message.topic().to_string(),
        partition: message.partition(),
        offset: message.offset(),
    };
    let span = tracing::info_span!(
        "article",
        topic = %position.topic,
        partition = position.partition,
        offset = position.offset,
        article_id = tracing::field::Empty,
        trace_id = tracing::field::Empty,
        span_id = tracing::field::Empty,
    );
    // This worker's hop of the input's trace, if the input carries one.
    let trace = trace_context::hop(TraceContext::from_headers(message.headers()), &span);
    if let Some(trace) = &trace {
        span.record("trace_id", trace.trace_id_hex());
        span.record("span_id", trace.span_id_hex());
    }
    let taken = Instant::now();
    shared.stats.message_started();
    let result = process_and_publish(&shared, Arc::new(message), &position, trace.as_ref())
        .instrument(span)
        .await;
    shared.stats.message_finished(taken);
    result.map(|fate| (position, fate))
}

async fn process_and_publish(
    shared: &Arc<Shared>,
    message: Arc<OwnedMessage>,
    position: &SourcePosition,
    trace: Option<&TraceContext>,
) -> Result<Fate, PipelineError> {
    let (sender, receiver) = oneshot::channel();
    {
        let job_shared = shared.clone();
        let message = message.clone();
        let position = position.clone();
        let span = tracing::Span::current();
        shared.pool.spawn(move || {
            let _entered = span.enter();
            let outcome = process::process(
                message.payload(),
                message.key(),
                Some(&position),
                job_shared.enrich.as_ref(),
                job_shared.options,
            );
            // The receiver is gone only if the pipeline stopped; nothing to do then.
            let _ = sender.send(outcome);
        });
    }
    let outcome = match receiver.await {
        Ok(outcome) => outcome,
        // `process` catches panics, so the sender is never dropped unsent;
        // should it happen anyway, the message is dead-lettered, not lost.
        Err(_) => Outcome::Rejected {
            article_id: None,
            rejection: Rejection::EnrichmentPanic {
                message: "the enrichment thread stopped without an answer".to_string(),
            },
        },
    };
    let rejection = match outcome {
        Outcome::Enriched { article_id, record } => {
            match send(
                shared,
                &shared.output_topic,
                Some(article_id.as_bytes()),
                Some(&record),
                trace.map(|trace| owned_headers(trace.headers())),
            )
            .await
            {
                Ok(()) => {
                    shared.stats.published();
                    tracing::debug!("Article published.");
                    return Ok(Fate::Published);
                }
                Err(error) if refused_for_itself(&error) => Rejection::OutputRefused {
                    message: error.to_string(),
                },
                Err(error) => {
                    return Err(PipelineError::Delivery {
                        topic: shared.output_topic.clone(),
                        error,
                    })
                }
            }
        }
        Outcome::Rejected { rejection, .. } => rejection,
    };
    if matches!(rejection, Rejection::EnrichmentPanic { .. }) {
        shared.stats.enrichment_failed();
    }
    tracing::warn!(
        error_class = rejection.class(),
        error = %rejection,
        "Article dead-lettered."
    );
    let mut headers = dead_letter::headers(&rejection, position);
    headers.extend(trace.map(TraceContext::headers).unwrap_or_default());
    let headers = owned_headers(headers);
    send(
        shared,
        &shared.dead_letter_topic,
        message.key(),
        message.payload(),
        Some(headers),
    )
    .await
    .map_err(|error| PipelineError::Delivery {
        topic: shared.dead_letter_topic.clone(),
        error,
    })?;
    shared.stats.dead_lettered(rejection.class());
    Ok(Fate::DeadLettered)
}

/// Kafka headers from (name, text) pairs.
fn owned_headers(pairs: Vec<(&'static str, String)>) -> OwnedHeaders {
    pairs
        .into_iter()
        .fold(OwnedHeaders::new(), |headers, (name, value)| {
            headers.insert(Header {
                key: name,
                value: Some(value.as_bytes()),
            })
        })
}

/// Sends one record and waits for the broker's acknowledgement.
async fn send(
    shared: &Shared,
    topic: &str,
    key: Option<&[u8]>,
    payload: Option<&[u8]>,
    headers: Option<OwnedHeaders>,
) -> Result<(), KafkaError> {
    let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(topic);
    if let Some(key) = key {
        record = record.key(key);
    }
    if let Some(payload) = payload {
        record = record.payload(payload);
    }
    if let Some(headers) = headers {
        record = record.headers(headers);
    }
    shared
        .producer
        .send(record, Timeout::Never)
        .await
        .map(|_| ())
        .map_err(|(error, _)| error)
}

/// Whether the broker refused this record for what it is (too large, invalid),
/// rather than because of the cluster's state: such a record is dead-lettered.
fn refused_for_itself(error: &KafkaError) -> bool {
    matches!(
        error,
        KafkaError::MessageProduction(
            RDKafkaErrorCode::MessageSizeTooLarge
                | RDKafkaErrorCode::InvalidMessageSize
                | RDKafkaErrorCode::InvalidMessage
                | RDKafkaErrorCode::InvalidRecord
        )
    )
}

/// Logs rate, in-flight and lag every `interval` (never when it is zero).
async fn log_progress(stats: Arc<Stats>, interval: Duration) {
    if interval.is_zero() {
        return;
    }
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    let mut last = stats.snapshot();
    loop {
        ticker.tick().await;
        let now = stats.snapshot();
        let done = (now.published + now.dead_lettered) - (last.published + last.dead_lettered);
        tracing::info!(
            rate_per_s = done as f64 / interval.as_secs_f64(),
            in_flight = now.in_flight,
            lag = now.lag,
            assigned_partitions = now.assigned_partitions,
            consumed = now.consumed,
            published = now.published,
            dead_lettered = now.dead_lettered,
            "Progress."
        );
        last = now;
    }
}
