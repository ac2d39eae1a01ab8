//! Decoding: message bytes (and key) -> [`Article`], or a [`DecodeError`] that dead-letters them.
//!
//! Two input forms are accepted:
//! - a JSON object (the payload's first non-blank byte is `{`) with `body` or `text` and
//!   optional `id`, `url`, `source`, `title`, `published_at` or `date`, `language`;
//! - plain UTF-8 text whose optional first line `date YYYY-MM-DD` gives the publication date.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::article::{Article, IdSource, Published};

/// Limits applied while decoding.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted payload and body, in bytes.
    pub max_body_bytes: usize,
}

/// Why a message cannot become an article. The caller dead-letters the message.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// The message has no payload at all (a tombstone).
    EmptyMessage,
    /// The payload, or the body inside it, exceeds the configured limit.
    TooLarge { bytes: usize, limit: usize },
    /// The payload is not valid UTF-8.
    InvalidUtf8 { valid_up_to: usize },
    /// The payload looks like JSON (starts with `{`) but does not parse.
    MalformedJson { reason: String },
    /// A JSON field has the wrong type, e.g. a number where text was expected.
    InvalidField { field: &'static str, reason: String },
    /// The JSON object has neither `body` nor `text`.
    MissingBody,
    /// The body is empty or only white space.
    EmptyBody,
    /// The publication date does not parse.
    InvalidDate { value: String },
}

impl DecodeError {
    /// A stable, machine-readable name for the error, used in the `error.class` header.
    pub fn class(&self) -> &'static str {
        match self {
            DecodeError::EmptyMessage => "empty_message",
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::InvalidUtf8 { .. } => "invalid_utf8",
            DecodeError::MalformedJson { .. } => "malformed_json",
            DecodeError::InvalidField { .. } => "invalid_field",
            DecodeError::MissingBody => "missing_body",
            DecodeError::EmptyBody => "empty_body",
            DecodeError::InvalidDate { .. } => "invalid_date",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::EmptyMessage => write!(f, "the message has no payload"),
            DecodeError::TooLarge { bytes, limit } => {
                write!(
                    f,
                    "the article is {bytes} bytes, over the limit of {limit} bytes"
                )
            }
            DecodeError::InvalidUtf8 { valid_up_to } => {
                write!(
                    f,
                    "the payload is not valid UTF-8 (first bad byte at {valid_up_to})"
                )
            }
            DecodeError::MalformedJson { reason } => write!(f, "the JSON does not parse: {reason}"),
            DecodeError::InvalidField { field, reason } => write!(f, "field `{field}` {reason}"),
            DecodeError::MissingBody => {
                write!(f, "the JSON object has neither a `body` nor a `text` field")
            }
            DecodeError::EmptyBody => write!(f, "the article body is empty"),
            DecodeError::InvalidDate { value } => write!(
                f,
                "the date {value:?} is neither YYYY-MM-DD, RFC 3339 nor RFC 2822"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes one message into an article.
pub fn decode(
    payload: Option<&[u8]>,
    key: Option<&[u8]>,
    limits: Limits,
) -> Result<Article, DecodeError> {
    let bytes = payload.ok_or(DecodeError::EmptyMessage)?;
    if bytes.is_empty() {
        return Err(DecodeError::EmptyBody);
    }
    // JSON escapes can make a payload longer than its body, so allow some slack here
    // and check the body itself below.
    let payload_limit = limits
        .max_body_bytes
        .saturating_mul(2)
        .saturating_add(64 * 1024);
    if bytes.len() > payload_limit {
        return Err(DecodeError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_body_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|err| DecodeError::InvalidUtf8 {
        valid_up_to: err.valid_up_to(),
    })?;
    let mut article = if text.trim_start().starts_with('{') {
        decode_json(text)?
    } else {
        decode_text(text)?
    };
    if article.body.trim().is_empty() {
        return Err(DecodeError::EmptyBody);
    }
    if article.body.len() > limits.max_body_bytes {
        return Err(DecodeError::TooLarge {
            bytes: article.body.len(),
            limit: limits.max_body_bytes,
        });
    }
    if article.id.is_empty() {
        (article.id, article.id_source) = match key.map(std::str::from_utf8) {
            Some(Ok(key)) if !key.trim().is_empty() => (key.to_string(), IdSource::Key),
            Some(Ok(_)) | None => (content_id(bytes), IdSource::ContentHash),
            Some(Err(_)) => (
                format!("key:{}", hex(key.unwrap_or_default())),
                IdSource::Key,
            ),
        };
    }
    Ok(article)
}

/// A stable id from the payload bytes: `sha256:` and the first 128 bits in hex.
pub fn content_id(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("sha256:{}", hex(&digest[..16]))
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The JSON input form. Unknown fields are ignored.
#[derive(Deserialize)]
struct JsonArticle {
    id: Option<serde_json::Value>,
    body: Option<serde_json::Value>,
    text: Option<serde_json::Value>,
    url: Option<serde_json::Value>,
    source: Option<serde_json::Value>,
    title: Option<serde_json::Value>,
    published_at: Option<serde_json::Value>,
    date: Option<serde_json::Value>,
    language: Option<serde_json::Value>,
}

fn decode_json(text: &str) -> Result<Article, DecodeError> {
    let raw: JsonArticle =
        serde_json::from_str(text).map_err(|err| DecodeError::MalformedJson {
            reason: err.to_string(),
        })?;
    let body = match (raw.body, raw.text) {
        (Some(body), _) => string_field("body", body)?,
        (None, Some(text)) => string_field("text", text)?,
        (None, None) => return Err(DecodeError::MissingBody),
    };
    let id = match raw.id {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(_) => {
            return Err(DecodeError::InvalidField {
                field: "id",
                reason: "must be a string or a number".to_string(),
            })
        }
    };
    let published = match (raw.published_at, raw.date) {
        (Some(value), _) | (None, Some(value)) => {
            optional_string_field("published_at", Some(value))?
                .map(|s| parse_date(&s))
                .transpose()?
        }
        (None, None) => None,
    };
    Ok(Article {
        id_source: IdSource::Json,
        id,
        url: optional_string_field("url", raw.url)?,
        source: optional_string_field("source", raw.source)?,
        title: optional_string_field("title", raw.title)?,
        published,
        declared_language: optional_string_field("language", raw.language)?,
        body,
    })
}

fn string_field(field: &'static str, value: serde_json::Value) -> Result<String, DecodeError> {
    match value {
        serde_json::Value::String(s) => Ok(s),
        _ => Err(DecodeError::InvalidField {
            field,
            reason: "must be a string".to_string(),
        }),
    }
}

fn optional_string_field(
    field: &'static str,
    value: Option<serde_json::Value>,
) -> Result<Option<String>, DecodeError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => {
            let s = string_field(field, value)?;
            Ok(Some(s).filter(|s| !s.trim().is_empty()))
        }
    }
}

/// Plain text: an optional leading `date YYYY-MM-DD`, then the body. The date usually has a
/// line of its own, but may share it with the story (`date 2025-02-27 Putin's remarks...`).
/// A leading "date" not followed by something that starts with a digit is just text.
fn decode_text(text: &str) -> Result<Article, DecodeError> {
    let mut published = None;
    let mut body = text;
    if let Some(rest) = text.trim_start().strip_prefix("date ") {
        let rest = rest.trim_start_matches([' ', '\t']);
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            published = Some(parse_date(&rest[..end])?);
            body = rest[end..].trim_start();
        }
    }
    Ok(Article {
        id: String::new(),
        id_source: IdSource::ContentHash,
        url: None,
        source: None,
        title: None,
        published,
        declared_language: None,
        body: body.to_string(),
    })
}

/// Parses `YYYY-MM-DD`, RFC 3339, `YYYY-MM-DDTHH:MM:SS` (taken as UTC) or RFC 2822.
pub fn parse_date(value: &str) -> Result<Published, DecodeError> {
    let value = value.trim();
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(Published::from_date(date));
    }
    if let Ok(ts) = DateTime::parse_from_rfc3339(value) {
        return Ok(Published::from_timestamp(ts));
    }
    if let Ok(ts) = DateTime::parse_from_rfc2822(value) {
        return Ok(Published::from_timestamp(ts));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(value, format) {
            return Ok(Published::from_timestamp(naive.and_utc().fixed_offset()));
        }
    }
    Err(DecodeError::InvalidDate {
        value: value.chars().take(64).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_body_bytes: 1000,
    };

    fn decode_str(payload: &str) -> Result<Article, DecodeError> {
        decode(Some(payload.as_bytes()), None, LIMITS)
    }

    #[test]
    fn plain_text_with_date_line() {
        let article = decode_str(" date 2025-02-27 \nDiplomats met.\n").expect("decodes");
        assert_eq!(article.body, "Diplomats met.\n");
        let article = decode_str("date 2025-02-27\n\nDiplomats met.").expect("decodes");
        assert_eq!(article.body, "Diplomats met.");
        assert_eq!(
            article.published.map(|p| p.date),
            NaiveDate::from_ymd_opt(2025, 2, 27)
        );
        assert_eq!(article.id_source, IdSource::ContentHash);
        assert!(article.id.starts_with("sha256:"));
    }

    #[test]
    fn date_sharing_the_first_line_with_the_story() {
        let article =
            decode_str(" date 2025-02-27 Putin's remarks came.\n\nMore.").expect("decodes");
        assert_eq!(article.body, "Putin's remarks came.\n\nMore.");
        assert_eq!(
            article.published.map(|p| p.date),
            NaiveDate::from_ymd_opt(2025, 2, 27)
        );
    }

    #[test]
    fn a_leading_date_word_in_prose_is_text() {
        let article = decode_str("date night is back in fashion, say planners.").expect("decodes");
        assert_eq!(article.body, "date night is back in fashion, say planners.");
        assert_eq!(article.published, None);
    }

    #[test]
    fn plain_text_without_date_line_keeps_the_first_line() {
        let article = decode_str("Headline\nStory.").expect("decodes");
        assert_eq!(article.body, "Headline\nStory.");
        assert_eq!(article.published, None);
    }

    #[test]
    fn content_id_is_stable_and_distinguishes_content() {
        let a = decode_str("Story one.").expect("decodes").id;
        assert_eq!(a, decode_str("Story one.").expect("decodes").id);
        assert_ne!(a, decode_str("Story two.").expect("decodes").id);
    }

    #[test]
    fn key_gives_the_id_when_json_has_none() {
        let article = decode(Some(b"Story."), Some(b"k-1"), LIMITS).expect("decodes");
        assert_eq!(
            (article.id.as_str(), article.id_source),
            ("k-1", IdSource::Key)
        );
    }

    #[test]
    fn json_with_every_field() {
        let article = decode(
            Some(
                br#"{"id": 42, "title": "T", "text": "Story.", "url": "https://x/1",
                    "source": "Wire", "published_at": "2025-02-27T10:00:00+03:00", "language": "en",
                    "extra": [1, 2]}"#,
            ),
            Some(b"ignored-key"),
            LIMITS,
        )
        .expect("decodes");
        assert_eq!(article.id, "42");
        assert_eq!(article.id_source, IdSource::Json);
        assert_eq!(article.body, "Story.");
        assert_eq!(article.source.as_deref(), Some("Wire"));
        let published = article.published.expect("date");
        assert_eq!(published.to_rfc3339_or_date(), "2025-02-27T10:00:00+03:00");
    }

    #[test]
    fn body_wins_over_text() {
        let article = decode_str(r#"{"body": "B", "text": "T"}"#).expect("decodes");
        assert_eq!(article.body, "B");
    }

    #[test]
    fn each_bad_input_has_its_class() {
        let cases: &[(Option<&[u8]>, &str)] = &[
            (None, "empty_message"),
            (Some(b""), "empty_body"),
            (Some(b"   \n\t "), "empty_body"),
            (Some(b"\xff\xfe bad"), "invalid_utf8"),
            (Some(b"{\"body\": \"unterminated"), "malformed_json"),
            (Some(b"{\"title\": \"no body\"}"), "missing_body"),
            (Some(b"{\"body\": 12}"), "invalid_field"),
            (Some(b"{\"body\": \"x\", \"id\": [1]}"), "invalid_field"),
            (Some(b"{\"body\": \"  \"}"), "empty_body"),
            (
                Some(b"{\"body\": \"x\", \"date\": \"yesterday\"}"),
                "invalid_date",
            ),
            (Some(b"date 2025-13-45\nStory."), "invalid_date"),
            (Some(b"date 2025-02-27\n \n"), "empty_body"),
        ];
        for (payload, class) in cases {
            let err = decode(*payload, None, LIMITS).expect_err("must be refused");
            assert_eq!(err.class(), *class, "{payload:?}: {err}");
            assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn oversized_bodies_are_refused() {
        let body = "a".repeat(1001);
        let err = decode_str(&body).expect_err("too large");
        assert_eq!(err.class(), "too_large");
        let json = format!(r#"{{"body": "{body}"}}"#);
        assert_eq!(
            decode_str(&json).expect_err("too large").class(),
            "too_large"
        );
        let huge = "a".repeat(200_000);
        assert_eq!(
            decode_str(&huge).expect_err("too large").class(),
            "too_large"
        );
    }

    #[test]
    fn dates_in_several_formats() {
        for value in [
            "2025-02-27",
            "2025-02-27T10:00:00Z",
            "2025-02-27 10:00:00",
            "Thu, 27 Feb 2025 10:00:00 +0000",
        ] {
            let published = parse_date(value).expect(value);
            assert_eq!(
                published.date,
                NaiveDate::from_ymd_opt(2025, 2, 27).expect("date")
            );
        }
    }
}
