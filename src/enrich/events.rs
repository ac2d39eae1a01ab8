//! Events: who did what to whom, coded in CAMEO and PLOVER.
//!
//! The stage runs the shallow syntax ([`crate::enrich::syntax`]) and codes its clauses and noun
//! phrases with the project's verb lexicon ([`lexicon`]): one event per coded clause and
//! source-target pair, with control words and modality ([`coder`]), actors from the entity
//! stage as CAMEO-style codes ([`actors`]), dates resolved against the article date
//! ([`dates`]) and the place named in the clause.

pub mod actors;
pub mod coder;
pub mod dates;
pub mod lexicon;

pub use coder::Coder;

use serde::Serialize;

/// One coded event with its evidence. Offsets are UTF-8 bytes into the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub cameo: Cameo,
    /// PLOVER event type in capitals (AGREE, DEMAND, SANCTION...).
    pub plover: Option<String>,
    pub source: Option<Actor>,
    pub target: Option<Actor>,
    pub date: Option<EventDate>,
    pub location: Option<Location>,
    pub sentence: Span,
    pub trigger: Span,
    pub confidence: f64,
}

/// The CAMEO coding of an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cameo {
    pub code: String,
    pub root: String,
    pub label: String,
    /// 0 statement (root 01), 1 verbal cooperation, 2 material cooperation, 3 verbal conflict,
    /// 4 material conflict.
    pub quad_class: u8,
    pub goldstein: f64,
}

/// A participant: the entity and its CAMEO-style actor code (RUSGOV, IGOUNO...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Actor {
    pub entity_id: Option<String>,
    pub code: String,
}

/// When an event happened, as a single day or a range, resolved against the article date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventDate {
    pub start: String,
    pub end: String,
    /// The words that gave the date; absent when the article date was assumed.
    pub text: Option<String>,
}

/// Where an event happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    pub entity_id: Option<String>,
    pub name: String,
    pub country: Option<String>,
}

/// A span of the body with its text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
}
