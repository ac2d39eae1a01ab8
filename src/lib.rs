//! news-enricher: a streaming enrichment worker for news.
//!
//! Modules, in the order an article flows through them:
//!
//! - [`config`]: settings in layers (defaults, file, environment), validated once.
//! - [`kafka`]: consumer and producer construction, the only librdkafka properties.
//! - [`pipeline`]: consume -> process on the CPU pool -> produce -> store offset.
//! - [`process`]: one message's CPU work, panics caught: the three stages below.
//!   - [`decode`]: bytes and key -> [`article::Article`], or a reason to dead-letter.
//!   - [`enrich`]: `Enricher::enrich(&Article) -> Enrichment`; pure CPU, no I/O, no Kafka.
//!   - [`encode`]: article + enrichment -> the output record's JSON.
//! - [`dead_letter`]: what a rejected message becomes, with the headers naming why.
//!
//! Around them: [`article`] (the decoded input), [`stats`] (counters),
//! [`telemetry`] (logs), [`demo`] (the worker against a mock cluster) and
//! [`bench`](mod@bench) (throughput measurements), and [`eval`] (scoring against public data sets).

pub mod article;
pub mod bench;
pub mod config;
pub mod dead_letter;
pub mod decode;
pub mod demo;
pub mod dictionaries;
pub mod encode;
pub mod enrich;
pub mod eval;
pub mod http;
pub mod kafka;
pub mod pipeline;
pub mod process;
pub mod stats;
pub mod telemetry;
pub mod trace_context;
pub mod train;
