//! Actors of a phrase: the entities mentioned in it, with CAMEO-style codes refined by the
//! phrase's head noun ("Russian diplomats" -> RUSGOV, "US troops" -> USAMIL), capitals acting
//! for their governments ("Washington ordered" -> USAGOV), pronouns resolved to the last
//! person named, and regional groups without an entity ("western elites" -> WSTELI).

use std::ops::Range;

use crate::enrich::entities::{Entity, EntityKind};
use crate::enrich::lexicon::Lexicon;
use crate::enrich::syntax::Syntax;
use crate::enrich::text::Text;

/// One participant found in a phrase.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Index into the entities.
    pub entity: Option<usize>,
    pub code: String,
    /// Where the actor was found (first token), for ordering.
    pub token: usize,
}

/// The sector a head noun gives ("diplomats" -> GOV).
fn noun_sector(lemma: &str) -> Option<&'static str> {
    Some(match lemma {
        "diplomat" | "official" | "authority" | "government" | "minister" | "ministry"
        | "administration" | "envoy" | "ambassador" | "embassy" | "delegation" | "leader"
        | "president" | "premier" | "cabinet" | "negotiator" | "secretary" | "consulate"
        | "mission" | "spokesman" | "spokeswoman" | "spokesperson" | "regime" | "kremlin" => "GOV",
        "troop" | "soldier" | "army" | "force" | "military" | "navy" | "jet" | "warplane"
        | "artillery" | "commander" | "general" => "MIL",
        "police" | "policeman" | "officer" | "guard" => "COP",
        "rebel" | "insurgent" | "militant" | "separatist" | "guerrilla" | "fighter" => "REB",
        "protester" | "demonstrator" | "civilian" | "resident" | "villager" | "people" => "CVL",
        "elite" => "ELI",
        "opposition" => "OPP",
        "court" | "judge" | "prosecutor" => "JUD",
        "lawmaker" | "parliament" | "legislator" | "senator" | "congress" => "LEG",
        "journalist" | "reporter" | "media" | "newspaper" => "MED",
        "company" | "firm" | "business" | "businessman" => "BUS",
        "spy" | "intelligence" | "agent" => "SPY",
        _ => return None,
    })
}

/// Which sentences may hold an actor: an entity mention, a person pronoun, or a noun with a
/// sector ("diplomats", "police"). Events need a source or a target, so the event stage only
/// tags and parses these (the POS tagger is the stage's main cost). Only the sentences
/// `among` accepts (by index) are looked at; the others are `false`.
pub fn actor_sentences(
    text: &Text,
    entities: &[Entity],
    among: impl Fn(usize) -> bool,
) -> Vec<bool> {
    let sentences = text.sentences();
    let mut out = vec![false; sentences.len()];
    let tokens = text.tokens();
    let mut starts: Vec<usize> = entities
        .iter()
        .flat_map(|e| e.mentions.iter().map(|m| m.start))
        .collect();
    starts.sort_unstable();
    let mut lower = String::new();
    for (si, (slot, s)) in out.iter_mut().zip(sentences).enumerate() {
        if !among(si) {
            continue;
        }
        let (Some(first), Some(last)) = (
            s.tokens.clone().next().and_then(|i| tokens.get(i)),
            s.tokens.clone().last().and_then(|i| tokens.get(i)),
        ) else {
            continue;
        };
        let k = starts.partition_point(|&b| b < first.start());
        if starts.get(k).is_some_and(|&b| b < last.end()) {
            *slot = true;
            continue;
        }
        *slot = s.tokens.clone().any(|i| {
            lower.clear();
            lower.push_str(text.norm(i));
            lower.make_ascii_lowercase();
            let w = lower.as_str();
            matches!(w, "he" | "she" | "him" | "her")
                || noun_sector(w).is_some()
                || w.strip_suffix('s').and_then(noun_sector).is_some()
                || w.strip_suffix("ies")
                    .is_some_and(|stem| noun_sector(&format!("{stem}y")).is_some())
        });
    }
    out
}

/// Regional adjectives that CAMEO codes as actors of their own.
fn region(word: &str) -> Option<&'static str> {
    Some(match word {
        "western" | "west" => "WST",
        "european" => "EUR",
        "african" => "AFR",
        "arab" => "ARB",
        "asian" => "ASA",
        "latin" => "LAM",
        _ => return None,
    })
}

/// Mentions of the article's entities, sorted by start byte.
#[derive(Debug, Clone, Default)]
pub struct MentionIndex {
    spans: Vec<(usize, usize, usize)>,
}

impl MentionIndex {
    pub fn new(entities: &[Entity]) -> MentionIndex {
        let mut spans: Vec<(usize, usize, usize)> = entities
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.mentions.iter().map(move |m| (m.start, m.end, i)))
            .collect();
        spans.sort_unstable();
        MentionIndex { spans }
    }

    /// Entities with a mention inside `[start, end)`, in order of position.
    pub fn inside(&self, start: usize, end: usize) -> Vec<(usize, usize)> {
        let from = self.spans.partition_point(|s| s.0 < start);
        self.spans[from..]
            .iter()
            .take_while(|s| s.0 < end)
            .filter(|s| s.1 <= end)
            .map(|s| (s.0, s.2))
            .collect()
    }

    /// The last mention of a person before byte `before`.
    pub fn last_person(&self, entities: &[Entity], before: usize) -> Option<(usize, usize)> {
        self.spans
            .iter()
            .take_while(|s| s.0 < before)
            .filter(|s| entities[s.2].kind == EntityKind::Person)
            .last()
            .map(|s| (s.0, s.2))
    }
}

/// Everything actor resolution needs.
pub struct Ctx<'a> {
    pub text: &'a Text<'a>,
    pub syntax: &'a Syntax,
    pub entities: &'a [Entity],
    pub mentions: &'a MentionIndex,
    pub lexicon: &'a Lexicon,
}

impl Ctx<'_> {
    fn byte_span(&self, r: &Range<usize>) -> (usize, usize) {
        let t = self.text.tokens();
        (t[r.start].start(), t[r.end - 1].end())
    }

    fn token_at(&self, byte: usize) -> usize {
        self.text.tokens().partition_point(|t| t.start() < byte)
    }

    /// The CAMEO-style code of an entity acting with head noun sector `sector`.
    fn code_of(&self, e: &Entity, sector: Option<&str>) -> Option<String> {
        let capital = e.kind == EntityKind::Gpe
            && e.country
                .and_then(|c| self.lexicon.capital(c))
                .is_some_and(|cap| cap == e.name);
        match (e.country, e.sector, sector) {
            (Some(c), None, Some(s)) => Some(format!("{c}{s}")),
            (Some(c), None, None) if capital => Some(format!("{c}GOV")),
            _ => e.actor_code(),
        }
    }

    /// The actors of a phrase (token range); `head` gives the sector of a nationality
    /// ("Russian diplomats"). Empty when none can be named.
    pub fn actors(&self, tokens: &Range<usize>, head: usize) -> Vec<Found> {
        if tokens.is_empty() {
            return Vec::new();
        }
        let sector = noun_sector(self.syntax.lemma_or_lower(head));
        let (start, end) = self.byte_span(tokens);
        let mut out: Vec<Found> = Vec::new();
        for (at, ei) in self.mentions.inside(start, end) {
            if out.iter().any(|f| f.entity == Some(ei)) {
                continue;
            }
            let e = &self.entities[ei];
            if matches!(e.kind, EntityKind::Misc) {
                continue;
            }
            // A person's title noun is not the head of a group ("President Putin").
            let sector = if e.kind == EntityKind::Person || e.kind == EntityKind::Org {
                None
            } else {
                sector
            };
            if let Some(code) = self.code_of(e, sector) {
                out.push(Found {
                    entity: Some(ei),
                    code,
                    token: self.token_at(at),
                });
            }
        }
        if !out.is_empty() {
            return out;
        }
        // A name the entity stage could not code ("US Embassy") may start with a country
        // named elsewhere in the article ("US").
        for i in tokens.clone() {
            let w = self.text.token_text(i);
            let named = self.entities.iter().position(|e| {
                matches!(e.kind, EntityKind::Gpe | EntityKind::Norp)
                    && e.country.is_some()
                    && e.mentions.iter().any(|m| m.text == w)
            });
            if let Some(ei) = named {
                if let Some(code) = self.code_of(&self.entities[ei], sector) {
                    return vec![Found {
                        entity: Some(ei),
                        code,
                        token: i,
                    }];
                }
            }
        }
        // Pronouns: "he", "she" -> the last person named before.
        let pronoun = matches!(
            self.syntax.lower(tokens.start),
            "he" | "she" | "him" | "her"
        );
        if tokens.len() == 1 && pronoun {
            if let Some((_, ei)) = self.mentions.last_person(self.entities, start) {
                if let Some(code) = self.entities[ei].actor_code() {
                    return vec![Found {
                        entity: Some(ei),
                        code,
                        token: tokens.start,
                    }];
                }
            }
        }
        // "western elites" -> WSTELI; "protesters" -> CVL.
        if let Some(s) = sector {
            for i in tokens.clone() {
                if let Some(r) = region(self.syntax.lower(i)) {
                    return vec![Found {
                        entity: None,
                        code: format!("{r}{s}"),
                        token: i,
                    }];
                }
            }
            return vec![Found {
                entity: None,
                code: s.to_string(),
                token: head,
            }];
        }
        Vec::new()
    }

    /// The actors of a phrase, else of the "of" phrases right after it ("members of
    /// Russia's mission", "the secretaries of the US Embassy").
    pub fn actors_with_of(&self, tokens: &Range<usize>, head: usize, limit: usize) -> Vec<Found> {
        let own = self.actors(tokens, head);
        // A bare sector ("the secretaries" -> GOV) waits for a named "of" phrase.
        let bare = own.iter().all(|f| f.entity.is_none() && f.code.len() == 3);
        if !own.is_empty() && !bare {
            return own;
        }
        let mut end = tokens.end;
        for c in &self.syntax.chunks {
            if c.tokens.start < end || c.tokens.end > limit {
                continue;
            }
            if c.tokens.start > end {
                break;
            }
            if c.kind != crate::enrich::syntax::ChunkKind::Pp
                || self.syntax.lower(c.tokens.start) != "of"
            {
                break;
            }
            let found = self.actors(&(c.tokens.start + 1..c.tokens.end), c.head);
            if found.iter().any(|f| f.entity.is_some()) {
                return found;
            }
            end = c.tokens.end;
        }
        own
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::text;

    #[test]
    fn sentences_without_a_possible_actor_are_skipped() {
        let t = text::analyse(
            "The talks went well. Police arrested two men. She agreed. Officials met.",
        );
        assert_eq!(t.sentences().len(), 4);
        assert_eq!(
            actor_sentences(&t, &[], |_| true),
            vec![false, true, true, true]
        );
    }
}
