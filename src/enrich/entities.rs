//! Entities: the people, organisations and places an article mentions, one per real-world actor.
//!
//! Recognition arrives with the entities issue; until then `find` returns no entities
//! rather than guessed ones.

use serde::Serialize;

use crate::article::Article;

/// One real-world actor, with every place the article mentions it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// Unique within the article: `e1`, `e2`, ...
    pub id: String,
    /// Canonical name ("Vladimir Putin" for "Putin").
    pub name: String,
    #[serde(rename = "type")]
    pub kind: EntityKind,
    /// ISO 3166-1 alpha-3 code, when known.
    pub country: Option<String>,
    /// CAMEO actor sector code (GOV, MIL, COP, MED, IGO...), when known.
    pub sector: Option<String>,
    pub mentions: Vec<Mention>,
    pub mention_count: usize,
    /// Share of the article's attention in `[0, 1]`.
    pub salience: f64,
}

/// What kind of actor or place an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EntityKind {
    Person,
    Org,
    /// Countries, states, cities: places with a government.
    Gpe,
    /// Places without a government: seas, mountains, regions.
    Loc,
    /// Nationalities, religious and political groups.
    Norp,
    Misc,
}

/// One mention of an entity: a span of the original body, in UTF-8 byte offsets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Finds the entities of an article.
pub fn find(_article: &Article) -> Vec<Entity> {
    Vec::new()
}
