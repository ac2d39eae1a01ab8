//! STAND-IN entity grouping for evaluation, examples and tests, until the real entity stage
//! lands: NER spans become entities by a same-surname rule ("Vladimir Putin" and "Putin" are
//! one person; a bare surname joins the person most recently named with it). Not coreference.

use std::collections::HashMap;

use crate::enrich::entities::{Entity, EntityKind, Mention};
use crate::enrich::ner::NamedSpan;
use crate::enrich::text::Text;

/// Groups NER spans into entities (ids `e1`, `e2`, ... in order of first mention).
pub fn entities(text: &Text, spans: &[NamedSpan]) -> Vec<Entity> {
    let body = text.body();
    let mut out: Vec<Entity> = Vec::new();
    // Lower-cased surname → entities with it, most recently mentioned last.
    let mut by_surname: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_name: HashMap<(u8, String), usize> = HashMap::new();
    for s in spans {
        let Some(raw) = body.get(s.start..s.end) else {
            continue;
        };
        let name = raw
            .trim_end_matches("'s")
            .trim_end_matches("\u{2019}s")
            .trim();
        if name.is_empty() {
            continue;
        }
        let mention = Mention {
            start: s.start,
            end: s.end,
            text: raw.to_string(),
        };
        let idx = if s.kind == EntityKind::Person {
            let words: Vec<&str> = name.split_whitespace().collect();
            let surname = words.last().map_or(String::new(), |w| w.to_lowercase());
            let first = (words.len() > 1).then(|| words[0].to_lowercase());
            let known = by_surname.get(&surname).and_then(|list| match &first {
                // A full name joins the person with the same full name (or a bare surname).
                Some(f) => list.iter().rev().copied().find(|&e| {
                    let ew: Vec<&str> = out[e].name.split_whitespace().collect();
                    ew.len() == 1 || ew[0].to_lowercase() == *f
                }),
                None => list.last().copied(),
            });
            match known {
                Some(e) => {
                    if let Some(list) = by_surname.get_mut(&surname) {
                        list.retain(|&x| x != e);
                        list.push(e);
                    }
                    if name.len() > out[e].name.len() {
                        out[e].name = name.to_string();
                    }
                    e
                }
                None => {
                    let e = push_entity(&mut out, name, s.kind);
                    by_surname.entry(surname).or_default().push(e);
                    e
                }
            }
        } else {
            let key = (kind_key(s.kind), name.to_lowercase());
            match by_name.get(&key) {
                Some(&e) => e,
                None => {
                    let e = push_entity(&mut out, name, s.kind);
                    by_name.insert(key, e);
                    e
                }
            }
        };
        out[idx].mentions.push(mention);
        out[idx].mention_count += 1;
    }
    let total: usize = out.iter().map(|e| e.mention_count).sum();
    for e in &mut out {
        e.salience = if total == 0 {
            0.0
        } else {
            e.mention_count as f64 / total as f64
        };
    }
    out
}

fn kind_key(k: EntityKind) -> u8 {
    match k {
        EntityKind::Person => 0,
        EntityKind::Org => 1,
        EntityKind::Gpe => 2,
        EntityKind::Loc => 3,
        EntityKind::Norp => 4,
        EntityKind::Misc => 5,
    }
}

fn push_entity(out: &mut Vec<Entity>, name: &str, kind: EntityKind) -> usize {
    out.push(Entity {
        id: format!("e{}", out.len() + 1),
        name: name.to_string(),
        kind,
        country: None,
        sector: None,
        mentions: Vec::new(),
        mention_count: 0,
        salience: 0.0,
    });
    out.len() - 1
}

/// Builds entities from exact names, for tests: every occurrence of each `(name, kind)` is a
/// mention, and a person's surname alone is a mention too.
pub fn entities_from_names(text: &Text, names: &[(&str, EntityKind)]) -> Vec<Entity> {
    let body = text.body();
    let mut spans: Vec<NamedSpan> = Vec::new();
    for (name, kind) in names {
        let mut forms = vec![name.to_string()];
        if *kind == EntityKind::Person {
            if let Some(last) = name.split_whitespace().last() {
                if last != *name {
                    forms.push(last.to_string());
                }
            }
        }
        for f in forms {
            let mut from = 0;
            while let Some(pos) = body[from..].find(&f) {
                let start = from + pos;
                let end = start + f.len();
                let boundary = |i: usize| {
                    body[..i]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !c.is_alphanumeric())
                };
                let after_ok = body[end..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric());
                let overlaps = spans.iter().any(|s| s.start < end && start < s.end);
                if boundary(start) && after_ok && !overlaps {
                    spans.push(NamedSpan {
                        start,
                        end,
                        kind: *kind,
                    });
                }
                from = end;
            }
        }
    }
    spans.sort_by_key(|s| s.start);
    entities(text, &spans)
}
