//! Dead letters: why a message was rejected, and the headers that say so on the dead-letter topic.
//!
//! A dead letter carries the original payload and key untouched; everything the
//! worker knows about the failure travels in headers.

use std::fmt;

use crate::decode::DecodeError;
use crate::encode::SourcePosition;

/// Header names on dead-letter records.
pub mod header {
    /// Stable machine-readable reason, e.g. `invalid_utf8` (see [`super::Rejection::class`]).
    pub const ERROR_CLASS: &str = "error.class";
    /// One readable sentence.
    pub const ERROR_MESSAGE: &str = "error.message";
    pub const SOURCE_TOPIC: &str = "source.topic";
    pub const SOURCE_PARTITION: &str = "source.partition";
    pub const SOURCE_OFFSET: &str = "source.offset";
    pub const WORKER_VERSION: &str = "worker.version";
}

/// Why a message goes to the dead-letter topic instead of the output topic.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// The message is not an acceptable article.
    Decode(DecodeError),
    /// Enrichment panicked on this article (a bug; the worker goes on).
    EnrichmentPanic { message: String },
    /// The output record could not be serialized.
    EncodeFailed { message: String },
    /// The broker refused the output record itself (e.g. larger than the topic allows).
    OutputRefused { message: String },
}

impl Rejection {
    /// The value of the `error.class` header.
    pub fn class(&self) -> &'static str {
        match self {
            Rejection::Decode(err) => err.class(),
            Rejection::EnrichmentPanic { .. } => "enrichment_panic",
            Rejection::EncodeFailed { .. } => "encode_failed",
            Rejection::OutputRefused { .. } => "output_refused",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Decode(err) => err.fmt(f),
            Rejection::EnrichmentPanic { message } => {
                write!(f, "enrichment panicked: {message}")
            }
            Rejection::EncodeFailed { message } => {
                write!(f, "the output record could not be serialized: {message}")
            }
            Rejection::OutputRefused { message } => {
                write!(f, "the broker refused the output record: {message}")
            }
        }
    }
}

/// The headers of a dead letter, as (name, value) pairs in a fixed order.
pub fn headers(rejection: &Rejection, position: &SourcePosition) -> Vec<(&'static str, String)> {
    vec![
        (header::ERROR_CLASS, rejection.class().to_string()),
        (header::ERROR_MESSAGE, rejection.to_string()),
        (header::SOURCE_TOPIC, position.topic.clone()),
        (header::SOURCE_PARTITION, position.partition.to_string()),
        (header::SOURCE_OFFSET, position.offset.to_string()),
        (
            header::WORKER_VERSION,
            env!("CARGO_PKG_VERSION").to_string(),
        ),
    ]
}
