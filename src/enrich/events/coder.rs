//! The coder: clauses and noun phrases of the shallow syntax, matched against the verb lexicon,
//! with control words ("refused to meet"), modality and negation, passive voice, actors, dates
//! and places.

use std::collections::HashMap;
use std::ops::Range;

use chrono::NaiveDate;

use super::actors::{Ctx, Found, MentionIndex};
use super::dates;
use super::lexicon::{CodeInfo, Control, EventLexicon, Pattern, TriggerKind};
use super::{Actor, Cameo, Event, EventDate, Location, Span};
use crate::enrich::entities::{Entity, EntityKind};
use crate::enrich::gazetteer::hash_lowered;
use crate::enrich::lexicon::Lexicon;
use crate::enrich::syntax::{ChunkKind, Clause, Phrase, Syntax};
use crate::enrich::tagger::HashKeyMap;
use crate::enrich::text::{Text, TokenKind};

/// Prepositions whose object can be an event's target ("met with X", "attack on X").
const TARGET_PREPS: [&str; 9] = [
    "with", "against", "on", "to", "at", "from", "toward", "towards", "into",
];

/// Speech verbs that turn a reported hostile intention into an accusation.
const SPEECH: [&str; 9] = [
    "claim", "say", "warn", "accuse", "allege", "insist", "charge", "suggest", "argue",
];

/// A code with what it matched.
struct Match<'l> {
    info: &'l CodeInfo,
    specificity: usize,
}

/// Where an event came from, before actors and dates are attached.
struct Draft<'l> {
    info: &'l CodeInfo,
    specificity: usize,
    sentence: usize,
    span: Range<usize>,
    trigger: Range<usize>,
    sources: Vec<Found>,
    targets: Vec<Found>,
    confidence: f64,
}

/// The CAMEO code a control word turns an infinitive's code into, if any.
fn combine(control: Control, code: &str) -> Option<&'static str> {
    let root: u32 = code.get(..2)?.parse().ok()?;
    let sub = code.get(2..3).unwrap_or("0");
    Some(match control {
        Control::Unreal => return None,
        Control::Intent => match root {
            2 | 3 => "030",
            4 => "036",
            5 => {
                if sub == "0" {
                    "030"
                } else {
                    "032"
                }
            }
            6 => match code {
                "061" => "0311",
                "062" => "0312",
                "063" => "0313",
                "064" => "0314",
                _ => "031",
            },
            7 => match code {
                "071" => "0331",
                "072" => "0332",
                "073" => "0333",
                "074" => "0334",
                _ => "033",
            },
            8 => match code {
                "0841" | "0842" | "084" => "0353",
                "085" => "0354",
                c if c.starts_with("087") => "0356",
                _ => "035",
            },
            16 => match code {
                "163" => "1312",
                "166" | "1661" | "1662" | "1663" | "161" => "1313",
                _ => "131",
            },
            17 => "132",
            18..=20 => match code {
                "2041" | "2042" | "204" => "1385",
                _ => "138",
            },
            _ => return None,
        },
        Control::Threat => match root {
            16 => match code {
                "163" => "1312",
                _ => "1313",
            },
            17 => "132",
            14 => "133",
            18..=20 => "138",
            _ => "130",
        },
        Control::Reject => match root {
            2..=5 => match root {
                4 => "125",
                _ => "120",
            },
            6 => "121",
            7 => "122",
            8 => match code {
                "0841" | "0842" | "084" => "1243",
                c if c.starts_with("087") => "1246",
                _ => "124",
            },
            _ => return None,
        },
        Control::Demand => match root {
            4 => "106",
            5 => "102",
            6 => "101",
            7 => "103",
            8 => match code {
                "0841" | "0842" | "084" => "1053",
                "085" => "1054",
                c if c.starts_with("087") => "1056",
                _ => "105",
            },
            _ => "100",
        },
        Control::Appeal => match root {
            4 => "026",
            5 => "022",
            6 => "021",
            7 => "023",
            8 => match code {
                "0841" | "0842" | "084" => "0253",
                "085" => "0254",
                c if c.starts_with("087") => "0256",
                _ => "025",
            },
            _ => "020",
        },
    })
}

/// The coder with its lexicon.
#[derive(Debug, Clone)]
pub struct Coder {
    lexicon: EventLexicon,
    /// Hashes of the lower-cased word forms that can trigger an event other than a bare
    /// statement, each with what else the sentence must hold: `None` for nothing, else any of
    /// the hashed words (a pattern's `=` words and preposition). Sentences without a trigger
    /// are not parsed. Keyed by [`hash_lowered`], the token key the NER stage hands on.
    triggers: HashKeyMap<Option<Vec<u64>>>,
    /// One bit per [`TRIGGER_BITS`] hash bucket, set where a trigger falls: most words are
    /// turned away by one read from this small table instead of a map probe.
    trigger_bits: Vec<u64>,
    /// Every inflected form that [`suffix_lemma`] takes to a lexicon verb ("expelled" ->
    /// "expel"), with that verb: one probe instead of trying each suffix.
    inflected: HashMap<String, String, foldhash::fast::FixedState>,
}

/// Suffixes of regular verb forms, tried in this order.
const VERB_SUFFIXES: [&str; 5] = ["ing", "ed", "es", "s", "d"];

/// The verb lemma a regular inflected `form` has by suffix rules, when `known` accepts it:
/// "expelled" -> "expel", "closing" -> "close", "stopped" -> "stop", "tried" -> "try".
fn suffix_lemma(form: &str, known: impl Fn(&str) -> bool) -> Option<String> {
    for suffix in VERB_SUFFIXES {
        let Some(stem) = form.strip_suffix(suffix).filter(|s| s.len() >= 2) else {
            continue;
        };
        if known(stem) {
            return Some(stem.to_string());
        }
        let with_e = format!("{stem}e");
        if known(&with_e) {
            return Some(with_e);
        }
        let b = stem.as_bytes();
        if b.len() >= 3 && b[b.len() - 1] == b[b.len() - 2] && known(&stem[..stem.len() - 1]) {
            return Some(stem[..stem.len() - 1].to_string());
        }
        if let Some(y) = stem.strip_suffix('i') {
            let with_y = format!("{y}y");
            if known(&with_y) {
                return Some(with_y);
            }
        }
    }
    None
}

/// [`Coder::inflected`]: any form [`suffix_lemma`] takes to a verb `lemma` is the lemma, or
/// its `e`-less, doubled-consonant or `y`-to-`i` stem, plus a suffix; each such form gets
/// what [`suffix_lemma`] itself says of it (another lemma may come first).
fn inflections<'a>(
    lemmas: impl IntoIterator<Item = &'a str>,
    known: impl Fn(&str) -> bool + Copy,
) -> HashMap<String, String, foldhash::fast::FixedState> {
    let mut out = HashMap::default();
    for lemma in lemmas {
        let mut stems = vec![lemma.to_string()];
        if let Some(last) = lemma.chars().last() {
            stems.push(format!("{lemma}{last}"));
        }
        if let Some(bare) = lemma.strip_suffix('e') {
            stems.push(bare.to_string());
        }
        if let Some(bare) = lemma.strip_suffix('y') {
            stems.push(format!("{bare}i"));
        }
        for stem in &stems {
            for suffix in VERB_SUFFIXES {
                let form = format!("{stem}{suffix}");
                if out.contains_key(&form) {
                    continue;
                }
                if let Some(l) = suffix_lemma(&form, known) {
                    out.insert(form, l);
                }
            }
        }
    }
    out
}

/// Buckets of [`Coder::trigger_bits`] (a power of two; 8 KiB for some thousands of forms).
const TRIGGER_BITS: usize = 1 << 16;

/// The bucket of a trigger hash in [`Coder::trigger_bits`].
#[inline]
fn trigger_bit(h: u64) -> (usize, u64) {
    let b = (h >> 40) as usize & (TRIGGER_BITS - 1);
    (b / 64, 1 << (b % 64))
}

/// The regular inflections of a verb lemma, generously (a few non-words do no harm).
fn verb_forms(l: &str) -> Vec<String> {
    let mut out = vec![
        l.to_string(),
        format!("{l}s"),
        format!("{l}es"),
        format!("{l}ed"),
        format!("{l}d"),
        format!("{l}ing"),
    ];
    if let Some(stem) = l.strip_suffix('e') {
        out.push(format!("{stem}ing"));
    }
    if let Some(stem) = l.strip_suffix('y') {
        out.push(format!("{stem}ied"));
        out.push(format!("{stem}ies"));
    }
    if let Some(last) = l.chars().last() {
        out.push(format!("{l}{last}ed"));
        out.push(format!("{l}{last}ing"));
    }
    out
}

impl Coder {
    /// A coder for `lexicon`; `irregular` maps irregular verb forms to their lemmas (the POS
    /// model's table), so that "met" is known to trigger "meet".
    pub fn new<S>(lexicon: EventLexicon, irregular: &HashMap<String, String, S>) -> Coder {
        let mut triggers: HashKeyMap<Option<Vec<u64>>> = HashKeyMap::default();
        let mut by_lemma: HashMap<&str, Vec<&str>> = HashMap::new();
        for (form, lemma) in irregular.iter().chain(lexicon.forms()) {
            by_lemma
                .entry(lemma.as_str())
                .or_default()
                .push(form.as_str());
        }
        for p in lexicon.patterns() {
            if p.code.starts_with("01") {
                continue;
            }
            let mut forms: Vec<String> = match p.kind {
                TriggerKind::Verb => {
                    let mut f = verb_forms(&p.lemma);
                    f.extend(
                        by_lemma
                            .get(p.lemma.as_str())
                            .into_iter()
                            .flatten()
                            .map(|x| x.to_string()),
                    );
                    f
                }
                TriggerKind::Noun => {
                    let l = &p.lemma;
                    vec![l.clone(), format!("{l}s"), format!("{l}es")]
                }
            };
            if let Some(stem) = p.lemma.strip_suffix('y') {
                forms.push(format!("{stem}ies"));
            }
            // What the sentence must also hold: any `=` word (or its plural), or the
            // preposition.
            let needs: Option<Vec<u64>> = if !p.words.is_empty() {
                Some(
                    p.words
                        .iter()
                        .flat_map(|w| [w.clone(), format!("{w}s"), format!("{w}es")])
                        .map(|w| hash_lowered(&w))
                        .collect(),
                )
            } else {
                p.prep
                    .as_ref()
                    .or(p.particle.as_ref())
                    .map(|x| vec![hash_lowered(x)])
            };
            for f in forms {
                let slot = triggers
                    .entry(hash_lowered(&f))
                    .or_insert_with(|| Some(Vec::new()));
                match (&mut *slot, &needs) {
                    (Some(all), Some(n)) => all.extend(n),
                    (_, None) => *slot = None,
                    (None, Some(_)) => {}
                }
            }
        }
        for v in triggers.values_mut().flatten() {
            v.sort_unstable();
            v.dedup();
        }
        let mut trigger_bits = vec![0u64; TRIGGER_BITS / 64];
        for &h in triggers.keys() {
            let (w, bit) = trigger_bit(h);
            trigger_bits[w] |= bit;
        }
        let known = |c: &str| !lexicon.verb_patterns(c).is_empty();
        let verbs = lexicon
            .patterns()
            .filter(|p| p.kind == TriggerKind::Verb)
            .map(|p| p.lemma.as_str());
        let inflected = inflections(verbs, known);
        Coder {
            lexicon,
            triggers,
            trigger_bits,
            inflected,
        }
    }

    /// Which sentences hold a word that may trigger an event other than a bare statement
    /// (with the other words its patterns need).
    /// `lower` holds each token's [`lower_hash`](crate::enrich::gazetteer::lower_hash).
    pub fn candidate_sentences(&self, text: &Text, lower: &[u64]) -> Vec<bool> {
        let tokens = text.tokens();
        let word = |i: usize| tokens.get(i).is_some_and(|t| t.kind() == TokenKind::Word);
        // What the sentence's triggers need (one of the words each).
        let mut needed: Vec<&[u64]> = Vec::new();
        text.sentences()
            .iter()
            .map(|s| {
                let keys = lower
                    .get(s.tokens.start..s.tokens.end.min(lower.len()))
                    .unwrap_or_default();
                needed.clear();
                for (i, &h) in s.tokens.clone().zip(keys) {
                    let (w, bit) = trigger_bit(h);
                    if self.trigger_bits.get(w).is_none_or(|b| b & bit == 0) || !word(i) {
                        continue;
                    }
                    match self.triggers.get(&h) {
                        // A trigger that needs nothing else: no need to read further.
                        Some(None) => return true,
                        Some(Some(needs)) => needed.push(needs),
                        None => {}
                    }
                }
                // Most sentences have no trigger; only those with one read their words again.
                !needed.is_empty()
                    && s.tokens.clone().zip(keys).any(|(i, h)| {
                        word(i) && needed.iter().any(|needs| needs.binary_search(h).is_ok())
                    })
            })
            .collect()
    }

    pub fn lexicon(&self) -> &EventLexicon {
        &self.lexicon
    }

    /// The verb lemma a clause is matched with: the lexicon's irregular forms first.
    fn verb_lemma<'a>(&'a self, syntax: &'a Syntax, clause: &'a Clause) -> &'a str {
        let form = syntax.lower(clause.verb.main);
        if let Some(l) = self.lexicon.form_lemma(form) {
            return l;
        }
        let lemma = syntax.verb_lemma(&clause.verb);
        if !self.lexicon.verb_patterns(lemma).is_empty() {
            return lemma;
        }
        // The lemmatiser's suffix rules guess; the lexicon knows which verbs exist.
        self.inflected.get(form).map_or(lemma, String::as_str)
    }

    /// The lemmas a pattern's `=` words are checked against: the clause after the verb to
    /// the next finite clause (or the sentence end), plus the subject of a passive.
    fn bag<'s>(&self, syntax: &'s Syntax, clause: &Clause, sentence_end: usize) -> Vec<&'s str> {
        let mut out = Vec::new();
        let mut push = |i: usize| {
            let l = syntax.lemma_or_lower(i);
            let w = syntax.lower(i);
            if w != l {
                out.push(w);
            }
            out.push(l);
        };
        let mut end = sentence_end;
        // Clauses are in text order: only the ones after this clause can end its bag.
        let from = syntax
            .clauses
            .partition_point(|c| c.verb.tokens.start <= clause.verb.tokens.start);
        for c in &syntax.clauses[from..] {
            if c.sentence > clause.sentence {
                break;
            }
            if c.sentence == clause.sentence
                && c.verb.tokens.start > clause.verb.tokens.end
                && !c.verb.infinitive
                && syntax.tags[c.verb.main].form != crate::enrich::pos::VerbForm::Gerund
            {
                end = end.min(c.verb.tokens.start);
                break;
            }
        }
        for i in clause.verb.tokens.end..end {
            push(i);
        }
        if clause.verb.passive {
            if let Some(s) = &clause.subject {
                for i in s.tokens.clone() {
                    push(i);
                }
            }
        }
        out
    }

    fn best<'a>(
        &'a self,
        patterns: &'a [Pattern],
        particle: Option<&str>,
        preps: &[&str],
        bag: &[&str],
    ) -> Option<Match<'a>> {
        let mut best: Option<(&Pattern, usize)> = None;
        for p in patterns {
            if p.particle.as_deref().is_some_and(|x| Some(x) != particle) {
                continue;
            }
            if p.prep.as_deref().is_some_and(|x| !preps.contains(&x)) {
                continue;
            }
            if !p.words.is_empty() && !p.words.iter().any(|w| bag.contains(&w.as_str())) {
                continue;
            }
            // A particle verb without its particle in the pattern is another verb.
            if particle.is_some() && p.particle.is_none() && p.kind == TriggerKind::Verb {
                let has_particle_variant =
                    patterns.iter().any(|q| q.particle.as_deref() == particle);
                if has_particle_variant {
                    continue;
                }
            }
            let s = p.specificity();
            if best.is_none_or(|(b, bs)| s > bs || (s == bs && p.order < b.order)) {
                best = Some((p, s));
            }
        }
        let (p, specificity) = best?;
        Some(Match {
            info: self.lexicon.code(&p.code)?,
            specificity,
        })
    }

    /// Codes an analysed article.
    pub fn code(
        &self,
        text: &Text,
        syntax: &Syntax,
        entities: &[Entity],
        lexicon: &Lexicon,
        article_date: Option<NaiveDate>,
    ) -> Vec<Event> {
        let mentions = MentionIndex::new(entities);
        let ctx = Ctx {
            text,
            syntax,
            entities,
            mentions: &mentions,
            lexicon,
        };
        let sentences = text.sentences();
        let n = syntax.clauses.len();
        // Pass 1: each clause's own match.
        let mut own: Vec<Option<Match>> = Vec::with_capacity(n);
        for clause in &syntax.clauses {
            let lemma = self.verb_lemma(syntax, clause);
            let patterns = self.lexicon.verb_patterns(lemma);
            if patterns.is_empty() {
                own.push(None);
                continue;
            }
            let end = sentences
                .get(clause.sentence)
                .map_or(clause.span.end, |s| s.tokens.end);
            // Only patterns with `=` words look into the bag.
            let bag = if patterns.iter().any(|p| !p.words.is_empty()) {
                self.bag(syntax, clause, end)
            } else {
                Vec::new()
            };
            let preps: Vec<&str> = clause
                .preps
                .iter()
                .filter(|p| p.prep_token >= clause.verb.tokens.end)
                .map(|p| syntax.prep(p))
                .collect();
            let particle = clause.verb.particle.map(|p| syntax.lower(p));
            own.push(self.best(patterns, particle, &preps, &bag));
        }
        // Pass 2: control words replace their infinitive's code and silence themselves.
        let mut code: Vec<Option<(&CodeInfo, usize, f64)>> = own
            .iter()
            .map(|m| m.as_ref().map(|m| (m.info, m.specificity, 0.0)))
            .collect();
        let mut silenced = vec![false; n];
        let mut unreal_conflict: Vec<usize> = Vec::new();
        for (ci, clause) in syntax.clauses.iter().enumerate() {
            if !clause.verb.infinitive {
                continue;
            }
            let Some(g) = clause.governor else {
                code[ci] = None; // "to" + verb without a governor: a purpose, not an act.
                continue;
            };
            let control = syntax.control(clause).and_then(|w| self.lexicon.control(w));
            match (control, own[ci].as_ref()) {
                // "a list of diplomats to be expelled": an act, with the governor's subject
                // as its source.
                (None, Some(_)) if clause.verb.passive => {}
                (None, _) => code[ci] = None,
                (Some(Control::Unreal), m) => {
                    code[ci] = None;
                    if g < n {
                        silenced[g] = true;
                    }
                    if m.is_some_and(|m| m.info.quad_class >= 3) {
                        unreal_conflict.push(ci);
                    }
                }
                (Some(c), Some(m)) => {
                    match combine(c, &m.info.code).and_then(|k| self.lexicon.code(k)) {
                        Some(info) => {
                            code[ci] = Some((info, m.specificity + 1, 0.05));
                            if g < n {
                                silenced[g] = true;
                            }
                        }
                        None => code[ci] = None,
                    }
                }
                // "agreed to open its borders": an intention to cooperate, whatever the act.
                (Some(Control::Intent), None)
                    if syntax.control(clause).is_some_and(|w| {
                        matches!(
                            w,
                            "agree" | "pledge" | "promise" | "vow" | "offer" | "commit" | "decide"
                        )
                    }) =>
                {
                    code[ci] = self.lexicon.code("030").map(|i| (i, 0, 0.0));
                    if g < n {
                        silenced[g] = true;
                    }
                }
                (Some(_), None) => code[ci] = None,
            }
        }
        let mut drafts: Vec<Draft> = Vec::new();
        for (ci, clause) in syntax.clauses.iter().enumerate() {
            let Some((mut info, specificity, bonus)) = code[ci] else {
                continue;
            };
            if silenced[ci] {
                continue;
            }
            // The governor decides whether an infinitive's act happened; on its own clause,
            // negation drops the event and modality makes it an intention or nothing.
            let governor = clause.governor.and_then(|g| syntax.clauses.get(g));
            let verb = match governor {
                Some(g) if clause.verb.infinitive => &g.verb,
                _ => &clause.verb,
            };
            if verb.negated {
                // "will not lift the ban", "did not agree": a refusal of cooperation; a
                // negated conflict is nothing.
                match (info.quad_class, combine(Control::Reject, &info.code)) {
                    (1 | 2, Some(k)) => match self.lexicon.code(k) {
                        Some(i) => info = i,
                        None => continue,
                    },
                    _ => continue,
                }
            }
            let mut confidence = 0.45 + 0.1 * specificity as f64 + bonus;
            if let Some(m) = syntax.modal(verb).filter(|_| !verb.negated) {
                match m {
                    "will" | "would" | "shall" | "'ll" => {
                        if !clause.verb.infinitive {
                            match combine(Control::Intent, &info.code)
                                .and_then(|k| self.lexicon.code(k))
                            {
                                Some(i) => info = i,
                                None => {
                                    if info.quad_class >= 3 {
                                        unreal_conflict.push(ci);
                                    }
                                    continue;
                                }
                            }
                        }
                        confidence -= 0.1;
                    }
                    _ => {
                        if info.quad_class >= 3 {
                            unreal_conflict.push(ci);
                        }
                        continue;
                    }
                }
            }
            let (sources, targets) = self.roles(&ctx, clause, governor);
            if info.code.starts_with("01") {
                confidence = 0.2 + 0.05 * specificity as f64;
            }
            if clause.subject_inherited {
                confidence -= 0.05;
            }
            let trigger_end = clause.verb.particle.map_or(clause.verb.main + 1, |p| p + 1);
            drafts.push(Draft {
                info,
                specificity,
                sentence: clause.sentence,
                span: clause.span.clone(),
                trigger: clause.verb.main..trigger_end,
                sources,
                targets,
                confidence,
            });
        }
        self.accusations(&ctx, &unreal_conflict, &mut drafts);
        self.nominals(&ctx, &code, &mut drafts);
        self.finish(&ctx, drafts, article_date)
    }

    /// Source and target actors of a clause.
    fn roles(
        &self,
        ctx: &Ctx,
        clause: &Clause,
        governor: Option<&Clause>,
    ) -> (Vec<Found>, Vec<Found>) {
        let phrase_actors = |p: &Option<Phrase>, limit: usize| -> Vec<Found> {
            p.as_ref()
                .map_or(Vec::new(), |p| ctx.actors_with_of(&p.tokens, p.head, limit))
        };
        let limit = clause.span.end;
        if clause.verb.passive {
            let mut sources = phrase_actors(&clause.agent, limit);
            if sources.is_empty() {
                if let Some(g) = governor {
                    sources = phrase_actors(&g.subject, g.span.end);
                }
            }
            let targets = phrase_actors(&clause.subject, limit);
            return (sources, targets);
        }
        let sources = phrase_actors(&clause.subject, limit);
        let mut targets = phrase_actors(&clause.object, limit);
        if targets.is_empty() {
            for p in &clause.preps {
                let prep = ctx.syntax.prep(p);
                if p.prep_token < clause.verb.tokens.end || !TARGET_PREPS.contains(&prep) {
                    continue;
                }
                let found = ctx.actors(&p.object.tokens, p.object.head);
                // A place is where it happened, not who it happened to.
                let found: Vec<Found> = found
                    .into_iter()
                    .filter(|f| {
                        f.entity.is_none_or(|e| {
                            !(ctx.entities[e].kind == EntityKind::Gpe && prep == "in")
                        })
                    })
                    .collect();
                if !found.is_empty() {
                    targets = found;
                    break;
                }
            }
        }
        (sources, targets)
    }

    /// "He claimed that western elites will try to undermine the dialogue": the speaker
    /// accuses the would-be actor (CAMEO 112).
    fn accusations<'l>(&'l self, ctx: &Ctx, unreal: &[usize], drafts: &mut Vec<Draft<'l>>) {
        let Some(info) = self.lexicon.code("112") else {
            return;
        };
        let clauses = &ctx.syntax.clauses;
        for &ci in unreal {
            let clause = &clauses[ci];
            // The clause whose subject acts: the infinitive's governor chain start.
            let mut actor_clause = clause;
            while let Some(g) = actor_clause.governor.and_then(|g| clauses.get(g)) {
                if !actor_clause.verb.infinitive {
                    break;
                }
                actor_clause = g;
            }
            let targets = actor_clause
                .subject
                .as_ref()
                .map_or(Vec::new(), |p| ctx.actors(&p.tokens, p.head));
            if targets.is_empty() {
                continue;
            }
            let speech = clauses[..ci].iter().rev().find(|c| {
                c.sentence == clause.sentence
                    && SPEECH.contains(&ctx.syntax.verb_lemma(&c.verb))
                    && !c.verb.negated
            });
            let Some(speech) = speech else { continue };
            let sources = speech
                .subject
                .as_ref()
                .map_or(Vec::new(), |p| ctx.actors(&p.tokens, p.head));
            if sources.is_empty() {
                continue;
            }
            drafts.retain(|d| {
                !(d.trigger.start == speech.verb.main && d.info.code.starts_with("01"))
            });
            drafts.push(Draft {
                info,
                specificity: 1,
                sentence: clause.sentence,
                span: speech.span.start..clause.span.end,
                trigger: speech.verb.main..speech.verb.main + 1,
                sources,
                targets,
                confidence: 0.6,
            });
        }
    }

    /// Nominal events: "Moscow's expulsion of the first and second secretaries".
    fn nominals<'l>(
        &'l self,
        ctx: &Ctx,
        code: &[Option<(&CodeInfo, usize, f64)>],
        drafts: &mut Vec<Draft<'l>>,
    ) {
        let (text, syntax) = (ctx.text, ctx.syntax);
        for (k, chunk) in syntax.chunks.iter().enumerate() {
            if chunk.kind == ChunkKind::Vp {
                continue;
            }
            let head = chunk.head;
            let patterns = self.lexicon.noun_patterns(syntax.lemma_or_lower(head));
            if patterns.is_empty() {
                continue;
            }
            let sentences = text.sentences();
            let sentence = sentences.partition_point(|s| s.tokens.end <= head);
            if !sentences
                .get(sentence)
                .is_some_and(|s| s.tokens.contains(&head))
            {
                continue;
            }
            let send = text.sentences()[sentence].tokens.end;
            // The clause whose object this phrase is, if any (only the sentence's clauses
            // can hold it).
            let first = syntax.clauses.partition_point(|c| c.sentence < sentence);
            let host = syntax.clauses[first..]
                .iter()
                .take_while(|c| c.sentence == sentence)
                .enumerate()
                .map(|(k, c)| (first + k, c))
                .find(|(_, c)| {
                    c.object.as_ref().is_some_and(|o| o.tokens.contains(&head))
                        || c.subject.as_ref().is_some_and(|s| s.tokens.contains(&head))
                        || (c.span.contains(&head) && head >= c.verb.tokens.end)
                });
            if let Some((hi, h)) = host {
                // Coded already (a statement's object may still be an act: "announced the
                // release of"), or inside a purpose, wish, negation or hypothesis.
                let statement = code[hi].is_some_and(|(i, _, _)| i.code.starts_with("01"));
                if (code[hi].is_some() && !statement)
                    || h.verb.infinitive
                    || h.verb.negated
                    || h.verb.modal.is_some()
                {
                    continue;
                }
            }
            // The "of"/"on"/"against" chain after the phrase.
            let mut chain_end = chunk.tokens.end;
            let mut target_phrase: Option<(Range<usize>, usize)> = None;
            for c in &syntax.chunks[k + 1..] {
                if c.tokens.start != chain_end || c.kind != ChunkKind::Pp {
                    break;
                }
                let prep = syntax.lower(c.tokens.start);
                if !matches!(prep, "of" | "on" | "against" | "with" | "to" | "by") {
                    break;
                }
                if target_phrase.is_none() && prep != "by" {
                    target_phrase = Some((c.tokens.start + 1..c.tokens.end, c.head));
                }
                chain_end = c.tokens.end;
            }
            let mut bag: Vec<&str> = Vec::new();
            for i in chunk.tokens.start..chain_end.min(send) {
                bag.push(syntax.lemma_or_lower(i));
                bag.push(syntax.lower(i));
            }
            let Some(m) = self.best(patterns, None, &[], &bag) else {
                continue;
            };
            // Source: a name before the head inside the phrase ("Moscow's", "Russian").
            let phrase_start = if chunk.kind == ChunkKind::Pp {
                chunk.tokens.start + 1
            } else {
                chunk.tokens.start
            };
            let mut sources = if head > phrase_start {
                ctx.actors(&(phrase_start..head), head)
            } else {
                Vec::new()
            };
            if sources.is_empty() {
                if let Some((_, c)) = host {
                    if head >= c.verb.tokens.end {
                        sources = c
                            .subject
                            .as_ref()
                            .map_or(Vec::new(), |p| ctx.actors(&p.tokens, p.head));
                    }
                }
            }
            let targets =
                target_phrase.map_or(Vec::new(), |(r, h)| ctx.actors_with_of(&r, h, send));
            if sources.is_empty() && targets.is_empty() && host.is_none() {
                continue;
            }
            let span = syntax.clauses[first..]
                .iter()
                .take_while(|c| c.sentence == sentence)
                .find(|c| c.span.contains(&head))
                .map_or(text.sentences()[sentence].tokens.clone(), |c| {
                    c.span.clone()
                });
            drafts.push(Draft {
                info: m.info,
                specificity: m.specificity,
                sentence,
                span,
                trigger: head..head + 1,
                sources,
                targets,
                confidence: 0.4 + 0.1 * m.specificity as f64,
            });
        }
    }

    /// Attaches dates, places and actors and builds the events.
    fn finish(
        &self,
        ctx: &Ctx,
        mut drafts: Vec<Draft>,
        article_date: Option<NaiveDate>,
    ) -> Vec<Event> {
        let text = ctx.text;
        drafts
            .sort_by(|a, b| (a.trigger.start, &a.info.code).cmp(&(b.trigger.start, &b.info.code)));
        let mut out = Vec::new();
        let mut last_date: Option<EventDate> = None;
        // Per sentence: whether any token may start a date (most sentences have none, and
        // then neither the clause nor the sentence needs reading).
        let mut dated: Vec<Option<bool>> = vec![None; text.sentences().len()];
        let article_day = article_date.map_or_else(String::new, |d| d.to_string());
        for d in drafts {
            let Some(sentence) = text.sentences().get(d.sentence) else {
                continue;
            };
            let date = article_date.map(|ad| {
                let may_hold_date = *dated[d.sentence].get_or_insert_with(|| {
                    sentence.tokens.clone().any(|i| dates::may_start(text, i))
                });
                let found = may_hold_date
                    .then(|| {
                        dates::find(text, d.span.clone(), ad)
                            .into_iter()
                            .next()
                            .or_else(|| {
                                dates::find(text, sentence.tokens.clone(), ad)
                                    .into_iter()
                                    .next()
                            })
                    })
                    .flatten();
                match found {
                    Some(r) => EventDate {
                        start: r.start.to_string(),
                        end: r.end.to_string(),
                        text: Some(text.slice(r.span).to_string()),
                    },
                    None => {
                        let first = sentence.tokens.start;
                        let responds = (first + 2 < sentence.tokens.end)
                            && ctx.syntax.lower(first) == "in"
                            && matches!(ctx.syntax.lower(first + 1), "retaliation" | "response");
                        match (&last_date, responds) {
                            (Some(prev), true) => prev.clone(),
                            _ => EventDate {
                                start: article_day.clone(),
                                end: article_day.clone(),
                                text: None,
                            },
                        }
                    }
                }
            });
            if let Some(dt) = &date {
                if dt.text.is_some() {
                    last_date = Some(dt.clone());
                }
            }
            let location = self
                .location(ctx, &d.span)
                .or_else(|| self.location(ctx, &sentence.tokens));
            let mut info = d.info;
            // Meeting in a third country.
            if info.code == "040"
                && d.trigger.len() == 1
                && ctx.syntax.tags[d.trigger.start].is_verbal()
            {
                if let Some(loc) = &location {
                    let countries: Vec<&str> = d
                        .sources
                        .iter()
                        .chain(&d.targets)
                        .map(|f| f.code.get(..3).unwrap_or(""))
                        .collect();
                    if let Some(c) = &loc.country {
                        if !countries.is_empty() && countries.iter().all(|x| x != c) {
                            info = self.lexicon.code("044").unwrap_or(info);
                        }
                    }
                }
            }
            // One event per source-target pair; a group without a target meets itself pairwise.
            let mut pairs: Vec<(Option<&Found>, Option<&Found>)> = Vec::new();
            if d.targets.is_empty() && d.sources.len() >= 2 {
                for a in &d.sources {
                    for b in &d.sources {
                        if a.code != b.code {
                            pairs.push((Some(a), Some(b)));
                        }
                    }
                }
            }
            if pairs.is_empty() {
                let srcs: Vec<Option<&Found>> = if d.sources.is_empty() {
                    vec![None]
                } else {
                    d.sources.iter().map(Some).collect()
                };
                let tgts: Vec<Option<&Found>> = if d.targets.is_empty() {
                    vec![None]
                } else {
                    d.targets.iter().map(Some).collect()
                };
                for s in &srcs {
                    for t in &tgts {
                        if s.is_some() && t.is_some() && s.map(|f| &f.code) == t.map(|f| &f.code) {
                            continue;
                        }
                        pairs.push((*s, *t));
                    }
                }
                if pairs.is_empty() {
                    pairs.push((srcs[0], None));
                }
            }
            let trigger = Span {
                start: text.tokens()[d.trigger.start].start(),
                end: text.tokens()[d.trigger.end - 1].end(),
                text: String::new(),
            };
            let trigger = Span {
                text: text.body()[trigger.start..trigger.end].to_string(),
                ..trigger
            };
            let sentence_span = Span {
                start: sentence.span.start,
                end: sentence.span.end,
                text: text.slice(sentence.span).to_string(),
            };
            // What the draft's events share; each pair adds its actors and confidence. The
            // last pair takes the shared parts, the others copy them.
            let shared = Event {
                cameo: Cameo {
                    code: info.code.clone(),
                    root: info.code[..2].to_string(),
                    label: info.label.clone(),
                    quad_class: info.quad_class,
                    goldstein: info.goldstein,
                },
                plover: info.plover.clone(),
                source: None,
                target: None,
                date,
                location,
                sentence: sentence_span,
                trigger,
                confidence: 0.0,
            };
            let actor = |f: Option<&Found>| {
                f.map(|f| Actor {
                    entity_id: f.entity.map(|e| ctx.entities[e].id.clone()),
                    code: f.code.clone(),
                })
            };
            let event = |mut e: Event, (s, t): (Option<&Found>, Option<&Found>)| {
                let mut confidence = d.confidence;
                confidence += if s.is_some() { 0.15 } else { -0.1 };
                confidence += if t.is_some() { 0.15 } else { -0.05 };
                e.source = actor(s);
                e.target = actor(t);
                e.confidence = (confidence.clamp(0.05, 0.95) * 100.0).round() / 100.0;
                e
            };
            if let Some((&last, rest)) = pairs.split_last() {
                for &pair in rest {
                    out.push(event(shared.clone(), pair));
                }
                out.push(event(shared, last));
            }
            let _ = d.specificity;
        }
        out
    }

    /// The first place named in an "in"/"at" phrase of the tokens.
    fn location(&self, ctx: &Ctx, range: &Range<usize>) -> Option<Location> {
        let (text, syntax) = (ctx.text, ctx.syntax);
        for c in syntax.chunks_in(range.clone()) {
            if c.kind != ChunkKind::Pp {
                continue;
            }
            let prep = syntax.lower(c.tokens.start);
            if !matches!(prep, "in" | "at" | "near") {
                continue;
            }
            let start = text.tokens()[c.tokens.start + 1].start();
            let end = text.tokens()[c.tokens.end - 1].end();
            for (_, ei) in ctx.mentions.inside(start, end) {
                let e = &ctx.entities[ei];
                if matches!(e.kind, EntityKind::Gpe | EntityKind::Loc) {
                    return Some(Location {
                        entity_id: Some(e.id.clone()),
                        name: e.name.clone(),
                        country: e.country.map(|c| c.to_string()),
                    });
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_sentences_hold_a_trigger_with_what_it_needs() {
        let lexicon = EventLexicon::embedded().expect("lexicon loads");
        let coder = Coder::new(lexicon, &HashMap::<String, String>::new());
        let text = crate::enrich::text::analyse(
            "Russia expelled two diplomats. The weather was fine. The ministers held talks. \
             The ministers held a grudge. Talks were held in Geneva. Russia said nothing.",
        );
        let lower = crate::enrich::gazetteer::lower_hashes(&text);
        assert_eq!(
            coder.candidate_sentences(&text, &lower),
            [true, false, true, false, true, false]
        );
    }

    #[test]
    fn the_inflection_table_says_what_the_suffix_rules_say() {
        let lexicon = EventLexicon::embedded().expect("lexicon loads");
        let coder = Coder::new(lexicon.clone(), &HashMap::<String, String>::new());
        let known = |c: &str| !lexicon.verb_patterns(c).is_empty();
        assert_eq!(
            coder.inflected.get("expelled").map(String::as_str),
            Some("expel")
        );
        assert_eq!(
            coder.inflected.get("closing").map(String::as_str),
            Some("close")
        );
        // Every word of the example articles, the table's own forms, and words that look
        // inflected but are not.
        let mut forms: Vec<String> = coder.inflected.keys().cloned().collect();
        for body in [
            include_str!("../../../data/articles/01-istanbul-embassy-talks.txt"),
            include_str!("../../../data/articles/02-un-aid-sudan.txt"),
            include_str!("../../../data/articles/03-eu-sanctions.txt"),
            include_str!("../../../data/articles/04-uk-budget.txt"),
        ] {
            forms.extend(
                body.split(|c: char| !c.is_alphabetic())
                    .map(str::to_lowercase),
            );
        }
        forms.extend(
            [
                "ties", "dies", "sing", "bring", "shed", "seed", "need", "ed", "ss", "iing",
            ]
            .map(String::from),
        );
        for form in &forms {
            assert_eq!(
                coder.inflected.get(form.as_str()),
                suffix_lemma(form, known).as_ref(),
                "{form}"
            );
        }
    }

    #[test]
    fn control_words_recode_the_infinitive() {
        assert_eq!(combine(Control::Intent, "050"), Some("030"));
        assert_eq!(combine(Control::Intent, "040"), Some("036"));
        assert_eq!(combine(Control::Reject, "040"), Some("125"));
        assert_eq!(combine(Control::Threat, "163"), Some("1312"));
        assert_eq!(combine(Control::Intent, "190"), Some("138"));
        assert_eq!(combine(Control::Unreal, "170"), None);
        assert_eq!(combine(Control::Appeal, "0841"), Some("0253"));
    }
}
