//! `Article`: what decoding guarantees about one input message.

use chrono::{DateTime, FixedOffset, NaiveDate};

/// One news article, ready for enrichment.
///
/// Decoding only builds an `Article` when the body is non-empty UTF-8 text
/// within the configured size and any date it carries has parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// The JSON `id`, else the Kafka key, else a hash of the content.
    pub id: String,
    /// Where `id` came from.
    pub id_source: IdSource,
    pub url: Option<String>,
    /// The publisher or feed the article came from (JSON `source`).
    pub source: Option<String>,
    pub title: Option<String>,
    pub published: Option<Published>,
    /// The language the producer declared, if any (detection happens in enrichment).
    pub declared_language: Option<String>,
    /// The story text. Every offset in the output points into this string.
    pub body: String,
}

impl Article {
    /// An article with only an id and a body, as the eval, bench and test tools build them
    /// (no metadata; set `published` with struct update syntax where a date matters).
    pub fn from_body(id: impl Into<String>, body: impl Into<String>) -> Article {
        Article {
            id: id.into(),
            id_source: IdSource::Json,
            url: None,
            source: None,
            title: None,
            published: None,
            declared_language: None,
            body: body.into(),
        }
    }
}

/// Which input field gave an article its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdSource {
    Json,
    Key,
    ContentHash,
}

impl IdSource {
    pub fn as_str(self) -> &'static str {
        match self {
            IdSource::Json => "json",
            IdSource::Key => "key",
            IdSource::ContentHash => "content_hash",
        }
    }
}

/// When an article was published: always a calendar date, sometimes a full timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub date: NaiveDate,
    pub timestamp: Option<DateTime<FixedOffset>>,
}

impl Published {
    pub fn from_date(date: NaiveDate) -> Published {
        Published {
            date,
            timestamp: None,
        }
    }

    pub fn from_timestamp(timestamp: DateTime<FixedOffset>) -> Published {
        Published {
            date: timestamp.date_naive(),
            timestamp: Some(timestamp),
        }
    }

    /// RFC 3339 when a timestamp is known, else `YYYY-MM-DD`.
    pub fn to_rfc3339_or_date(&self) -> String {
        match self.timestamp {
            Some(ts) => ts.to_rfc3339(),
            None => self.date.format("%Y-%m-%d").to_string(),
        }
    }
}
