//! Quotes: direct, partial and reported statements, with who made them.
//!
//! Attribution arrives with the quotes issue; until then `find` returns no quotes
//! rather than guessed ones.

use serde::Serialize;

use crate::article::Article;

/// One statement and its attribution. Offsets are UTF-8 bytes into the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub text: String,
    pub kind: QuoteKind,
    pub start: usize,
    pub end: usize,
    pub speaker: Option<Speaker>,
    /// Lemma of the cue verb ("say", "insist").
    pub cue: Option<String>,
    /// Who relayed the statement ("Reuters quoted Putin as saying").
    pub via: Option<Speaker>,
    /// "reportedly", "allegedly" and the like qualify the attribution.
    pub hedged: bool,
    pub confidence: f64,
}

/// How a statement is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteKind {
    Direct,
    Partial,
    Indirect,
    /// Quotation marks around a term or title, not speech: no speaker is given.
    NotSpeech,
}

/// A speaker or intermediary: an entity when one matches, else the noun phrase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Speaker {
    pub entity_id: Option<String>,
    pub name: String,
}

/// Finds the quotes of an article.
pub fn find(_article: &Article) -> Vec<Quote> {
    Vec::new()
}
