//! Generic averaged-perceptron sequence tagger: hashed features, one `[weight; n_labels]` row per
//! feature, greedy left-to-right decoding with label-history features, BIO constraints, and a
//! compact binary model format.
//!
//! The caller turns each token into hashed feature keys ([`Features`]); the tagger adds the
//! features that depend on its own earlier decisions (previous label, the two previous labels,
//! and each of the token's "context" keys conjoined with the previous label). Nothing here knows
//! what the features mean, so the same code tags named entities and parts of speech.
//!
//! Model format (little endian): magic `PTAG`, version `u16`, label count `u16`, labels (`u8`
//! length + UTF-8), context-key count `u16`, scale `f32`, row count `u32`, the row keys (`u64`,
//! ascending) and then the rows (`i16` × labels each; weight = value × scale).

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

const MAGIC: &[u8; 4] = b"PTAG";
const VERSION: u16 = 1;
/// Label index used as the history before the first token.
const START: u16 = u16::MAX;

/// Why a model could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// The bytes do not start with the expected magic header.
    BadMagic,
    /// The model was written by a format version this build does not read.
    UnsupportedVersion(u16),
    /// The bytes end before the model does.
    Truncated,
    /// The bytes are well-formed but describe an impossible model.
    Corrupt(&'static str),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::BadMagic => write!(f, "not a model file (bad magic header)"),
            ModelError::UnsupportedVersion(v) => write!(f, "unsupported model version {v}"),
            ModelError::Truncated => write!(f, "model file is truncated"),
            ModelError::Corrupt(what) => write!(f, "model file is corrupt: {what}"),
        }
    }
}

impl std::error::Error for ModelError {}

// ---------------------------------------------------------------------------------------------
// Hashing

#[inline]
fn mum(a: u64, b: u64) -> u64 {
    let r = (a as u128).wrapping_mul(b as u128);
    (r as u64) ^ ((r >> 64) as u64)
}

/// Combines two hashes into one (order matters). The feature-key builder.
#[inline]
pub fn combine(a: u64, b: u64) -> u64 {
    mum(a ^ 0xa076_1d64_78bd_642f, b ^ 0xe703_7ed1_a0b4_28db)
}

/// Hashes bytes with a seed (fast for the short strings that features are made of).
#[inline]
pub fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed ^ 0x8ebc_6af0_9c88_c6e3;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = combine(h, u64::from_le_bytes(w));
    }
    let rest = chunks.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    combine(h ^ bytes.len() as u64, u64::from_le_bytes(w))
}

/// A `Hasher` for keys that are already hashes.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
}

/// A map keyed by hashes.
pub type HashKeyMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

// ---------------------------------------------------------------------------------------------
// Labels

/// How a label takes part in BIO chunking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bio {
    /// Not a BIO label (e.g. a POS tag): no constraint.
    Plain,
    Outside,
    Begin(u16),
    Inside(u16),
}

/// The tagger's labels, with the transitions BIO allows.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSet {
    names: Vec<String>,
    /// `allowed[(prev + 1) * n + cur]`, row 0 for the sequence start.
    allowed: Vec<bool>,
}

impl LabelSet {
    /// Builds a label set; labels named `O`, `B-X`, `I-X` get BIO constraints (no `I-X` unless
    /// right after `B-X` or `I-X`).
    pub fn new(names: Vec<String>) -> LabelSet {
        let mut types: Vec<&str> = Vec::new();
        let bio: Vec<Bio> = names
            .iter()
            .map(|n| {
                if n == "O" {
                    return Bio::Outside;
                }
                let (kind, t) = match (n.strip_prefix("B-"), n.strip_prefix("I-")) {
                    (Some(t), _) => (true, t),
                    (_, Some(t)) => (false, t),
                    _ => return Bio::Plain,
                };
                let id = match types.iter().position(|x| *x == t) {
                    Some(p) => p as u16,
                    None => {
                        types.push(t);
                        (types.len() - 1) as u16
                    }
                };
                if kind {
                    Bio::Begin(id)
                } else {
                    Bio::Inside(id)
                }
            })
            .collect();
        let n = names.len();
        let mut allowed = vec![true; (n + 1) * n];
        for prev in 0..=n {
            for (cur, b) in bio.iter().enumerate() {
                if let Bio::Inside(t) = b {
                    let ok = prev > 0
                        && matches!(bio[prev - 1], Bio::Begin(p) | Bio::Inside(p) if p == *t);
                    allowed[prev * n + cur] = ok;
                }
            }
        }
        LabelSet { names, allowed }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, i: u16) -> &str {
        self.names.get(i as usize).map_or("?", String::as_str)
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn index(&self, name: &str) -> Option<u16> {
        self.names.iter().position(|n| n == name).map(|p| p as u16)
    }

    #[inline]
    fn allowed_row(&self, prev: u16) -> &[bool] {
        let n = self.names.len();
        let row = if prev == START { 0 } else { prev as usize + 1 };
        &self.allowed[row * n..(row + 1) * n]
    }
}

// ---------------------------------------------------------------------------------------------
// Features

/// The hashed features of one sequence: static keys per token, plus `n_ctx` context keys per
/// token that the tagger conjoins with the previous label.
#[derive(Debug, Clone, Default)]
pub struct Features {
    keys: Vec<u64>,
    ends: Vec<u32>,
    ctx: Vec<u64>,
    /// Per token: the most its context keys can add to one label's score over another's
    /// ([`NO_BOUND`] when unknown).
    ctx_spread: Vec<i32>,
    n_ctx: usize,
}

/// A context spread that bounds nothing: the context keys are always probed.
pub const NO_BOUND: i32 = i32::MAX;

impl Features {
    pub fn new(n_ctx: usize) -> Features {
        Features {
            keys: Vec::new(),
            ends: Vec::new(),
            ctx: Vec::new(),
            ctx_spread: Vec::new(),
            n_ctx,
        }
    }

    /// Empties the features, keeping the allocations.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.ends.clear();
        self.ctx.clear();
        self.ctx_spread.clear();
    }

    /// Adds a static feature key to the current token.
    #[inline]
    pub fn push(&mut self, key: u64) {
        self.keys.push(key);
    }

    /// Closes the current token with its context keys (exactly `n_ctx` of them are used;
    /// missing ones are zero).
    pub fn end_token(&mut self, ctx: &[u64]) {
        self.end_token_bounded(ctx, NO_BOUND);
    }

    /// [`Features::end_token`] with what [`Tagger::context_spread`] says of `ctx`: when the
    /// rest of the token's scores already decide its label by more than `spread`, the tagger
    /// does not look the context keys up (they cannot change the decision).
    pub fn end_token_bounded(&mut self, ctx: &[u64], spread: i32) {
        self.ends.push(self.keys.len() as u32);
        for k in 0..self.n_ctx {
            self.ctx.push(ctx.get(k).copied().unwrap_or(0));
        }
        self.ctx_spread.push(spread);
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn n_ctx(&self) -> usize {
        self.n_ctx
    }

    /// The static keys of token `i`.
    pub fn token(&self, i: usize) -> &[u64] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.keys[start..self.ends[i] as usize]
    }

    fn ctx(&self, i: usize) -> &[u64] {
        &self.ctx[i * self.n_ctx..(i + 1) * self.n_ctx]
    }

    fn ctx_spread(&self, i: usize) -> i32 {
        self.ctx_spread.get(i).copied().unwrap_or(NO_BOUND)
    }
}

/// Features that depend on decisions made outside the current token's window, such as what
/// the same word was tagged earlier in the document. The tagger asks for the keys of token `i`
/// right before scoring it and reports the label it chose right after.
pub trait Dynamic {
    fn keys(&mut self, i: usize, out: &mut Vec<u64>);
    fn observe(&mut self, i: usize, label: u16);
}

/// No dynamic features.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDynamic;

impl Dynamic for NoDynamic {
    fn keys(&mut self, _: usize, _: &mut Vec<u64>) {}
    fn observe(&mut self, _: usize, _: u16) {}
}

const T_PREV: u64 = 0x5052_4556_0000_0001;
const T_PREV2: u64 = 0x5052_4556_0000_0002;
const T_CTX: u64 = 0x5052_4556_0000_0100;

/// Calls `f` with each history-dependent key of token `i`.
#[inline]
fn history_keys(feats: &Features, i: usize, p1: u16, p2: u16, mut f: impl FnMut(u64)) {
    f(prev_key(p1));
    f(prev2_key(p1, p2));
    context_keys(feats.ctx(i), p1, f);
}

/// The key of the previous label.
#[inline]
fn prev_key(p1: u16) -> u64 {
    combine(T_PREV, u64::from(p1) + 1)
}

/// The key of the two previous labels.
#[inline]
fn prev2_key(p1: u16, p2: u16) -> u64 {
    let h1 = u64::from(p1) + 1;
    let h2 = u64::from(p2) + 1;
    combine(T_PREV2, (h2 << 17) | h1)
}

/// Calls `f` with a token's context keys `ctx` ([`Features::ctx`]) conjoined with the
/// previous label.
#[inline]
fn context_keys(ctx: &[u64], p1: u16, mut f: impl FnMut(u64)) {
    let h1 = u64::from(p1) + 1;
    for (k, &c) in ctx.iter().enumerate() {
        if c != 0 {
            f(combine(combine(T_CTX + k as u64, h1), c));
        }
    }
}

/// [`argmax_allowed`]'s choice, when the best allowed score leads every other allowed one
/// by more than `spread`: then nothing adding at most `spread` to one label over another can
/// change it.
#[inline]
fn settled(scores: &[i32], allowed: &[bool], spread: i32) -> Option<u16> {
    let (mut best, mut second) = (i64::MIN, i64::MIN);
    let mut label = 0;
    for (l, (&s, &ok)) in scores.iter().zip(allowed).enumerate() {
        let s = i64::from(s);
        if !ok {
            continue;
        }
        if s > best {
            second = best;
            best = s;
            label = l;
        } else if s > second {
            second = s;
        }
    }
    (second == i64::MIN || best - second > i64::from(spread)).then_some(label as u16)
}

#[inline]
fn argmax_allowed(scores: &[i32], allowed: &[bool]) -> u16 {
    let mut best = 0usize;
    let mut best_score = i64::MIN;
    for (l, (&s, &ok)) in scores.iter().zip(allowed).enumerate() {
        if ok && i64::from(s) > best_score {
            best_score = i64::from(s);
            best = l;
        }
    }
    best as u16
}

#[inline]
fn argmax_allowed_f(scores: &[f32], allowed: &[bool], gold_tiebreak: Option<usize>) -> u16 {
    let mut best = usize::MAX;
    let mut best_score = f32::NEG_INFINITY;
    for (l, (&s, &ok)) in scores.iter().zip(allowed).enumerate() {
        // Ties go against the gold label so that an untrained model still learns.
        let better = s > best_score || (s == best_score && Some(best) == gold_tiebreak);
        if ok && (better || best == usize::MAX) {
            best_score = s;
            best = l;
        }
    }
    best.min(scores.len().saturating_sub(1)) as u16
}

// ---------------------------------------------------------------------------------------------
// Inference

/// Adds a quantized weight row (or a precomputed sum of rows) to scores; fixed-size arrays,
/// so that the compiler vectorizes the loop.
#[inline]
pub(crate) fn add_row<const N: usize>(scores: &mut [i32; N], row: &[i16; N]) {
    for l in 0..N {
        scores[l] += i32::from(row[l]);
    }
}

/// Bytes per cache line on the machines we run on (x86-64 and most ARM).
const CACHE_LINE: usize = 64;

/// Quantized weight rows in an open-addressing table: each slot holds the key (as four `i16`)
/// followed by the row, so one probe touches one place in memory.
#[derive(Debug, Clone)]
struct WeightTable {
    slots: Vec<i16>,
    /// Where slot 0 starts in `slots` (so that slot 0 starts a cache line).
    offset: usize,
    /// Slot size in `i16`: the key and the row, rounded up to 32 bytes.
    stride: usize,
    n_slots: usize,
    /// A blocked Bloom filter of the stored keys (two bits in one word per key), small enough
    /// to stay in cache: most absent keys are rejected without touching the slots.
    bloom: Vec<u64>,
    n_labels: usize,
    /// Sorted keys and rows as stored, for saving.
    n_rows: usize,
}

#[inline]
fn key_parts(key: u64) -> [i16; 4] {
    [
        key as u16 as i16,
        (key >> 16) as u16 as i16,
        (key >> 32) as u16 as i16,
        (key >> 48) as u16 as i16,
    ]
}

#[inline]
fn parts_key(p: &[i16]) -> u64 {
    (p[0] as u16 as u64)
        | ((p[1] as u16 as u64) << 16)
        | ((p[2] as u16 as u64) << 32)
        | ((p[3] as u16 as u64) << 48)
}

/// Zero marks an empty slot, so no stored key may be zero.
#[inline]
fn nonzero(key: u64) -> u64 {
    if key == 0 {
        1
    } else {
        key
    }
}

impl WeightTable {
    fn build(rows: &[(u64, Vec<i16>)], n_labels: usize) -> WeightTable {
        // Load factor about 0.7; the slot count need not be a power of two.
        let n_slots = (rows.len() * 10 / 7 + 1).max(16);
        let stride = (4 + n_labels).next_multiple_of(16);
        let mut slots = vec![0i16; n_slots * stride + CACHE_LINE / 2];
        // Start slot 0 on a cache line, so that no slot (32 or 64 bytes, or a multiple of 64)
        // straddles two lines: one probe, one line.
        let misalign = (slots.as_ptr() as usize) % CACHE_LINE;
        let offset = ((CACHE_LINE - misalign) % CACHE_LINE) / 2;
        let bloom_words = (rows.len() / 4).max(1).next_power_of_two();
        let mut table = WeightTable {
            slots: Vec::new(),
            offset,
            n_labels,
            stride,
            n_slots,
            bloom: vec![0u64; bloom_words],
            n_rows: rows.len(),
        };
        for (key, row) in rows {
            let key = nonzero(*key);
            let (w, bits) = table.bloom_bits(key);
            table.bloom[w] |= bits;
            let mut s = table.home(key);
            loop {
                let base = offset + s * stride;
                if parts_key(&slots[base..base + 4]) == 0 {
                    slots[base..base + 4].copy_from_slice(&key_parts(key));
                    slots[base + 4..base + 4 + n_labels].copy_from_slice(row);
                    break;
                }
                s = if s + 1 == n_slots { 0 } else { s + 1 };
            }
        }
        table.slots = slots;
        table
    }

    /// The home slot of a key.
    #[inline]
    fn home(&self, key: u64) -> usize {
        let h = nonzero(key).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((u128::from(h) * self.n_slots as u128) >> 64) as usize
    }

    /// The Bloom word index and bits of a key.
    #[inline]
    fn bloom_bits(&self, key: u64) -> (usize, u64) {
        let h = combine(key, 0xb100_f11e);
        let w = (h as usize) & (self.bloom.len() - 1);
        (w, (1u64 << ((h >> 40) & 63)) | (1u64 << ((h >> 52) & 63)))
    }

    /// False when the key is certainly absent.
    #[inline]
    fn may_contain(&self, key: u64) -> bool {
        let (w, bits) = self.bloom_bits(nonzero(key));
        self.bloom[w] & bits == bits
    }

    /// The key stored in slot `s` (0 when empty).
    #[inline]
    fn key_at(&self, s: usize) -> u64 {
        let base = self.offset + s * self.stride;
        parts_key(&self.slots[base..base + 4])
    }

    #[inline]
    fn add(&self, key: u64, scores: &mut [i32]) {
        if self.may_contain(key) {
            self.add_from(self.home(key), key, scores);
        }
    }

    /// Adds the row of `key` (if stored) to `scores`, probing from slot `s`.
    #[inline]
    fn add_from(&self, mut s: usize, key: u64, scores: &mut [i32]) {
        let key = nonzero(key);
        loop {
            let base = self.offset + s * self.stride;
            let slot = &self.slots[base..base + 4 + self.n_labels];
            let k = parts_key(&slot[..4]);
            if k == key {
                for (acc, w) in scores.iter_mut().zip(&slot[4..]) {
                    *acc += i32::from(*w);
                }
                return;
            }
            if k == 0 {
                return;
            }
            s = if s + 1 == self.n_slots { 0 } else { s + 1 };
        }
    }

    /// [`WeightTable::add_from`] for a table whose stride is `4 + LANES`: fixed-size rows that
    /// the compiler vectorizes (padding lanes hold zeros).
    #[inline]
    fn add_lanes<const LANES: usize>(&self, mut s: usize, key: u64, scores: &mut [i32; LANES]) {
        let key = nonzero(key);
        loop {
            let base = self.offset + s * self.stride;
            let Some(slot) = self.slots.get(base..base + 4 + LANES) else {
                return;
            };
            let k = parts_key(&slot[..4]);
            if k == key {
                if let Ok(row) = <&[i16; LANES]>::try_from(&slot[4..]) {
                    add_row(scores, row);
                }
                return;
            }
            if k == 0 {
                return;
            }
            s = if s + 1 == self.n_slots { 0 } else { s + 1 };
        }
    }

    /// The stored row of `key`, padded with zeros to the slot's lanes (`stride - 4`).
    fn padded_row(&self, key: u64) -> Option<&[i16]> {
        let key = nonzero(key);
        if !self.may_contain(key) {
            return None;
        }
        let mut s = self.home(key);
        loop {
            let base = self.offset + s * self.stride;
            let slot = self.slots.get(base..base + self.stride)?;
            match parts_key(&slot[..4]) {
                0 => return None,
                k if k == key => return Some(&slot[4..]),
                _ => s = if s + 1 == self.n_slots { 0 } else { s + 1 },
            }
        }
    }

    fn rows(&self) -> Vec<(u64, Vec<i16>)> {
        let mut out = Vec::with_capacity(self.n_rows);
        for slot in self.slots[self.offset..].chunks_exact(self.stride) {
            let k = parts_key(&slot[..4]);
            if k != 0 {
                out.push((k, slot[4..4 + self.n_labels].to_vec()));
            }
        }
        out.sort_unstable_by_key(|r| r.0);
        out
    }
}

/// The rows of the label-history features (the previous label; the two previous labels),
/// copied out of the table into dense arrays: every token reads two of them, and an array
/// index costs less than a hash probe. Indexed by label, with the sequence start last; rows
/// are the table's lanes long (`stride - 4`), zero-padded like its slots.
#[derive(Debug, Clone, Default)]
struct HistoryRows {
    n_labels: usize,
    /// One row per previous label.
    prev: Vec<i16>,
    /// One row per pair (label two back, previous label).
    prev2: Vec<i16>,
}

impl HistoryRows {
    fn build(table: &WeightTable, n_labels: usize) -> HistoryRows {
        let lanes = table.stride - 4;
        let history: Vec<u16> = (0..n_labels as u16).chain([START]).collect();
        let mut prev = vec![0i16; history.len() * lanes];
        let mut prev2 = vec![0i16; history.len() * history.len() * lanes];
        for (a, &p1) in history.iter().enumerate() {
            if let Some(r) = table.padded_row(prev_key(p1)) {
                prev[a * lanes..(a + 1) * lanes].copy_from_slice(r);
            }
            for (b, &p2) in history.iter().enumerate() {
                if let Some(r) = table.padded_row(prev2_key(p1, p2)) {
                    let at = (b * history.len() + a) * lanes;
                    prev2[at..at + lanes].copy_from_slice(r);
                }
            }
        }
        HistoryRows {
            n_labels,
            prev,
            prev2,
        }
    }

    #[inline]
    fn index(&self, label: u16) -> usize {
        if label == START {
            self.n_labels
        } else {
            label as usize
        }
    }

    /// Adds the rows of previous labels `p1` and `p2` to `scores`.
    #[inline]
    fn add<const LANES: usize>(&self, p1: u16, p2: u16, scores: &mut [i32; LANES]) {
        let (a, b) = (self.index(p1), self.index(p2));
        let pair = b * (self.n_labels + 1) + a;
        let rows = [
            self.prev.get(a * LANES..(a + 1) * LANES),
            self.prev2.get(pair * LANES..(pair + 1) * LANES),
        ];
        for row in rows.into_iter().flatten() {
            if let Ok(row) = <&[i16; LANES]>::try_from(row) {
                add_row(scores, row);
            }
        }
    }
}

/// Buffers that [`Tagger::tag_into`] reuses between sequences.
#[derive(Debug, Clone, Default)]
pub struct TagScratch {
    homes: Vec<u32>,
    stat: Vec<i32>,
    dyn_keys: Vec<u64>,
}

/// A trained tagger, ready to tag.
#[derive(Debug, Clone)]
pub struct Tagger {
    labels: LabelSet,
    n_ctx: usize,
    scale: f32,
    table: WeightTable,
    history: HistoryRows,
}

impl Tagger {
    fn assemble(labels: LabelSet, n_ctx: usize, scale: f32, rows: &[(u64, Vec<i16>)]) -> Tagger {
        let table = WeightTable::build(rows, labels.len());
        let history = HistoryRows::build(&table, labels.len());
        Tagger {
            labels,
            n_ctx,
            scale,
            table,
            history,
        }
    }

    pub fn labels(&self) -> &LabelSet {
        &self.labels
    }

    /// How many context keys per token the features must carry.
    pub fn n_ctx(&self) -> usize {
        self.n_ctx
    }

    /// Whether the model has a weight row for `key`.
    pub fn has_feature(&self, key: u64) -> bool {
        let mut probe = vec![0i32; self.labels.len()];
        self.table.add(key, &mut probe);
        probe.iter().any(|&x| x != 0)
    }

    /// How many weight rows the model holds.
    pub fn n_rows(&self) -> usize {
        self.table.n_rows
    }

    /// Tags one sequence greedily, left to right; `out` receives one label index per token.
    pub fn tag(&self, feats: &Features, out: &mut Vec<u16>) {
        self.tag_dynamic(feats, &mut NoDynamic, out);
    }

    /// Like [`Tagger::tag`], with dynamic features.
    pub fn tag_dynamic(&self, feats: &Features, dynamic: &mut impl Dynamic, out: &mut Vec<u16>) {
        self.tag_into(feats, None, dynamic, out, &mut TagScratch::default());
    }

    /// Like [`Tagger::tag_dynamic`], reusing the buffers in `scratch` across calls, and
    /// starting each token from precomputed scores when `pre` holds them: one score per label
    /// per token (in the quantized units of [`Tagger::sum_rows`]). `pre` is work space: when
    /// its rows are as wide as the table's (the labels fill the lanes), the scores are summed
    /// into it in place, so it is left holding them, not what it held.
    pub fn tag_into(
        &self,
        feats: &Features,
        pre: Option<&mut Vec<i32>>,
        dynamic: &mut impl Dynamic,
        out: &mut Vec<u16>,
        scratch: &mut TagScratch,
    ) {
        match self.table.stride {
            16 => self.tag_lanes::<12>(feats, pre, dynamic, out, scratch),
            32 => self.tag_lanes::<28>(feats, pre, dynamic, out, scratch),
            64 => self.tag_lanes::<60>(feats, pre, dynamic, out, scratch),
            _ => self.tag_slices(feats, pre.map(|p| p.as_slice()), dynamic, out),
        }
    }

    /// The most that a token's context keys `ctx` (as given to [`Features::end_token`])
    /// can add to one label's score over another's, whatever the previous label.
    pub fn context_spread(&self, ctx: &[u64]) -> i32 {
        let mut scores = vec![0i32; self.labels.len()];
        let mut widest = 0i64;
        for p1 in (0..self.labels.len() as u16).chain([START]) {
            scores.fill(0);
            let ctx = &ctx[..ctx.len().min(self.n_ctx)];
            context_keys(ctx, p1, |k| self.table.add(k, &mut scores));
            let (lo, hi) = scores.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &s| {
                (lo.min(i64::from(s)), hi.max(i64::from(s)))
            });
            widest = widest.max(hi.saturating_sub(lo));
        }
        i32::try_from(widest).unwrap_or(NO_BOUND)
    }

    /// The sum of the quantized rows of `keys` (absent keys add nothing).
    pub fn sum_rows(&self, keys: &[u64]) -> Vec<i32> {
        let mut scores = vec![0i32; self.labels.len()];
        for &k in keys {
            self.table.add(k, &mut scores);
        }
        scores
    }

    /// Tagging with fixed-size score rows of `LANES` (the table stride minus the key).
    fn tag_lanes<const LANES: usize>(
        &self,
        feats: &Features,
        pre: Option<&mut Vec<i32>>,
        dynamic: &mut impl Dynamic,
        out: &mut Vec<u16>,
        scratch: &mut TagScratch,
    ) {
        out.clear();
        let n_labels = self.labels.len().min(LANES);
        // Static scores first, in two passes: the first only reads each key's home slot, with
        // no branch on what it finds, so the memory loads overlap; the second then probes
        // (now from cache) and adds the rows.
        let homes = &mut scratch.homes;
        homes.clear();
        homes.extend(feats.keys.iter().map(|&k| {
            if self.table.may_contain(k) {
                let s = self.table.home(k);
                if self.table.key_at(s) != 0 {
                    return s as u32;
                }
            }
            u32::MAX
        }));
        let stat: &mut Vec<i32> = match pre {
            // Rows as wide as the lanes: sum into them where they are.
            Some(pre) if self.labels.len() == LANES && pre.len() == feats.len() * LANES => pre,
            pre => {
                let stat = &mut scratch.stat;
                stat.clear();
                stat.resize(feats.len() * LANES, 0);
                if let Some(pre) = pre {
                    for (row, p) in stat
                        .chunks_exact_mut(LANES)
                        .zip(pre.chunks_exact(self.labels.len()))
                    {
                        row[..n_labels].copy_from_slice(&p[..n_labels]);
                    }
                }
                stat
            }
        };
        let mut j = 0;
        for (row, &end) in stat.chunks_exact_mut(LANES).zip(&feats.ends) {
            let Ok(scores) = <&mut [i32; LANES]>::try_from(row) else {
                continue;
            };
            let end = end as usize;
            while j < end {
                if homes[j] != u32::MAX {
                    self.table
                        .add_lanes(homes[j] as usize, feats.keys[j], scores);
                }
                j += 1;
            }
        }
        let dyn_keys = &mut scratch.dyn_keys;
        let (mut p1, mut p2) = (START, START);
        for (i, row) in stat.chunks_exact_mut(LANES).enumerate() {
            let Ok(scores) = <&mut [i32; LANES]>::try_from(row) else {
                continue;
            };
            self.history.add(p1, p2, scores);
            dyn_keys.clear();
            dynamic.keys(i, dyn_keys);
            for &k in dyn_keys.iter() {
                if self.table.may_contain(k) {
                    self.table.add_lanes(self.table.home(k), k, scores);
                }
            }
            let allowed = self.labels.allowed_row(p1);
            let spread = feats.ctx_spread(i);
            let decided = (spread != NO_BOUND)
                .then(|| settled(&scores[..n_labels], allowed, spread))
                .flatten();
            let best = decided.unwrap_or_else(|| {
                context_keys(feats.ctx(i), p1, |k| {
                    if self.table.may_contain(k) {
                        self.table.add_lanes(self.table.home(k), k, scores);
                    }
                });
                argmax_allowed(&scores[..n_labels], allowed)
            });
            dynamic.observe(i, best);
            out.push(best);
            p2 = p1;
            p1 = best;
        }
    }

    /// Tagging for any number of labels (slower: rows of run-time length).
    fn tag_slices(
        &self,
        feats: &Features,
        pre: Option<&[i32]>,
        dynamic: &mut impl Dynamic,
        out: &mut Vec<u16>,
    ) {
        out.clear();
        let n_labels = self.labels.len();
        let mut dyn_keys = Vec::new();
        let mut scores = vec![0i32; n_labels];
        let (mut p1, mut p2) = (START, START);
        for i in 0..feats.len() {
            match pre.and_then(|p| p.get(i * n_labels..(i + 1) * n_labels)) {
                Some(p) => scores.copy_from_slice(p),
                None => scores.iter_mut().for_each(|s| *s = 0),
            }
            for &k in feats.token(i) {
                self.table.add(k, &mut scores);
            }
            history_keys(feats, i, p1, p2, |k| self.table.add(k, &mut scores));
            dyn_keys.clear();
            dynamic.keys(i, &mut dyn_keys);
            for &k in &dyn_keys {
                self.table.add(k, &mut scores);
            }
            let best = argmax_allowed(&scores, self.labels.allowed_row(p1));
            dynamic.observe(i, best);
            out.push(best);
            p2 = p1;
            p1 = best;
        }
    }

    /// Serialises the model (see the module docs for the format).
    pub fn to_bytes(&self) -> Vec<u8> {
        let rows = self.table.rows();
        let n_labels = self.labels.len();
        let mut out = Vec::with_capacity(32 + rows.len() * (8 + 2 * n_labels));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(n_labels as u16).to_le_bytes());
        for name in self.labels.names() {
            let b = name.as_bytes();
            out.push(b.len().min(255) as u8);
            out.extend_from_slice(&b[..b.len().min(255)]);
        }
        out.extend_from_slice(&(self.n_ctx as u16).to_le_bytes());
        out.extend_from_slice(&self.scale.to_le_bytes());
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for (k, _) in &rows {
            out.extend_from_slice(&k.to_le_bytes());
        }
        for (_, r) in &rows {
            for w in r {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// Loads a model written by [`Tagger::to_bytes`]; returns it and the bytes after it.
    pub fn from_bytes(bytes: &[u8]) -> Result<(Tagger, &[u8]), ModelError> {
        let mut r = Reader(bytes);
        r.header(MAGIC, VERSION)?;
        let n_labels = r.u16()? as usize;
        if n_labels == 0 {
            return Err(ModelError::Corrupt("no labels"));
        }
        let mut names = Vec::with_capacity(n_labels);
        for _ in 0..n_labels {
            let len = r.u8()? as usize;
            let name = std::str::from_utf8(r.take(len)?)
                .map_err(|_| ModelError::Corrupt("label is not UTF-8"))?;
            names.push(name.to_string());
        }
        let n_ctx = r.u16()? as usize;
        let scale = r.f32()?;
        if !scale.is_finite() {
            return Err(ModelError::Corrupt("weight scale is not finite"));
        }
        let n_rows = r.u32()? as usize;
        let key_bytes = r.take(n_rows.checked_mul(8).ok_or(ModelError::Truncated)?)?;
        let row_bytes = r.take(
            n_rows
                .checked_mul(2 * n_labels)
                .ok_or(ModelError::Truncated)?,
        )?;
        let mut rows = Vec::with_capacity(n_rows);
        for (kb, rb) in key_bytes
            .chunks_exact(8)
            .zip(row_bytes.chunks_exact(2 * n_labels))
        {
            let mut k = [0u8; 8];
            k.copy_from_slice(kb);
            let row = rb
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            rows.push((u64::from_le_bytes(k), row));
        }
        let tagger = Tagger::assemble(LabelSet::new(names), n_ctx, scale, &rows);
        Ok((tagger, r.0))
    }
}

/// A cursor over model bytes.
pub struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    /// Reads and checks a format's magic bytes and version.
    pub fn header(&mut self, magic: &[u8; 4], version: u16) -> Result<(), ModelError> {
        if self.take(4)? != magic {
            return Err(ModelError::BadMagic);
        }
        match self.u16()? {
            v if v == version => Ok(()),
            v => Err(ModelError::UnsupportedVersion(v)),
        }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        if self.0.len() < n {
            return Err(ModelError::Truncated);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16, ModelError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Result<u32, ModelError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Result<u64, ModelError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    pub fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_bits(self.u32()?))
    }
}

// ---------------------------------------------------------------------------------------------
// Training

/// Learns a [`Tagger`] with the averaged perceptron, using its own predicted history (so that
/// training sees the errors decoding will make).
pub struct Trainer {
    labels: LabelSet,
    n_ctx: usize,
    index: HashKeyMap<u32>,
    weights: Vec<f32>,
    /// Sum over updates of `step × delta`, for averaging: `avg = w - acc / steps`.
    acc: Vec<f64>,
    steps: u64,
    keys: Vec<u64>,
}

impl Trainer {
    pub fn new(labels: LabelSet, n_ctx: usize) -> Trainer {
        Trainer {
            labels,
            n_ctx,
            index: HashKeyMap::default(),
            weights: Vec::new(),
            acc: Vec::new(),
            steps: 1,
            keys: Vec::new(),
        }
    }

    pub fn labels(&self) -> &LabelSet {
        &self.labels
    }

    fn row(&mut self, key: u64) -> usize {
        let n = self.labels.len();
        let next = self.index.len() as u32;
        let r = *self.index.entry(nonzero(key)).or_insert(next);
        if r == next {
            self.weights.resize(self.weights.len() + n, 0.0);
            self.acc.resize(self.acc.len() + n, 0.0);
        }
        r as usize * n
    }

    fn score(&self, key: u64, scores: &mut [f32]) {
        if let Some(&r) = self.index.get(&nonzero(key)) {
            let n = self.labels.len();
            let row = &self.weights[r as usize * n..(r as usize + 1) * n];
            for (s, w) in scores.iter_mut().zip(row) {
                *s += w;
            }
        }
    }

    fn update(&mut self, key: u64, label: usize, delta: f32) {
        let base = self.row(key);
        self.weights[base + label] += delta;
        self.acc[base + label] += self.steps as f64 * f64::from(delta);
    }

    /// Trains on one sequence (`gold` holds one label index per token); returns the number of
    /// tokens it got wrong before updating.
    pub fn train_sequence(&mut self, feats: &Features, gold: &[u16]) -> usize {
        self.train_sequence_dynamic(feats, &mut NoDynamic, gold)
    }

    /// Like [`Trainer::train_sequence`], with dynamic features (fed the predicted labels, as at
    /// decoding time).
    pub fn train_sequence_dynamic(
        &mut self,
        feats: &Features,
        dynamic: &mut impl Dynamic,
        gold: &[u16],
    ) -> usize {
        let n_labels = self.labels.len();
        let mut scores = vec![0f32; n_labels];
        let (mut p1, mut p2) = (START, START);
        let mut errors = 0;
        for (i, &g) in gold.iter().enumerate().take(feats.len()) {
            scores.iter_mut().for_each(|s| *s = 0.0);
            self.keys.clear();
            self.keys.extend_from_slice(feats.token(i));
            let mut keys = std::mem::take(&mut self.keys);
            history_keys(feats, i, p1, p2, |k| keys.push(k));
            dynamic.keys(i, &mut keys);
            for &k in &keys {
                self.score(k, &mut scores);
            }
            let guess = argmax_allowed_f(&scores, self.labels.allowed_row(p1), Some(g as usize));
            if guess != g {
                errors += 1;
                for &k in &keys {
                    self.update(k, g as usize, 1.0);
                    self.update(k, guess as usize, -1.0);
                }
            }
            dynamic.observe(i, guess);
            self.keys = keys;
            self.steps += 1;
            p2 = p1;
            p1 = guess;
        }
        errors
    }

    /// Averages the weights, drops rows whose largest weight is below `prune` (absolute), and
    /// quantizes the rest into a [`Tagger`].
    pub fn finish(self, prune: f32) -> Tagger {
        Trainer::finish_ensemble(self, Vec::new(), prune)
    }

    /// The averaged weights, one row per feature key.
    fn averaged(&self) -> impl Iterator<Item = (u64, Vec<f32>)> + '_ {
        let n = self.labels.len();
        let steps = self.steps as f64;
        self.index.iter().map(move |(&key, &r)| {
            let base = r as usize * n;
            let row = (0..n)
                .map(|l| (f64::from(self.weights[base + l]) - self.acc[base + l] / steps) as f32)
                .collect();
            (key, row)
        })
    }

    /// Like [`Trainer::finish`] for several trainers of the same task (say, different shuffling
    /// seeds): their averaged weights are averaged again into one model, which tags at the cost
    /// of one.
    pub fn finish_ensemble(first: Trainer, rest: Vec<Trainer>, prune: f32) -> Tagger {
        let n = first.labels.len();
        let k = 1 + rest.len();
        let mut sums: HashKeyMap<Vec<f32>> = HashKeyMap::default();
        for t in std::iter::once(&first).chain(&rest) {
            for (key, row) in t.averaged() {
                let acc = sums.entry(key).or_insert_with(|| vec![0.0; n]);
                for (a, w) in acc.iter_mut().zip(row) {
                    *a += w;
                }
            }
        }
        let mut avg_rows: Vec<(u64, Vec<f32>)> = Vec::with_capacity(sums.len());
        let mut max_abs = 0f32;
        for (key, mut row) in sums {
            if k > 1 {
                row.iter_mut().for_each(|w| *w /= k as f32);
            }
            let m = row.iter().fold(0f32, |m, w| m.max(w.abs()));
            if m >= prune && m > 0.0 {
                max_abs = max_abs.max(m);
                avg_rows.push((key, row));
            }
        }
        avg_rows.sort_unstable_by_key(|r| r.0);
        let scale = if max_abs > 0.0 {
            max_abs / 32000.0
        } else {
            1.0
        };
        let rows: Vec<(u64, Vec<i16>)> = avg_rows
            .into_iter()
            .map(|(k, r)| {
                let q = r
                    .iter()
                    .map(|w| (w / scale).round().clamp(-32767.0, 32767.0) as i16)
                    .collect();
                (k, q)
            })
            .filter(|(_, q): &(u64, Vec<i16>)| q.iter().any(|&x| x != 0))
            .collect();
        Tagger::assemble(first.labels, first.n_ctx, scale, &rows)
    }
}

/// A small deterministic random generator (xorshift64*), for shuffling training data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_is_settled_only_by_more_than_the_spread() {
        let all = [true; 4];
        assert_eq!(settled(&[10, 5, 3, 0], &all, 4), Some(0));
        assert_eq!(settled(&[3, 5, 10, 0], &all, 4), Some(2));
        // A lead of exactly the spread could become a tie, which the first label wins.
        assert_eq!(settled(&[10, 5, 3, 0], &all, 5), None);
        assert_eq!(settled(&[5, 10, 3, 0], &all, 5), None);
        // Only allowed labels compete; one allowed label is settled whatever the scores.
        assert_eq!(
            settled(&[10, 9, 3, 0], &[true, false, true, true], 6),
            Some(0)
        );
        assert_eq!(settled(&[10, 9, 3, 0], &all, 6), None);
        assert_eq!(
            settled(&[0, 9, 3, 0], &[false, false, true, false], 1000),
            Some(2)
        );
        // Nothing allowed: the first label, as argmax_allowed says.
        assert_eq!(settled(&[0, 9], &[false, false], 0), Some(0));
        assert_eq!(argmax_allowed(&[0, 9], &[false, false]), 0);
    }

    /// Toy chunking task: "a" starts an A chunk, "b" a B chunk, "x" continues the current chunk
    /// (or is outside after "o"/at the start). Tagging "x" needs the previous label.
    fn toy_gold(words: &[&str]) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut cur: Option<&str> = None;
        for w in words {
            let l = match *w {
                "a" => {
                    cur = Some("A");
                    "B-A"
                }
                "b" => {
                    cur = Some("B");
                    "B-B"
                }
                "x" => match cur {
                    Some("A") => "I-A",
                    Some(_) => "I-B",
                    None => "O",
                },
                _ => {
                    cur = None;
                    "O"
                }
            };
            out.push(l);
        }
        out
    }

    fn toy_features(words: &[&str]) -> Features {
        let mut f = Features::new(1);
        for w in words {
            let h = hash_bytes(1, w.as_bytes());
            f.push(combine(7, h));
            f.push(99); // bias
            f.end_token(&[h]);
        }
        f
    }

    fn toy_corpus(rng: &mut Rng, n: usize) -> Vec<Vec<&'static str>> {
        let vocab = ["a", "b", "x", "x", "o"];
        (0..n)
            .map(|_| {
                let len = 3 + (rng.next_u64() % 10) as usize;
                (0..len)
                    .map(|_| vocab[(rng.next_u64() % vocab.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    fn labels() -> LabelSet {
        LabelSet::new(
            ["O", "B-A", "I-A", "B-B", "I-B"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        )
    }

    /// A trainer that has seen `sentences` toy sentences drawn with `seed`, `epochs` times.
    fn toy_trainer(seed: u64, sentences: usize, epochs: usize) -> Trainer {
        let mut rng = Rng::new(seed);
        let corpus = toy_corpus(&mut rng, sentences);
        let mut t = Trainer::new(labels(), 1);
        for _ in 0..epochs {
            for s in &corpus {
                let gold: Vec<u16> = toy_gold(s)
                    .iter()
                    .map(|l| t.labels().index(l).unwrap_or(0))
                    .collect();
                t.train_sequence(&toy_features(s), &gold);
            }
        }
        t
    }

    fn train_toy() -> Tagger {
        toy_trainer(42, 300, 5).finish(0.0)
    }

    #[test]
    fn learns_a_toy_chunking_task_that_needs_history() {
        let tagger = train_toy();
        let mut rng = Rng::new(7);
        let test = toy_corpus(&mut rng, 100);
        let mut out = Vec::new();
        let (mut right, mut total) = (0, 0);
        for s in &test {
            tagger.tag(&toy_features(s), &mut out);
            for (p, g) in out.iter().zip(toy_gold(s)) {
                total += 1;
                right += usize::from(tagger.labels().name(*p) == g);
            }
        }
        assert_eq!(right, total, "toy task should be learned perfectly");
    }

    #[test]
    fn dense_history_rows_add_what_probing_the_history_keys_adds() {
        let tagger = train_toy();
        assert_eq!(
            tagger.table.stride, 16,
            "the toy model takes the 12-lane path"
        );
        let history: Vec<u16> = (0..tagger.labels.len() as u16).chain([START]).collect();
        let mut nonzero = 0;
        for &p1 in &history {
            for &p2 in &history {
                let mut dense = [0i32; 12];
                tagger.history.add(p1, p2, &mut dense);
                let mut probed = vec![0i32; tagger.labels.len()];
                tagger.table.add(prev_key(p1), &mut probed);
                tagger.table.add(prev2_key(p1, p2), &mut probed);
                assert_eq!(&dense[..probed.len()], probed.as_slice());
                assert!(dense[probed.len()..].iter().all(|&x| x == 0));
                nonzero += usize::from(probed.iter().any(|&x| x != 0));
            }
        }
        assert!(nonzero > 10, "the toy model learned history weights");
    }

    #[test]
    fn an_ensemble_of_shuffles_is_one_model_that_still_learns() {
        let train = |seed: u64| toy_trainer(seed, 200, 4);
        let single = train(1).finish(0.0);
        let alone = Trainer::finish_ensemble(train(1), Vec::new(), 0.0);
        assert_eq!(single.to_bytes(), alone.to_bytes());
        let ensemble = Trainer::finish_ensemble(train(1), vec![train(2), train(3)], 0.0);
        let mut rng = Rng::new(5);
        let mut out = Vec::new();
        for s in toy_corpus(&mut rng, 50) {
            ensemble.tag(&toy_features(&s), &mut out);
            let names: Vec<&str> = out.iter().map(|&l| ensemble.labels().name(l)).collect();
            assert_eq!(names, toy_gold(&s));
        }
    }

    #[test]
    fn save_and_load_round_trip() {
        let tagger = train_toy();
        let mut bytes = tagger.to_bytes();
        bytes.extend_from_slice(b"tail");
        let (loaded, rest) = Tagger::from_bytes(&bytes).unwrap();
        assert_eq!(rest, b"tail");
        assert_eq!(loaded.n_rows(), tagger.n_rows());
        let s = ["o", "a", "x", "x", "o", "x", "b", "x"];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        tagger.tag(&toy_features(&s), &mut a);
        loaded.tag(&toy_features(&s), &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn rejects_bad_headers() {
        let tagger = train_toy();
        let bytes = tagger.to_bytes();
        assert_eq!(
            Tagger::from_bytes(b"NOPE").err(),
            Some(ModelError::BadMagic)
        );
        let mut v = bytes.clone();
        v[4] = 9;
        assert_eq!(
            Tagger::from_bytes(&v).err(),
            Some(ModelError::UnsupportedVersion(9))
        );
        assert_eq!(
            Tagger::from_bytes(&bytes[..bytes.len() - 1]).err(),
            Some(ModelError::Truncated)
        );
    }

    #[test]
    fn bio_constraint_forbids_inside_after_outside() {
        // Train a model that strongly prefers I-A for the word "x" regardless of history.
        let mut t = Trainer::new(labels(), 0);
        let ia = t.labels().index("I-A").unwrap_or(0);
        let ba = t.labels().index("B-A").unwrap_or(0);
        let mut f = Features::new(0);
        f.push(5);
        f.end_token(&[]);
        f.push(5);
        f.end_token(&[]);
        for _ in 0..10 {
            t.train_sequence(&f, &[ba, ia]);
        }
        let tagger = t.finish(0.0);
        let mut g = Features::new(0);
        g.push(5);
        g.end_token(&[]);
        let mut out = Vec::new();
        tagger.tag(&g, &mut out);
        assert_ne!(tagger.labels().name(out[0]), "I-A");
        let ls = tagger.labels();
        assert!(!ls.allowed_row(START)[ia as usize]);
        assert!(ls.allowed_row(ba)[ia as usize]);
        assert!(!ls.allowed_row(ls.index("B-B").unwrap_or(0))[ia as usize]);
        assert!(!ls.allowed_row(ls.index("O").unwrap_or(0))[ia as usize]);
    }
}
