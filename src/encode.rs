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

/// Every `start`/`end` pair in an output record that breaks the offset invariant: each must
/// satisfy `start <= end <= body.len()` and fall on a UTF-8 character boundary of `body`.
/// Checked by the fuzz targets (`fuzz/`) and by tests, over the record's JSON so that any
/// stage's output is covered, whatever its shape.
pub fn offset_violations(record: &serde_json::Value, body: &str) -> Vec<String> {
    fn walk(value: &serde_json::Value, path: &mut String, body: &str, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                // Event dates also have a `start` and an `end`, as date strings: only
                // numbers are offsets.
                let at = |key: &str| map.get(key).and_then(serde_json::Value::as_u64);
                let number = |key: &str| map.get(key).is_some_and(serde_json::Value::is_number);
                match (at("start"), at("end")) {
                    (Some(start), Some(end)) => {
                        let (start, end) = (start as usize, end as usize);
                        if start > end
                            || end > body.len()
                            || !body.is_char_boundary(start)
                            || !body.is_char_boundary(end)
                        {
                            out.push(format!(
                                "{path}: {start}..{end} is not a character range of the {}-byte body",
                                body.len()
                            ));
                        }
                    }
                    (None, None) if !number("start") && !number("end") => {}
                    (start, end) => out.push(format!(
                        "{path}: start {start:?} and end {end:?} are not both byte offsets"
                    )),
                }
                for (key, value) in map {
                    let len = path.len();
                    path.push('/');
                    path.push_str(key);
                    walk(value, path, body, out);
                    path.truncate(len);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("/{i}"));
                    walk(value, path, body, out);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(record, &mut String::new(), body, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_outside_the_body_or_inside_a_character_are_reported() {
        let body = "Zoë said so.";
        let good =
            serde_json::json!({"entities": [{"start": 0, "end": 4}], "source": {"offset": 7}});
        assert!(offset_violations(&good, body).is_empty());
        let bad = serde_json::json!({
            "entities": [{"start": 0, "end": 3}, {"start": 5, "end": 40}, {"start": 4, "end": 2}],
            "quotes": [{"start": 1}],
            "events": [{"date": {"start": "2025-02-27", "end": "2025-02-28"}}]
        });
        let found = offset_violations(&bad, body);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].starts_with("/entities/0:"), "{found:#?}");
    }
}
