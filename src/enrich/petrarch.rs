//! PETRARCH2 dictionary compatibility: verb, actor, agent and discard dictionaries in
//! PETRARCH's text format, and a coder that uses them in place of the built-in lexicon.
//!
//! - [`dictionaries`]: the readers (text in, typed dictionaries out; no I/O).
//! - [`words`]: words as the dictionaries see them.
//! - [`coder`]: actors, agents, verbs and patterns matched in a sentence -> coded events.

pub mod coder;
pub mod dictionaries;
pub mod words;

pub use coder::{code_sentence, code_sentence_hinted, Coded};
pub use dictionaries::{Dictionaries, DictionaryError, Sizes, Skipped, Sources};

use super::entities::Entity;
use super::events::lexicon::EventLexicon;
use super::events::{Actor, Cameo, Event, EventDate, Span};
use super::pos::{Tag, Upos};
use super::text::{Span as TextSpan, Text};
use crate::article::Article;

/// PETRARCH dictionaries with the CAMEO code table (labels, Goldstein, PLOVER) that coding
/// articles needs beside them.
#[derive(Debug)]
pub struct PetrarchCoder {
    pub dictionaries: Dictionaries,
    codes: EventLexicon,
}

impl PetrarchCoder {
    pub fn new(dictionaries: Dictionaries, codes: EventLexicon) -> PetrarchCoder {
        PetrarchCoder {
            dictionaries,
            codes,
        }
    }

    /// The events of an article, sentence by sentence, with the text's part-of-speech
    /// `tags` telling dictionary verbs from nouns; actors are tied to the entities whose
    /// mentions they overlap.
    pub fn events(
        &self,
        text: &Text,
        tags: &[Tag],
        article: &Article,
        entities: &[Entity],
    ) -> Vec<Event> {
        events(self, text, tags, article, entities)
    }

    /// What the code table says about `code`, else about its parent codes.
    fn cameo(&self, code: &str) -> Option<Cameo> {
        if !(2..=4).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let root = &code[..2];
        let n: u8 = root.parse().ok()?;
        if !(1..=20).contains(&n) {
            return None;
        }
        let info = [code, &code[..code.len().min(3)], &format!("{root}0")]
            .into_iter()
            .find_map(|c| self.codes.code(c))?;
        Some(Cameo {
            code: code.to_string(),
            root: root.to_string(),
            label: info.label.clone(),
            // One convention with the built-in coder: the code table's quad class.
            quad_class: info.quad_class,
            goldstein: info.goldstein,
        })
    }

    fn plover(&self, code: &str) -> Option<String> {
        [code, &code[..code.len().min(3)]]
            .into_iter()
            .find_map(|c| self.codes.code(c))
            .and_then(|i| i.plover.clone())
    }
}

/// Part-of-speech hints for the coder over `span` of `text`: (byte offset from the span's
/// start, whether the token is tagged a verb), sorted.
pub fn verb_hints(text: &Text, tags: &[Tag], span: TextSpan) -> Vec<(usize, bool)> {
    text.tokens()
        .iter()
        .zip(tags)
        .filter(|(t, _)| t.start() >= span.start && t.end() <= span.end)
        .map(|(t, tag)| (t.start() - span.start, tag.upos == Upos::Verb))
        .collect()
}

/// The events of an article, sentence by sentence, coded with PETRARCH dictionaries. Codes
/// that are not in the CAMEO code table (test markers such as `174K` or `903`) are left out.
fn events(
    coder: &PetrarchCoder,
    text: &Text,
    tags: &[Tag],
    article: &Article,
    entities: &[Entity],
) -> Vec<Event> {
    let d = &coder.dictionaries;
    let date = article.published.map(|p| p.date);
    let ymd = date.map(|d| {
        use chrono::Datelike;
        d.year().max(0) as u32 * 10000 + d.month() * 100 + d.day()
    });
    let mut out = Vec::new();
    for sentence in text.sentences() {
        let span = sentence.span;
        let body = text.slice(span);
        let hints = verb_hints(text, tags, span);
        for c in code_sentence_hinted(d, body, ymd, &hints) {
            let Some(cameo) = coder.cameo(&c.code) else {
                continue;
            };
            let (ts, te) = (span.start + c.trigger.0, span.start + c.trigger.1);
            let entity =
                |(a, b): (usize, usize)| entity_at(entities, span.start + a, span.start + b);
            out.push(Event {
                cameo,
                plover: coder.plover(&c.code),
                source: Some(Actor {
                    entity_id: entity(c.source_span),
                    code: c.source,
                }),
                target: Some(Actor {
                    entity_id: entity(c.target_span),
                    code: c.target,
                }),
                date: date.map(|d| EventDate {
                    start: d.to_string(),
                    end: d.to_string(),
                    text: None,
                }),
                location: None,
                sentence: Span {
                    start: span.start,
                    end: span.end,
                    text: body.to_string(),
                },
                trigger: Span {
                    start: ts,
                    end: te,
                    text: text.body()[ts..te].to_string(),
                },
                confidence: 0.5,
            });
        }
    }
    out
}

/// The entity with the most bytes of its mentions inside `start..end`.
fn entity_at(entities: &[Entity], start: usize, end: usize) -> Option<String> {
    entities
        .iter()
        .filter_map(|e| {
            let overlap: usize = e
                .mentions
                .iter()
                .map(|m| end.min(m.end).saturating_sub(start.max(m.start)))
                .sum();
            (overlap > 0).then_some((overlap, e))
        })
        .max_by_key(|(overlap, _)| *overlap)
        .map(|(_, e)| e.id.clone())
}
