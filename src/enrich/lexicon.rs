//! The actor lexicon: the project's TSV files (`lexicon/`) as typed actors, a phrase matcher
//! over tokens, the terms of office behind "the Russian president", and demonyms.
//!
//! Built once at start-up from the files embedded in the binary. Lines that do not parse
//! are reported by [`Lexicon::embedded`] as a [`LexiconError`], so a bad edit fails loudly.

use std::fmt;

use chrono::NaiveDate;

use super::entities::EntityKind;
use super::gazetteer::lower_hash;
use super::tagger::{combine, HashKeyMap};
use super::text::{analyse, Text, TokenKind};

/// The lexicon files embedded in the binary, as (name, contents).
const FILES: [(&str, &str); 5] = [
    ("countries.tsv", include_str!("../../lexicon/countries.tsv")),
    ("places.tsv", include_str!("../../lexicon/places.tsv")),
    (
        "organisations.tsv",
        include_str!("../../lexicon/organisations.tsv"),
    ),
    ("people.tsv", include_str!("../../lexicon/people.tsv")),
    ("titles.tsv", include_str!("../../lexicon/titles.tsv")),
];

/// Longest phrase, in tokens, that the matcher looks for.
const MAX_PHRASE_TOKENS: usize = 10;

/// An ISO 3166-1 alpha-3 country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 3]);

impl Country {
    /// Parses three ASCII capitals.
    pub fn parse(code: &str) -> Option<Country> {
        let bytes: [u8; 3] = code.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(u8::is_ascii_uppercase)
            .then_some(Country(bytes))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII capitals get in (see `parse`).
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// CAMEO actor sector (role) codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sector {
    Gov,
    Mil,
    Cop,
    Jud,
    Leg,
    Med,
    Igo,
    Ngo,
    Bus,
    Opp,
    Pty,
    Reb,
    Cvl,
    Edu,
    Hlh,
    Rel,
    Spy,
    Eli,
    Lab,
    Agr,
    Env,
    Ref,
    Crm,
}

impl Sector {
    const ALL: [Sector; 23] = [
        Sector::Gov,
        Sector::Mil,
        Sector::Cop,
        Sector::Jud,
        Sector::Leg,
        Sector::Med,
        Sector::Igo,
        Sector::Ngo,
        Sector::Bus,
        Sector::Opp,
        Sector::Pty,
        Sector::Reb,
        Sector::Cvl,
        Sector::Edu,
        Sector::Hlh,
        Sector::Rel,
        Sector::Spy,
        Sector::Eli,
        Sector::Lab,
        Sector::Agr,
        Sector::Env,
        Sector::Ref,
        Sector::Crm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Gov => "GOV",
            Sector::Mil => "MIL",
            Sector::Cop => "COP",
            Sector::Jud => "JUD",
            Sector::Leg => "LEG",
            Sector::Med => "MED",
            Sector::Igo => "IGO",
            Sector::Ngo => "NGO",
            Sector::Bus => "BUS",
            Sector::Opp => "OPP",
            Sector::Pty => "PTY",
            Sector::Reb => "REB",
            Sector::Cvl => "CVL",
            Sector::Edu => "EDU",
            Sector::Hlh => "HLH",
            Sector::Rel => "REL",
            Sector::Spy => "SPY",
            Sector::Eli => "ELI",
            Sector::Lab => "LAB",
            Sector::Agr => "AGR",
            Sector::Env => "ENV",
            Sector::Ref => "REF",
            Sector::Crm => "CRM",
        }
    }

    pub fn parse(code: &str) -> Option<Sector> {
        Sector::ALL.into_iter().find(|s| s.as_str() == code)
    }
}

/// Index of an actor in the lexicon.
pub type ActorId = u32;

/// One real-world actor the lexicon knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    /// Canonical name.
    pub name: String,
    pub kind: EntityKind,
    pub country: Option<Country>,
    pub sector: Option<Sector>,
}

/// A term of office: who held a role in a country, and when.
#[derive(Debug, Clone, PartialEq)]
struct Term {
    actor: ActorId,
    country: Option<Country>,
    role: String,
    /// `NaiveDate::MIN` when unknown.
    from: NaiveDate,
    /// Inclusive; `None` while in office.
    to: Option<NaiveDate>,
}

impl Term {
    fn covers(&self, date: NaiveDate) -> bool {
        self.from <= date && self.to.is_none_or(|to| date <= to)
    }
}

/// A title or role noun ("president", "foreign minister", "Gen.").
#[derive(Debug, Clone, PartialEq)]
pub struct Title {
    /// The normalised role, as in people.tsv ("foreign minister").
    pub role: String,
    pub sector: Option<Sector>,
}

/// A phrase the matcher found: tokens `tokens` of the text name these actors.
#[derive(Debug, Clone, PartialEq)]
pub struct PhraseMatch {
    pub tokens: std::ops::Range<usize>,
    pub what: Named,
}

/// What a matched phrase names.
#[derive(Debug, Clone, PartialEq)]
pub enum Named {
    /// One or more actors (several when an alias is shared, e.g. two "Georgia"s).
    Actors(Vec<ActorId>),
    /// A nationality ("Russian", "Americans") of a country.
    Demonym(Country),
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// Actors named by the phrase ending here.
    actors: Vec<ActorId>,
    demonym: Option<Country>,
    /// The lexicon spells this phrase in capitals only ("US", "FSB"): the text must too.
    acronym: bool,
    /// The phrase starts with the article "the" ("the States"): the mention leaves it out.
    article: bool,
    /// Some longer phrase continues this one.
    continues: bool,
}

#[derive(Debug, Clone, Default)]
struct TitleNode {
    title: Option<u32>,
    continues: bool,
}

/// A lexicon line that does not parse.
#[derive(Debug, Clone, PartialEq)]
pub struct LexiconError {
    pub file: &'static str,
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lexicon/{}:{}: {}", self.file, self.line, self.reason)
    }
}

impl std::error::Error for LexiconError {}

/// The typed lexicon with its matchers.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    actors: Vec<Actor>,
    phrases: HashKeyMap<Node>,
    terms: Vec<Term>,
    titles: Vec<Title>,
    title_phrases: HashKeyMap<TitleNode>,
    /// The GPE actor of each country, for demonyms and possessives ("Russia's").
    country_actor: HashKeyMap<ActorId>,
    /// The first demonym listed for each country ("Russian"), to name its people.
    demonym_name: HashKeyMap<String>,
    /// Each country's capital ("Moscow"), for actor codes: a capital acting is its government.
    capital_name: HashKeyMap<String>,
}

impl Lexicon {
    /// The lexicon built from the files embedded in the binary.
    pub fn embedded() -> Result<Lexicon, LexiconError> {
        let mut lexicon = Lexicon::default();
        for (file, contents) in FILES {
            lexicon.load(file, contents)?;
        }
        Ok(lexicon)
    }

    pub fn actor(&self, id: ActorId) -> &Actor {
        &self.actors[id as usize]
    }

    pub fn actors(&self) -> usize {
        self.actors.len()
    }

    /// The country's own actor (its GPE entry), if listed.
    pub fn country(&self, country: Country) -> Option<ActorId> {
        self.country_actor.get(&country_key(country)).copied()
    }

    /// The first demonym listed for a country ("Russian").
    pub fn demonym(&self, country: Country) -> Option<&str> {
        self.demonym_name
            .get(&country_key(country))
            .map(String::as_str)
    }

    /// The capital listed for a country ("Moscow").
    pub fn capital(&self, country: Country) -> Option<&str> {
        self.capital_name
            .get(&country_key(country))
            .map(String::as_str)
    }

    pub fn title(&self, id: u32) -> &Title {
        &self.titles[id as usize]
    }

    /// Who held `role` in `country` on `date` (or, without a date, most recently).
    pub fn holder(
        &self,
        country: Option<Country>,
        role: &str,
        date: Option<NaiveDate>,
    ) -> Option<ActorId> {
        let mut candidates = self
            .terms
            .iter()
            .filter(|t| t.country == country && t.role == role);
        match date {
            Some(date) => candidates.find(|t| t.covers(date)).map(|t| t.actor),
            None => candidates
                .filter(|t| t.to.is_none())
                .max_by_key(|t| t.from)
                .map(|t| t.actor),
        }
    }

    /// Among several actors sharing a name, the one in office on `date` (for people), else
    /// the first listed.
    pub fn pick(&self, actors: &[ActorId], date: Option<NaiveDate>) -> Option<ActorId> {
        if actors.len() > 1 {
            if let Some(date) = date {
                let in_office = actors
                    .iter()
                    .copied()
                    .find(|&a| self.terms.iter().any(|t| t.actor == a && t.covers(date)));
                if in_office.is_some() {
                    return in_office;
                }
            }
        }
        actors.first().copied()
    }

    /// The roles an actor held on `date` (any date when `None`).
    pub fn roles_of(&self, actor: ActorId, date: Option<NaiveDate>) -> impl Iterator<Item = &str> {
        self.terms
            .iter()
            .filter(move |t| t.actor == actor && date.is_none_or(|d| t.covers(d)))
            .map(|t| t.role.as_str())
    }

    /// Lexicon phrases in `text`, longest first, left to right, never overlapping.
    /// `lower` holds [`lower_hash`] of every token's normalised form.
    pub fn find_phrases(&self, text: &Text, lower: &[u64]) -> Vec<PhraseMatch> {
        let mut out = Vec::new();
        let n = lower.len();
        let mut i = 0;
        while i < n {
            let token = &text.tokens()[i];
            if !super::gazetteer::may_start(token.kind(), text.token_text(i)) {
                i += 1;
                continue;
            }
            let mut h = lower[i];
            let mut best: Option<(usize, &Node)> = None;
            let mut j = i;
            while let Some(node) = self.phrases.get(&h) {
                let ends_here = !node.actors.is_empty() || node.demonym.is_some();
                let first = if node.article { i + 1 } else { i };
                if ends_here && (!node.acronym || is_all_caps(text, first..j + 1)) {
                    best = Some((j + 1, node));
                }
                j += 1;
                if !node.continues || j >= n || j - i >= MAX_PHRASE_TOKENS {
                    break;
                }
                h = combine(h, lower[j]);
            }
            match best {
                Some((end, node)) => {
                    let what = match node.demonym {
                        Some(country) if node.actors.is_empty() => Named::Demonym(country),
                        _ => Named::Actors(node.actors.clone()),
                    };
                    let start = if node.article && end - i > 1 {
                        i + 1
                    } else {
                        i
                    };
                    out.push(PhraseMatch {
                        tokens: start..end,
                        what,
                    });
                    i = end;
                }
                None => i += 1,
            }
        }
        out
    }

    /// The title or role noun that ends at token `end` (exclusive), reading backwards up to
    /// four tokens, longest first: "foreign minister" in "Russia's foreign minister".
    pub fn title_ending_at(&self, text: &Text, lower: &[u64], end: usize) -> Option<(usize, u32)> {
        let first = end.saturating_sub(4);
        for start in first..end {
            let mut h = lower[start];
            let mut node = self.title_phrases.get(&h);
            for &l in &lower[start + 1..end] {
                h = combine(h, l);
                node = node.filter(|n| n.continues).and(self.title_phrases.get(&h));
            }
            if let Some(title) = node.and_then(|n| n.title) {
                if text.tokens()[start].kind() == TokenKind::Word {
                    return Some((start, title));
                }
            }
        }
        None
    }

    fn load(&mut self, file: &'static str, contents: &str) -> Result<(), LexiconError> {
        for (n, line) in contents.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
            let fail = |reason: String| LexiconError {
                file,
                line: n + 1,
                reason,
            };
            let want = match file {
                "countries.tsv" => 6,
                "places.tsv" => 4,
                "organisations.tsv" => 5,
                "people.tsv" => 7,
                _ => 4,
            };
            if cols.len() != want {
                return Err(fail(format!("{} columns, expected {want}", cols.len())));
            }
            let country = |code: &str| -> Result<Option<Country>, LexiconError> {
                if code.is_empty() {
                    return Ok(None);
                }
                Country::parse(code)
                    .map(Some)
                    .ok_or_else(|| fail(format!("bad country code {code:?}")))
            };
            let sector = |code: &str| -> Result<Option<Sector>, LexiconError> {
                if code.is_empty() {
                    return Ok(None);
                }
                Sector::parse(code)
                    .map(Some)
                    .ok_or_else(|| fail(format!("bad sector {code:?}")))
            };
            let multi = |i: usize| cols[i].split('|').map(str::trim).filter(|s| !s.is_empty());
            match file {
                "countries.tsv" => {
                    let code = country(cols[0])?.ok_or_else(|| fail("no country code".into()))?;
                    let id = self.add_actor(Actor {
                        name: cols[2].to_string(),
                        kind: EntityKind::Gpe,
                        country: Some(code),
                        sector: None,
                    });
                    self.country_actor.insert(country_key(code), id);
                    self.add_phrase(cols[2], id);
                    self.add_phrase(cols[0], id);
                    multi(3).for_each(|a| self.add_phrase(a, id));
                    if let Some(first) = multi(4).next() {
                        self.demonym_name
                            .insert(country_key(code), first.to_string());
                    }
                    multi(4).for_each(|d| self.add_demonym(d, code));
                    if !cols[5].is_empty() {
                        self.capital_name
                            .insert(country_key(code), cols[5].to_string());
                        let capital = self.add_actor(Actor {
                            name: cols[5].to_string(),
                            kind: EntityKind::Gpe,
                            country: Some(code),
                            sector: None,
                        });
                        self.add_phrase(cols[5], capital);
                    }
                }
                "places.tsv" => {
                    let kind = match cols[1] {
                        "GPE" => EntityKind::Gpe,
                        "LOC" => EntityKind::Loc,
                        other => return Err(fail(format!("bad place type {other:?}"))),
                    };
                    let id = self.add_actor(Actor {
                        name: cols[0].to_string(),
                        kind,
                        country: country(cols[2])?,
                        sector: None,
                    });
                    self.add_phrase(cols[0], id);
                    multi(3).for_each(|a| self.add_phrase(a, id));
                }
                "organisations.tsv" => {
                    let kind = match cols[1] {
                        "ORG" => EntityKind::Org,
                        "NORP" => EntityKind::Norp,
                        other => return Err(fail(format!("bad organisation type {other:?}"))),
                    };
                    let id = self.add_actor(Actor {
                        name: cols[0].to_string(),
                        kind,
                        country: country(cols[2])?,
                        sector: sector(cols[3])?,
                    });
                    self.add_phrase(cols[0], id);
                    multi(4).for_each(|a| self.add_phrase(a, id));
                }
                "people.tsv" => {
                    let id = match self.find_person(cols[0]) {
                        Some(id) => id,
                        None => {
                            let id = self.add_actor(Actor {
                                name: cols[0].to_string(),
                                kind: EntityKind::Person,
                                country: country(cols[1])?,
                                sector: sector(cols[2])?,
                            });
                            self.add_phrase(cols[0], id);
                            id
                        }
                    };
                    multi(6).for_each(|a| self.add_phrase(a, id));
                    let from = match cols[4] {
                        "" => NaiveDate::MIN,
                        from => parse_date(from, false)
                            .ok_or_else(|| fail(format!("bad date {from:?}")))?,
                    };
                    let to = match cols[5] {
                        "" => None,
                        to => Some(
                            parse_date(to, true).ok_or_else(|| fail(format!("bad date {to:?}")))?,
                        ),
                    };
                    self.terms.push(Term {
                        actor: id,
                        country: country(cols[1])?,
                        role: cols[3].to_string(),
                        from,
                        to,
                    });
                }
                _ => {
                    let id = self.titles.len() as u32;
                    self.titles.push(Title {
                        role: cols[1].to_string(),
                        sector: sector(cols[2])?,
                    });
                    if !cols[0].contains('(') {
                        self.add_title(cols[0], id);
                    }
                    multi(3).for_each(|a| self.add_title(a, id));
                }
            }
        }
        Ok(())
    }

    fn add_actor(&mut self, actor: Actor) -> ActorId {
        self.actors.push(actor);
        (self.actors.len() - 1) as ActorId
    }

    fn find_person(&self, name: &str) -> Option<ActorId> {
        // People come last and are few per name: a scan at load time is fine.
        self.actors
            .iter()
            .rposition(|a| a.kind == EntityKind::Person && a.name == name)
            .map(|i| i as ActorId)
    }

    fn add_phrase(&mut self, phrase: &str, actor: ActorId) {
        let acronym = is_acronym(phrase.trim_start_matches("the "));
        let article = phrase.starts_with("the ");
        if let Some(node) = self.insert(phrase) {
            if !node.actors.contains(&actor) {
                node.actors.push(actor);
            }
            node.acronym = acronym;
            node.article = article;
        }
    }

    fn add_demonym(&mut self, phrase: &str, country: Country) {
        if let Some(node) = self.insert(phrase) {
            node.demonym.get_or_insert(country);
        }
    }

    /// Inserts the path of a phrase's token hashes; returns its final node.
    fn insert(&mut self, phrase: &str) -> Option<&mut Node> {
        let hashes = phrase_hashes(phrase)?;
        let mut h = 0;
        for (i, &lh) in hashes.iter().enumerate() {
            h = if i == 0 { lh } else { combine(h, lh) };
            let node = self.phrases.entry(h).or_default();
            if i + 1 < hashes.len() {
                node.continues = true;
            }
        }
        self.phrases.get_mut(&h)
    }

    fn add_title(&mut self, phrase: &str, title: u32) {
        let Some(hashes) = phrase_hashes(phrase) else {
            return;
        };
        let mut h = 0;
        for (i, &lh) in hashes.iter().enumerate() {
            h = if i == 0 { lh } else { combine(h, lh) };
            let node = self.title_phrases.entry(h).or_default();
            if i + 1 < hashes.len() {
                node.continues = true;
            } else {
                node.title.get_or_insert(title);
            }
        }
    }
}

/// Lower-cased token hashes of a phrase, tokenized like article text.
fn phrase_hashes(phrase: &str) -> Option<Vec<u64>> {
    let text = analyse(phrase.trim());
    let n = text.tokens().len();
    if n == 0 || n > MAX_PHRASE_TOKENS {
        return None;
    }
    let mut scratch = String::new();
    Some(
        (0..n)
            .map(|i| lower_hash(text.norm(i), &mut scratch))
            .collect(),
    )
}

fn country_key(country: Country) -> u64 {
    u64::from(country.0[0]) << 16 | u64::from(country.0[1]) << 8 | u64::from(country.0[2])
}

/// "US", "FSB", "U.S.": letters all capitals (at most six of them).
fn is_acronym(phrase: &str) -> bool {
    let letters: Vec<char> = phrase.chars().filter(|c| c.is_alphabetic()).collect();
    !letters.is_empty() && letters.len() <= 6 && letters.iter().all(|c| c.is_uppercase())
}

fn is_all_caps(text: &Text, tokens: std::ops::Range<usize>) -> bool {
    tokens.into_iter().all(|i| {
        text.token_text(i)
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
    })
}

/// `YYYY-MM-DD`, or `YYYY` (January 1st, or December 31st for the end of a term).
fn parse_date(value: &str, end: bool) -> Option<NaiveDate> {
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some(date);
    }
    let year: i32 = value.parse().ok()?;
    if end {
        NaiveDate::from_ymd_opt(year, 12, 31)
    } else {
        NaiveDate::from_ymd_opt(year, 1, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::embedded().expect("the embedded lexicon parses")
    }

    fn names(lexicon: &Lexicon, body: &str) -> Vec<(String, String)> {
        let text = analyse(body);
        let mut scratch = String::new();
        let lower: Vec<u64> = (0..text.tokens().len())
            .map(|i| lower_hash(text.norm(i), &mut scratch))
            .collect();
        lexicon
            .find_phrases(&text, &lower)
            .into_iter()
            .map(|m| {
                let start = text.tokens()[m.tokens.start].start();
                let end = text.tokens()[m.tokens.end - 1].end();
                let what = match m.what {
                    Named::Actors(ids) => lexicon.actor(ids[0]).name.clone(),
                    Named::Demonym(c) => format!("demonym {c}"),
                };
                (body[start..end].to_string(), what)
            })
            .collect()
    }

    #[test]
    fn the_embedded_lexicon_is_large_and_typed() {
        let lexicon = lexicon();
        assert!(lexicon.actors() > 5000, "{}", lexicon.actors());
        let rus = Country::parse("RUS").expect("code");
        let russia = lexicon.country(rus).expect("Russia is listed");
        assert_eq!(lexicon.actor(russia).name, "Russia");
    }

    #[test]
    fn phrases_are_matched_longest_first_with_case_rules() {
        let lexicon = lexicon();
        let found = names(
            &lexicon,
            "Putin told the Federal Security Service that the US and Russian diplomats will help us.",
        );
        assert_eq!(
            found,
            [
                ("Putin".to_string(), "Vladimir Putin".to_string()),
                (
                    "Federal Security Service".into(),
                    "Federal Security Service".into()
                ),
                ("US".into(), "United States".into()),
                ("Russian".into(), "demonym RUS".into()),
            ]
        );
    }

    #[test]
    fn role_holders_depend_on_the_date() {
        let lexicon = lexicon();
        let usa = Country::parse("USA");
        let on = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let name = |id: Option<ActorId>| id.map(|id| lexicon.actor(id).name.clone());
        assert_eq!(
            name(lexicon.holder(usa, "president", on(2025, 2, 27))).as_deref(),
            Some("Donald Trump")
        );
        assert_eq!(
            name(lexicon.holder(usa, "president", on(2010, 6, 1))).as_deref(),
            Some("Barack Obama")
        );
        assert_eq!(
            name(lexicon.holder(Country::parse("RUS"), "foreign minister", on(2025, 2, 27)))
                .as_deref(),
            Some("Sergei Lavrov")
        );
    }

    #[test]
    fn titles_are_found_before_a_position() {
        let lexicon = lexicon();
        let text = analyse("Russia's foreign minister said");
        let mut scratch = String::new();
        let lower: Vec<u64> = (0..text.tokens().len())
            .map(|i| lower_hash(text.norm(i), &mut scratch))
            .collect();
        let (start, title) = lexicon.title_ending_at(&text, &lower, 4).expect("a title");
        assert_eq!(start, 2);
        assert_eq!(lexicon.title(title).role, "foreign minister");
    }
}
