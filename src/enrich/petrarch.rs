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

use super::events::{Actor, Cameo, Event, EventDate, Span};
use super::pos::{Tag, Upos};
use super::text::{Span as TextSpan, Text};
use crate::article::Article;

/// CAMEO root codes: label and Goldstein score of the root (sub-codes take the root's).
const ROOTS: [(&str, f64); 20] = [
    ("Make public statement", 0.0),
    ("Appeal", 3.0),
    ("Express intent to cooperate", 4.0),
    ("Consult", 1.0),
    ("Engage in diplomatic cooperation", 3.5),
    ("Engage in material cooperation", 6.0),
    ("Provide aid", 7.0),
    ("Yield", 5.0),
    ("Investigate", -2.0),
    ("Demand", -5.0),
    ("Disapprove", -2.0),
    ("Reject", -4.0),
    ("Threaten", -6.0),
    ("Protest", -6.5),
    ("Exhibit military posture", -7.2),
    ("Reduce relations", -4.0),
    ("Coerce", -7.0),
    ("Assault", -9.0),
    ("Fight", -10.0),
    ("Use unconventional mass violence", -10.0),
];

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

/// The events of an article, sentence by sentence, coded with PETRARCH dictionaries.
/// Codes that are not CAMEO numbers (test markers such as `345` pass, `174K` does not) are
/// left out, as are events whose root is unknown.
pub fn events(d: &Dictionaries, text: &Text, tags: &[Tag], article: &Article) -> Vec<Event> {
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
            let Some(cameo) = cameo(&c.code) else {
                continue;
            };
            let (ts, te) = (span.start + c.trigger.0, span.start + c.trigger.1);
            out.push(Event {
                cameo,
                plover: None,
                source: Some(Actor {
                    entity_id: None,
                    code: c.source,
                }),
                target: Some(Actor {
                    entity_id: None,
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

fn cameo(code: &str) -> Option<Cameo> {
    if !(2..=4).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let root = &code[..2];
    let n: usize = root.parse().ok()?;
    let (label, goldstein) = *ROOTS.get(n.checked_sub(1)?)?;
    let quad_class = match n {
        1..=5 => 1,
        6..=8 => 2,
        9..=13 => 3,
        _ => 4,
    };
    Some(Cameo {
        code: code.to_string(),
        root: root.to_string(),
        label: label.to_string(),
        quad_class,
        goldstein,
    })
}
