//! `enrich(&Article) -> Enrichment`: runs the analysis stages in order. No I/O, no Kafka types.
//!
//! Enrichment cannot fail: whatever it is given, it returns a value. Models and
//! lexicons are built once (see [`Enricher::new`]) and shared read-only between
//! the worker threads.

pub mod entities;
pub mod events;
pub mod gazetteer;
pub mod language;
pub mod ner;
pub mod quotes;
pub mod tagger;
pub mod text;

use serde::Serialize;

use crate::article::Article;
pub use entities::{Entity, EntityKind, Mention};
pub use events::Event;
pub use language::Language;
pub use quotes::Quote;

/// Everything enrichment found in one article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrichment {
    pub language: Language,
    pub status: Status,
    pub entities: Vec<Entity>,
    pub quotes: Vec<Quote>,
    pub events: Vec<Event>,
}

/// Whether the analysis stages ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The article is English and every stage ran.
    Enriched,
    /// The article is not (reliably) English: it passes through with empty arrays.
    SkippedLanguage,
}

/// The analysis stages with their loaded models. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct Enricher {
    _private: (),
}

impl Enricher {
    /// Builds every stage. Later stages load their models and lexicons here.
    pub fn new() -> Enricher {
        Enricher { _private: () }
    }

    /// Enriches one article. Never fails and never does I/O.
    pub fn enrich(&self, article: &Article) -> Enrichment {
        let language = language::detect(&article.body);
        if !language.is_english() {
            return Enrichment {
                language,
                status: Status::SkippedLanguage,
                entities: Vec::new(),
                quotes: Vec::new(),
                events: Vec::new(),
            };
        }
        let text = text::analyse(&article.body);
        let entities = entities::find(article);
        let quotes = quotes::find(&text, &entities);
        Enrichment {
            language,
            status: Status::Enriched,
            entities,
            quotes,
            events: events::find(article),
        }
    }
}
