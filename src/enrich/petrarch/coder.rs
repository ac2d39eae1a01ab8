//! Codes one sentence with PETRARCH dictionaries: actor and agent phrases become coded
//! noun phrases (with compounds and "agent of actor"), dictionary verbs are found and their
//! patterns matched TABARI-style (`_` = next word, space = any words between, `$` source,
//! `+` target, `%` compound, `^` any phrase, `&` synset), and each verb with a source and
//! a target gives (source, target, code) events.
//!
//! The clause analysis is shallow and rule-based (no parse tree): the subject is the nearest
//! coded noun phrase before the verb within its clause, the object the first one after it;
//! passives with "by", coordinated verbs ("condemned ... and promised") and noun uses of
//! verb words ("an attack") are recognised.

use std::collections::HashSet;

use super::dictionaries::{Agent, Code, Dictionaries, Elem, ElemKind, Form, Pattern};
use super::words::{words, Word};

/// One coded event. Spans are byte ranges in the text given: the verb, and the noun
/// phrases that gave the source and target codes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Coded {
    pub source: String,
    pub target: String,
    pub code: String,
    pub trigger: (usize, usize),
    pub source_span: (usize, usize),
    pub target_span: (usize, usize),
}

const DETERMINERS: &[&str] = &[
    "A", "AN", "THE", "ITS", "THEIR", "HIS", "HER", "OUR", "YOUR", "MY", "THIS", "THESE", "THOSE",
    "'S", "OF", "EACH", "EVERY", "ANY", "SOME",
];

/// Words that end a noun phrase (they never sit inside one).
const STOP: &[&str] = &[
    "IN",
    "ON",
    "AT",
    "BY",
    "FOR",
    "FROM",
    "TO",
    "WITH",
    "OF",
    "INTO",
    "OVER",
    "AGAINST",
    "ABOUT",
    "AFTER",
    "BEFORE",
    "DURING",
    "BETWEEN",
    "TOWARD",
    "TOWARDS",
    "NEAR",
    "UNDER",
    "AND",
    "OR",
    "NOR",
    "BUT",
    "THAT",
    "WHICH",
    "WHO",
    "WHOM",
    "WHOSE",
    "WHERE",
    "WHEN",
    "WHILE",
    "IS",
    "ARE",
    "WAS",
    "WERE",
    "BE",
    "BEEN",
    "BEING",
    "HAS",
    "HAVE",
    "HAD",
    "WILL",
    "WOULD",
    "SHALL",
    "SHOULD",
    "CAN",
    "COULD",
    "MAY",
    "MIGHT",
    "MUST",
    "DO",
    "DOES",
    "DID",
    "NOT",
    "N'T",
    "IT",
    "HE",
    "SHE",
    "THEY",
    "WE",
    "I",
    "YOU",
    "ITS",
    "HIS",
    "HER",
    "THEIR",
    "SAID",
    "SAYS",
    "SAY",
    "TODAY",
    "YESTERDAY",
    "NOW",
    "ALSO",
    "AS",
    "THAN",
    "IF",
    "SO",
];

/// Words that open a subordinate clause: subject and object searches do not cross them.
const CLAUSE: &[&str] = &[
    "AFTER", "BEFORE", "WHEN", "WHILE", "BECAUSE", "ALTHOUGH", "THOUGH", "SINCE", "UNTIL",
    "UNLESS", "WHEREAS", "WHICH", "WHO", "WHOM", "WHOSE", "WHERE",
];

/// Words a finite or infinitive verb does not follow: "Gondor's attack", "very close",
/// "for talks", "after leaving".
const NOT_BEFORE_VERBS: &[&str] = &[
    "'S", "OF", "VERY", "TOO", "SO", "QUITE", "RATHER", "MORE", "MOST", "IN", "ON", "AT", "FOR",
    "FROM", "WITH", "OVER", "ABOUT", "AGAINST", "INTO", "DURING", "AFTER", "BEFORE", "WITHOUT",
    "BETWEEN", "AMONG", "UPON",
];

const MODALS: &[&str] = &[
    "WILL", "WOULD", "SHALL", "SHOULD", "CAN", "COULD", "MAY", "MIGHT", "MUST",
];

const PRONOUNS: &[&str] = &["HE", "SHE", "THEY", "IT", "WE", "I", "YOU"];

const BE: &[&str] = &["IS", "ARE", "WAS", "WERE", "BE", "BEEN", "BEING", "AM"];

const AUX: &[&str] = &[
    "WILL", "WOULD", "SHALL", "SHOULD", "CAN", "COULD", "MAY", "MIGHT", "MUST", "HAS", "HAVE",
    "HAD", "DO", "DOES", "DID", "NOT", "N'T", "ALSO", "THEN", "LATER", "AGAIN",
];

/// A coded noun phrase (or a compound of them): the codes of its actors.
#[derive(Debug, Clone)]
struct Group {
    start: usize,
    end: usize,
    codes: Vec<Coding>,
}

/// One actor code and the tokens of the phrase that gave it.
#[derive(Debug, Clone)]
struct Coding {
    code: String,
    tokens: (usize, usize),
}

fn codings(codes: Vec<String>, tokens: (usize, usize)) -> impl Iterator<Item = Coding> {
    codes.into_iter().map(move |code| Coding { code, tokens })
}

/// A noun phrase with at most one actor and any number of agents.
#[derive(Debug, Clone, Default)]
struct Unit {
    start: usize,
    end: usize,
    base: Option<Vec<String>>,
    prefix: Vec<String>,
    suffix: Vec<String>,
    /// "former security officials": an elite (ELI) rather than the agent's own sector.
    former: bool,
}

impl Unit {
    fn add_agent(&mut self, a: &Agent) {
        let list = if a.prefix {
            &mut self.prefix
        } else {
            &mut self.suffix
        };
        if !list.contains(&a.code) {
            list.push(a.code.clone());
        }
    }

    fn codes_with(&self, agents: Option<&Unit>) -> Vec<String> {
        let mut prefix = self.prefix.clone();
        let mut suffix = self.suffix.clone();
        if let Some(a) = agents {
            prefix.extend(a.prefix.iter().cloned());
            suffix.extend(a.suffix.iter().cloned());
        }
        if self.former || agents.is_some_and(|a| a.former) {
            suffix = vec!["ELI".to_string()];
        }
        let bases = self.base.clone().unwrap_or_else(|| vec!["---".to_string()]);
        bases
            .iter()
            .map(|b| {
                let mut code = prefix.concat();
                code.push_str(b);
                for s in &suffix {
                    if !code.ends_with(s.as_str()) {
                        code.push_str(s);
                    }
                }
                code
            })
            .collect()
    }
}

/// A verb occurrence: its words, the forms it can be, and how it was coded.
struct Verb<'d> {
    start: usize,
    end: usize,
    forms: Vec<&'d Form>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Binds {
    source: Option<usize>,
    target: Option<usize>,
    compound: Option<usize>,
}

struct Sentence<'d> {
    d: &'d Dictionaries,
    words: Vec<Word>,
    ups: Vec<String>,
    groups: Vec<Group>,
    /// Token -> whether it lies in an actor or agent phrase.
    in_unit: Vec<bool>,
    /// Token -> whether a tagger calls it a verb (None: no tag for it).
    verbal: Vec<Option<bool>>,
    /// Pattern-matching steps left for this sentence: matching backtracks over word gaps,
    /// so a pathological sentence stops matching rather than taking unbounded time.
    budget: std::cell::Cell<usize>,
}

/// Pattern-matching steps allowed per sentence (a normal sentence takes a few thousand).
const MATCH_BUDGET: usize = 2_000_000;

/// Codes one sentence. `date` (YYYYMMDD) selects date-restricted actor codes.
pub fn code_sentence(d: &Dictionaries, text: &str, date: Option<u32>) -> Vec<Coded> {
    code_sentence_hinted(d, text, date, &[])
}

/// [`code_sentence`] with part-of-speech hints: (byte offset of a word in `text`, whether a
/// tagger calls it a verb). A dictionary verb the tagger calls something else is not coded;
/// one it calls a verb skips the noun-use rules.
pub fn code_sentence_hinted(
    d: &Dictionaries,
    text: &str,
    date: Option<u32>,
    hints: &[(usize, bool)],
) -> Vec<Coded> {
    let words = words(text);
    let ups: Vec<String> = words.iter().map(|w| w.up.clone()).collect();
    if (0..ups.len()).any(|i| d.discards.longest(&ups, i).is_some()) {
        return Vec::new();
    }
    let verbal = words
        .iter()
        .map(|w| {
            hints
                .binary_search_by_key(&w.start, |h| h.0)
                .ok()
                .map(|i| hints[i].1)
        })
        .collect();
    let mut s = Sentence {
        d,
        verbal,
        in_unit: vec![false; ups.len()],
        budget: std::cell::Cell::new(MATCH_BUDGET),
        words,
        ups,
        groups: Vec::new(),
    };
    let units = s.units(date);
    s.groups = s.groups_of(&units);
    s.code()
}

impl<'d> Sentence<'d> {
    fn is(&self, i: usize, set: &[&str]) -> bool {
        self.ups.get(i).is_some_and(|w| set.contains(&w.as_str()))
    }

    fn is_verb_word(&self, i: usize) -> bool {
        self.d.verbs.forms.contains_key(&self.ups[i])
    }

    /// Could this word sit inside a noun phrase between two dictionary phrases?
    fn np_internal(&self, i: usize) -> bool {
        let w = &self.words[i];
        if w.up == "'S" {
            return true;
        }
        if w.up == "AND" && i > 0 && i + 1 < self.words.len() {
            // "Ithilen's awful and evil minister": a conjunction between adjectives.
            let adjective = |k: usize| {
                let x = &self.words[k];
                !x.capital
                    && !x.is_punct()
                    && !self.is(k, STOP)
                    && !self.is_verb_word(k)
                    && !self.in_unit[k]
                    && self.d.agents.longest(&self.ups, k).is_none()
            };
            return adjective(i - 1) && adjective(i + 1);
        }
        !(w.is_punct()
            || self.is(i, STOP)
            || self.is_verb_word(i)
            || (!w.capital && w.up.ends_with("ED")))
    }

    /// Actor and agent phrases, longest first, merged into noun-phrase units.
    fn units(&mut self, date: Option<u32>) -> Vec<Unit> {
        let mut units: Vec<Unit> = Vec::new();
        let mut i = 0;
        while i < self.ups.len() {
            let actor = self.d.actors.longest(&self.ups, i);
            let agent = self.d.agents.longest(&self.ups, i);
            let (len, actor_codes, agent) = match (actor, agent) {
                (Some((al, &idx)), ag) if ag.is_none_or(|(gl, _)| al >= gl) => {
                    match self.d.actor_entries[idx].codes_on(date) {
                        Some(codes) => (al, Some(codes.to_vec()), None),
                        None => {
                            i += al;
                            continue;
                        }
                    }
                }
                (_, Some((gl, g))) => (gl, None, Some(g.clone())),
                _ => {
                    i += 1;
                    continue;
                }
            };
            let (start, end) = (i, i + len);
            for slot in &mut self.in_unit[start..end] {
                *slot = true;
            }
            let joins = units
                .last()
                .is_some_and(|u| start - u.end <= 4 && (u.end..start).all(|k| self.np_internal(k)));
            if !joins {
                units.push(Unit {
                    start,
                    end,
                    ..Unit::default()
                });
            }
            if let Some(u) = units.last_mut() {
                u.end = end;
                if (u.start.saturating_sub(1)..end).any(|k| self.is(k, &["FORMER"])) {
                    u.former = true;
                }
                if let Some(codes) = actor_codes {
                    if u.base.is_none() {
                        u.base = Some(codes);
                    }
                }
                if let Some(a) = agent {
                    u.add_agent(&a);
                }
            }
            i = end;
        }
        units
    }

    /// Units joined into compounds ("X, Y and Z") and agents attached to actors ("officials
    /// in X and Y").
    fn groups_of(&self, units: &[Unit]) -> Vec<Group> {
        // Lists of units joined by commas and conjunctions.
        let mut lists: Vec<Vec<&Unit>> = Vec::new();
        for u in units {
            let joins = lists.last().and_then(|l| l.last()).is_some_and(|prev| {
                let gap = prev.end..u.start;
                gap.len() <= 4
                    && gap.clone().any(|k| self.is(k, &[",", "AND", "OR", "NOR"]))
                    && gap.clone().all(|k| {
                        self.is(k, &[",", "AND", "OR", "NOR", "THE"]) || self.np_internal(k)
                    })
            });
            if joins {
                if let Some(l) = lists.last_mut() {
                    l.push(u);
                }
            } else {
                lists.push(vec![u]);
            }
        }
        let mut groups = Vec::new();
        let mut k = 0;
        while k < lists.len() {
            let list = &lists[k];
            // The agents at the end of the list: "Ithilen and [the government] of Gondor".
            let lead = list
                .iter()
                .rposition(|u| u.base.is_some())
                .map_or(0, |p| p + 1);
            let next = lists.get(k + 1);
            let linked = next.is_some_and(|n| {
                let end = list.last().map_or(0, |u| u.end);
                let start = n[0].start;
                lead < list.len()
                    && n.iter().any(|u| u.base.is_some())
                    && start > end
                    && start - end <= 2
                    && self.is(end, &["IN", "OF", "FROM", "FOR"])
                    && (end + 1..start).all(|j| self.is(j, &["THE"]))
            });
            let mut codes = Vec::new();
            let mut base: Option<&Unit> = None;
            let upto = if linked { lead } else { list.len() };
            for u in &list[..upto] {
                if u.base.is_some() {
                    base = Some(u);
                    codes.extend(codings(u.codes_with(None), (u.start, u.end)));
                } else if let Some(b) = base {
                    // "Danish media and government": the actor carries over.
                    let mut heir = (*b).clone();
                    heir.suffix.truncate(heir.suffix.len().saturating_sub(1));
                    codes.extend(codings(heir.codes_with(Some(u)), (u.start, u.end)));
                } else {
                    codes.extend(codings(u.codes_with(None), (u.start, u.end)));
                }
            }
            let mut end = list.last().map_or(0, |u| u.end);
            if let (true, Some(n)) = (linked, next) {
                for a in &list[lead..] {
                    for actor in n.iter() {
                        let tokens = (a.start.min(actor.start), a.end.max(actor.end));
                        codes.extend(codings(actor.codes_with(Some(a)), tokens));
                    }
                }
                end = n.last().map_or(0, |u| u.end);
                k += 1;
            }
            groups.push(Group {
                start: list[0].start,
                end,
                codes,
            });
            k += 1;
        }
        groups
    }

    /// Dictionary verbs in the sentence, noun uses left out.
    fn verbs(&self) -> Vec<Verb<'d>> {
        let mut out: Vec<Verb<'d>> = Vec::new();
        let mut i = 0;
        while i < self.ups.len() {
            let Some(forms) = self.d.verbs.forms.get(&self.ups[i]) else {
                i += 1;
                continue;
            };
            if self.in_unit[i] || self.is(i, MODALS) {
                i += 1;
                continue;
            }
            let mut fitting: Vec<&Form> = forms
                .iter()
                .filter(|f| {
                    i >= f.before.len()
                        && f.before
                            .iter()
                            .zip(&self.ups[i - f.before.len()..i])
                            .all(|(a, b)| a == b)
                        && i + 1 + f.after.len() <= self.ups.len()
                        && f.after.iter().zip(&self.ups[i + 1..]).all(|(a, b)| a == b)
                })
                .collect();
            fitting.sort_by_key(|f| std::cmp::Reverse(f.before.len() + f.after.len()));
            let Some(longest) = fitting.first() else {
                i += 1;
                continue;
            };
            let start = i - longest.before.len();
            let end = i + 1 + longest.after.len();
            // A multi-word verb ("wire tap", "cordon off") is its own evidence.
            let multi = end - start > 1;
            let noun = match self.verbal[i] {
                Some(verbal) if !multi => !verbal,
                _ => self.is_noun_use(start),
            };
            if noun {
                i += 1;
                continue;
            }
            out.push(Verb {
                start,
                end,
                forms: fitting,
            });
            i = end;
        }
        out
    }

    /// "an attack", "the brief private visit", "days of fighting".
    fn is_noun_use(&self, start: usize) -> bool {
        if start == 0 {
            return false;
        }
        if self.is(start - 1, NOT_BEFORE_VERBS) {
            return true;
        }
        if self.in_unit[start - 1] {
            // "an anti- Gondor parade": an actor modifying a noun.
            let mut u = start - 1;
            while u > 0 && self.in_unit[u - 1] {
                u -= 1;
            }
            return u > 0 && (self.is(u - 1, &["A", "AN"]) || self.ups[u - 1].ends_with('-'));
        }
        let mut k = start;
        for _ in 0..4 {
            if k == 0 {
                return false;
            }
            k -= 1;
            if self.in_unit[k] {
                return false;
            }
            if self.is(k, DETERMINERS) && !self.is(k, &["'S", "OF"]) {
                return true;
            }
            let w = &self.words[k];
            let plural = w.up.ends_with('S') && !w.up.ends_with("SS");
            if w.is_punct() || w.capital || self.is(k, STOP) || w.up.ends_with("LY") || plural {
                return false;
            }
        }
        false
    }

    fn code(&self) -> Vec<Coded> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut previous_source: Option<usize> = None;
        for verb in self.verbs() {
            if !out.is_empty() && self.is_infinitive(&verb) {
                // "abandoned efforts to stop X": one event per clause, as TABARI codes.
                continue;
            }
            let (code, binds) = self.pattern_code(&verb);
            let source = self.source(&verb, &binds, previous_source);
            previous_source = source.or(previous_source);
            let Code::Pair { forward, reverse } = code else {
                continue;
            };
            let trigger = (self.words[verb.start].start, self.words[verb.end - 1].end);
            let bytes = |t: (usize, usize)| (self.words[t.0].start, self.words[t.1 - 1].end);
            let mut push = |s: &Coding, t: &Coding, c: &Option<String>| {
                if let Some(c) = c {
                    if s.code != t.code && seen.insert((s.code.clone(), t.code.clone(), c.clone()))
                    {
                        out.push(Coded {
                            source: s.code.clone(),
                            target: t.code.clone(),
                            code: c.clone(),
                            trigger,
                            source_span: bytes(s.tokens),
                            target_span: bytes(t.tokens),
                        });
                    }
                }
            };
            if let (Some(c), None, None) = (binds.compound, binds.source, binds.target) {
                if self.groups[c].end <= verb.start {
                    // "% HAVE *": the members of a compound subject act on each other.
                    let codes = &self.groups[c].codes;
                    for a in codes {
                        for b in codes {
                            push(a, b, &forward);
                            push(a, b, &reverse);
                        }
                    }
                    continue;
                }
            }
            let target = binds
                .target
                .or(binds.compound.filter(|&c| self.groups[c].start >= verb.end))
                .or_else(|| self.object(&verb, source));
            let (Some(s), Some(t)) = (source, target) else {
                if let (Some(s), None) = (source, target) {
                    // "Gondor and Osgiliath have renewed ties": with a two-way code
                    // (`[064:064]`), the members of a compound subject act on each other.
                    let codes = &self.groups[s].codes;
                    if codes.len() > 1 && reverse.is_some() && self.groups[s].end <= verb.start {
                        for a in codes {
                            for b in codes {
                                push(a, b, &forward);
                                push(a, b, &reverse);
                            }
                        }
                    }
                }
                continue;
            };
            if s == t {
                continue;
            }
            for a in &self.groups[s].codes {
                for b in &self.groups[t].codes {
                    push(a, b, &forward);
                    push(b, a, &reverse);
                }
            }
        }
        out
    }

    /// The first pattern of the verb's blocks that matches, else the verb's own code.
    fn pattern_code(&self, verb: &Verb) -> (Code, Binds) {
        for form in &verb.forms {
            for p in &self.d.verbs.blocks[form.block].patterns {
                if !usable(&p.code) {
                    continue;
                }
                if let Some(b) = self.match_pattern(p, verb) {
                    return (p.code.clone(), b);
                }
            }
        }
        let code = verb
            .forms
            .iter()
            .map(|f| f.code.clone())
            .find(|c| *c != Code::Null)
            .unwrap_or(Code::Null);
        (code, Binds::default())
    }

    /// Takes one step from the budget; false once it is spent.
    fn spend(&self) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(1));
        left > 0
    }

    fn match_pattern(&self, p: &Pattern, verb: &Verb) -> Option<Binds> {
        let after = self.match_after(&p.after, verb.end, Binds::default())?;
        self.match_before(&p.before, verb.start, after)
    }

    fn match_after(&self, elems: &[Elem], pos: usize, binds: Binds) -> Option<Binds> {
        let Some(e) = elems.first() else {
            return Some(binds);
        };
        let last = if e.adjacent { pos } else { self.ups.len() };
        for at in pos..=last.min(self.ups.len()) {
            if !self.spend() {
                return None;
            }
            for (end, b) in self.match_elem_at(&e.kind, at, binds) {
                if let Some(done) = self.match_after(&elems[1..], end, b) {
                    return Some(done);
                }
            }
        }
        None
    }

    fn match_before(&self, elems: &[Elem], pos: usize, binds: Binds) -> Option<Binds> {
        let Some(e) = elems.first() else {
            return Some(binds);
        };
        let lowest = if e.adjacent { pos } else { 0 };
        for end in (lowest..=pos).rev() {
            if !self.spend() {
                return None;
            }
            for (start, b) in self.match_elem_ending(&e.kind, end, binds) {
                if let Some(done) = self.match_before(&elems[1..], start, b) {
                    return Some(done);
                }
            }
        }
        None
    }

    /// Ways an element can start at `at`: (end, bindings).
    fn match_elem_at(&self, kind: &ElemKind, at: usize, binds: Binds) -> Vec<(usize, Binds)> {
        if at >= self.ups.len() {
            return Vec::new();
        }
        match kind {
            ElemKind::Word(w) => {
                if self.ups[at] == *w {
                    vec![(at + 1, binds)]
                } else {
                    Vec::new()
                }
            }
            ElemKind::Synset(name) => self
                .synset_ends(name, at, 0)
                .into_iter()
                .map(|e| (e, binds))
                .collect(),
            ElemKind::Skip => {
                let mut v = vec![(at + 1, binds)];
                if let Some(g) = self.groups.iter().find(|g| g.start == at) {
                    v.insert(0, (g.end, binds));
                }
                v
            }
            ElemKind::Source | ElemKind::Target | ElemKind::Compound => self
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.start == at || (g.start == at + 1 && self.is(at, &["THE"])))
                .map(|(gi, g)| (g.end, bind(kind, gi, binds)))
                .collect(),
        }
    }

    /// Ways an element can end at `end` (exclusive): (start, bindings).
    fn match_elem_ending(&self, kind: &ElemKind, end: usize, binds: Binds) -> Vec<(usize, Binds)> {
        if end == 0 {
            return Vec::new();
        }
        match kind {
            ElemKind::Word(w) => {
                if self.ups[end - 1] == *w {
                    vec![(end - 1, binds)]
                } else {
                    Vec::new()
                }
            }
            ElemKind::Synset(name) => (0..end)
                .filter(|&s| self.synset_ends(name, s, 0).contains(&end))
                .map(|s| (s, binds))
                .collect(),
            ElemKind::Skip => {
                let mut v = vec![(end - 1, binds)];
                if let Some(g) = self.groups.iter().find(|g| g.end == end) {
                    v.insert(0, (g.start, binds));
                }
                v
            }
            ElemKind::Source | ElemKind::Target | ElemKind::Compound => self
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.end == end)
                .map(|(gi, g)| (g.start, bind(kind, gi, binds)))
                .collect(),
        }
    }

    /// Ends of the synset's member phrases that start at `at` (members may name synsets).
    fn synset_ends(&self, name: &str, at: usize, depth: usize) -> Vec<usize> {
        let mut ends = Vec::new();
        let Some(members) = self.d.verbs.synsets.get(name) else {
            return ends;
        };
        if depth > 3 {
            return ends;
        }
        for m in members {
            let mut positions = vec![at];
            for w in m {
                let mut next = Vec::new();
                for p in positions {
                    if w.starts_with('&') {
                        next.extend(self.synset_ends(w, p, depth + 1));
                    } else if self.ups.get(p) == Some(w) {
                        next.push(p + 1);
                    }
                }
                positions = next;
            }
            ends.extend(positions);
        }
        ends
    }

    /// The verb's subject: a bound `$`, the agent of a passive ("was opposed by X"), the
    /// subject of the verb it is coordinated with, or the nearest phrase before it.
    fn source(&self, verb: &Verb, binds: &Binds, previous: Option<usize>) -> Option<usize> {
        if binds.source.is_some() {
            return binds.source;
        }
        if binds.target.is_none() && self.is_passive(verb) {
            if let Some(agent) = self.by_agent(verb) {
                return Some(agent);
            }
        }
        if self.is_coordinated(verb) && previous.is_some() {
            return previous;
        }
        let avoid = binds.target;
        let limit = binds
            .target
            .map_or(verb.start, |t| self.groups[t].start.min(verb.start));
        let mut best = None;
        for (gi, g) in self.groups.iter().enumerate() {
            if g.end <= limit && Some(gi) != avoid {
                // "..., he said": a pronoun after a comma is a subject of its own.
                let clause_break = (g.end..limit).any(|k| {
                    self.is(k, CLAUSE)
                        || (self.is(k, PRONOUNS) && (g.end..k).any(|c| self.is(c, &[","])))
                });
                if !clause_break {
                    best = Some(gi);
                }
            }
        }
        best
    }

    /// The first phrase after the verb, not across a subordinate clause.
    fn object(&self, verb: &Verb, source: Option<usize>) -> Option<usize> {
        if self.is_passive(verb) && self.by_agent(verb) == source && source.is_some() {
            // "Eriador was opposed by Osgiliath": the object is the grammatical subject.
            let mut best = None;
            for (gi, g) in self.groups.iter().enumerate() {
                if g.end <= verb.start && Some(gi) != source {
                    best = Some(gi);
                }
            }
            return best;
        }
        let stop = (verb.end..self.ups.len())
            .find(|&k| self.is(k, CLAUSE))
            .unwrap_or(self.ups.len());
        self.groups
            .iter()
            .enumerate()
            .find(|(gi, g)| {
                g.start >= verb.end
                    && g.end <= stop
                    && Some(*gi) != source
                    && !(self.is_subject(g) && (verb.end..g.start).any(|k| self.is(k, &[","])))
            })
            .map(|(gi, _)| gi)
    }

    /// A phrase followed by a verb of its own (", a senior Bree official said").
    fn is_subject(&self, g: &Group) -> bool {
        (g.end..(g.end + 2).min(self.ups.len()))
            .any(|k| self.is_verb_word(k) && !self.is(k, MODALS))
    }

    /// "to stop", "to be allowed", "to have acted".
    fn is_infinitive(&self, verb: &Verb) -> bool {
        let mut k = verb.start;
        for _ in 0..3 {
            if k == 0 {
                return false;
            }
            k -= 1;
            if self.is(k, &["TO"]) {
                return true;
            }
            if !self.is(k, &["BE", "HAVE", "BEEN"]) {
                return false;
            }
        }
        false
    }

    /// A form of "be" just before the verb (adverbs and "not" may come between).
    fn is_passive(&self, verb: &Verb) -> bool {
        let mut k = verb.start;
        for _ in 0..4 {
            if k == 0 {
                return false;
            }
            k -= 1;
            if self.is(k, BE) {
                return true;
            }
            let w = &self.ups[k];
            if !(w.ends_with("LY") || self.is(k, &["AND", "NOT", "N'T", "ALSO"])) {
                return false;
            }
        }
        false
    }

    /// "... by X" after a passive verb, within its clause.
    fn by_agent(&self, verb: &Verb) -> Option<usize> {
        let stop = (verb.end..self.ups.len())
            .find(|&k| self.is(k, CLAUSE) || self.is(k, &[","]))
            .unwrap_or(self.ups.len());
        (verb.end..stop)
            .find(|&k| self.is(k, &["BY"]))
            .and_then(|by| {
                self.groups
                    .iter()
                    .position(|g| g.start > by && g.start <= by + 2 && g.end <= stop)
            })
    }

    /// "condemned ... and promised": the verb follows "and" with no subject of its own.
    fn is_coordinated(&self, verb: &Verb) -> bool {
        let mut k = verb.start;
        while k > 0 {
            k -= 1;
            if self.is(k, &["AND", "BUT"]) {
                return true;
            }
            if !(self.is(k, AUX) || self.ups[k].ends_with("LY")) {
                return false;
            }
        }
        false
    }
}

/// Codes such as `[+++]` and `[###]` are test markers, not events: such patterns are off.
fn usable(code: &Code) -> bool {
    let ok = |c: &Option<String>| {
        c.as_ref()
            .is_none_or(|c| c.chars().any(|x| x.is_ascii_alphanumeric()))
    };
    match code {
        Code::Null => true,
        Code::Pair { forward, reverse } => ok(forward) && ok(reverse),
    }
}

fn bind(kind: &ElemKind, group: usize, mut b: Binds) -> Binds {
    match kind {
        ElemKind::Source => b.source = Some(group),
        ElemKind::Target => b.target = Some(group),
        _ => b.compound = Some(group),
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::petrarch::Sources;

    const VERBS: &str = "\
&TIES\n+MILITARY\n+ECONOMIC\n\n\
--- RESTORE [064] ---\nRESTORE\n- NOT * RELATIONS [112]\n\n\
--- ABANDON [345] ---\nABANDON\n- * &TIES TIES [902]\n\n\
--- OPPOSE [112] ---\nOPPOSE\n\n\
--- DELAY [120] ---\nDELAY\n- % HAVE * [191]\n\n\
--- ATTACK [223] ---\nATTACK\n\n\
--- CONDEMN [122] ---\nCONDEMN\n\n\
--- PROMISE [050] ---\nPROMISE\n\n\
--- MEET [031:032] ---\nMEET {MET MEETING}\n";
    const ACTORS: &str = "ARNOR [ARN]\nGONDOR [GON]\n+MINAS_TIRITH\nOSGILIATH [OSG]\nITHILEN [ITH]\nCALENARDHON [CAL]\n";
    const AGENTS: &str = "GOVERNMENT [~GOV]\nSOLDIER [~MIL]\nLAWMAKER [~LEG]\n";

    fn dicts() -> Dictionaries {
        let s = Sources {
            verbs: vec![("v".into(), VERBS.into())],
            actors: vec![("a".into(), ACTORS.into())],
            agents: vec![("g".into(), AGENTS.into())],
            discards: vec![("d".into(), "BASEBALL\n".into())],
        };
        Dictionaries::parse(&s).unwrap_or_default()
    }

    fn triples(text: &str) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = code_sentence(&dicts(), text, Some(19950101))
            .into_iter()
            .map(|c| (c.source, c.target, c.code))
            .collect();
        v.sort();
        v
    }

    fn t(s: &str, t: &str, c: &str) -> (String, String, String) {
        (s.into(), t.into(), c.into())
    }

    #[test]
    fn subject_verb_object() {
        assert_eq!(
            triples("Arnor is about to restore full diplomatic ties with Gondor."),
            [t("ARN", "GON", "064")]
        );
    }

    #[test]
    fn patterns_with_synsets_and_compounds() {
        assert_eq!(
            triples("Arnor will abandon economic ties with Minas Tirith."),
            [t("ARN", "GON", "902")]
        );
        assert_eq!(
            triples("Gondor and Osgiliath have delayed their meeting."),
            [t("GON", "OSG", "191"), t("OSG", "GON", "191")]
        );
    }

    #[test]
    fn agents_passives_coordination_and_nouns() {
        assert_eq!(
            triples("The Calenardhon government condemned an attack by Osgiliath soldiers in south Ithilen and promised aid to Ithilen."),
            [t("CALGOV", "ITH", "050"), t("CALGOV", "OSGMIL", "122")]
        );
        assert_eq!(
            triples("Arnor was opposed by Osgiliath."),
            [t("OSG", "ARN", "112")]
        );
        assert_eq!(
            triples("Lawmakers in Arnor and Gondor met Osgiliath."),
            [
                t("ARNLEG", "OSG", "031"),
                t("GONLEG", "OSG", "031"),
                t("OSG", "ARNLEG", "032"),
                t("OSG", "GONLEG", "032")
            ]
        );
    }

    #[test]
    fn a_pathological_sentence_stays_bounded() {
        let s = Sources {
            verbs: vec![(
                "v".into(),
                "--- RESTORE [064] ---\nRESTORE\n- * TIES TIES TIES TIES NEVER [999]\n".into(),
            )],
            actors: vec![("a".into(), ACTORS.into())],
            ..Sources::default()
        };
        let d = Dictionaries::parse(&s).unwrap_or_default();
        let mut text = String::from("Arnor will restore");
        for _ in 0..2000 {
            text.push_str(" ties");
        }
        text.push_str(" with Gondor.");
        // Without the budget this backtracks over 2000^4 placements.
        let coded: Vec<_> = code_sentence(&d, &text, None)
            .into_iter()
            .map(|c| (c.source, c.target, c.code))
            .collect();
        assert_eq!(coded, [t("ARN", "GON", "064")]);
    }

    #[test]
    fn discards_and_missing_targets_code_nothing() {
        assert!(triples("Arnor will restore baseball ties with Gondor.").is_empty());
        assert!(triples("Arnor will restore ties.").is_empty());
    }
}
