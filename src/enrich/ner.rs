//! Named-entity recognition: token features over a [`Text`], the embedded perceptron model, and
//! typed spans (PERSON, ORG, GPE, LOC, NORP, MISC) in byte offsets of the body.
//!
//! The tagger predicts CoNLL-style BIO labels (PER, ORG, LOC, MISC) per segment (the dateline,
//! then each sentence). Spans are then typed with the lexicons: LOC becomes GPE unless the
//! lexicon (or a geographic head word such as "River") says it is a place without a government;
//! MISC becomes NORP for nationalities, religions and political groups, and GPE when the span is
//! a country or city name used attributively ("US officials").
//!
//! Features per token: lower-cased form and exact form, ±2 lower-cased context words and
//! bigrams, word shape (long and collapsed) with context shapes, prefixes and suffixes, word
//! clusters learned from unlabelled text (fine and coarse, for the word and its neighbours), a
//! capitalisation pattern (sentence-initial, ALL-CAPS headline, how the word is usually
//! capitalised in running text), the gazetteer tag of the longest lexicon match (and of the
//! neighbours), title / role nouns ("President", "foreign minister") and known given / family
//! names, document-level evidence (the word appears lower-case / capitalised / inside a longer
//! name / after a title, "the" or a preposition / before "said" or "'s" elsewhere in the
//! article), plus the tagger's own previous labels and the labels it already gave the same word
//! earlier in the article ([`History`]; ALL-CAPS headlines are decoded after the body).
//!
//! Speed: features that depend on one word only are summed per vocabulary word when the model
//! loads (`Featurizer::fuse`), so a known word costs one block read instead of a dozen table
//! probes, and features with small integer values (case patterns, gazetteer tags, document
//! cues) are read from dense tables; [`Recognizer::without_fusion`] scores row by row and must
//! give identical spans.

use std::ops::Range;

use super::entities::EntityKind;
use super::gazetteer::{hash_lowered, lower_hash, may_start, GazKind, GazTag, Gazetteer};
use super::tagger::{
    add_row, combine, hash_bytes, Dynamic, Features, HashKeyMap, LabelSet, ModelError, Reader,
    TagScratch, Tagger,
};
use super::text::{Text, TokenKind};

/// The model embedded in the binary (trained by `train::train_ner`).
static EMBEDDED_MODEL: &[u8] = include_bytes!("../../models/ner.bin");

const MAGIC: &[u8; 4] = b"NERM";
const VERSION: u16 = 2;

/// The tagger's labels, CoNLL style.
pub const LABELS: [&str; 9] = [
    "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
];

/// How many labels the tagger has.
const N_LABELS: usize = LABELS.len();

/// Context keys per token that the tagger conjoins with the previous label.
pub const N_CTX: usize = 2;

/// A named-entity span: byte offsets into the body and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NamedSpan {
    pub start: usize,
    pub end: usize,
    pub kind: EntityKind,
}

/// The four CoNLL-2003 entity types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConllType {
    Per,
    Org,
    Loc,
    Misc,
}

impl ConllType {
    pub const ALL: [ConllType; 4] = [
        ConllType::Per,
        ConllType::Org,
        ConllType::Loc,
        ConllType::Misc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConllType::Per => "PER",
            ConllType::Org => "ORG",
            ConllType::Loc => "LOC",
            ConllType::Misc => "MISC",
        }
    }

    pub fn parse(s: &str) -> Option<ConllType> {
        ConllType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The CoNLL type an output type is scored as.
    pub fn of(kind: EntityKind) -> ConllType {
        match kind {
            EntityKind::Person => ConllType::Per,
            EntityKind::Org => ConllType::Org,
            EntityKind::Gpe | EntityKind::Loc => ConllType::Loc,
            EntityKind::Norp | EntityKind::Misc => ConllType::Misc,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Token attributes

/// How a token is capitalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Case {
    Lower,
    /// First letter upper, some lower: "Putin", "McDonald", "I".
    Cap,
    /// Two or more letters, none lower: "NATO", "U.S.".
    Upper,
    /// Starts lower, has upper: "iPhone".
    Mixed,
    Number,
    Punct,
    Other,
}

impl Case {
    fn of(kind: TokenKind, s: &str) -> Case {
        match kind {
            TokenKind::Number => return Case::Number,
            TokenKind::Punct => return Case::Punct,
            TokenKind::Symbol => return Case::Other,
            TokenKind::Word => {}
        }
        let (mut upper, mut lower, mut letters) = (0, 0, 0);
        let mut first_upper = None;
        if s.is_ascii() {
            for &b in s.as_bytes() {
                if b.is_ascii_alphabetic() {
                    letters += 1;
                    let u = b.is_ascii_uppercase();
                    if first_upper.is_none() {
                        first_upper = Some(u);
                    }
                    if u {
                        upper += 1;
                    } else {
                        lower += 1;
                    }
                }
            }
            return Case::classify(first_upper, upper, lower, letters);
        }
        for c in s.chars() {
            if c.is_alphabetic() {
                letters += 1;
                let u = c.is_uppercase();
                if first_upper.is_none() {
                    first_upper = Some(u);
                }
                if u {
                    upper += 1;
                } else if c.is_lowercase() {
                    lower += 1;
                }
            }
        }
        Case::classify(first_upper, upper, lower, letters)
    }

    fn classify(first_upper: Option<bool>, upper: u32, lower: u32, letters: u32) -> Case {
        match first_upper {
            None => Case::Other,
            Some(true) if lower == 0 && letters >= 2 => Case::Upper,
            Some(true) => Case::Cap,
            Some(false) if upper > 0 => Case::Mixed,
            Some(false) => Case::Lower,
        }
    }

    fn code(self) -> u64 {
        self as u64 + 1
    }

    fn is_capitalised(self) -> bool {
        matches!(self, Case::Cap | Case::Upper)
    }
}

/// How a word is usually written in running text (from unlabelled corpora), as stored in the
/// model: 0 unknown, 1 lower, 2 capitalised, 3 upper, 4 either; plus a frequency bucket × 8.
type Prior = u8;

const PRIOR_LOWER: u8 = 1;
const PRIOR_CAP: u8 = 2;
const PRIOR_UPPER: u8 = 3;
const PRIOR_MIXED: u8 = 4;

/// Per-token values that features are built from.
#[derive(Debug, Clone, Copy, Default)]
struct Attr {
    lower: u64,
    form: u64,
    shape: u64,
    short: u64,
    pre2: u64,
    pre3: u64,
    suf2: u64,
    suf3: u64,
    suf4: u64,
    case: u64,
    prior: Prior,
    gaz: GazTag,
    /// Title / role-noun match: 0 none, 1 first token, 2 later token.
    title: u8,
    /// Known given name (bit 1) / family name (bit 2).
    name: u8,
    doc: u16,
    /// Word clusters (fine, coarse), 0 when the word is not in the vocabulary.
    cluster: u64,
    cluster2: u64,
    /// The vocabulary index when the word's own features are fused into precomputed blocks.
    fused: Option<u32>,
    initial: bool,
    headline: bool,
}

const DOC_CAP: u8 = 1;
const DOC_LOWER: u8 = 2;
const DOC_RUN_LAST: u8 = 4;
const DOC_RUN_INNER: u8 = 8;
/// Contexts a capitalised word is seen in anywhere in the document (bits 4..).
const CUE_AFTER_TITLE: u16 = 1 << 4;
const CUE_AFTER_THE: u16 = 1 << 5;
const CUE_AFTER_PREP: u16 = 1 << 6;
const CUE_BEFORE_POSS: u16 = 1 << 7;
const CUE_BEFORE_SAID: u16 = 1 << 8;
const CUE_NEAR_NAME: u16 = 1 << 9;

/// Lower-case hashes of the cue words.
#[derive(Debug, Clone)]
struct CueWords {
    the: u64,
    preps: [u64; 6],
    poss: [u64; 2],
    said: [u64; 6],
}

impl CueWords {
    fn new() -> CueWords {
        let h = hash_lowered;
        CueWords {
            the: h("the"),
            preps: [h("in"), h("at"), h("from"), h("to"), h("near"), h("into")],
            poss: [h("'s"), h("'")],
            said: [
                h("said"),
                h("says"),
                h("told"),
                h("added"),
                h("say"),
                h("asked"),
            ],
        }
    }
}

/// Word shapes: "Xxxx" (runs capped at four) and "Xx" (runs collapsed).
pub(crate) fn shapes(s: &str) -> (u64, u64) {
    let mut long = [0u8; 48];
    let mut short = [0u8; 24];
    let (mut nl, mut ns) = (0, 0);
    let mut prev = 0u8;
    let mut run = 0;
    for c in s.chars() {
        let k = if c.is_uppercase() {
            b'X'
        } else if c.is_lowercase() {
            b'x'
        } else if c.is_numeric() {
            b'd'
        } else if c.is_ascii() {
            c as u8
        } else {
            b'*'
        };
        if k == prev {
            run += 1;
        } else {
            run = 1;
            prev = k;
            if ns < short.len() {
                short[ns] = k;
                ns += 1;
            }
        }
        if run <= 4 && nl < long.len() {
            long[nl] = k;
            nl += 1;
        }
    }
    (hash_bytes(11, &long[..nl]), hash_bytes(12, &short[..ns]))
}

/// Prefix and suffix hashes of a lower-cased form (by characters).
pub(crate) fn affixes(lower: &str) -> [u64; 5] {
    let b = lower.as_bytes();
    if b.is_ascii() {
        let n = b.len();
        let p = |k: usize| hash_bytes(20 + k as u64, &b[..k.min(n)]);
        let s = |k: usize| hash_bytes(30 + k as u64, &b[n - k.min(n)..]);
        return [p(2), p(3), s(2), s(3), s(4)];
    }
    let idx: Vec<usize> = lower.char_indices().map(|(i, _)| i).collect();
    let n = idx.len();
    let pre = |k: usize| {
        let end = if k >= n { b.len() } else { idx[k] };
        hash_bytes(20 + k as u64, &b[..end])
    };
    let suf = |k: usize| {
        let start = if k >= n { 0 } else { idx[n - k] };
        hash_bytes(30 + k as u64, &b[start..])
    };
    [pre(2), pre(3), suf(2), suf(3), suf(4)]
}

/// `s` lower-cased into `out` (Unicode rules, a fast path for ASCII).
pub(crate) fn lowercase_into(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
    } else {
        for c in s.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

fn is_opener(s: &str) -> bool {
    matches!(
        s,
        "\"" | "'"
            | "("
            | "["
            | ":"
            | "-"
            | "--"
            | "\u{2014}"
            | "\u{2013}"
            | "\u{201C}"
            | "\u{2018}"
    )
}

/// The segments NER tags: the dateline (if any), then each sentence.
pub fn segments(text: &Text) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(text.sentences().len() + 1);
    if let Some(d) = text.dateline() {
        out.push(d.tokens.clone());
    }
    out.extend(text.sentences().iter().map(|s| s.tokens.clone()));
    out
}

// ---------------------------------------------------------------------------------------------
// Resources learned from unlabelled text

/// Counts how words are capitalised in running text (not sentence-initial, not in headlines).
#[derive(Debug, Default)]
pub struct CaseStats {
    counts: HashKeyMap<[u32; 3]>,
}

impl CaseStats {
    pub fn add_text(&mut self, text: &Text) {
        let mut scratch = String::new();
        for seg in segments(text) {
            if is_headline(text, seg.clone()) {
                continue;
            }
            for i in seg.clone() {
                let t = &text.tokens()[i];
                if t.kind() != TokenKind::Word {
                    continue;
                }
                let s = text.token_text(i);
                if i == seg.start || (i > seg.start && is_opener(text.token_text(i - 1))) {
                    continue;
                }
                let k = match Case::of(t.kind(), s) {
                    Case::Lower => 0,
                    Case::Cap => 1,
                    Case::Upper => 2,
                    _ => continue,
                };
                let h = lower_hash(text.norm(i), &mut scratch);
                self.counts.entry(h).or_default()[k] += 1;
            }
        }
    }

    /// The prior table: words seen at least `min_count` times.
    pub fn finish(&self, min_count: u32) -> HashKeyMap<Prior> {
        let mut out = HashKeyMap::default();
        for (&k, c) in &self.counts {
            let total = c[0] + c[1] + c[2];
            if total < min_count {
                continue;
            }
            let t = total as f32;
            let cls = if c[0] as f32 >= 0.75 * t {
                PRIOR_LOWER
            } else if c[1] as f32 >= 0.75 * t {
                PRIOR_CAP
            } else if c[2] as f32 >= 0.75 * t {
                PRIOR_UPPER
            } else {
                PRIOR_MIXED
            };
            let freq = match total {
                0..=4 => 0,
                5..=49 => 1,
                _ => 2,
            };
            out.insert(k, cls | freq << 3);
        }
        out
    }
}

fn is_headline(text: &Text, seg: Range<usize>) -> bool {
    let (mut upper, mut words) = (0, 0);
    for i in seg {
        let t = &text.tokens()[i];
        if t.kind() != TokenKind::Word {
            continue;
        }
        let s = text.token_text(i);
        if s.len() < 2 {
            continue;
        }
        words += 1;
        if Case::of(t.kind(), s) == Case::Upper {
            upper += 1;
        }
    }
    upper >= 2 && upper * 10 >= words * 6
}

// ---------------------------------------------------------------------------------------------
// Features

const fn tpl(n: u64) -> u64 {
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x4e45_5246_4541_5400
}

const T_BIAS: u64 = tpl(1);
const T_LOWER: u64 = tpl(2);
const T_FORM: u64 = tpl(3);
const T_LOWER_M1: u64 = tpl(4);
const T_LOWER_P1: u64 = tpl(5);
const T_LOWER_M2: u64 = tpl(6);
const T_LOWER_P2: u64 = tpl(7);
const T_BI_M: u64 = tpl(8);
const T_BI_P: u64 = tpl(9);
const T_SHAPE: u64 = tpl(10);
const T_SHORT: u64 = tpl(11);
const T_SHORT_M1: u64 = tpl(12);
const T_SHORT_P1: u64 = tpl(13);
const T_SHORT_3: u64 = tpl(14);
const T_PRE2: u64 = tpl(15);
const T_PRE3: u64 = tpl(16);
const T_SUF2: u64 = tpl(17);
const T_SUF3: u64 = tpl(18);
const T_SUF4: u64 = tpl(19);
const T_CASE: u64 = tpl(20);
const T_GAZ: u64 = tpl(21);
const T_GAZ_M1: u64 = tpl(22);
const T_GAZ_P1: u64 = tpl(23);
const T_DOC: u64 = tpl(24);
const T_LOWER_SHORT_P1: u64 = tpl(25);
const T_SHORT_M1_LOWER: u64 = tpl(26);
const T_HEADLINE_SHAPE: u64 = tpl(27);
const T_CASE_M1: u64 = tpl(28);
const T_CASE_P1: u64 = tpl(29);
const T_HIST: u64 = tpl(30);
const T_CLUSTER: u64 = tpl(32);
const T_TITLE: u64 = tpl(36);
const T_NAME: u64 = tpl(38);
const T_CUES: u64 = tpl(40);
const T_NAME_CTX: u64 = tpl(39);
const T_TITLE_M1: u64 = tpl(37);
const T_CLUSTER2: u64 = tpl(33);
const T_CLUSTER_M1: u64 = tpl(34);
const T_CLUSTER_P1: u64 = tpl(35);
const T_HIST_ANY: u64 = tpl(31);
const BOS: u64 = tpl(1000);
const EOS: u64 = tpl(1001);

/// Words known from unlabelled text, with their clusters (fine class in the low 16 bits,
/// coarse class in the high 16 bits, each stored + 1).
#[derive(Debug, Clone, Default)]
pub struct Vocab {
    words: Vec<String>,
    clusters: Vec<u32>,
    index: HashKeyMap<u32>,
}

impl Vocab {
    pub fn new(words: Vec<String>, clusters: Vec<u32>) -> Vocab {
        let mut index = HashKeyMap::default();
        for (i, w) in words.iter().enumerate() {
            index.insert(form_hash(w), i as u32);
        }
        Vocab {
            words,
            clusters,
            index,
        }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The words, most frequent first.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(String::as_str)
    }

    fn clusters_at(&self, w: u32) -> (u64, u64) {
        match self.clusters.get(w as usize) {
            Some(&c) => (u64::from(c & 0xffff), u64::from(c >> 16)),
            None => (0, 0),
        }
    }
}

/// The hash of a token's normalised form (case kept).
#[inline]
fn form_hash(norm: &str) -> u64 {
    hash_bytes(3, norm.as_bytes())
}

/// Turns texts into tagger features. Holds the lexicons and the corpus-derived tables.
#[derive(Debug, Clone)]
pub struct Featurizer {
    cues: CueWords,
    gazetteer: Gazetteer,
    priors: HashKeyMap<Prior>,
    vocab: Vocab,
    fused: Option<Fused>,
}

/// Which precomputed block of a vocabulary word: its own features, or its contribution to a
/// neighbour's features (as the word before, two before, after, two after).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Own = 0,
    AsPrev = 1,
    AsPrev2 = 2,
    AsNext = 3,
    AsNext2 = 4,
}

const BLOCKS: usize = 5;

/// Lists the keys of one word-level block.
type KeyFn = fn(&Attr, &mut Features);

/// Precomputed weight sums for vocabulary words: every feature that depends only on one word
/// (its form, shape, affixes, cluster, and the same word seen from a neighbour) summed once at
/// load time, so tagging a known word reads one block instead of a dozen table rows.
/// Only used outside headlines, where those features are exactly functions of the word.
/// Features whose values are small integers: precomputed as dense tables (value -> row)
/// when fusing, so they cost an array read instead of a hash probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dense {
    Bias,
    Case,
    CaseM1,
    CaseP1,
    Gaz,
    GazM1,
    GazP1,
    Doc,
    Cues,
    Title,
    Name,
    NameCtx,
    TitleM1,
}

impl Dense {
    const ALL: [Dense; 13] = [
        Dense::Bias,
        Dense::Case,
        Dense::CaseM1,
        Dense::CaseP1,
        Dense::Gaz,
        Dense::GazM1,
        Dense::GazP1,
        Dense::Doc,
        Dense::Cues,
        Dense::Title,
        Dense::Name,
        Dense::NameCtx,
        Dense::TitleM1,
    ];

    fn template(self) -> u64 {
        match self {
            Dense::Bias => T_BIAS,
            Dense::Case => T_CASE,
            Dense::CaseM1 => T_CASE_M1,
            Dense::CaseP1 => T_CASE_P1,
            Dense::Gaz => T_GAZ,
            Dense::GazM1 => T_GAZ_M1,
            Dense::GazP1 => T_GAZ_P1,
            Dense::Doc => T_DOC,
            Dense::Cues => T_CUES,
            Dense::Title => T_TITLE,
            Dense::Name => T_NAME,
            Dense::NameCtx => T_NAME_CTX,
            Dense::TitleM1 => T_TITLE_M1,
        }
    }

    /// The feature key of value `v` (the bias has a single, bare key).
    #[inline]
    fn key(self, v: u64) -> u64 {
        match self {
            Dense::Bias => T_BIAS,
            _ => combine(self.template(), v),
        }
    }

    /// An upper bound of the values the feature takes (see `features_fused`).
    fn bound(self) -> usize {
        match self {
            Dense::Bias => 1,
            Dense::Case | Dense::CaseM1 | Dense::Gaz | Dense::Cues => 2048,
            Dense::CaseP1 => 8192,
            Dense::GazM1 | Dense::GazP1 | Dense::NameCtx => 4096,
            Dense::Doc => 1024,
            Dense::Title | Dense::Name | Dense::TitleM1 => 128,
        }
    }
}

#[derive(Debug, Clone)]
struct Fused {
    /// One record per vocabulary word.
    records: Vec<WordRecord>,
    /// The rows of every [`Dense`] feature value, table after table.
    dense: Vec<[i16; N_LABELS]>,
    /// Where each [`Dense`] feature's table starts in `dense`.
    dense_start: [usize; Dense::ALL.len()],
}

/// Everything tagging needs about a vocabulary word, in two cache lines.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct WordRecord {
    lower: u64,
    short: u64,
    shape: u64,
    /// Fine and coarse clusters, as in [`Vocab`].
    clusters: u32,
    prior: Prior,
    /// Whether the blocks fit in `i16` (else the word is scored row by row).
    ok: bool,
    blocks: [[i16; N_LABELS]; BLOCKS],
}

impl Fused {
    #[inline]
    fn record(&self, word: u32) -> Option<&WordRecord> {
        self.records.get(word as usize).filter(|r| r.ok)
    }

    #[inline]
    fn dense(&self, d: Dense, v: u64) -> Option<&[i16; N_LABELS]> {
        if v >= d.bound() as u64 {
            return None;
        }
        self.dense.get(self.dense_start[d as usize] + v as usize)
    }

    #[inline]
    fn block(&self, word: u32, b: Block) -> &[i16; N_LABELS] {
        match self.records.get(word as usize) {
            Some(r) => &r.blocks[b as usize],
            None => &[0; N_LABELS],
        }
    }
}

/// The vocabulary index of a token whose word is not in the vocabulary.
pub const NO_WORD: u32 = u32::MAX;

/// What [`Recognizer::recognize_with_keys`] finds.
#[derive(Debug, Clone)]
pub struct Recognized {
    /// The named entities, in order, as byte spans of the body.
    pub spans: Vec<NamedSpan>,
    /// Each token's index in the model's vocabulary ([`Featurizer::vocab`]; [`NO_WORD`] for
    /// words not in it), which also numbers the POS tagger's word blocks
    /// ([`super::pos::PosTagger::with_vocabulary`]).
    pub words: Vec<u32>,
    /// Each token's [`lower_hash`], the key of the gazetteer and the entity stage.
    pub lower: Vec<u64>,
}

/// A text's per-token attributes and its segments, ready for [`Featurizer::features`].
#[derive(Debug, Clone)]
pub struct Doc {
    attrs: Vec<Attr>,
    /// Each token's index in the vocabulary ([`NO_WORD`] when it is not there).
    words: Vec<u32>,
    /// Each token's [`lower_hash`].
    lower: Vec<u64>,
    segments: Vec<Range<usize>>,
}

impl Doc {
    pub fn segments(&self) -> &[Range<usize>] {
        &self.segments
    }
}

impl Featurizer {
    pub fn new(gazetteer: Gazetteer, priors: HashKeyMap<Prior>, vocab: Vocab) -> Featurizer {
        Featurizer {
            cues: CueWords::new(),
            gazetteer,
            priors,
            vocab,
            fused: None,
        }
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// The words known from unlabelled text.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Precomputes the word-level blocks of every vocabulary word from a trained tagger
    /// (whose labels must be [`LABELS`]).
    fn fuse(&mut self, tagger: &Tagger) {
        let mut records = Vec::with_capacity(self.vocab.words.len());
        let mut lower = String::new();
        let mut keys = Features::new(N_CTX);
        for (w, word) in self.vocab.words.iter().enumerate() {
            lowercase_into(word, &mut lower);
            let mut a = Attr {
                lower: hash_lowered(&lower),
                form: form_hash(word),
                ..Attr::default()
            };
            (a.shape, a.short) = shapes(word);
            [a.pre2, a.pre3, a.suf2, a.suf3, a.suf4] = affixes(&lower);
            (a.cluster, a.cluster2) = self.vocab.clusters_at(w as u32);
            a.prior = self.priors.get(&a.lower).copied().unwrap_or(0);
            let mut r = WordRecord {
                lower: a.lower,
                short: a.short,
                shape: a.shape,
                clusters: self.vocab.clusters.get(w).copied().unwrap_or(0),
                prior: a.prior,
                ok: true,
                blocks: [[0; N_LABELS]; BLOCKS],
            };
            let fill: [(Block, KeyFn); BLOCKS] = [
                (Block::Own, own_keys),
                (Block::AsPrev, |x, o| as_prev_keys(Some(x), o)),
                (Block::AsPrev2, |x, o| as_prev2_keys(Some(x), o)),
                (Block::AsNext, |x, o| as_next_keys(Some(x), o)),
                (Block::AsNext2, |x, o| as_next2_keys(Some(x), o)),
            ];
            for (b, f) in fill {
                keys.clear();
                f(&a, &mut keys);
                keys.end_token(&[]);
                let sums = tagger.sum_rows(keys.token(0));
                for (dst, &x) in r.blocks[b as usize].iter_mut().zip(&sums) {
                    match i16::try_from(x) {
                        Ok(x) => *dst = x,
                        Err(_) => r.ok = false,
                    }
                }
            }
            records.push(r);
        }
        let mut dense = Vec::new();
        let mut dense_start = [0; Dense::ALL.len()];
        for d in Dense::ALL {
            dense_start[d as usize] = dense.len();
            for v in 0..d.bound() as u64 {
                let sums = tagger.sum_rows(&[d.key(v)]);
                let mut w = [0i16; N_LABELS];
                for (dst, &x) in w.iter_mut().zip(&sums) {
                    // One quantized row always fits.
                    *dst = i16::try_from(x).unwrap_or(0);
                }
                dense.push(w);
            }
        }
        self.fused = Some(Fused {
            records,
            dense,
            dense_start,
        });
    }

    /// Computes every token's attributes (once per text; features then combine them).
    pub fn doc(&self, text: &Text) -> Doc {
        let n = text.tokens().len();
        let mut attrs = vec![Attr::default(); n];
        let segments = segments(text);
        for seg in &segments {
            let headline = is_headline(text, seg.clone());
            for i in seg.clone() {
                attrs[i].headline = headline;
                attrs[i].initial = i == seg.start || is_opener(text.token_text(i - 1));
            }
        }
        let mut lower = String::new();
        let mut cases = Vec::with_capacity(n);
        let mut words = Vec::with_capacity(n);
        for (i, a) in attrs.iter_mut().enumerate() {
            let tok = &text.tokens()[i];
            let norm = text.norm(i);
            a.form = form_hash(norm);
            let word = self.vocab.index.get(&a.form).copied();
            words.push(word.unwrap_or(NO_WORD));
            let case = Case::of(tok.kind(), norm);
            cases.push(case);
            a.case = case.code();
            let record = match (&self.fused, word) {
                (Some(f), Some(w)) if !a.headline => f.record(w),
                _ => None,
            };
            if let (Some(r), Some(w)) = (record, word) {
                a.lower = r.lower;
                a.short = r.short;
                a.shape = r.shape;
                a.prior = r.prior;
                a.cluster = u64::from(r.clusters & 0xffff);
                a.cluster2 = u64::from(r.clusters >> 16);
                a.fused = Some(w);
            } else {
                if let Some(w) = word {
                    (a.cluster, a.cluster2) = self.vocab.clusters_at(w);
                }
                lowercase_into(norm, &mut lower);
                a.lower = hash_lowered(&lower);
                (a.shape, a.short) = shapes(norm);
                [a.pre2, a.pre3, a.suf2, a.suf3, a.suf4] = affixes(&lower);
                a.prior = self.priors.get(&a.lower).copied().unwrap_or(0);
            }
        }
        let lower: Vec<u64> = attrs.iter().map(|a| a.lower).collect();
        let starts: Vec<bool> = (0..n)
            .map(|i| may_start(text.tokens()[i].kind(), text.token_text(i)))
            .collect();
        let mut gaz = Vec::new();
        self.gazetteer.annotate(&lower, &starts, &mut gaz);
        let mut titles = Vec::new();
        self.gazetteer.annotate_titles(&lower, &mut titles);
        for ((a, g), title) in attrs.iter_mut().zip(gaz).zip(titles) {
            a.gaz = g;
            a.title = title;
            a.name = self.gazetteer.name_part(a.lower);
        }
        // Document-level evidence.
        let cw = &self.cues;
        let mut doc: HashKeyMap<u16> = HashKeyMap::default();
        for seg in &segments {
            if attrs[seg.start].headline {
                continue;
            }
            let mut run = 0usize;
            for i in seg.clone() {
                let case = cases[i];
                if case.is_capitalised() {
                    run += 1;
                } else {
                    if run >= 2 {
                        mark_run(&mut doc, &attrs, i - run..i);
                    }
                    run = 0;
                }
                if case == Case::Lower {
                    *doc.entry(attrs[i].lower).or_default() |= u16::from(DOC_LOWER);
                } else if case.is_capitalised() {
                    let mut f = if attrs[i].initial {
                        0
                    } else {
                        u16::from(DOC_CAP)
                    };
                    if i > seg.start {
                        let p = &attrs[i - 1];
                        if p.title != 0 {
                            f |= CUE_AFTER_TITLE;
                        }
                        if p.lower == cw.the {
                            f |= CUE_AFTER_THE;
                        }
                        if cw.preps.contains(&p.lower) {
                            f |= CUE_AFTER_PREP;
                        }
                        if p.name & 1 != 0 {
                            f |= CUE_NEAR_NAME;
                        }
                    }
                    if i + 1 < seg.end {
                        let x = &attrs[i + 1];
                        if cw.poss.contains(&x.lower) {
                            f |= CUE_BEFORE_POSS;
                        }
                        if cw.said.contains(&x.lower) {
                            f |= CUE_BEFORE_SAID;
                        }
                        if x.name & 2 != 0 {
                            f |= CUE_NEAR_NAME;
                        }
                    }
                    *doc.entry(attrs[i].lower).or_default() |= f;
                }
            }
            if run >= 2 {
                mark_run(&mut doc, &attrs, seg.end - run..seg.end);
            }
        }
        for a in attrs.iter_mut() {
            a.doc = doc.get(&a.lower).copied().unwrap_or(0);
        }
        // Decode ALL-CAPS headlines last, so that what the body said about a word (in
        // informative case) is already in the document history when the headline is tagged.
        let mut segments = segments;
        segments.sort_by_key(|seg| attrs.get(seg.start).is_some_and(|a| a.headline));
        Doc {
            attrs,
            words,
            lower,
            segments,
        }
    }

    /// Appends the features of one segment's tokens to `out`.
    pub fn features(&self, doc: &Doc, seg: Range<usize>, out: &mut Features) {
        self.features_fused(doc, seg, out, None);
    }

    /// Like [`Featurizer::features`]; with `pre`, the features of vocabulary words are added
    /// to `pre` (`n_labels` scores per token of the segment) from their precomputed blocks
    /// instead of being listed (same scores, far fewer table reads).
    fn features_fused(
        &self,
        doc: &Doc,
        seg: Range<usize>,
        out: &mut Features,
        mut pre: Option<&mut Vec<i32>>,
    ) {
        let a = &doc.attrs;
        let (s, e) = (seg.start, seg.end);
        let fused = match (&self.fused, pre.as_deref_mut()) {
            (Some(f), Some(p)) => {
                p.clear();
                p.resize((e - s) * N_LABELS, 0);
                Some(f)
            }
            _ => None,
        };
        let mut pre = pre;
        for i in seg {
            let t = &a[i];
            let m1 = (i > s).then(|| &a[i - 1]);
            let m2 = (i > s + 1).then(|| &a[i - 2]);
            let p1 = (i + 1 < e).then(|| &a[i + 1]);
            let p2 = (i + 2 < e).then(|| &a[i + 2]);
            let low = |x: Option<&Attr>, d: u64| x.map_or(d, |x| x.lower);
            let short = |x: Option<&Attr>, d: u64| x.map_or(d, eff_short);
            let hl = u64::from(t.headline);
            let init = u64::from(t.initial);
            // This token's precomputed scores, when fusing.
            let mut row: Option<&mut [i32; N_LABELS]> = match (fused, pre.as_deref_mut()) {
                (Some(_), Some(p)) => p
                    .get_mut((i - s) * N_LABELS..(i - s + 1) * N_LABELS)
                    .and_then(|r| <&mut [i32; N_LABELS]>::try_from(r).ok()),
                _ => None,
            };

            // Word-level features: from blocks when fused, else key by key.
            let block = |x: Option<&Attr>, b: Block, row: &mut Option<&mut [i32; N_LABELS]>| match (
                fused,
                x.and_then(|x| x.fused),
                row.as_deref_mut(),
            ) {
                (Some(f), Some(w), Some(r)) => {
                    add_row(r, f.block(w, b));
                    true
                }
                _ => false,
            };
            if !block(Some(t), Block::Own, &mut row) {
                own_keys(t, out);
            }
            if !block(m1, Block::AsPrev, &mut row) {
                as_prev_keys(m1, out);
            }
            if !block(m2, Block::AsPrev2, &mut row) {
                as_prev2_keys(m2, out);
            }
            if !block(p1, Block::AsNext, &mut row) {
                as_next_keys(p1, out);
            }
            if !block(p2, Block::AsNext2, &mut row) {
                as_next2_keys(p2, out);
            }
            // Small-valued features: from dense tables when fused, else as keys.
            let mut small =
                |d: Dense, v: u64| match (fused.and_then(|f| f.dense(d, v)), row.as_deref_mut()) {
                    (Some(w), Some(r)) => add_row(r, w),
                    _ => out.push(d.key(v)),
                };
            small(Dense::Bias, 0);
            let g = u64::from(t.gaz.code());
            small(
                Dense::Case,
                t.case | init << 4 | hl << 5 | u64::from(t.prior) << 6,
            );
            small(
                Dense::CaseM1,
                m1.map_or(0, |x| x.case | u64::from(x.initial) << 4) | t.case << 8,
            );
            small(
                Dense::CaseP1,
                p1.map_or(0, |x| x.case) | t.case << 8 | init << 12,
            );
            small(Dense::Gaz, g | t.case << 8);
            small(
                Dense::GazM1,
                m1.map_or(99, |x| u64::from(x.gaz.code())) | g << 8,
            );
            small(
                Dense::GazP1,
                p1.map_or(99, |x| u64::from(x.gaz.code())) | g << 8,
            );
            small(
                Dense::Doc,
                u64::from(t.doc & 15) | t.case << 4 | init << 8 | hl << 9,
            );
            small(
                Dense::Cues,
                u64::from(t.doc >> 4) | t.case << 6 | init << 10,
            );
            small(Dense::Title, u64::from(t.title) | t.case << 4);
            small(Dense::Name, u64::from(t.name) | t.case << 4);
            small(
                Dense::NameCtx,
                m1.map_or(4, |x| u64::from(x.name))
                    | p1.map_or(4, |x| u64::from(x.name)) << 3
                    | t.case << 6
                    | u64::from(t.name) << 10,
            );
            small(
                Dense::TitleM1,
                m1.map_or(9, |x| u64::from(x.title)) | t.case << 4,
            );

            out.push(combine(T_BI_M, combine(low(m1, BOS), t.lower)));
            out.push(combine(T_BI_P, combine(t.lower, low(p1, EOS))));
            let sh0 = eff_short(t);
            out.push(combine(
                T_SHORT_3,
                combine(combine(short(m1, BOS), sh0), short(p1, EOS)),
            ));
            out.push(combine(T_LOWER_SHORT_P1, combine(t.lower, short(p1, EOS))));
            out.push(combine(T_SHORT_M1_LOWER, combine(short(m1, BOS), t.lower)));
            if t.headline {
                out.push(combine(T_HEADLINE_SHAPE, combine(t.shape, t.lower)));
            }
            out.end_token(&[t.lower, sh0]);
        }
    }
}

/// Features of a word itself (fusable: functions of the word alone outside headlines).
fn own_keys(t: &Attr, out: &mut Features) {
    out.push(combine(T_LOWER, t.lower));
    if !t.headline {
        out.push(combine(T_FORM, t.form));
    }
    out.push(combine(T_SHAPE, eff_shape(t)));
    out.push(combine(T_SHORT, eff_short(t)));
    out.push(combine(T_PRE2, t.pre2));
    out.push(combine(T_PRE3, t.pre3));
    out.push(combine(T_SUF2, t.suf2));
    out.push(combine(T_SUF3, t.suf3));
    out.push(combine(T_SUF4, t.suf4));
    out.push(combine(T_CLUSTER, t.cluster));
    out.push(combine(T_CLUSTER2, t.cluster2));
}

/// Features the previous word gives a token (`None`: the segment start).
fn as_prev_keys(x: Option<&Attr>, out: &mut Features) {
    out.push(combine(T_LOWER_M1, x.map_or(BOS, |x| x.lower)));
    out.push(combine(T_SHORT_M1, x.map_or(BOS, eff_short)));
    out.push(combine(T_CLUSTER_M1, x.map_or(u64::MAX, |x| x.cluster)));
}

fn as_prev2_keys(x: Option<&Attr>, out: &mut Features) {
    out.push(combine(T_LOWER_M2, x.map_or(BOS, |x| x.lower)));
}

fn as_next_keys(x: Option<&Attr>, out: &mut Features) {
    out.push(combine(T_LOWER_P1, x.map_or(EOS, |x| x.lower)));
    out.push(combine(T_SHORT_P1, x.map_or(EOS, eff_short)));
    out.push(combine(T_CLUSTER_P1, x.map_or(u64::MAX, |x| x.cluster)));
}

fn as_next2_keys(x: Option<&Attr>, out: &mut Features) {
    out.push(combine(T_LOWER_P2, x.map_or(EOS, |x| x.lower)));
}

/// In ALL-CAPS headlines the written shape says nothing: use how the word is usually written.
#[inline]
fn eff_short(a: &Attr) -> u64 {
    if a.headline && a.case == Case::Upper.code() {
        combine(T_HEADLINE_SHAPE, u64::from(a.prior & 7))
    } else {
        a.short
    }
}

#[inline]
fn eff_shape(a: &Attr) -> u64 {
    if a.headline && a.case == Case::Upper.code() {
        combine(T_HEADLINE_SHAPE ^ 1, u64::from(a.prior & 7))
    } else {
        a.shape
    }
}

fn mark_run(doc: &mut HashKeyMap<u16>, attrs: &[Attr], run: Range<usize>) {
    let last = run.end - 1;
    for i in run {
        let f = if i == last {
            DOC_RUN_LAST
        } else {
            DOC_RUN_INNER
        };
        *doc.entry(attrs[i].lower).or_default() |= u16::from(f);
    }
}

/// Document-level memory of the labels already given to each capitalised word, as dynamic
/// features ("Putin" after "Vladimir Putin"): the majority label so far, and each type seen.
#[derive(Debug)]
pub struct History<'d> {
    doc: &'d Doc,
    seg_start: usize,
    /// Per lower-cased word: counts of PER, ORG, LOC, MISC, O.
    seen: HashKeyMap<[u16; 5]>,
}

impl<'d> History<'d> {
    pub fn new(doc: &'d Doc) -> History<'d> {
        History {
            doc,
            seg_start: 0,
            seen: HashKeyMap::default(),
        }
    }

    /// Token indices passed to the tagger are relative to this segment start. Segments may
    /// come in any order (headlines go last).
    pub fn set_segment(&mut self, start: usize) {
        self.seg_start = start;
    }

    fn attr(&self, i: usize) -> Option<&'d Attr> {
        let a = self.doc.attrs.get(self.seg_start + i)?;
        let capitalised = a.case == Case::Cap.code()
            || a.case == Case::Upper.code()
            || a.case == Case::Mixed.code();
        capitalised.then_some(a)
    }
}

impl Dynamic for History<'_> {
    fn keys(&mut self, i: usize, out: &mut Vec<u64>) {
        let Some(a) = self.attr(i) else {
            return;
        };
        let Some(c) = self.seen.get(&a.lower) else {
            return;
        };
        let mut best = 0;
        for t in 1..5 {
            if c[t] > c[best] {
                best = t;
            }
        }
        let ctx = a.case << 4 | u64::from(a.initial) << 8 | u64::from(a.headline) << 9;
        out.push(combine(T_HIST, best as u64 | ctx));
        for (t, &n) in c.iter().enumerate() {
            if n > 0 {
                out.push(combine(T_HIST_ANY, t as u64 | a.case << 4));
            }
        }
    }

    fn observe(&mut self, i: usize, label: u16) {
        let Some(a) = self.attr(i) else {
            return;
        };
        let t = if label == 0 {
            4
        } else {
            (label as usize - 1) / 2
        };
        let e = self.seen.entry(a.lower).or_default();
        if let Some(x) = e.get_mut(t) {
            *x = x.saturating_add(1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Recognizer

/// Words that make an unknown LOC a place without a government.
const GEO_HEADS: &[&str] = &[
    "river",
    "sea",
    "ocean",
    "mountains",
    "mountain",
    "mount",
    "mt.",
    "lake",
    "gulf",
    "bay",
    "strait",
    "straits",
    "valley",
    "desert",
    "island",
    "islands",
    "peninsula",
    "basin",
    "coast",
    "channel",
    "canal",
    "hills",
    "forest",
    "plain",
    "plains",
    "glacier",
    "cape",
    "alps",
    "himalayas",
    "europe",
    "asia",
    "africa",
    "antarctica",
    "arctic",
    "pacific",
    "atlantic",
    "middle",
    "east",
    "west",
    "north",
    "south",
    "region",
];

/// Words that are never a one-word entity.
const CLOSED_CLASS: &[&str] = &[
    "i", "he", "she", "it", "we", "they", "you", "me", "him", "her", "us", "them", "his", "its",
    "our", "their", "your", "my", "the", "a", "an", "this", "that", "these", "those", "there",
    "here", "and", "or", "but", "if", "of", "in", "on", "at", "to", "for", "by", "with", "from",
    "as", "is", "was", "be", "not", "no", "yes", "who", "what", "which", "when", "where", "why",
    "how", "mr", "mrs", "ms", "mr.", "mrs.", "ms.", "dr", "dr.", "sir",
];

/// MISC words that name nationalities, religions or political groups (beyond the lexicon).
const NORP_WORDS: &[&str] = &[
    "muslim",
    "muslims",
    "christian",
    "christians",
    "jewish",
    "jews",
    "jew",
    "catholic",
    "catholics",
    "protestant",
    "protestants",
    "orthodox",
    "buddhist",
    "buddhists",
    "hindu",
    "hindus",
    "sikh",
    "sikhs",
    "sunni",
    "sunnis",
    "shia",
    "shi'ite",
    "shiite",
    "shi'ites",
    "shiites",
    "islamist",
    "islamists",
    "islamic",
    "arab",
    "arabs",
    "kurd",
    "kurds",
    "kurdish",
    "palestinian",
    "palestinians",
    "republican",
    "republicans",
    "democrat",
    "democrats",
    "democratic",
    "conservative",
    "conservatives",
    "labour",
    "socialist",
    "socialists",
    "communist",
    "communists",
    "tory",
    "tories",
    "liberal",
    "liberals",
    "european",
    "europeans",
    "african",
    "africans",
    "asian",
    "asians",
    "latino",
    "latinos",
    "hispanic",
    "serb",
    "serbs",
    "croat",
    "croats",
    "tamil",
    "tamils",
    "basque",
    "basques",
    "catalan",
    "catalans",
    "chechen",
    "chechens",
    "tutsi",
    "tutsis",
    "hutu",
    "hutus",
    "pashtun",
    "baloch",
    "uighur",
    "uyghur",
    "uighurs",
    "uyghurs",
    "zionist",
    "maoist",
    "maoists",
    "taliban",
];

/// Finds and types named entities. Build once, share read-only.
#[derive(Debug, Clone)]
pub struct Recognizer {
    featurizer: Featurizer,
    tagger: Tagger,
    /// Label index → (is begin, CoNLL type); `None` for O.
    label_info: Vec<Option<(bool, ConllType)>>,
    lexicon_fingerprint: u64,
}

/// Reusable buffers for [`Recognizer::recognize`].
#[derive(Debug, Default)]
struct Scratch {
    feats: Features,
    labels: Vec<u16>,
    pre: Vec<i32>,
    tag: TagScratch,
}

impl Recognizer {
    /// The recognizer with the model and lexicons embedded in the binary.
    pub fn load_embedded() -> Result<Recognizer, ModelError> {
        Recognizer::from_bytes(EMBEDDED_MODEL, Gazetteer::embedded())
    }

    /// Loads a model written by [`Recognizer::to_bytes`], with the given lexicons.
    pub fn from_bytes(bytes: &[u8], gazetteer: Gazetteer) -> Result<Recognizer, ModelError> {
        let mut r = Reader(bytes);
        r.header(MAGIC, VERSION)?;
        let lexicon_fingerprint = r.u64()?;
        let n = r.u32()? as usize;
        let mut priors = HashKeyMap::default();
        priors.reserve(n);
        for _ in 0..n {
            let k = r.u64()?;
            let v = r.u8()?;
            priors.insert(k, v);
        }
        let n = r.u32()? as usize;
        let mut words = Vec::with_capacity(n);
        let mut clusters = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.u8()? as usize;
            let w = std::str::from_utf8(r.take(len)?)
                .map_err(|_| ModelError::Corrupt("vocabulary word is not UTF-8"))?;
            words.push(w.to_string());
            clusters.push(r.u32()?);
        }
        let (tagger, _) = Tagger::from_bytes(r.0)?;
        Recognizer::new(
            tagger,
            Featurizer::new(gazetteer, priors, Vocab::new(words, clusters)),
            lexicon_fingerprint,
        )
    }

    /// Assembles a recognizer; the tagger must use [`LABELS`] and [`N_CTX`].
    pub fn new(
        tagger: Tagger,
        featurizer: Featurizer,
        lexicon_fingerprint: u64,
    ) -> Result<Recognizer, ModelError> {
        if tagger.labels().names() != LABELS || tagger.n_ctx() != N_CTX {
            return Err(ModelError::Corrupt(
                "model labels or context size do not match",
            ));
        }
        let label_info = LABELS
            .iter()
            .map(|l| {
                let (b, t) = l.split_once('-')?;
                Some((b == "B", ConllType::parse(t)?))
            })
            .collect();
        let mut featurizer = featurizer;
        featurizer.fuse(&tagger);
        Ok(Recognizer {
            featurizer,
            tagger,
            label_info,
            lexicon_fingerprint,
        })
    }

    /// Serialises the model: magic `NERM`, version, lexicon fingerprint, the case-prior table
    /// (count, then key `u64` + value `u8`, ascending), the vocabulary (count, then `u8` length,
    /// UTF-8 word, `u32` clusters), then the tagger.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&self.lexicon_fingerprint.to_le_bytes());
        let mut priors: Vec<(u64, u8)> = self
            .featurizer
            .priors
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect();
        priors.sort_unstable();
        out.extend_from_slice(&(priors.len() as u32).to_le_bytes());
        for (k, v) in priors {
            out.extend_from_slice(&k.to_le_bytes());
            out.push(v);
        }
        let vocab = &self.featurizer.vocab;
        let kept: Vec<usize> = (0..vocab.words.len())
            .filter(|&i| vocab.words[i].len() <= 255)
            .collect();
        out.extend_from_slice(&(kept.len() as u32).to_le_bytes());
        for i in kept {
            out.push(vocab.words[i].len() as u8);
            out.extend_from_slice(vocab.words[i].as_bytes());
            out.extend_from_slice(&vocab.clusters.get(i).copied().unwrap_or(0).to_le_bytes());
        }
        out.extend_from_slice(&self.tagger.to_bytes());
        out
    }

    /// The same recognizer scoring every feature row by row (no precomputed word blocks);
    /// it must give exactly the same spans, and exists to check that.
    pub fn without_fusion(mut self) -> Recognizer {
        self.featurizer.fused = None;
        self
    }

    /// Whether the model was trained with the lexicons it now uses (retrain when not).
    pub fn lexicons_match_model(&self) -> bool {
        self.lexicon_fingerprint == self.featurizer.gazetteer.fingerprint()
    }

    pub fn featurizer(&self) -> &Featurizer {
        &self.featurizer
    }

    pub fn tagger(&self) -> &Tagger {
        &self.tagger
    }

    /// Finds the named entities of a text, in order, as byte spans of its body.
    pub fn recognize(&self, text: &Text) -> Vec<NamedSpan> {
        self.recognize_with_keys(text).spans
    }

    /// [`Recognizer::recognize`], with the per-token keys it computed on the way, which later
    /// stages read instead of computing them again.
    pub fn recognize_with_keys(&self, text: &Text) -> Recognized {
        let doc = self.featurizer.doc(text);
        let mut scratch = Scratch {
            feats: Features::new(N_CTX),
            labels: Vec::new(),
            pre: Vec::new(),
            tag: TagScratch::default(),
        };
        let mut out = Vec::new();
        let mut history = History::new(&doc);
        for seg in doc.segments() {
            scratch.feats.clear();
            self.featurizer.features_fused(
                &doc,
                seg.clone(),
                &mut scratch.feats,
                Some(&mut scratch.pre),
            );
            history.set_segment(seg.start);
            let pre = self.featurizer.fused.as_ref().map(|_| &mut scratch.pre);
            self.tagger.tag_into(
                &scratch.feats,
                pre,
                &mut history,
                &mut scratch.labels,
                &mut scratch.tag,
            );
            let mut open: Option<(usize, ConllType)> = None;
            for (k, &l) in scratch.labels.iter().enumerate() {
                let i = seg.start + k;
                let info = self.label_info.get(l as usize).copied().flatten();
                let continues = matches!((info, open), (Some((false, t)), Some((_, o))) if t == o);
                if continues {
                    continue;
                }
                if let Some((s, t)) = open.take() {
                    out.extend(self.typed(text, &doc, s..i, t));
                }
                if let Some((_, t)) = info {
                    open = Some((i, t));
                }
            }
            if let Some((s, t)) = open {
                out.extend(self.typed(text, &doc, s..seg.end, t));
            }
        }
        out.sort_unstable_by_key(|s| s.start);
        Recognized {
            spans: out,
            words: doc.words,
            lower: doc.lower,
        }
    }

    /// Trims, checks and types a CoNLL span for output (see the module docs): a person's
    /// leading titles and honorifics are not part of the name ("Mr Sullivan" -> "Sullivan"), and
    /// a lone pronoun or determiner is never an entity.
    fn typed(&self, text: &Text, doc: &Doc, toks: Range<usize>, t: ConllType) -> Option<NamedSpan> {
        let mut toks = toks;
        if t == ConllType::Per {
            while toks.len() > 1 && doc.attrs[toks.start].title != 0 {
                let mut end = toks.start + 1;
                while end < toks.end && doc.attrs[end].title == 2 {
                    end += 1;
                }
                if end >= toks.end {
                    break;
                }
                toks.start = end;
            }
        }
        if toks.len() == 1 {
            let w = text.norm(toks.start).to_lowercase();
            if CLOSED_CLASS.contains(&w.as_str()) {
                return None;
            }
        }
        let start = text.tokens()[toks.start].start();
        let end = text.tokens()[toks.end - 1].end();
        let kind = match t {
            ConllType::Per => EntityKind::Person,
            ConllType::Org => EntityKind::Org,
            ConllType::Loc => match self.lexicon_kind(doc, toks.clone()) {
                Some(GazKind::Loc) => EntityKind::Loc,
                Some(_) => EntityKind::Gpe,
                None => {
                    let last = text.norm(toks.end - 1).to_lowercase();
                    let first = text.norm(toks.start).to_lowercase();
                    if GEO_HEADS.contains(&last.as_str()) || GEO_HEADS.contains(&first.as_str()) {
                        EntityKind::Loc
                    } else {
                        EntityKind::Gpe
                    }
                }
            },
            ConllType::Misc => match self.lexicon_kind(doc, toks.clone()) {
                Some(GazKind::Demonym | GazKind::Norp) => EntityKind::Norp,
                // A country or city used attributively ("US officials") is still a GPE.
                Some(GazKind::Country | GazKind::Gpe) => EntityKind::Gpe,
                _ if toks.len() == 1
                    && NORP_WORDS.contains(&text.norm(toks.start).to_lowercase().as_str()) =>
                {
                    EntityKind::Norp
                }
                _ => EntityKind::Misc,
            },
        };
        Some(NamedSpan { start, end, kind })
    }

    /// The lexicon kind of exactly these tokens as a phrase, if it is in a lexicon.
    fn lexicon_kind(&self, doc: &Doc, toks: Range<usize>) -> Option<GazKind> {
        let lower: Vec<u64> = doc.attrs[toks].iter().map(|a| a.lower).collect();
        self.featurizer.gazetteer.phrase_kind(&lower)
    }
}

/// Builds an untrained-shape recognizer for tests and training: the label set it expects.
pub fn label_set() -> LabelSet {
    LabelSet::new(LABELS.iter().map(|s| s.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::text::analyse;

    const SAMPLE: &str = "MOSCOW (Reuters) - President Vladimir Putin told the Federal Security \
Service on Thursday that talks with the Trump administration in Istanbul gave grounds for hope.\n\n\
Russian and American diplomats met in Turkey. Putin said the United States and Russia would \
discuss embassies in Washington and Moscow, according to the Kremlin.\n\n\
EU REJECTS GERMAN CALL TO BOYCOTT BRITISH LAMB\n\n\
The European Commission said on Thursday it disagreed with German advice to consumers.";

    #[test]
    fn the_keys_recognition_hands_on_are_the_ones_later_stages_would_compute() {
        let r = recognizer();
        let body = format!("{SAMPLE}\n\nÉLYSÉE officials met in Zürich and São Paulo.");
        let text = analyse(&body);
        let keys = r.recognize_with_keys(&text);
        assert_eq!(keys.spans, r.recognize(&text));
        // The headline and the accented words take the unfused path, the rest the fused one.
        assert_eq!(keys.lower, crate::enrich::gazetteer::lower_hashes(&text));
        let vocab = r.featurizer().vocab();
        for (i, &w) in keys.words.iter().enumerate() {
            let expected = vocab.words().position(|v| v == text.norm(i));
            assert_eq!(
                (w != NO_WORD).then_some(w as usize),
                expected,
                "{}",
                text.norm(i)
            );
        }
        assert!(keys.words.contains(&NO_WORD) && keys.words.iter().any(|&w| w != NO_WORD));
    }

    fn recognizer() -> Recognizer {
        match Recognizer::load_embedded() {
            Ok(r) => r,
            Err(e) => panic!("embedded model does not load: {e}"),
        }
    }

    fn spans(r: &Recognizer, body: &str) -> Vec<(String, EntityKind)> {
        let t = analyse(body);
        r.recognize(&t)
            .into_iter()
            .map(|s| (body[s.start..s.end].to_string(), s.kind))
            .collect()
    }

    #[test]
    fn embedded_model_loads_and_matches_the_lexicons() {
        let r = recognizer();
        assert!(r.tagger().n_rows() > 1000);
        assert!(
            r.lexicons_match_model(),
            "lexicon/*.tsv changed since models/ner.bin was trained: retrain it \
             (cargo run --release --example ner -- train ../shared/train/conll2003/train.txt models/ner.bin)"
        );
    }

    #[test]
    fn finds_and_types_entities() {
        let got = spans(&recognizer(), SAMPLE);
        let has = |text: &str, kind: EntityKind| got.iter().any(|(t, k)| t == text && *k == kind);
        assert!(has("Vladimir Putin", EntityKind::Person), "{got:?}");
        assert!(has("Putin", EntityKind::Person), "{got:?}");
        assert!(has("Istanbul", EntityKind::Gpe), "{got:?}");
        assert!(has("Washington", EntityKind::Gpe), "{got:?}");
        assert!(has("Russian", EntityKind::Norp), "{got:?}");
        assert!(has("European Commission", EntityKind::Org), "{got:?}");
        assert!(
            !got.iter().any(|(t, _)| t.starts_with("President")),
            "{got:?}"
        );
        // The dateline place is tagged too.
        assert!(has("MOSCOW", EntityKind::Gpe), "{got:?}");
        assert!(!got.iter().any(|(t, _)| t == "Thursday"), "{got:?}");
    }

    #[test]
    fn titles_are_not_part_of_names_and_pronouns_are_not_entities() {
        let body = "Mr Ebbers denied the charges.\n\nHe said Mrs Thatcher and Dr. Smith agreed.";
        let got = spans(&recognizer(), body);
        assert!(
            got.iter()
                .all(|(t, _)| !t.starts_with("Mr") && !t.starts_with("Dr")),
            "{got:?}"
        );
        assert!(
            got.contains(&("Ebbers".to_string(), EntityKind::Person)),
            "{got:?}"
        );
        assert!(!got.iter().any(|(t, _)| t == "He"), "{got:?}");
    }

    #[test]
    fn spans_are_byte_offsets_into_the_body() {
        let body = "“Zoë Smith’s café,” said Élodie Martin of the Société Générale in Besançon.";
        let t = analyse(body);
        for s in recognizer().recognize(&t) {
            assert!(body.is_char_boundary(s.start) && body.is_char_boundary(s.end));
            assert!(s.start < s.end);
            let text = &body[s.start..s.end];
            assert_eq!(text.trim(), text);
        }
    }

    #[test]
    fn word_blocks_give_the_same_spans_as_row_by_row_scoring() {
        let fused = recognizer();
        let plain = fused.clone().without_fusion();
        let mut bodies = vec![SAMPLE.to_string()];
        if let Ok(s) = std::fs::read_to_string("../shared/articles/seed-putin-fsb-2025-02-27.txt") {
            bodies.push(s);
        }
        for body in &bodies {
            let t = analyse(body);
            assert_eq!(fused.recognize(&t), plain.recognize(&t));
        }
    }

    #[test]
    fn random_text_never_panics_and_spans_stay_in_bounds() {
        let pool: Vec<char> =
            "aZ9 .,;:'\"’“”‘-—–…$£%&()[]\n\t\u{a0}éÉßİ漢字🙂\u{301}\u{200b}AB.C.Mr.No.U.S"
                .chars()
                .collect();
        let r = recognizer();
        let mut rng = crate::enrich::tagger::Rng::new(99);
        for _ in 0..300 {
            let len = (rng.next_u64() % 120) as usize;
            let body: String = (0..len)
                .map(|_| pool[(rng.next_u64() % pool.len() as u64) as usize])
                .collect();
            let t = analyse(&body);
            for tok in t.tokens() {
                assert!(tok.start() < tok.end() && tok.end() <= body.len());
                assert!(body.is_char_boundary(tok.start()) && body.is_char_boundary(tok.end()));
            }
            for s in r.recognize(&t) {
                assert!(s.start < s.end && s.end <= body.len());
            }
        }
    }

    #[test]
    fn empty_and_odd_input() {
        let r = recognizer();
        assert!(r.recognize(&analyse("")).is_empty());
        assert!(r.recognize(&analyse("   \n\n  ")).is_empty());
        let _ = r.recognize(&analyse("!!! ??? ... — « » 1,000 $40"));
    }
}
