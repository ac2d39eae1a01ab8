//! Shallow syntax over a [`Text`]: part-of-speech tags and lemmas per token ([`super::pos`]),
//! chunks (noun, verb and prepositional phrases) and clauses with subject, verb group, object,
//! complement, prepositional phrases and passive agent.
//!
//! This is the API the event coders build on. It is rule-based over the tags and deliberately
//! shallow: no full parse, one pass per sentence.
//!
//! ```text
//! "Russian and US diplomats met with officials in Istanbul on Thursday."
//!   subject  [Russian and US diplomats]     verb met (lemma "meet")
//!   preps    with [officials], in [Istanbul], on [Thursday]
//! "Two diplomats were expelled by Moscow."
//!   subject  [Two diplomats]  verb were expelled (lemma "expel", passive)  agent [Moscow]
//! "Washington ordered two diplomats to leave."
//!   clause 0: subject [Washington] verb ordered  object [two diplomats]
//!   clause 1: verb to leave (infinitive, governed by clause 0, control "order"),
//!             subject [two diplomats] (the governor's object, as "order" passes it down)
//! "Moscow declared 14 diplomats personae non gratae."
//!   subject [Moscow] verb declared object [14 diplomats] complement [personae non gratae]
//! "Moscow refused to meet Kyiv."  clause 1: verb "meet", control "refuse", subject [Moscow]
//! "They will not cooperate."      verb "cooperate", modal "will", negated
//! ```
//!
//! Token indices are indices into [`Text::tokens`]; ranges are half-open.

use std::ops::Range;

use super::ner::lowercase_into;
use super::pos::{PosTagger, Tag, Upos, VerbForm};
use super::text::{Span, Text, TokenKind};

/// The kind of a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChunkKind {
    /// A noun phrase: "the two Russian diplomats", "Russia and the United States", "they".
    Np,
    /// A verb group: "will not be expelled", "to leave", "met".
    Vp,
    /// A preposition and its noun phrase: "in Istanbul".
    Pp,
}

/// A chunk: a run of tokens with its head (the last nominal of an NP, the main verb of a
/// VP, the NP head of a PP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub kind: ChunkKind,
    pub tokens: Range<usize>,
    pub head: usize,
}

/// A noun phrase in a clause role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub tokens: Range<usize>,
    pub head: usize,
}

/// A prepositional phrase: the preposition (its token; [`Syntax::lower`] gives the word)
/// and its noun phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepPhrase {
    pub prep_token: usize,
    pub object: Phrase,
}

/// A verb group with what its auxiliaries say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerbGroup {
    pub tokens: Range<usize>,
    /// The main verb (the last auxiliary for a bare copula: "are" in "are ready").
    pub main: usize,
    /// A particle right after the verb: "up" in "set up", "out" in "carried out".
    pub particle: Option<usize>,
    /// "were expelled", "has been closed", or a bare participle ("diplomats expelled by").
    pub passive: bool,
    /// "not", "n't", "never" in the group.
    pub negated: bool,
    /// The modal's token: "will", "would", "could", "may", "should", "must", "can"...
    pub modal: Option<usize>,
    /// "to leave".
    pub infinitive: bool,
}

/// One clause: a verb group with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Index into [`Text::sentences`].
    pub sentence: usize,
    /// The tokens the clause covers (from after the previous clause's verb group, or the
    /// sentence start, to before the next clause's verb group or the sentence end).
    pub span: Range<usize>,
    pub subject: Option<Phrase>,
    pub verb: VerbGroup,
    /// The noun phrase right after an active verb.
    pub object: Option<Phrase>,
    /// A second noun phrase or an adjective after the object, or after a copula:
    /// "personae non gratae", "ready".
    pub complement: Option<Phrase>,
    /// Prepositional phrases of the clause, in order (before and after the verb).
    pub preps: Vec<PrepPhrase>,
    /// The "by" phrase of a passive clause.
    pub agent: Option<Phrase>,
    /// For an infinitive ("to leave"), the clause whose verb or adjective governs it.
    pub governor: Option<usize>,
    /// For an infinitive, the governing word's token (its lemma is the control word:
    /// "order", "refuse", "try", "ready").
    pub control: Option<usize>,
    /// The subject was taken from another clause (coordination or control), not found here.
    pub subject_inherited: bool,
}

/// The shallow syntax of a whole text.
#[derive(Debug, Clone, Default)]
pub struct Syntax {
    /// One tag per token of the text.
    pub tags: Vec<Tag>,
    words: Words,
    pub chunks: Vec<Chunk>,
    pub clauses: Vec<Clause>,
}

/// The lower-cased form and lemma of every token of the analysed sentences, written once
/// into one buffer: the coders compare words many times over, and this way no comparison
/// allocates.
#[derive(Debug, Clone, Default)]
struct Words {
    buf: String,
    /// Per token of the text: where its lower-cased form starts in `buf`, where it ends and
    /// its lemma starts, and where the lemma ends (`NONE` for tokens not analysed).
    spans: Vec<[u32; 3]>,
}

/// The span of a token outside the analysed sentences.
const NONE: [u32; 3] = [u32::MAX; 3];

impl Words {
    fn get(&self, i: usize, part: usize) -> &str {
        match self.spans.get(i) {
            Some(s) if *s != NONE => self.buf.get(s[part] as usize..s[part + 1] as usize),
            _ => {
                debug_assert!(false, "token {i} is outside the analysed sentences");
                None
            }
        }
        .unwrap_or("")
    }
}

impl Syntax {
    /// Token `i` lower-cased. Tokens of the analysed sentences only ("" for others).
    pub fn lower(&self, i: usize) -> &str {
        self.words.get(i, 0)
    }

    /// The lemma of a verb, auxiliary or noun (lower-cased); "" for other tokens. Tokens of
    /// the analysed sentences only.
    pub fn lemma(&self, i: usize) -> &str {
        self.words.get(i, 1)
    }

    /// The lemma of token `i`, or its lower-cased form when it has none. Tokens of the
    /// analysed sentences only.
    pub fn lemma_or_lower(&self, i: usize) -> &str {
        match self.lemma(i) {
            "" => self.lower(i),
            l => l,
        }
    }

    /// A verb group's main verb lemma: "meet", "expel", "be".
    pub fn verb_lemma(&self, verb: &VerbGroup) -> &str {
        self.lemma_or_lower(verb.main)
    }

    /// A verb group's modal, lower-cased: "will", "could".
    pub fn modal(&self, verb: &VerbGroup) -> Option<&str> {
        verb.modal.map(|m| self.lower(m))
    }

    /// The lemma of an infinitive's governing word: "order", "refuse", "try", "ready".
    pub fn control(&self, clause: &Clause) -> Option<&str> {
        clause.control.map(|c| self.lemma_or_lower(c))
    }

    /// A prepositional phrase's preposition, lower-cased.
    pub fn prep(&self, p: &PrepPhrase) -> &str {
        self.lower(p.prep_token)
    }

    /// The chunks inside a token range. Chunks are in text order and do not overlap, so
    /// those inside a range are one run of them.
    pub fn chunks_in(&self, range: Range<usize>) -> impl Iterator<Item = &Chunk> {
        let from = self
            .chunks
            .partition_point(|c| c.tokens.start < range.start);
        self.chunks[from..]
            .iter()
            .take_while(move |c| c.tokens.end <= range.end)
    }
}

/// Analyses a text: tags, lemmas, chunks and clauses, sentence by sentence. `names` are byte
/// spans of names found by the NER stage (may be empty): their word tokens are proper nouns
/// whatever the POS model says (it was trained on web text and misses capitalised names at
/// the start of news sentences).
pub fn analyse(text: &Text, pos: &PosTagger, names: &[Span]) -> Syntax {
    analyse_sentences(text, pos, names, None, |_| true)
}

/// [`analyse`] for the sentences `keep` accepts (by index into [`Text::sentences`]): the
/// others get default tags and no chunks or clauses. The event stage uses it to skip
/// sentences without a candidate trigger. `words` as for
/// [`PosTagger::tag_range`].
pub fn analyse_sentences(
    text: &Text,
    pos: &PosTagger,
    names: &[Span],
    words: Option<&[u32]>,
    keep: impl Fn(usize) -> bool + Copy,
) -> Syntax {
    let mut tags = pos.tag_sentences(text, words, keep);
    // Tokens outside the tagged sentences keep their default tags (words are proper nouns)
    // and get no lower-cased form or lemma.
    let tagged: Vec<Range<usize>> = if keep(usize::MAX) {
        std::iter::once(0..text.tokens().len()).collect()
    } else {
        text.sentences()
            .iter()
            .enumerate()
            .filter(|&(si, _)| keep(si))
            .map(|(_, s)| s.tokens.clone())
            .collect()
    };
    if !names.is_empty() {
        let mut k = 0;
        for i in tagged.iter().flat_map(Range::clone) {
            let t = &text.tokens()[i];
            while k < names.len() && names[k].end <= t.start() {
                k += 1;
            }
            let inside = names
                .get(k)
                .is_some_and(|n| n.start <= t.start() && t.end() <= n.end);
            if inside
                && t.kind() == TokenKind::Word
                && !tags[i].is_nominal()
                && tags[i].upos != Upos::Adj
            {
                tags[i] = Tag::new(Upos::Propn, VerbForm::None);
            }
        }
    }
    let mut forms = Words {
        buf: String::with_capacity(text.body().len()),
        spans: vec![NONE; tags.len()],
    };
    let mut lower = String::new();
    for i in tagged.iter().flat_map(Range::clone) {
        let t = tags[i];
        lowercase_into(text.norm(i), &mut lower);
        let start = forms.buf.len();
        forms.buf.push_str(&lower);
        let lower_end = forms.buf.len();
        if t.is_verbal() || t.upos == Upos::Noun {
            forms.buf.push_str(&pos.lemma_of(&lower, t));
        }
        if let Some(span) = forms.spans.get_mut(i) {
            *span = [start as u32, lower_end as u32, forms.buf.len() as u32];
        }
    }
    let mut syntax = Syntax {
        tags,
        words: forms,
        chunks: Vec::new(),
        clauses: Vec::new(),
    };
    for (si, s) in text.sentences().iter().enumerate() {
        if !keep(si) {
            continue;
        }
        let first_chunk = syntax.chunks.len();
        chunk_sentence(text, &mut syntax, s.tokens.clone());
        build_clauses(text, &mut syntax, si, s.tokens.clone(), first_chunk);
    }
    syntax
}

fn lower_is(text: &Text, i: usize, words: &[&str]) -> bool {
    let w = text.norm(i);
    words.iter().any(|x| w.eq_ignore_ascii_case(x))
}

const NEGATIONS: [&str; 4] = ["not", "n't", "never", "no"];
const PARTICLES: [&str; 8] = ["up", "out", "off", "down", "back", "away", "over", "on"];

/// Whether token `i` may sit inside a noun phrase.
fn np_word(text: &Text, tags: &[Tag], i: usize) -> bool {
    match tags[i].upos {
        Upos::Det | Upos::Adj | Upos::Num | Upos::Noun | Upos::Propn | Upos::Pron | Upos::X => true,
        // Possessive "'s".
        Upos::Part => lower_is(text, i, &["'s", "'"]),
        _ => false,
    }
}

fn chunk_sentence(text: &Text, syntax: &mut Syntax, range: Range<usize>) {
    let Syntax {
        tags, chunks: out, ..
    } = syntax;
    let tags = &*tags;
    // This sentence's chunks are appended after the earlier sentences'.
    let first = out.len();
    let mut i = range.start;
    let end = range.end;
    // Whether an NP run may continue at `j` (no second pronoun, no determiner after a noun).
    let np_at = |j: usize| j < end && np_word(text, tags, j);
    while i < end {
        let t = tags[i];
        // Verb group: ("to") (AUX | ADV | negation)* VERB? -- must contain AUX or VERB.
        // "strengthened ties", "the proposed talks": a participle between a determiner,
        // preposition or adjective and a noun modifies the noun.
        let adjectival = t.upos == Upos::Verb
            && matches!(t.form, VerbForm::Participle | VerbForm::Gerund)
            && i > range.start
            && matches!(tags[i - 1].upos, Upos::Det | Upos::Adp | Upos::Adj)
            && i + 1 < end
            && matches!(tags[i + 1].upos, Upos::Noun | Upos::Propn);
        if adjectival {
            if let Some(np) = np_span(text, tags, i + 1, end) {
                out.push(Chunk {
                    kind: ChunkKind::Np,
                    tokens: i..np.tokens.end,
                    head: np.head,
                });
                i = np.tokens.end;
                continue;
            }
        }
        let starts_vp = (t.is_verbal() && !adjectival)
            || (matches!(t.upos, Upos::Part | Upos::Adp)
                && lower_is(text, i, &["to"])
                && (i + 1..end.min(i + 4))
                    .find(|&j| tags[j].upos != Upos::Adv)
                    .is_some_and(|j| tags[j].is_verbal() && tags[j].form == VerbForm::Base))
            || (t.upos == Upos::Adv
                && i + 1 < end
                && tags[i + 1].is_verbal()
                && lower_is(text, i, &NEGATIONS[..3]));
        if starts_vp {
            let start = i;
            let mut main = None;
            let mut last_aux = None;
            let mut j = i;
            while j < end {
                let tj = tags[j];
                let neg = (tj.upos == Upos::Part || tj.upos == Upos::Adv)
                    && lower_is(text, j, &NEGATIONS[..3]);
                if tj.upos == Upos::Aux {
                    last_aux = Some(j);
                } else if tj.upos == Upos::Verb {
                    main = Some(j);
                    j += 1;
                    break;
                } else if neg || (j == start && matches!(tj.upos, Upos::Part | Upos::Adp)) {
                    // "not", "to"
                } else if tj.upos == Upos::Adv
                    && j + 1 < end
                    && (tags[j + 1].is_verbal() || tags[j + 1].upos == Upos::Adv)
                {
                    // "also", "reportedly" between auxiliaries and the verb
                } else {
                    break;
                }
                j += 1;
            }
            match main.or(last_aux) {
                Some(h) => {
                    let stop = if main.is_some() { j } else { h + 1 };
                    out.push(Chunk {
                        kind: ChunkKind::Vp,
                        tokens: start..stop,
                        head: h,
                    });
                    i = stop;
                }
                None => i = j.max(i + 1),
            }
            continue;
        }
        if t.upos == Upos::Adp || (t.upos == Upos::Sconj && lower_is(text, i, &["of"])) {
            // Particle right after a verb group: "set up", "carried out".
            let after_vp = out[first..]
                .last()
                .is_some_and(|c: &Chunk| c.kind == ChunkKind::Vp && c.tokens.end == i);
            if after_vp
                && lower_is(text, i, &PARTICLES)
                && !(np_at(i + 1) && lower_is(text, i, &["on", "over"]))
            {
                i += 1;
                continue;
            }
            if let Some(np) = np_span(text, tags, i + 1, end) {
                out.push(Chunk {
                    kind: ChunkKind::Pp,
                    tokens: i..np.tokens.end,
                    head: np.head,
                });
                i = np.tokens.end;
                continue;
            }
            i += 1;
            continue;
        }
        if np_at(i) {
            if let Some(np) = np_span(text, tags, i, end) {
                out.push(Chunk {
                    kind: ChunkKind::Np,
                    tokens: np.tokens.clone(),
                    head: np.head,
                });
                i = np.tokens.end;
                continue;
            }
        }
        i += 1;
    }
}

/// The noun phrase starting at `start`, if any: a run of NP words, coordinated by "and" /
/// "or" / "," when both sides are nominal ("Russian and US diplomats", "Russia, China and
/// Iran"). The head is the last noun, proper noun, pronoun or number.
fn np_span(text: &Text, tags: &[Tag], start: usize, end: usize) -> Option<Phrase> {
    let mut j = start;
    let mut head = None;
    while j < end {
        if np_word(text, tags, j) {
            // A pronoun ends the phrase unless possessive ("their diplomats").
            let t = tags[j];
            if t.is_nominal() || t.upos == Upos::X {
                head = Some(j);
            }
            j += 1;
            if t.upos == Upos::Pron
                && !lower_is(
                    text,
                    j - 1,
                    &["his", "her", "their", "its", "our", "my", "your"],
                )
            {
                break;
            }
            continue;
        }
        let coord = tags[j].upos == Upos::Cconj || lower_is(text, j, &[","]);
        if coord && head.is_some() || (coord && j > start && tags[j - 1].upos == Upos::Adj) {
            // Coordinate only nominal material on both sides: "Russia and China", not
            // "Russia, said ...".
            let next = j + 1;
            let ok = next < end
                && matches!(
                    tags[next].upos,
                    Upos::Propn | Upos::Noun | Upos::Adj | Upos::Det | Upos::Num
                )
                && !lower_is(text, j, &["but", "yet", "so"]);
            // ", and" / ", or"
            let ok2 = lower_is(text, j, &[","])
                && next + 1 < end
                && tags[next].upos == Upos::Cconj
                && matches!(tags[next + 1].upos, Upos::Propn | Upos::Det);
            // A comma coordinates only in a list that goes on to "and"/"or": "Russia, China
            // and Iran", not "In October 2023, Washington ordered".
            let list = tags[j].upos == Upos::Cconj || {
                let mut q = next;
                while q < end && (np_word(text, tags, q) || lower_is(text, q, &[","])) {
                    q += 1;
                }
                q < end && tags[q].upos == Upos::Cconj
            };
            if ok && list && (tags[j].upos == Upos::Cconj || tags[next].upos == Upos::Propn) {
                j += 1;
                continue;
            }
            if ok2 {
                j += 2;
                continue;
            }
        }
        break;
    }
    // Trailing coordinators or possessives are not part of the phrase.
    let mut stop = j;
    while stop > start && (tags[stop - 1].upos == Upos::Cconj || lower_is(text, stop - 1, &[","])) {
        stop -= 1;
    }
    let head = head.filter(|&h| h < stop)?;
    Some(Phrase {
        tokens: start..stop,
        head,
    })
}

/// Prepositions that also introduce clauses ("after X met").
const SUBORDINATORS: [&str; 8] = [
    "after", "before", "since", "until", "as", "once", "while", "because",
];

fn is_quote(text: &Text, i: usize) -> bool {
    matches!(text.norm(i), "\"" | "'" | "``" | "''")
}

/// Verbs whose object is the understood subject of a following infinitive ("ordered two
/// diplomats to leave").
const OBJECT_CONTROL: [&str; 16] = [
    "order",
    "ask",
    "tell",
    "urge",
    "force",
    "invite",
    "allow",
    "instruct",
    "direct",
    "persuade",
    "encourage",
    "call",
    "require",
    "compel",
    "pressure",
    "press",
];

fn phrase(c: &Chunk) -> Phrase {
    let start = if c.kind == ChunkKind::Pp {
        c.tokens.start + 1
    } else {
        c.tokens.start
    };
    Phrase {
        tokens: start..c.tokens.end,
        head: c.head,
    }
}

fn build_clauses(
    text: &Text,
    syntax: &mut Syntax,
    sentence: usize,
    range: Range<usize>,
    first_chunk: usize,
) {
    let chunks = &syntax.chunks[first_chunk..];
    let tags = &syntax.tags;
    let vps: Vec<usize> = (0..chunks.len())
        .filter(|&k| chunks[k].kind == ChunkKind::Vp)
        .collect();
    let mut clauses: Vec<Clause> = Vec::new();
    for (n, &k) in vps.iter().enumerate() {
        let vp = &chunks[k];
        let toks = vp.tokens.clone();
        let main = vp.head;
        let infinitive = lower_is(text, toks.start, &["to"])
            && matches!(tags[toks.start].upos, Upos::Part | Upos::Adp);
        let auxes = || toks.clone().filter(|&j| tags[j].upos == Upos::Aux);
        let is_verb = tags[main].upos == Upos::Verb;
        let be_aux = auxes().any(|j| {
            j < main
                && matches!(
                    syntax.lemma(j),
                    "be" | "get" | "is" | "are" | "was" | "were" | "been" | "being"
                )
        });
        let perfect_only = auxes()
            .next_back()
            .is_some_and(|j| j < main && syntax.lemma(j) == "have");
        // A bare participle is passive ("diplomats expelled by Moscow") unless an object
        // follows (then it is a past tense the tagger took for a participle).
        let object_follows = chunks
            .get(k + 1)
            .is_some_and(|c| c.kind == ChunkKind::Np && c.tokens.start == toks.end);
        let passive = is_verb
            && tags[main].form == VerbForm::Participle
            && ((be_aux && !perfect_only)
                || (auxes().next().is_none() && !infinitive && !object_follows));
        let negated = toks.clone().any(|j| lower_is(text, j, &NEGATIONS[..3]));
        let modal = auxes().find(|&j| tags[j].form == VerbForm::Modal);
        let particle = (toks.end < range.end
            && tags[toks.end].upos == Upos::Adp
            && lower_is(text, toks.end, &PARTICLES)
            && !chunks
                .get(k + 1)
                .is_some_and(|c| c.kind == ChunkKind::Pp && c.tokens.start == toks.end))
        .then_some(toks.end);
        let span_start = if n == 0 {
            range.start
        } else {
            chunks[vps[n - 1]].tokens.end
        };
        let span_end = vps
            .get(n + 1)
            .map_or(range.end, |&k2| chunks[k2].tokens.start);
        // Chunks between this verb group and the next one.
        let rest = &chunks[k + 1..];
        let after = &rest[..rest.partition_point(|c| c.tokens.start < span_end)];
        let mut object = None;
        let mut complement = None;
        let mut idx = 0;
        let skip_quotes = |mut c: usize| {
            while c < span_end && is_quote(text, c) {
                c += 1;
            }
            c
        };
        let mut cursor = skip_quotes(particle.map_or(toks.end, |p| p + 1));
        let copula = !is_verb;
        if let Some(c) = after.first() {
            if c.kind == ChunkKind::Np && c.tokens.start == cursor && !passive && !copula {
                object = Some(phrase(c));
                cursor = skip_quotes(c.tokens.end);
                idx = 1;
            }
        }
        // Complement: an NP or adjective run right after the object or the copula.
        if object.is_some() || copula {
            if let Some(c) = after.get(idx) {
                if c.kind == ChunkKind::Np && c.tokens.start == cursor {
                    complement = Some(phrase(c));
                }
            }
            if complement.is_none() && cursor < span_end && tags[cursor].upos == Upos::Adj {
                let mut e = cursor;
                while e < span_end && matches!(tags[e].upos, Upos::Adj | Upos::Adv) {
                    e += 1;
                }
                complement = Some(Phrase {
                    tokens: cursor..e,
                    head: e - 1,
                });
            }
        }
        let preps: Vec<PrepPhrase> = chunks
            .iter()
            .filter(|c| {
                c.kind == ChunkKind::Pp && c.tokens.start >= span_start && c.tokens.end <= span_end
            })
            .map(|c| PrepPhrase {
                prep_token: c.tokens.start,
                object: phrase(c),
            })
            .collect();
        let agent = if passive {
            preps
                .iter()
                .find(|p| syntax.prep(p) == "by" && p.prep_token >= toks.end)
                .map(|p| p.object.clone())
        } else {
            None
        };
        // Subject: the nearest NP before the verb group, skipping PPs attached to it and
        // adverbs, stopping at the previous verb group.
        let mut subject = None;
        let mut inherited = false;
        let mut governor = None;
        let mut control = None;
        let mut infinitive_by_coordination = false;
        if infinitive {
            if let Some(g) = clauses.len().checked_sub(1) {
                let gc = &clauses[g];
                // Directly governed: nothing but the governor's object/complement between.
                let mut before = toks.start;
                while before > range.start && is_quote(text, before - 1) {
                    before -= 1;
                }
                let gap_ok = gc.span.end == toks.start
                    || gc
                        .complement
                        .as_ref()
                        .is_some_and(|c| c.tokens.end == before)
                    || gc.object.as_ref().is_some_and(|c| c.tokens.end == before)
                    || gc.verb.tokens.end == before;
                if gap_ok && passive {
                    // "a list of diplomats to be expelled": the noun before is the patient.
                    governor = Some(g);
                    control = Some(gc.verb.main);
                    subject = chunks[..k]
                        .iter()
                        .rev()
                        .find(|c| c.kind != ChunkKind::Vp)
                        .filter(|c| c.tokens.end == before)
                        .map(phrase);
                } else if gap_ok {
                    governor = Some(g);
                    let word_token = match &gc.complement {
                        Some(c) if syntax.verb_lemma(&gc.verb) == "be" => c.head,
                        _ => gc.verb.main,
                    };
                    let word = syntax.lemma_or_lower(word_token);
                    subject = if OBJECT_CONTROL.contains(&word) && gc.object.is_some() {
                        gc.object.clone()
                    } else {
                        gc.subject.clone()
                    };
                    inherited = subject.is_some();
                    control = Some(word_token);
                }
            }
        } else {
            let mut m = k;
            while m > 0 {
                m -= 1;
                let c = &chunks[m];
                if c.tokens.end <= range.start {
                    break;
                }
                match c.kind {
                    ChunkKind::Np => {
                        // A relative pronoun points to the NP before it.
                        if lower_is(text, c.tokens.start, &["who", "which", "that"])
                            && c.tokens.len() == 1
                        {
                            continue;
                        }
                        subject = Some(phrase(c));
                        break;
                    }
                    ChunkKind::Pp => {
                        // "after Russian and American diplomats met": the preposition
                        // introduces a clause whose subject is its noun phrase.
                        if c.tokens.end == toks.start
                            && lower_is(text, c.tokens.start, &SUBORDINATORS)
                        {
                            subject = Some(phrase(c));
                            break;
                        }
                        // "with US authorities shutting offices"
                        if c.tokens.end == toks.start
                            && tags[main].form == VerbForm::Gerund
                            && lower_is(text, c.tokens.start, &["with"])
                        {
                            subject = Some(phrase(c));
                            break;
                        }
                        continue;
                    }
                    ChunkKind::Vp => break,
                }
            }
            // "X expelled A and closed B": the second verb shares the first one's subject.
            let prev_vp_end = n.checked_sub(1).map(|p| chunks[vps[p]].tokens.end);
            let coordinated = toks.start > range.start
                && (tags[toks.start - 1].upos == Upos::Cconj
                    || lower_is(text, toks.start - 1, &[","]));
            let subject_is_prev_object = subject.as_ref().is_some_and(|s| {
                clauses
                    .last()
                    .is_some_and(|p| p.object.as_ref().is_some_and(|o| o.tokens == s.tokens))
            });
            let no_own_subject = subject.is_none()
                || prev_vp_end
                    .is_some_and(|e| subject.as_ref().is_some_and(|s| s.tokens.start < e));
            if coordinated && (no_own_subject || subject_is_prev_object) {
                if let Some(p) = clauses.last() {
                    subject = p.subject.clone();
                    inherited = true;
                    // "will try to disrupt or compromise": the second verb shares the
                    // first one's governor.
                    if p.verb.infinitive && p.verb.tokens.end + 1 == toks.start {
                        governor = p.governor;
                        control = p.control;
                        infinitive_by_coordination = true;
                    }
                }
            }
        }
        clauses.push(Clause {
            sentence,
            span: span_start..span_end,
            subject,
            verb: VerbGroup {
                tokens: toks,
                main,
                particle,
                passive,
                negated,
                modal,
                infinitive: infinitive || infinitive_by_coordination,
            },
            object,
            complement,
            preps,
            agent,
            governor: governor.map(|g| g + syntax.clauses.len()),
            control,
            subject_inherited: inherited,
        });
    }
    syntax.clauses.extend(clauses);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::text::analyse as tokenize;

    fn pos() -> PosTagger {
        match PosTagger::load_embedded() {
            Ok(p) => p,
            Err(e) => panic!("embedded POS model: {e}"),
        }
    }

    fn words(text: &Text, r: &Range<usize>) -> String {
        r.clone()
            .map(|i| text.token_text(i))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn show(body: &str) -> Vec<String> {
        let text = tokenize(body);
        // Names as the NER stage would give them: capitalised words not at a sentence start
        // plus the test's sentence-initial names.
        let names: Vec<Span> = (0..text.tokens().len())
            .filter(|&i| ["Moscow", "Washington", "Kyiv", "Istanbul"].contains(&text.token_text(i)))
            .map(|i| text.tokens()[i].span())
            .collect();
        let s = analyse(&text, &pos(), &names);
        s.clauses
            .iter()
            .map(|c| {
                let mut out = format!(
                    "{}|{}",
                    c.subject
                        .as_ref()
                        .map_or(String::new(), |p| words(&text, &p.tokens)),
                    s.verb_lemma(&c.verb)
                );
                if c.verb.passive {
                    out.push_str("|passive");
                }
                if c.verb.negated {
                    out.push_str("|neg");
                }
                if let Some(m) = s.modal(&c.verb) {
                    out.push_str(&format!("|modal={m}"));
                }
                if let Some(p) = c.verb.particle {
                    out.push_str(&format!("|prt={}", text.token_text(p)));
                }
                if let Some(o) = &c.object {
                    out.push_str(&format!("|obj={}", words(&text, &o.tokens)));
                }
                if let Some(o) = &c.complement {
                    out.push_str(&format!("|comp={}", words(&text, &o.tokens)));
                }
                if let Some(o) = &c.agent {
                    out.push_str(&format!("|by={}", words(&text, &o.tokens)));
                }
                if let Some(o) = s.control(c) {
                    out.push_str(&format!("|ctl={o}"));
                }
                for p in &c.preps {
                    if s.prep(p) != "by" || c.agent.is_none() {
                        out.push_str(&format!(
                            "|{}={}",
                            s.prep(p),
                            words(&text, &p.object.tokens)
                        ));
                    }
                }
                out
            })
            .collect()
    }

    #[test]
    fn meeting_with_coordinated_subject_and_places() {
        let c =
            show("Russian and US diplomats met with Turkish officials in Istanbul on Thursday.");
        assert_eq!(
            c,
            vec!["Russian and US diplomats|meet|with=Turkish officials|in=Istanbul|on=Thursday"]
        );
    }

    #[test]
    fn passive_with_agent() {
        let c = show("Two Russian diplomats were expelled by Moldova in March.");
        assert_eq!(
            c,
            vec!["Two Russian diplomats|expel|passive|by=Moldova|in=March"]
        );
    }

    #[test]
    fn object_control_passes_the_object_down() {
        let c = show("Washington ordered two diplomats to leave the country.");
        assert_eq!(
            c,
            vec![
                "Washington|order|obj=two diplomats",
                "two diplomats|leave|obj=the country|ctl=order"
            ]
        );
    }

    #[test]
    fn object_and_complement() {
        let c = show("Moscow declared 14 diplomats personae non gratae.");
        assert_eq!(c.len(), 1, "{c:?}");
        // The complement may stay inside the object phrase ("14 diplomats personae non gratae").
        assert!(c[0].starts_with("Moscow|declare|obj=14 diplomats"), "{c:?}");
        assert!(c[0].contains("personae"), "{c:?}");
    }

    #[test]
    fn negation_modality_and_subject_control() {
        let c = show("Moscow refused to meet Kyiv. They will not cooperate.");
        assert_eq!(
            c,
            vec![
                "Moscow|refuse",
                "Moscow|meet|obj=Kyiv|ctl=refuse",
                "They|cooperate|neg|modal=will"
            ]
        );
    }

    #[test]
    fn coordinated_verbs_share_the_subject_and_particles_attach() {
        let c = show("Moscow expelled the attache and closed the consulate. They are ready to set up cooperation.");
        assert_eq!(
            c,
            vec![
                "Moscow|expel|obj=the attache",
                "Moscow|close|obj=the consulate",
                "They|be|comp=ready",
                "They|set|prt=up|obj=cooperation|ctl=ready"
            ]
        );
    }
}
