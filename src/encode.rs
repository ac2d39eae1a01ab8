//! Encoding: an article and its enrichment -> the output record's JSON bytes.
//!
//! The record's shape is specified by `schema/enriched-article.schema.json`
//! (printed by `news-enricher schema`); tests validate produced records against it.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::article::Article;
use crate::enrich::{DatelineInfo, Enrichment, Entity, Event, Language, Quote, Status};

/// Version of the output record's shape; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of the output record.
pub const SCHEMA: &str = include_str!("../schema/enriched-article.schema.json");

/// Where an input message came from. Absent for articles read from files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcePosition {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// How an article was processed.
#[derive(Debug, Clone, PartialEq)]
pub struct Processing {
    pub enriched_at: DateTime<Utc>,
    pub elapsed: Duration,
}

#[derive(Serialize)]
struct Record<'a> {
    schema_version: u32,
    article: ArticleMeta<'a>,
    source: Option<&'a SourcePosition>,
    language: &'a Language,
    status: Status,
    dateline: Option<&'a DatelineInfo>,
    entities: &'a [Entity],
    quotes: &'a [Quote],
    events: &'a [Event],
    processing: ProcessingMeta,
}

#[derive(Serialize)]
struct ArticleMeta<'a> {
    id: &'a str,
    id_source: &'static str,
    url: Option<&'a str>,
    source: Option<&'a str>,
    title: Option<&'a str>,
    published_at: Option<String>,
    date: Option<String>,
    declared_language: Option<&'a str>,
    body_bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
}

#[derive(Serialize)]
struct ProcessingMeta {
    worker_version: &'static str,
    enriched_at: String,
    elapsed_us: u64,
}

/// Serializes the output record of one article.
pub fn encode(
    article: &Article,
    enrichment: &Enrichment,
    source: Option<&SourcePosition>,
    processing: &Processing,
    include_body: bool,
) -> Result<Vec<u8>, serde_json::Error> {
    let record = Record {
        schema_version: SCHEMA_VERSION,
        article: ArticleMeta {
            id: &article.id,
            id_source: article.id_source.as_str(),
            url: article.url.as_deref(),
            source: article.source.as_deref(),
            title: article.title.as_deref(),
            published_at: article.published.map(|p| p.to_rfc3339_or_date()),
            date: article
                .published
                .map(|p| p.date.format("%Y-%m-%d").to_string()),
            declared_language: article.declared_language.as_deref(),
            body_bytes: article.body.len(),
            body: include_body.then_some(article.body.as_str()),
        },
        source,
        language: &enrichment.language,
        status: enrichment.status,
        dateline: enrichment.dateline.as_ref(),
        entities: &enrichment.entities,
        quotes: &enrichment.quotes,
        events: &enrichment.events,
        processing: ProcessingMeta {
            worker_version: env!("CARGO_PKG_VERSION"),
            enriched_at: processing
                .enriched_at
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            elapsed_us: u64::try_from(processing.elapsed.as_micros()).unwrap_or(u64::MAX),
        },
    };
    serde_json::to_vec(&record)
}
