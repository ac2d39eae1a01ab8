//! Entities: one per real-world actor in an article, from the NER spans and the lexicon,
//! with canonical names, country and sector codes, every mention and a salience.
//!
//! Steps: (1) lexicon phrases and NER spans become mentions, the lexicon naming the actor
//! where it knows one; (2) role phrases ("the Russian president", "Russia's foreign
//! minister") become mentions of whoever held the role on the article's date; (3) mentions
//! are grouped: same lexicon actor, same name, a surname after a full name, an acronym in
//! brackets after its long form; (4) each group becomes an [`Entity`].
//! Names the lexicon does not know keep their country and sector empty rather than guessed.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use super::lexicon::{ActorId, Country, Lexicon, Named, PhraseMatch, Sector};
use super::ner::NamedSpan;
use super::text::{Text, TokenKind};

/// One real-world actor, with every place the article mentions it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// Unique within the article, in order of first mention: `e1`, `e2`, ...
    pub id: String,
    /// Canonical name ("Vladimir Putin" for "Putin").
    pub name: String,
    #[serde(rename = "type")]
    pub kind: EntityKind,
    /// ISO 3166-1 alpha-3 code, when known.
    #[serde(serialize_with = "as_code")]
    pub country: Option<Country>,
    /// CAMEO actor sector code, when known.
    #[serde(serialize_with = "as_sector")]
    pub sector: Option<Sector>,
    pub mentions: Vec<Mention>,
    pub mention_count: usize,
    /// Share of the article's attention in `[0, 1]`; the entities' saliences sum to 1.
    pub salience: f64,
}

impl Entity {
    /// CAMEO-style actor code: country then sector ("RUSGOV"), `IGO` plus sector for
    /// international bodies, or just one of the two.
    pub fn actor_code(&self) -> Option<String> {
        match (self.country, self.sector) {
            (Some(c), Some(s)) => Some(format!("{c}{}", s.as_str())),
            (Some(c), None) => Some(c.to_string()),
            (None, Some(s)) => Some(s.as_str().to_string()),
            (None, None) => None,
        }
    }
}

fn as_code<S: Serializer>(country: &Option<Country>, s: S) -> Result<S::Ok, S::Error> {
    match country {
        Some(c) => s.serialize_str(c.as_str()),
        None => s.serialize_none(),
    }
}

fn as_sector<S: Serializer>(sector: &Option<Sector>, s: S) -> Result<S::Ok, S::Error> {
    match sector {
        Some(sector) => s.serialize_str(sector.as_str()),
        None => s.serialize_none(),
    }
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Who a mention refers to, before grouping.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Referent {
    Actor(ActorId),
    /// A nationality without an actor of its own: "Russian diplomats".
    People(Country),
    /// A name the lexicon does not know, by kind and text.
    Unknown(EntityKind, String),
}

#[derive(Debug, Clone)]
struct RawMention {
    /// Token range in the text.
    tokens: std::ops::Range<usize>,
    referent: Referent,
}

/// Finds the entities of an analysed article.
/// `lower` holds each token's [`lower_hash`](super::gazetteer::lower_hash)
/// ([`lower_hashes`](super::gazetteer::lower_hashes)).
pub fn find(
    text: &Text,
    lower: &[u64],
    spans: &[NamedSpan],
    lexicon: &Lexicon,
    date: Option<NaiveDate>,
) -> Vec<Entity> {
    let mut mentions = mentions(text, lower, spans, lexicon, date);
    add_role_mentions(text, lower, lexicon, date, &mut mentions);
    mentions.sort_by_key(|m| (m.tokens.start, m.tokens.end));
    let groups = group(text, lexicon, &mentions);
    build(text, lexicon, &mentions, groups)
}

/// Step 1: lexicon phrases and NER spans as mentions.
fn mentions(
    text: &Text,
    lower: &[u64],
    spans: &[NamedSpan],
    lexicon: &Lexicon,
    date: Option<NaiveDate>,
) -> Vec<RawMention> {
    let phrases = lexicon.find_phrases(text, lower);
    let mut out = Vec::with_capacity(spans.len() + phrases.len());
    let mut used = vec![false; phrases.len()];
    for span in spans {
        let Some(tokens) = token_range(text, span.start, span.end) else {
            continue;
        };
        let tokens = trim_span(text, lower, lexicon, &phrases, span.kind, tokens);
        let overlapping: Vec<(usize, &PhraseMatch)> = phrases
            .iter()
            .enumerate()
            .filter(|(_, p)| p.tokens.start < tokens.end && tokens.start < p.tokens.end)
            .collect();
        // A lexicon phrase that contains the span ("Russian Foreign Ministry" around the
        // tagged "Foreign Ministry") is the mention; one that starts the span and covers
        // most of it ("Federal Security Service" in "... Service Board") names its actor.
        let containing = overlapping
            .iter()
            .find(|(_, p)| p.tokens.start <= tokens.start && tokens.end <= p.tokens.end);
        let leading = overlapping.iter().find(|(_, p)| {
            p.tokens.start == tokens.start
                && 2 * (p.tokens.end - p.tokens.start) > tokens.end - tokens.start
        });
        let (tokens, referent) = match containing.or(leading) {
            Some((_, phrase)) => {
                let tokens = if phrase.tokens.end >= tokens.end {
                    phrase.tokens.clone()
                } else {
                    tokens
                };
                let referent = match &phrase.what {
                    Named::Actors(ids) => lexicon
                        .pick(ids, date)
                        .filter(|&id| compatible(span.kind, lexicon.actor(id).kind))
                        .map(Referent::Actor),
                    Named::Demonym(country) => Some(Referent::People(*country)),
                };
                (tokens, referent)
            }
            None => (tokens, None),
        };
        for (i, p) in phrases.iter().enumerate() {
            if p.tokens.start < tokens.end && tokens.start < p.tokens.end {
                used[i] = true;
            }
        }
        let referent = match referent {
            Some(referent) => referent,
            None if tokens.len() == 1 && is_sentence_adverb(text.norm(tokens.start)) => continue,
            None => Referent::Unknown(span.kind, name_key(text, tokens.clone())),
        };
        out.push(RawMention { tokens, referent });
    }
    for (phrase, used) in phrases.into_iter().zip(used) {
        if used {
            continue;
        }
        let referent = match phrase.what {
            Named::Actors(ids) => match lexicon.pick(&ids, date) {
                Some(id) => Referent::Actor(id),
                None => continue,
            },
            Named::Demonym(country) => Referent::People(country),
        };
        out.push(RawMention {
            tokens: phrase.tokens,
            referent,
        });
    }
    out
}

/// Drops what a tagged span should not start with, unless the lexicon knows the whole
/// phrase ("The Hague"): a leading "The" ("The US"), and a person's titles ("Mr Blair",
/// "President Putin").
fn trim_span(
    text: &Text,
    lower: &[u64],
    lexicon: &Lexicon,
    phrases: &[PhraseMatch],
    kind: EntityKind,
    mut tokens: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    if phrases.iter().any(|p| p.tokens.start == tokens.start) {
        return tokens;
    }
    if tokens.len() > 1 && matches!(text.norm(tokens.start), "The" | "the") {
        tokens.start += 1;
    }
    if kind == EntityKind::Person {
        while tokens.len() > 1 {
            let title_end = (tokens.start + 1..tokens.end).rev().find(|&end| {
                matches!(lexicon.title_ending_at(text, lower, end), Some((s, _)) if s == tokens.start)
            });
            match title_end {
                Some(end) => tokens.start = end,
                None => break,
            }
            if tokens.len() > 1 && text.norm(tokens.start) == "." {
                tokens.start += 1;
            }
        }
    }
    tokens
}

/// Sentence adverbs and connectives that open sentences capitalised and are never names
/// on their own ("Furthermore, ...").
fn is_sentence_adverb(word: &str) -> bool {
    const WORDS: [&str; 28] = [
        "However",
        "Furthermore",
        "Moreover",
        "Meanwhile",
        "Nevertheless",
        "Nonetheless",
        "Therefore",
        "Thus",
        "Indeed",
        "Instead",
        "Also",
        "Still",
        "Yet",
        "Besides",
        "Hence",
        "Otherwise",
        "Likewise",
        "Similarly",
        "Additionally",
        "Consequently",
        "Accordingly",
        "Earlier",
        "Later",
        "Today",
        "Yesterday",
        "Overall",
        "Separately",
        "Elsewhere",
    ];
    WORDS.contains(&word)
}

/// Whether the tagger's type and the lexicon's agree well enough to trust the lexicon.
fn compatible(tagged: EntityKind, listed: EntityKind) -> bool {
    use EntityKind::*;
    match (tagged, listed) {
        (a, b) if a == b => true,
        // Places and organisations are confused often ("Washington said"); people are not.
        (Person, _) | (_, Person) => false,
        _ => true,
    }
}

/// Step 2: "the Russian president", "Russia's foreign minister", "US Secretary of State"
/// followed by no name: a mention of whoever held the role on the article's date.
fn add_role_mentions(
    text: &Text,
    lower: &[u64],
    lexicon: &Lexicon,
    date: Option<NaiveDate>,
    mentions: &mut Vec<RawMention>,
) {
    let n = text.tokens().len();
    let mut added = Vec::new();
    let mut replaced = Vec::new();
    for (index, mention) in mentions.iter().enumerate() {
        let country = match &mention.referent {
            Referent::People(country) => Some(*country),
            Referent::Actor(id) => {
                let actor = lexicon.actor(*id);
                actor
                    .country
                    .filter(|&c| actor.kind == EntityKind::Gpe && lexicon.country(c) == Some(*id))
            }
            Referent::Unknown(..) => None,
        };
        let Some(country) = country else { continue };
        let mut after = mention.tokens.end;
        if after < n && matches!(text.norm(after), "'s" | "'") {
            after += 1;
        }
        let Some((title_end, title)) = title_starting_at(text, lower, lexicon, after) else {
            continue;
        };
        // "President Vladimir Putin": the name that follows is the mention, not the role.
        let named_next = mentions.iter().any(|m| {
            m.tokens.start == title_end
                && match &m.referent {
                    Referent::Actor(id) => lexicon.actor(*id).kind == EntityKind::Person,
                    Referent::Unknown(kind, _) => *kind == EntityKind::Person,
                    Referent::People(_) => false,
                }
        });
        if named_next
            || title_end < n
                && text.tokens()[title_end].kind() == TokenKind::Word
                && starts_upper(text.token_text(title_end))
        {
            continue;
        }
        let role = &lexicon.title(title).role;
        if let Some(holder) = lexicon.holder(Some(country), role, date) {
            replaced.push(index);
            added.push(RawMention {
                tokens: mention.tokens.start..title_end,
                referent: Referent::Actor(holder),
            });
        }
    }
    for index in replaced.into_iter().rev() {
        mentions.remove(index);
    }
    mentions.extend(added);
}

/// The longest title starting at token `start`, as (end token, title).
fn title_starting_at(
    text: &Text,
    lower: &[u64],
    lexicon: &Lexicon,
    start: usize,
) -> Option<(usize, u32)> {
    let n = lower.len();
    (start + 1..=(start + 4).min(n)).rev().find_map(|end| {
        match lexicon.title_ending_at(text, lower, end) {
            Some((s, title)) if s == start => Some((end, title)),
            _ => None,
        }
    })
}

fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Step 3: groups of mentions that name the same actor, as indices into `mentions`.
fn group(text: &Text, lexicon: &Lexicon, mentions: &[RawMention]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_referent: HashMap<Referent, usize> = HashMap::new();
    // Family names of the people seen so far, to send "Howard" to "Michael Howard".
    let mut surnames: HashMap<String, usize> = HashMap::new();
    for (i, mention) in mentions.iter().enumerate() {
        let mut target = by_referent.get(&mention.referent).copied();
        if target.is_none() {
            if let Referent::Unknown(EntityKind::Person, name) = &mention.referent {
                target = surnames.get(last_word(name)).copied();
            }
        }
        if target.is_none() {
            target = acronym_of_previous(text, mentions, i, &by_referent);
        }
        let g = match target {
            Some(g) => {
                groups[g].push(i);
                g
            }
            None => {
                groups.push(vec![i]);
                groups.len() - 1
            }
        };
        by_referent.entry(mention.referent.clone()).or_insert(g);
        let person_name = match &mention.referent {
            Referent::Actor(id) if lexicon.actor(*id).kind == EntityKind::Person => {
                Some(lexicon.actor(*id).name.clone())
            }
            Referent::Unknown(EntityKind::Person, name) => Some(name.clone()),
            _ => None,
        };
        if let Some(name) = person_name {
            if name.contains(' ') {
                surnames.entry(last_word(&name).to_string()).or_insert(g);
            }
        }
    }
    groups
}

/// "Federal Security Service Board (FSB)": the bracketed acronym joins the group of the
/// mention right before the bracket.
fn acronym_of_previous(
    text: &Text,
    mentions: &[RawMention],
    i: usize,
    by_referent: &HashMap<Referent, usize>,
) -> Option<usize> {
    let tokens = &mentions[i].tokens;
    if tokens.start == 0 || tokens.len() != 1 || text.norm(tokens.start - 1) != "(" {
        return None;
    }
    if !text
        .token_text(tokens.start)
        .chars()
        .all(|c| c.is_uppercase() || c == '.')
    {
        return None;
    }
    let before = mentions[..i]
        .iter()
        .rev()
        .find(|m| m.tokens.end + 1 == tokens.start)?;
    by_referent.get(&before.referent).copied()
}

fn last_word(name: &str) -> &str {
    name.rsplit(' ').next().unwrap_or(name)
}

/// Step 4: groups become entities.
fn build(
    text: &Text,
    lexicon: &Lexicon,
    mentions: &[RawMention],
    groups: Vec<Vec<usize>>,
) -> Vec<Entity> {
    let lead_end = text.sentences().get(1).map_or(usize::MAX, |s| s.tokens.end);
    let mut scores = Vec::with_capacity(groups.len());
    let mut entities = Vec::with_capacity(groups.len());
    for group in &groups {
        let mut spans: Vec<Mention> = group
            .iter()
            .map(|&i| {
                let t = &mentions[i].tokens;
                let start = text.tokens()[t.start].start();
                let end = text.tokens()[t.end - 1].end();
                Mention {
                    start,
                    end,
                    text: text.body()[start..end].to_string(),
                }
            })
            .collect();
        spans.sort_by_key(|m| (m.start, m.end));
        spans.dedup_by_key(|m| (m.start, m.end));
        let score: f64 = group
            .iter()
            .map(|&i| {
                if mentions[i].tokens.start < lead_end {
                    2.0
                } else {
                    1.0
                }
            })
            .sum();
        scores.push(score);
        // The group's actor, if any mention names one; else the most informative mention.
        let known = group.iter().find_map(|&i| match mentions[i].referent {
            Referent::Actor(id) => Some(id),
            _ => None,
        });
        let (name, kind, country, sector) = match known {
            Some(id) => {
                let actor = lexicon.actor(id);
                (actor.name.clone(), actor.kind, actor.country, actor.sector)
            }
            None => match group.iter().find_map(|&i| match &mentions[i].referent {
                Referent::People(country) => Some(*country),
                _ => None,
            }) {
                Some(country) => (
                    lexicon
                        .demonym(country)
                        .unwrap_or(country.as_str())
                        .to_string(),
                    EntityKind::Norp,
                    Some(country),
                    None,
                ),
                None => {
                    let kind = group
                        .iter()
                        .find_map(|&i| match &mentions[i].referent {
                            Referent::Unknown(kind, _) => Some(*kind),
                            _ => None,
                        })
                        .unwrap_or(EntityKind::Misc);
                    let name = spans
                        .iter()
                        .map(|m| clean_name(&m.text))
                        .max_by_key(|n| n.len())
                        .unwrap_or_default();
                    (name, kind, None, None)
                }
            },
        };
        entities.push(Entity {
            id: String::new(),
            name,
            kind,
            country,
            sector,
            mention_count: spans.len(),
            mentions: spans,
            salience: 0.0,
        });
    }
    let total: f64 = scores.iter().sum();
    for (entity, score) in entities.iter_mut().zip(&scores) {
        entity.salience = if total > 0.0 {
            (score / total * 1000.0).round() / 1000.0
        } else {
            0.0
        };
    }
    entities.sort_by_key(|e| e.mentions.first().map_or(usize::MAX, |m| m.start));
    for (n, entity) in entities.iter_mut().enumerate() {
        entity.id = format!("e{}", n + 1);
    }
    entities
}

/// A display name from a mention: no possessive, no line breaks.
fn clean_name(mention: &str) -> String {
    let name = mention
        .strip_suffix("'s")
        .or_else(|| mention.strip_suffix("’s"))
        .unwrap_or(mention);
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The grouping key of a name the lexicon does not know.
fn name_key(text: &Text, tokens: std::ops::Range<usize>) -> String {
    let parts: Vec<&str> = tokens
        .map(|i| text.norm(i))
        .filter(|t| *t != "'s")
        .collect();
    parts.join(" ")
}

/// The tokens covering bytes `start..end` exactly, if token boundaries fall there.
fn token_range(text: &Text, start: usize, end: usize) -> Option<std::ops::Range<usize>> {
    let tokens = text.tokens();
    let first = tokens.partition_point(|t| t.start() < start);
    let last = tokens.partition_point(|t| t.end() <= end);
    (first < last && tokens[first].start() == start).then_some(first..last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::ner::Recognizer;
    use crate::enrich::text::analyse;

    fn entities(body: &str, date: Option<NaiveDate>) -> Vec<Entity> {
        let lexicon = Lexicon::embedded().expect("lexicon");
        let recognizer = Recognizer::load_embedded().expect("model");
        let text = analyse(body);
        let spans = recognizer.recognize(&text);
        let lower = crate::enrich::gazetteer::lower_hashes(&text);
        find(&text, &lower, &spans, &lexicon, date)
    }

    fn by_name<'a>(entities: &'a [Entity], name: &str) -> &'a Entity {
        entities
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no entity {name} in {entities:#?}"))
    }

    const SEED: &str = "President Vladimir Putin told the Federal Security Service Board (FSB) \
        that contacts with the Trump administration gave grounds for hope. Putin also said \
        Russia and the US were ready to cooperate. The Russian president spoke after Russian \
        and American diplomats met in Istanbul.";

    #[test]
    fn one_entity_per_actor_with_canonical_names() {
        let date = NaiveDate::from_ymd_opt(2025, 2, 27);
        let found = entities(SEED, date);
        let putin = by_name(&found, "Vladimir Putin");
        assert_eq!(putin.kind, EntityKind::Person);
        assert_eq!(putin.country.map(|c| c.to_string()).as_deref(), Some("RUS"));
        assert_eq!(putin.sector, Some(Sector::Gov));
        let texts: Vec<&str> = putin.mentions.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Vladimir Putin", "Putin", "Russian president"],
            "{found:#?}"
        );
        let fsb = by_name(&found, "Federal Security Service");
        assert_eq!(fsb.mention_count, 2, "{fsb:#?}");
        assert_eq!(fsb.actor_code().as_deref(), Some("RUSCOP"));
        let usa = by_name(&found, "United States");
        assert_eq!(usa.actor_code().as_deref(), Some("USA"));
        assert_eq!(
            by_name(&found, "Istanbul")
                .country
                .map(|c| c.to_string())
                .as_deref(),
            Some("TUR")
        );
        assert_eq!(
            by_name(&found, "White House").actor_code().as_deref(),
            Some("USAGOV")
        );
        let ids: Vec<&str> = found.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids[0], "e1");
        let total: f64 = found.iter().map(|e| e.salience).sum();
        assert!((total - 1.0).abs() < 0.01, "{total}");
    }

    #[test]
    fn unknown_names_keep_country_and_sector_empty_and_surnames_join_them() {
        let found = entities(
            "Analyst Maria Veltrova of the Grenholm Institute said prices would rise. \
             Veltrova added that the Grenholm Institute expects more.",
            None,
        );
        let person = by_name(&found, "Maria Veltrova");
        assert_eq!(person.mention_count, 2, "{found:#?}");
        assert_eq!(person.country, None);
        assert_eq!(person.sector, None);
    }

    #[test]
    fn sentence_adverbs_are_not_entities() {
        let found = entities(
            "Furthermore, the talks in Geneva went on. Meanwhile, Oslo waited.",
            None,
        );
        assert!(
            found
                .iter()
                .all(|e| e.name != "Furthermore" && e.name != "Meanwhile"),
            "{found:#?}"
        );
    }

    #[test]
    fn mentions_point_into_the_body() {
        let found = entities(SEED, None);
        for entity in &found {
            for m in &entity.mentions {
                assert_eq!(&SEED[m.start..m.end], m.text);
            }
        }
    }
}
