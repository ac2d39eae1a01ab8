//! Part-of-speech tagging: token features over a [`Text`], the embedded perceptron model
//! (`models/pos.bin`, trained by `train pos` on UD English EWT) and verb lemmas.
//!
//! Labels are the 17 Universal POS tags with VERB and AUX split by their Penn verb form
//! (`VERB:VBD`, `VERB:VBN`, `AUX:MD`...), so that later stages can tell a passive participle
//! from a past tense without a second model; [`Tag::upos`] collapses them. The tagger is the
//! generic averaged perceptron of [`super::tagger`], decoding each sentence greedily.
//!
//! Features per token: lower-cased and exact form, ±2 neighbouring forms, the bigrams with
//! the previous and the next word, prefixes and suffixes, word shapes, the neighbours'
//! suffixes, sentence position, the tagger's two previous labels, and the form conjoined
//! with the previous label. (The suffix conjoined with the previous label, and the pair of
//! words around a token, gained nothing on UD EWT dev and cost a table probe per token each.)
//!
//! Speed: given a vocabulary ([`PosTagger::with_vocabulary`]; the enricher passes the NER
//! model's news words), the features that depend on one word only are summed per word when
//! the tagger is built, so a known word costs one record read instead of seventeen table
//! probes. The tags are exactly those of row-by-row scoring, which a test checks.
//!
//! Lemmas: the model carries the verb forms of the training data whose lemma differs from the
//! form ("met" -> "meet", "expelled" -> "expel"); other forms get suffix rules.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use super::ner::{affixes, lowercase_into, shapes};
use super::tagger::{
    add_row, combine, hash_bytes, Features, HashKeyMap, LabelSet, ModelError, NoDynamic, Reader,
    TagScratch, Tagger, NO_BOUND,
};
use super::text::{Text, TokenKind};

/// The model embedded in the binary (trained by `train::pos::train_pos`).
static EMBEDDED_MODEL: &[u8] = include_bytes!("../../models/pos.bin");

const MAGIC: &[u8; 4] = b"POSM";
const VERSION: u16 = 1;

/// Context keys per token that the tagger conjoins with the previous label: the form.
pub const N_CTX: usize = 1;

/// Universal POS tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Upos {
    Adj,
    Adp,
    Adv,
    Aux,
    Cconj,
    Det,
    Intj,
    Noun,
    Num,
    Part,
    Pron,
    Propn,
    Punct,
    Sconj,
    Sym,
    Verb,
    X,
}

impl Upos {
    pub const ALL: [Upos; 17] = [
        Upos::Adj,
        Upos::Adp,
        Upos::Adv,
        Upos::Aux,
        Upos::Cconj,
        Upos::Det,
        Upos::Intj,
        Upos::Noun,
        Upos::Num,
        Upos::Part,
        Upos::Pron,
        Upos::Propn,
        Upos::Punct,
        Upos::Sconj,
        Upos::Sym,
        Upos::Verb,
        Upos::X,
    ];

    /// The UD name ("NOUN", "PROPN"...).
    pub fn as_str(self) -> &'static str {
        match self {
            Upos::Adj => "ADJ",
            Upos::Adp => "ADP",
            Upos::Adv => "ADV",
            Upos::Aux => "AUX",
            Upos::Cconj => "CCONJ",
            Upos::Det => "DET",
            Upos::Intj => "INTJ",
            Upos::Noun => "NOUN",
            Upos::Num => "NUM",
            Upos::Part => "PART",
            Upos::Pron => "PRON",
            Upos::Propn => "PROPN",
            Upos::Punct => "PUNCT",
            Upos::Sconj => "SCONJ",
            Upos::Sym => "SYM",
            Upos::Verb => "VERB",
            Upos::X => "X",
        }
    }

    pub fn parse(s: &str) -> Option<Upos> {
        Upos::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// The Penn Treebank form of a verb or auxiliary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VerbForm {
    /// Not a verb, or a form the tag set does not split.
    None,
    /// VB: "meet", "to leave".
    Base,
    /// VBD: "met".
    Past,
    /// VBG: "meeting".
    Gerund,
    /// VBN: "expelled" (perfect or passive).
    Participle,
    /// VBP: "meet" (present, not third person singular).
    Present,
    /// VBZ: "meets".
    Third,
    /// MD: "will", "could".
    Modal,
}

impl VerbForm {
    fn penn(self) -> &'static str {
        match self {
            VerbForm::None => "",
            VerbForm::Base => "VB",
            VerbForm::Past => "VBD",
            VerbForm::Gerund => "VBG",
            VerbForm::Participle => "VBN",
            VerbForm::Present => "VBP",
            VerbForm::Third => "VBZ",
            VerbForm::Modal => "MD",
        }
    }

    /// The form of a Penn tag, `None` for tags outside the verb forms.
    pub fn of_penn(tag: &str) -> VerbForm {
        match tag {
            "VB" => VerbForm::Base,
            "VBD" => VerbForm::Past,
            "VBG" => VerbForm::Gerund,
            "VBN" => VerbForm::Participle,
            "VBP" => VerbForm::Present,
            "VBZ" => VerbForm::Third,
            "MD" => VerbForm::Modal,
            _ => VerbForm::None,
        }
    }
}

/// A token's part of speech: the UPOS tag and, for verbs and auxiliaries, the verb form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    pub upos: Upos,
    pub form: VerbForm,
}

impl Tag {
    pub const fn new(upos: Upos, form: VerbForm) -> Tag {
        Tag { upos, form }
    }

    /// The tag of a UD token (UPOS and Penn XPOS columns), as the model labels it.
    pub fn from_ud(upos: Upos, xpos: &str) -> Tag {
        let form = match upos {
            Upos::Verb | Upos::Aux => VerbForm::of_penn(xpos),
            _ => VerbForm::None,
        };
        let form = match (upos, form) {
            // A VERB is never MD; unlisted forms of a verb count as its base form.
            (Upos::Verb, VerbForm::Modal | VerbForm::None) => VerbForm::Base,
            (Upos::Aux, VerbForm::None) => VerbForm::Base,
            (_, f) => f,
        };
        Tag { upos, form }
    }

    /// The model label: "NOUN", "VERB:VBD".
    pub fn label(self) -> String {
        match self.form {
            VerbForm::None => self.upos.as_str().to_string(),
            f => format!("{}:{}", self.upos.as_str(), f.penn()),
        }
    }

    fn parse_label(s: &str) -> Option<Tag> {
        match s.split_once(':') {
            Some((u, f)) => Some(Tag::new(Upos::parse(u)?, VerbForm::of_penn(f))),
            None => Some(Tag::new(Upos::parse(s)?, VerbForm::None)),
        }
    }

    /// A verb or auxiliary in any form.
    pub fn is_verbal(self) -> bool {
        matches!(self.upos, Upos::Verb | Upos::Aux)
    }

    /// A noun, proper noun, pronoun or number: what can head a noun phrase.
    pub fn is_nominal(self) -> bool {
        matches!(self.upos, Upos::Noun | Upos::Propn | Upos::Pron | Upos::Num)
    }
}

/// Every label the model predicts, in model order.
pub fn labels() -> Vec<Tag> {
    const VERB_FORMS: [VerbForm; 6] = [
        VerbForm::Base,
        VerbForm::Past,
        VerbForm::Gerund,
        VerbForm::Participle,
        VerbForm::Present,
        VerbForm::Third,
    ];
    let mut out = Vec::new();
    for u in Upos::ALL {
        match u {
            Upos::Verb | Upos::Aux => {
                out.extend(VERB_FORMS.iter().map(|&f| Tag::new(u, f)));
                // Only auxiliaries are modal ("will", "could").
                if u == Upos::Aux {
                    out.push(Tag::new(u, VerbForm::Modal));
                }
            }
            _ => out.push(Tag::new(u, VerbForm::None)),
        }
    }
    out
}

/// The tagger's label set.
pub fn label_set() -> LabelSet {
    LabelSet::new(labels().into_iter().map(Tag::label).collect())
}

// ---------------------------------------------------------------------------------------------
// Features

const F_BIAS: u64 = 1;
const F_W: u64 = 2;
const F_WM1: u64 = 3;
const F_WP1: u64 = 4;
const F_WM2: u64 = 5;
const F_WP2: u64 = 6;
const F_BI_L: u64 = 7;
const F_BI_R: u64 = 8;
const F_AFFIX: u64 = 9;
const F_SHAPE: u64 = 14;
const F_SHORT: u64 = 15;
const F_SUF_M1: u64 = 16;
const F_SUF_P1: u64 = 17;
const F_FIRST: u64 = 18;
const F_SHAPE_M1: u64 = 19;
const F_EXACT: u64 = 20;
const F_SUF1: u64 = 22;

/// Per-token hashes that features combine.
#[derive(Debug, Clone, Copy, Default)]
struct TokenHashes {
    word: u64,
    exact: u64,
    last: u64,
    affixes: [u64; 5],
    shape: u64,
    short: u64,
}

impl TokenHashes {
    /// The hashes of a token's normalised form; `number` for tokens of kind
    /// [`TokenKind::Number`]. `lower` is a reusable buffer.
    fn of(norm: &str, number: bool, lower: &mut String) -> TokenHashes {
        lowercase_into(norm, lower);
        if number {
            // Numbers by shape only: "1996", "3.5" and "40" share their evidence.
            lower.clear();
            lower.push_str("<num>");
        }
        let (shape, short) = shapes(norm);
        TokenHashes {
            word: hash_bytes(1, lower.as_bytes()),
            exact: exact_hash(norm),
            last: lower.bytes().last().map_or(0, u64::from),
            affixes: affixes(lower),
            shape,
            short,
        }
    }

    /// The three-letter suffix, which neighbours see.
    fn suffix3(&self) -> u64 {
        self.affixes[3]
    }
}

/// The hash of a token's exact normalised form: a feature, and the key of fused words.
#[inline]
fn exact_hash(norm: &str) -> u64 {
    hash_bytes(2, norm.as_bytes())
}

/// Reusable buffers for featurising one sequence.
#[derive(Debug, Default)]
pub struct Featurizer {
    lower: String,
    hashes: Vec<TokenHashes>,
    /// Per token of the sequence: its record in [`Fused::records`], or `u32::MAX`.
    known: Vec<u32>,
}

/// The hash of a padding position before the first or after the last token.
const PAD: u64 = 0x7061_6400;

/// The hash a padding position at `d` tokens from the current one contributes.
#[inline]
fn pad(d: isize) -> u64 {
    PAD ^ (d + 8) as u64
}

impl Featurizer {
    /// Adds the features of `text`'s tokens `range` to `feats` (one sequence).
    pub fn features(&mut self, text: &Text, range: Range<usize>, feats: &mut Features) {
        self.hashes.clear();
        for i in range.clone() {
            let number = text.tokens()[i].kind() == TokenKind::Number;
            let h = TokenHashes::of(text.norm(i), number, &mut self.lower);
            self.hashes.push(h);
        }
        for j in 0..self.hashes.len() {
            own_keys(&self.hashes[j], feats);
            for nb in Neighbour::ALL {
                neighbour_keys(nb, self.neighbour(j, nb), feats);
            }
            self.pair_keys(j, feats, false, NO_BOUND);
        }
    }

    /// Token `j`'s neighbour `nb`, `None` past either end of the sequence.
    fn neighbour(&self, j: usize, nb: Neighbour) -> Option<&TokenHashes> {
        let k = j as isize + nb.offset();
        usize::try_from(k).ok().and_then(|k| self.hashes.get(k))
    }

    /// The features of two words at once (the bigrams with the previous and the next word,
    /// the previous and current short shapes, unless `shapes_added` says the caller added
    /// that row), the first token's shape, and closes token `j` (its word is the context
    /// key, whose [`Tagger::context_spread`] is `ctx_spread`).
    fn pair_keys(&self, j: usize, feats: &mut Features, shapes_added: bool, ctx_spread: i32) {
        let t = &self.hashes[j];
        let w = |nb: Neighbour| self.neighbour(j, nb).map_or(pad(nb.offset()), |h| h.word);
        feats.push(combine(combine(F_BI_L, w(Neighbour::Prev)), t.word));
        feats.push(combine(combine(F_BI_R, t.word), w(Neighbour::Next)));
        if !shapes_added {
            let short_m1 = self.neighbour(j, Neighbour::Prev).map_or(PAD, |h| h.short);
            feats.push(combine(F_SHAPE_M1, combine(short_m1, t.short)));
        }
        if j == 0 {
            feats.push(combine(F_FIRST, t.short));
        }
        feats.end_token_bounded(&[t.word], ctx_spread);
    }

    /// [`Featurizer::features`] with the word-level features of known words added to `pre`
    /// (one row of [`N_LABELS`] scores per token) from their precomputed blocks instead of
    /// being listed: the same scores, from far fewer table reads.
    fn features_fused(
        &mut self,
        text: &Text,
        range: Range<usize>,
        words: Option<&[u32]>,
        fused: &Fused,
        feats: &mut Features,
        pre: &mut Vec<i32>,
    ) {
        self.hashes.clear();
        self.known.clear();
        let mut warm = 0u64;
        for i in range {
            let norm = text.norm(i);
            let number = text.tokens()[i].kind() == TokenKind::Number;
            let record = if number {
                None
            } else {
                match words.and_then(|w| w.get(i)) {
                    Some(&word) => fused.by_vocab.get(word as usize).copied(),
                    None => fused.index.get(&exact_hash(norm)).copied(),
                }
            };
            let h = match record.and_then(|r| fused.records.get(r as usize)) {
                // Only what the remaining features read: the form, its suffix and short shape.
                Some(r) => {
                    warm ^= r.warm();
                    let mut affixes = [0; 5];
                    affixes[3] = r.suffix3;
                    TokenHashes {
                        word: r.word,
                        affixes,
                        short: r.short,
                        ..TokenHashes::default()
                    }
                }
                None => TokenHashes::of(norm, number, &mut self.lower),
            };
            self.hashes.push(h);
            self.known.push(record.unwrap_or(u32::MAX));
        }
        std::hint::black_box(warm);
        let n = self.hashes.len();
        pre.clear();
        pre.resize(n * N_LABELS, 0);
        let record = |k: usize| fused.records.get(self.known[k] as usize);
        for (j, row) in pre.chunks_exact_mut(N_LABELS).enumerate() {
            let Ok(row) = <&mut [i32; N_LABELS]>::try_from(row) else {
                continue;
            };
            let t = &self.hashes[j];
            match record(j) {
                Some(r) => {
                    for (acc, w) in row.iter_mut().zip(&r.own) {
                        *acc += w;
                    }
                }
                None => own_keys(t, feats),
            }
            for nb in Neighbour::ALL {
                let k = j as isize + nb.offset();
                if k < 0 || k as usize >= n {
                    add_row(row, &fused.pad[nb as usize]);
                    continue;
                }
                match record(k as usize).and_then(|r| r.neighbour(nb)) {
                    Some(block) => add_row(row, block),
                    None => neighbour_keys(nb, Some(&self.hashes[k as usize]), feats),
                }
            }
            // The shape pair's row, when both shapes are among the common ones.
            let shape = |k: Option<usize>| match k {
                None => Some(PAD_SHAPE),
                Some(k) => record(k).map(|r| r.shape).filter(|&s| s != NO_SHAPE),
            };
            let pair = shape(j.checked_sub(1))
                .zip(shape(Some(j)))
                .and_then(|(a, b)| fused.shape_pair(a, b));
            if let Some(block) = pair {
                add_row(row, block);
            }
            let spread = record(j).map_or(NO_BOUND, |r| r.ctx_spread);
            self.pair_keys(j, feats, pair.is_some(), spread);
        }
    }
}

/// The labels a fused model has: those of [`labels`].
const N_LABELS: usize = 28;

/// A neighbour of the token being scored, whose word contributes features to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Neighbour {
    Prev2,
    Prev,
    Next,
    Next2,
}

impl Neighbour {
    const ALL: [Neighbour; 4] = [
        Neighbour::Prev2,
        Neighbour::Prev,
        Neighbour::Next,
        Neighbour::Next2,
    ];

    /// Where the neighbour stands relative to the token being scored.
    fn offset(self) -> isize {
        match self {
            Neighbour::Prev2 => -2,
            Neighbour::Prev => -1,
            Neighbour::Next => 1,
            Neighbour::Next2 => 2,
        }
    }
}

/// The features of a token's own word: functions of its normalised form alone.
fn own_keys(t: &TokenHashes, feats: &mut Features) {
    feats.push(combine(F_BIAS, 0));
    feats.push(combine(F_W, t.word));
    feats.push(combine(F_EXACT, t.exact));
    feats.push(combine(F_SUF1, t.last));
    for (a, h) in t.affixes.iter().enumerate() {
        feats.push(combine(F_AFFIX + a as u64, *h));
    }
    feats.push(combine(F_SHAPE, t.shape));
    feats.push(combine(F_SHORT, t.short));
}

/// The features a neighbour's word gives a token (`None`: a padding position).
fn neighbour_keys(nb: Neighbour, x: Option<&TokenHashes>, feats: &mut Features) {
    let d = nb.offset();
    let word = x.map_or(pad(d), |h| h.word);
    let suffix = x.map_or(pad(d), TokenHashes::suffix3);
    match nb {
        Neighbour::Prev2 => feats.push(combine(F_WM2, word)),
        Neighbour::Prev => {
            feats.push(combine(F_WM1, word));
            feats.push(combine(F_SUF_M1, suffix));
        }
        Neighbour::Next => {
            feats.push(combine(F_WP1, word));
            feats.push(combine(F_SUF_P1, suffix));
        }
        Neighbour::Next2 => feats.push(combine(F_WP2, word)),
    }
}

/// Weight sums precomputed for a vocabulary of frequent words: every feature that depends on
/// one word only (its form, affixes and shapes, and the same word seen from a neighbour),
/// summed once when the model loads, so that tagging a known word reads five blocks from one
/// record instead of probing the table seventeen times. Numbers are never fused (their
/// features depend on the token kind, not only on the form).
///
/// The word's own block is summed over eleven rows and kept in `i32`; a neighbour block sums
/// one or two rows and is kept in `i16` when it fits (else those keys are listed as usual).
#[derive(Debug, Clone)]
struct Fused {
    /// Exact normalised form (its [`exact_hash`]) -> index into `records`.
    index: HashKeyMap<u32>,
    /// The record of each word of the vocabulary, by its position there: tokens whose
    /// vocabulary index the NER stage found need no second lookup.
    by_vocab: Vec<u32>,
    records: Vec<WordRecord>,
    /// What a padding position gives as each [`Neighbour`].
    pad: [[i16; N_LABELS]; 4],
    /// The rows of the previous and current short shapes ([`F_SHAPE_M1`]) for the commonest
    /// shapes of the vocabulary, by their numbers ([`WordRecord::shape`]; [`PAD_SHAPE`]
    /// before the first token): `n_shapes` rows per previous shape.
    shape_pairs: Vec<[i16; N_LABELS]>,
    n_shapes: usize,
}

/// How many short shapes have numbers in [`Fused::shape_pairs`], the padding included
/// (32 × 32 rows of 56 bytes: 56 KiB, which stays in cache).
const MAX_SHAPES: usize = 32;
/// The number of the padding shape (before the first token).
const PAD_SHAPE: u8 = 0;
/// A word whose short shape has no number.
const NO_SHAPE: u8 = u8::MAX;

impl Fused {
    /// The row of shape `a` before shape `b`.
    #[inline]
    fn shape_pair(&self, a: u8, b: u8) -> Option<&[i16; N_LABELS]> {
        let (a, b) = (usize::from(a), usize::from(b));
        if a >= self.n_shapes || b >= self.n_shapes {
            return None;
        }
        self.shape_pairs.get(a * self.n_shapes + b)
    }
}

/// What tagging needs about a known word, in six cache lines.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct WordRecord {
    word: u64,
    suffix3: u64,
    short: u64,
    own: [i32; N_LABELS],
    /// What the word gives as each [`Neighbour`].
    neighbours: [[i16; N_LABELS]; 4],
    /// Bit `k` set: `neighbours[k]` holds the sum (it fitted `i16`).
    fits: u8,
    /// The word's [`Tagger::context_spread`].
    ctx_spread: i32,
    /// The number of the word's short shape in [`Fused::shape_pairs`] ([`NO_SHAPE`]: none).
    shape: u8,
}

impl WordRecord {
    /// One value from each of the record's cache lines past the first. Reading them while
    /// the sentence's words are looked up lets the loads of all its records overlap, instead
    /// of each waiting its turn when the blocks are added.
    #[inline]
    fn warm(&self) -> u64 {
        u64::from(self.fits)
            ^ self.own[N_LABELS / 2] as u64
            ^ self.own[N_LABELS - 1] as u64
            ^ self.neighbours[1][0] as u64
            ^ self.neighbours[2][N_LABELS - 1] as u64
    }

    #[inline]
    fn neighbour(&self, nb: Neighbour) -> Option<&[i16; N_LABELS]> {
        let k = nb as usize;
        (self.fits & (1 << k) != 0).then_some(&self.neighbours[k])
    }
}

impl Fused {
    /// Fuses `words` for `tagger`, or `None` when its labels are not [`labels`].
    fn build<'a>(tagger: &Tagger, words: impl IntoIterator<Item = &'a str>) -> Option<Fused> {
        if tagger.labels().len() != N_LABELS {
            return None;
        }
        let mut keys = Features::new(N_CTX);
        let mut sum = |list: &dyn Fn(&mut Features)| -> [i32; N_LABELS] {
            keys.clear();
            list(&mut keys);
            keys.end_token(&[]);
            let mut block = [0i32; N_LABELS];
            for (b, s) in block.iter_mut().zip(tagger.sum_rows(keys.token(0))) {
                *b = s;
            }
            block
        };
        let narrow = |block: [i32; N_LABELS]| -> Option<[i16; N_LABELS]> {
            let mut out = [0i16; N_LABELS];
            for (o, s) in out.iter_mut().zip(block) {
                *o = i16::try_from(s).ok()?;
            }
            Some(out)
        };
        let mut pad_blocks = [[0i16; N_LABELS]; 4];
        for nb in Neighbour::ALL {
            pad_blocks[nb as usize] = narrow(sum(&|f| neighbour_keys(nb, None, f)))?;
        }
        let mut index = HashKeyMap::default();
        let mut by_vocab = Vec::new();
        let mut records = Vec::new();
        let mut lower = String::new();
        for word in words {
            let h = TokenHashes::of(word, false, &mut lower);
            if let Some(&r) = index.get(&h.exact) {
                by_vocab.push(r);
                continue;
            }
            by_vocab.push(records.len() as u32);
            let mut record = WordRecord {
                word: h.word,
                suffix3: h.suffix3(),
                short: h.short,
                own: sum(&|f| own_keys(&h, f)),
                neighbours: [[0; N_LABELS]; 4],
                fits: 0,
                ctx_spread: tagger.context_spread(&[h.word]),
                shape: NO_SHAPE,
            };
            for nb in Neighbour::ALL {
                if let Some(block) = narrow(sum(&|f| neighbour_keys(nb, Some(&h), f))) {
                    record.neighbours[nb as usize] = block;
                    record.fits |= 1 << nb as usize;
                }
            }
            index.insert(h.exact, records.len() as u32);
            records.push(record);
        }
        // Number the commonest short shapes of the vocabulary (ties by hash, so the
        // numbering does not depend on hash map order), the padding first.
        let mut counts: HashMap<u64, usize> = HashMap::new();
        for r in &records {
            *counts.entry(r.short).or_default() += 1;
        }
        let mut common: Vec<(u64, usize)> = counts.into_iter().collect();
        common.sort_unstable_by_key(|&(short, n)| (std::cmp::Reverse(n), short));
        let shorts: Vec<u64> = std::iter::once(PAD)
            .chain(common.iter().map(|&(short, _)| short).filter(|&s| s != PAD))
            .take(MAX_SHAPES)
            .collect();
        for r in &mut records {
            if let Some(k) = shorts.iter().position(|&s| s == r.short) {
                r.shape = k as u8;
            }
        }
        let mut shape_pairs = Vec::with_capacity(shorts.len() * shorts.len());
        for &a in &shorts {
            for &b in &shorts {
                let key = combine(F_SHAPE_M1, combine(a, b));
                shape_pairs.push(narrow(sum(&|f| f.push(key)))?);
            }
        }
        Some(Fused {
            index,
            by_vocab,
            records,
            pad: pad_blocks,
            n_shapes: shorts.len(),
            shape_pairs,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The tagger

/// Irregular verb forms and their lemmas, looked up for every verb tagged (hence a fast hasher:
/// the keys are the model's own).
pub type LemmaTable = HashMap<String, String, foldhash::fast::FixedState>;

/// The trained part-of-speech tagger with its verb lemma table.
#[derive(Debug, Clone)]
pub struct PosTagger {
    tagger: Tagger,
    tags: Vec<Tag>,
    /// Lower-cased verb forms whose lemma is not the form itself.
    lemmas: LemmaTable,
    /// Precomputed blocks of known words ([`PosTagger::with_vocabulary`]).
    fused: Option<Box<Fused>>,
}

/// The longest sequence whose tagging buffers a thread keeps for the next article.
const KEPT_SEQUENCE: usize = 4096;

thread_local! {
    /// Each thread's buffers for [`PosTagger::tag_sentences`], kept across articles so that
    /// tagging one does not grow a dozen vectors from empty.
    static SCRATCH: RefCell<(PosScratch, Vec<Tag>)> = RefCell::default();
}

/// Reusable buffers for [`PosTagger::tag_range`].
#[derive(Debug, Default)]
pub struct PosScratch {
    featurizer: Featurizer,
    feats: Option<Features>,
    pre: Vec<i32>,
    labels: Vec<u16>,
    tag: TagScratch,
}

impl PosTagger {
    /// Loads the model compiled into the binary.
    pub fn load_embedded() -> Result<PosTagger, ModelError> {
        PosTagger::from_bytes(EMBEDDED_MODEL)
    }

    /// Assembles a tagger; its labels must be those of [`label_set`].
    pub fn new(tagger: Tagger, lemmas: HashMap<String, String>) -> Result<PosTagger, ModelError> {
        let tags = tagger
            .labels()
            .names()
            .iter()
            .map(|n| Tag::parse_label(n).ok_or(ModelError::Corrupt("unknown POS label")))
            .collect::<Result<Vec<Tag>, ModelError>>()?;
        if tagger.n_ctx() != N_CTX {
            return Err(ModelError::Corrupt(
                "POS model has the wrong context-key count",
            ));
        }
        Ok(PosTagger {
            tagger,
            tags,
            lemmas: lemmas.into_iter().collect(),
            fused: None,
        })
    }

    /// The same tagger with the word-level features of `words` (normalised forms, most
    /// frequent first, say the NER vocabulary) precomputed: tags are exactly the same, and
    /// come faster for text made of these words. Costs about 320 bytes per word.
    pub fn with_vocabulary<'a>(mut self, words: impl IntoIterator<Item = &'a str>) -> PosTagger {
        self.fused = Fused::build(&self.tagger, words).map(Box::new);
        self
    }

    /// How many words have precomputed blocks.
    pub fn fused_words(&self) -> usize {
        self.fused.as_ref().map_or(0, |f| f.records.len())
    }

    /// Loads a model written by [`PosTagger::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<PosTagger, ModelError> {
        let mut r = Reader(bytes);
        r.header(MAGIC, VERSION)?;
        let n = r.u32()? as usize;
        let mut lemmas = HashMap::with_capacity(n);
        for _ in 0..n {
            let mut s = || -> Result<String, ModelError> {
                let len = r.u8()? as usize;
                std::str::from_utf8(r.take(len)?)
                    .map(str::to_string)
                    .map_err(|_| ModelError::Corrupt("lemma table is not UTF-8"))
            };
            let form = s()?;
            let lemma = s()?;
            lemmas.insert(form, lemma);
        }
        let (tagger, _) = Tagger::from_bytes(r.0)?;
        PosTagger::new(tagger, lemmas)
    }

    /// Serialises the model: magic `POSM`, version, the lemma table (`u32` count, then
    /// length-prefixed form and lemma, sorted by form), then the tagger.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        let mut pairs: Vec<(&String, &String)> = self
            .lemmas
            .iter()
            .filter(|(f, l)| f.len() <= 255 && l.len() <= 255)
            .collect();
        pairs.sort();
        out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
        for (f, l) in pairs {
            out.push(f.len() as u8);
            out.extend_from_slice(f.as_bytes());
            out.push(l.len() as u8);
            out.extend_from_slice(l.as_bytes());
        }
        out.extend_from_slice(&self.tagger.to_bytes());
        out
    }

    /// How many weight rows the model holds.
    pub fn n_rows(&self) -> usize {
        self.tagger.n_rows()
    }

    /// Tags tokens `range` of `text` as one sequence, appending one tag per token to `out`.
    /// `words`, when the caller has them, are the text's tokens' positions in the
    /// vocabulary given to [`PosTagger::with_vocabulary`] (what the NER stage finds, with
    /// [`NO_WORD`](super::ner::NO_WORD) for other words); without them words are looked up.
    pub fn tag_range(
        &self,
        text: &Text,
        range: Range<usize>,
        words: Option<&[u32]>,
        scratch: &mut PosScratch,
        out: &mut Vec<Tag>,
    ) {
        let feats = scratch.feats.get_or_insert_with(|| Features::new(N_CTX));
        feats.clear();
        let pre = match &self.fused {
            Some(fused) => {
                scratch.featurizer.features_fused(
                    text,
                    range,
                    words,
                    fused,
                    feats,
                    &mut scratch.pre,
                );
                Some(&mut scratch.pre)
            }
            None => {
                scratch.featurizer.features(text, range, feats);
                None
            }
        };
        self.tagger.tag_into(
            feats,
            pre,
            &mut NoDynamic,
            &mut scratch.labels,
            &mut scratch.tag,
        );
        out.extend(scratch.labels.iter().map(|&l| {
            self.tags
                .get(l as usize)
                .copied()
                .unwrap_or(Tag::new(Upos::X, VerbForm::None))
        }));
    }

    /// Tags every token of `text`: sentence by sentence, the dateline as one sequence, and
    /// tokens outside both as punctuation or nouns by their kind.
    pub fn tag(&self, text: &Text) -> Vec<Tag> {
        self.tag_sentences(text, None, |_| true)
    }

    /// [`PosTagger::tag`] for the sentences `keep` accepts (by index into
    /// [`Text::sentences`]; the dateline is left out); other tokens get the default tags.
    /// `words` as for [`PosTagger::tag_range`].
    pub fn tag_sentences(
        &self,
        text: &Text,
        words: Option<&[u32]>,
        keep: impl Fn(usize) -> bool,
    ) -> Vec<Tag> {
        let all = keep(usize::MAX);
        let n = text.tokens().len();
        let mut out: Vec<Tag> = text
            .tokens()
            .iter()
            .map(|t| match t.kind() {
                TokenKind::Punct => Tag::new(Upos::Punct, VerbForm::None),
                TokenKind::Symbol => Tag::new(Upos::Sym, VerbForm::None),
                TokenKind::Number => Tag::new(Upos::Num, VerbForm::None),
                TokenKind::Word => Tag::new(Upos::Propn, VerbForm::None),
            })
            .collect();
        SCRATCH.with_borrow_mut(|(scratch, tags)| {
            let ranges = text
                .dateline()
                .filter(|_| all)
                .map(|d| d.tokens.clone())
                .into_iter()
                .chain(
                    text.sentences()
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| keep(*i))
                        .map(|(_, s)| s.tokens.clone()),
                );
            for r in ranges {
                if r.end > n || r.is_empty() {
                    continue;
                }
                tags.clear();
                self.tag_range(text, r.clone(), words, scratch, tags);
                out[r].copy_from_slice(tags);
            }
            // A pathological sentence (thousands of tokens) does not pin its buffers.
            if tags.capacity() > KEPT_SEQUENCE {
                *scratch = PosScratch::default();
                *tags = Vec::new();
            }
        });
        out
    }

    /// The lemma of a lower-cased word with its tag: verbs and auxiliaries from the learned
    /// table or suffix rules, plural nouns by suffix rules, everything else as it is.
    pub fn lemma(&self, lower: &str, tag: Tag) -> String {
        self.lemma_of(lower, tag).into_owned()
    }

    /// [`PosTagger::lemma`], borrowed where the lemma is the table's or part of the word.
    pub fn lemma_of<'a>(&'a self, lower: &'a str, tag: Tag) -> Cow<'a, str> {
        if let Some(l) = self.lemmas.get(lower) {
            if tag.is_verbal() {
                return Cow::Borrowed(l);
            }
        }
        match (tag.upos, tag.form) {
            (Upos::Verb | Upos::Aux, f) => verb_lemma_rule(lower, f),
            (Upos::Noun, _) => noun_lemma_rule(lower),
            _ => Cow::Borrowed(lower),
        }
    }

    /// The learned table of irregular verb lemmas (lower-cased form -> lemma).
    pub fn lemma_table(&self) -> &LemmaTable {
        &self.lemmas
    }
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// "-ed", "-ing" and "-s" stripped with the usual spelling rules; a guess for unseen verbs.
fn verb_lemma_rule(w: &str, form: VerbForm) -> Cow<'_, str> {
    let b = w.as_bytes();
    let strip = |suffix: &str| -> Option<Cow<'_, str>> {
        let stem = w.strip_suffix(suffix)?;
        let s = stem.as_bytes();
        if s.len() < 2 {
            return None;
        }
        let n = s.len();
        // Doubled final consonant: "expelled" -> "expel", "stopped" -> "stop".
        if n >= 3
            && s[n - 1] == s[n - 2]
            && !is_vowel(s[n - 1])
            && !matches!(s[n - 1], b'l' | b's' | b'z' | b'f')
        {
            return Some(Cow::Borrowed(&stem[..n - 1]));
        }
        if n >= 3 && s[n - 1] == s[n - 2] && s[n - 1] == b'l' && s[n - 3] != s[n - 1] {
            // "cancelled" -> "cancel", but "called" keeps "call" (handled by the table).
            return Some(Cow::Borrowed(&stem[..n - 1]));
        }
        // Consonant-vowel-consonant stems usually dropped an "e": "closed" -> "close".
        let last = s[n - 1];
        let cvc =
            n >= 2 && !is_vowel(last) && is_vowel(s[n - 2]) && !matches!(last, b'w' | b'x' | b'y');
        let needs_e = matches!(last, b'v' | b'z' | b'c' | b'g' | b'u')
            || (cvc
                && n >= 3
                && !is_vowel(s[n - 3])
                && matches!(
                    last,
                    b's' | b't' | b'd' | b'k' | b'p' | b'r' | b'b' | b'm' | b'n'
                ))
                && !stem.ends_with("en")
                && !stem.ends_with("er")
                && !stem.ends_with("on")
                && !stem.ends_with("it");
        if needs_e {
            return Some(Cow::Owned(format!("{stem}e")));
        }
        Some(Cow::Borrowed(stem))
    };
    let out = match form {
        VerbForm::Past | VerbForm::Participle if w.ends_with("ied") && b.len() > 4 => {
            Some(Cow::Owned(format!("{}y", &w[..w.len() - 3])))
        }
        VerbForm::Past | VerbForm::Participle if w.ends_with("eed") => {
            Some(Cow::Borrowed(&w[..w.len() - 1]))
        }
        VerbForm::Past | VerbForm::Participle => strip("ed"),
        VerbForm::Gerund => strip("ing"),
        VerbForm::Third if w.ends_with("ies") && b.len() > 4 => {
            Some(Cow::Owned(format!("{}y", &w[..w.len() - 3])))
        }
        VerbForm::Third
            if w.ends_with("ches")
                || w.ends_with("shes")
                || w.ends_with("sses")
                || w.ends_with("xes")
                || w.ends_with("zes")
                || w.ends_with("oes") =>
        {
            Some(Cow::Borrowed(&w[..w.len() - 2]))
        }
        VerbForm::Third => w.strip_suffix('s').map(Cow::Borrowed),
        _ => None,
    };
    out.unwrap_or(Cow::Borrowed(w))
}

/// Plural nouns to the singular: "expulsions" -> "expulsion", "sanctions" -> "sanction".
fn noun_lemma_rule(w: &str) -> Cow<'_, str> {
    if w.len() > 4 && w.ends_with("ies") {
        return Cow::Owned(format!("{}y", &w[..w.len() - 3]));
    }
    if w.len() > 3
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
    {
        return Cow::Borrowed(&w[..w.len() - 1]);
    }
    Cow::Borrowed(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::ner::NO_WORD;
    use crate::enrich::text::analyse;

    #[test]
    fn labels_fit_the_fast_tagging_path_and_round_trip() {
        let labels = labels();
        assert_eq!(labels.len(), 28);
        for t in labels {
            assert_eq!(Tag::parse_label(&t.label()), Some(t));
        }
        assert_eq!(
            Tag::from_ud(Upos::Verb, "VBN"),
            Tag::new(Upos::Verb, VerbForm::Participle)
        );
        assert_eq!(Tag::from_ud(Upos::Verb, "NNP").form, VerbForm::Base);
        assert_eq!(Tag::from_ud(Upos::Noun, "NN").form, VerbForm::None);
        // `train pos` trains with these labels in this order: the embedded model has them.
        let model = PosTagger::load_embedded().expect("model loads");
        assert_eq!(model.tags, super::labels());
    }

    #[test]
    fn lemma_rules_cover_regular_verbs_and_plurals() {
        let past = VerbForm::Past;
        assert_eq!(verb_lemma_rule("expelled", past), "expel");
        assert_eq!(verb_lemma_rule("closed", past), "close");
        assert_eq!(verb_lemma_rule("accused", past), "accuse");
        assert_eq!(verb_lemma_rule("agreed", past), "agree");
        assert_eq!(verb_lemma_rule("ordered", past), "order");
        assert_eq!(verb_lemma_rule("denied", past), "deny");
        assert_eq!(verb_lemma_rule("attacked", past), "attack");
        assert_eq!(verb_lemma_rule("meets", VerbForm::Third), "meet");
        assert_eq!(verb_lemma_rule("condemning", VerbForm::Gerund), "condemn");
        assert_eq!(noun_lemma_rule("expulsions"), "expulsion");
        assert_eq!(noun_lemma_rule("talks"), "talk");
    }

    /// The static scores of each token of `text` (one sequence): row by row when `fused` is
    /// `None`, else from the fused blocks plus the keys left over.
    fn static_scores(
        pos: &PosTagger,
        text: &Text,
        fused: Option<&Fused>,
        words: Option<&[u32]>,
    ) -> Vec<Vec<i32>> {
        let n = text.tokens().len();
        let mut featurizer = Featurizer::default();
        let mut feats = Features::new(N_CTX);
        let mut pre = Vec::new();
        match fused {
            Some(f) => featurizer.features_fused(text, 0..n, words, f, &mut feats, &mut pre),
            None => featurizer.features(text, 0..n, &mut feats),
        }
        (0..n)
            .map(|i| {
                let mut row = pos.tagger.sum_rows(feats.token(i));
                if let Some(p) = pre.get(i * N_LABELS..(i + 1) * N_LABELS) {
                    row.iter_mut().zip(p).for_each(|(r, p)| *r += p);
                }
                row
            })
            .collect()
    }

    #[test]
    fn fused_words_score_exactly_as_row_by_row() {
        let plain = PosTagger::load_embedded().expect("model loads");
        let body = include_str!("../../data/articles/01-istanbul-embassy-talks.txt");
        let text = analyse(body);
        // Every other word of the article is known, so blocks meet listed keys on both sides;
        // the numbers stay unfused whatever the vocabulary says.
        let words: Vec<&str> = (0..text.tokens().len())
            .step_by(2)
            .map(|i| text.norm(i))
            .collect();
        let fused = plain.clone().with_vocabulary(words.iter().copied());
        assert!(
            fused.fused_words() > 40,
            "{} words fused",
            fused.fused_words()
        );
        let blocks = fused.fused.as_deref().expect("the model fuses");
        let row_by_row = static_scores(&plain, &text, None, None);
        assert_eq!(row_by_row, static_scores(&plain, &text, Some(blocks), None));
        // Given the tokens' vocabulary positions (as the NER stage finds them), the same.
        let vocab: Vec<u32> = (0..text.tokens().len())
            .map(|i| {
                let at = words.iter().position(|w| *w == text.norm(i));
                at.map_or(NO_WORD, |p| p as u32)
            })
            .collect();
        assert!(vocab.contains(&NO_WORD));
        assert_eq!(
            row_by_row,
            static_scores(&plain, &text, Some(blocks), Some(&vocab))
        );
        assert_eq!(plain.tag(&text), fused.tag(&text));
        // Short sequences: padding blocks on both sides of one and two tokens.
        for body in ["Moscow.", "He met", "a", ""] {
            let t = analyse(body);
            assert_eq!(
                static_scores(&plain, &t, None, None),
                static_scores(&plain, &t, Some(blocks), None)
            );
        }
    }

    #[test]
    fn skipping_settled_context_keys_changes_no_tag() {
        // With every word fused, the tagger skips the context key wherever the rest of the
        // scores already decide by more than the word's context spread.
        let plain = PosTagger::load_embedded().expect("model loads");
        for body in [
            include_str!("../../data/articles/01-istanbul-embassy-talks.txt"),
            include_str!("../../data/articles/02-un-aid-sudan.txt"),
            include_str!("../../data/articles/03-eu-sanctions.txt"),
            include_str!("../../data/articles/04-uk-budget.txt"),
        ] {
            let text = analyse(body);
            let words: Vec<&str> = (0..text.tokens().len()).map(|i| text.norm(i)).collect();
            let fused = plain.clone().with_vocabulary(words.iter().copied());
            assert_eq!(plain.tag(&text), fused.tag(&text));
        }
    }

    #[test]
    fn embedded_model_tags_a_news_sentence() {
        let Ok(pos) = PosTagger::load_embedded() else {
            panic!("embedded POS model does not load");
        };
        let body = "Russian and US diplomats met in Istanbul on Thursday. Two diplomats were expelled by Moscow.";
        let text = analyse(body);
        let tags = pos.tag(&text);
        let find = |w: &str| {
            let i = (0..text.tokens().len())
                .find(|&i| text.token_text(i) == w)
                .unwrap_or(0);
            tags[i]
        };
        assert_eq!(find("met").upos, Upos::Verb);
        assert_eq!(find("diplomats").upos, Upos::Noun);
        assert_eq!(find("Istanbul").upos, Upos::Propn);
        assert_eq!(find("expelled"), Tag::new(Upos::Verb, VerbForm::Participle));
        assert_eq!(find("were").upos, Upos::Aux);
        assert_eq!(pos.lemma("met", find("met")), "meet");
    }
}
