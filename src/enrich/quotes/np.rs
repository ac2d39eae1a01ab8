//! Speaker noun phrases: the subject left of a cue ("a senior Kremlin official said"), the
//! inverted subject right of it ("said Mr. Smith"), with appositives and relative clauses
//! ("Putin, who ..., said"), and which token is the head.

use std::ops::Range;

use super::doc::Doc;
use super::lexicon::{
    F_ING, W_ADV, W_AUX, W_CONJ, W_DET, W_HEDGE, W_MEDIA, W_NEG, W_NOT_NP, W_PERSON_NOUN, W_REL,
    W_REPORT_NOUN, W_SUBORD, W_TITLE,
};
use crate::enrich::text::TokenKind;

/// A noun phrase naming a speaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Np {
    /// The core phrase ("Putin's spokesman", "President Vladimir Putin").
    pub core: Range<usize>,
    /// The head token ("spokesman", "Putin").
    pub head: usize,
    /// An appositive or relative clause next to it ("Dmitry Peskov", "who ...").
    pub appos: Option<Range<usize>>,
    /// The relative pronoun that stands for it at the cue ("Roffman, who estimates").
    pub rel: Option<usize>,
}

impl Np {
    pub fn single(i: usize) -> Np {
        Np {
            core: i..i + 1,
            head: i,
            appos: None,
            rel: None,
        }
    }

    /// The tokens that name the speaker at the cue: the core, up to the relative pronoun.
    pub fn naming(&self) -> Range<usize> {
        match self.rel {
            Some(r) if r >= self.core.end => self.core.start..r + 1,
            _ => self.core.clone(),
        }
    }

    /// Everything the phrase covers, appositive included.
    pub fn full(&self) -> Range<usize> {
        match &self.appos {
            Some(a) => self.core.start.min(a.start)..self.core.end.max(a.end),
            None => self.core.clone(),
        }
    }
}

const MAX_NP: usize = 10;

/// Determiners that can be a whole subject.
const STANDALONE: &[&str] = &[
    "another", "some", "many", "one", "both", "all", "most", "several", "few", "each", "others",
];

impl Doc<'_, '_> {
    /// An adverb-like word between a subject and its verb ("also", "reportedly", "has").
    pub fn is_skippable(&self, i: usize) -> bool {
        let t = &self.toks[i];
        if !t.word {
            return false;
        }
        if t.flags & (W_ADV | W_AUX | W_NEG | W_HEDGE) != 0 {
            return true;
        }
        self.is_ly_adverb(i)
    }

    /// A lower-case "-ly" word that is an adverb ("publicly", not "ally").
    pub fn is_ly_adverb(&self, i: usize) -> bool {
        let t = &self.toks[i];
        if t.cap || !t.word || t.flags & W_PERSON_NOUN != 0 {
            return false;
        }
        let w = self.norm(i);
        w.len() > 4
            && w.ends_with("ly")
            && !matches!(
                w,
                "family"
                    | "rally"
                    | "supply"
                    | "reply"
                    | "apply"
                    | "italy"
                    | "july"
                    | "early"
                    | "only"
                    | "daily"
                    | "weekly"
                    | "monthly"
                    | "likely"
                    | "elderly"
                    | "holy"
                    | "belly"
                    | "bully"
                    | "jolly"
                    | "comply"
                    | "fly"
                    | "ally"
            )
    }

    /// A word that can be inside a speaker noun phrase.
    fn np_word(&self, i: usize) -> bool {
        let t = &self.toks[i];
        if self.in_quote(i) {
            return false;
        }
        match self.text.tokens()[i].kind() {
            TokenKind::Number => return true,
            TokenKind::Word => {}
            _ => return false,
        }
        if t.pronoun.is_some() {
            return false;
        }
        let noun_like = t.flags & (W_PERSON_NOUN | W_MEDIA | W_REPORT_NOUN | W_TITLE) != 0;
        if t.cue.is_some() && !noun_like && (!t.cap || t.initial) {
            // "Cruz's thinking", "the report": a noun after a determiner or possessive.
            let noun_use = i > 0
                && (matches!(self.norm(i - 1), "'s" | "'") && !self.in_quote(i - 1)
                    || self.toks[i - 1].flags & W_DET != 0 && !self.is(i - 1, "that"));
            if !noun_use {
                return false;
            }
        }
        if t.flags & W_NOT_NP != 0 && !noun_like {
            // Capitalised function words inside names ("Court of Appeals") are handled by
            // the caller; a capitalised "But" or "When" ends the phrase.
            return false;
        }
        if self.is_ly_adverb(i) {
            return false;
        }
        true
    }

    fn is_possessive(&self, i: usize) -> bool {
        matches!(self.norm(i), "'s" | "'")
    }

    /// The noun phrase ending right before `end`, not reaching before `lo`.
    pub fn np_left(&self, end: usize, lo: usize) -> Option<Np> {
        if end <= lo {
            return None;
        }
        let last = end - 1;
        if self.toks[last].pronoun.is_some() && !self.in_quote(last) {
            return Some(Np::single(last));
        }
        match self.norm(last) {
            "," => return self.np_left_appositive(last, lo),
            "-" | "--" => {
                // "Jason Sims — a teacher from Mount Pleasant — says"
                let open = (lo..last)
                    .rev()
                    .take(20)
                    .find(|&k| matches!(self.norm(k), "-" | "--"))?;
                let core = self.np_left(open, lo)?;
                return Some(Np {
                    core: core.core,
                    head: core.head,
                    appos: Some(open + 1..last),
                    rel: None,
                });
            }
            ")" => {
                // "Sen. Bernie Sanders (I-Vt.)"
                let open = (lo..last).rev().take(8).find(|&k| self.norm(k) == "(")?;
                let core = self.np_left(open, lo)?;
                return Some(Np {
                    core: core.core.start..end,
                    head: core.head,
                    appos: core.appos,
                    rel: None,
                });
            }
            _ => {}
        }
        let mut start = end;
        let mut i = end;
        while i > lo && end - i < MAX_NP {
            let k = i - 1;
            let t = &self.toks[k];
            // "policy planning director": an -ing cue word modifying the head.
            let modifier = k + 1 < end
                && !t.cap
                && !self.in_quote(k)
                && t.cue.is_some_and(|c| c.forms & F_ING != 0)
                && self.toks[k + 1].word
                && self.toks[k + 1].flags & W_NOT_NP == 0;
            if modifier {
                start = k;
                i = k;
                continue;
            }
            if self.np_word(k) {
                if t.flags & W_DET != 0 && !t.cap {
                    // A determiner starts the phrase ("that" is too ambiguous to take); a few
                    // stand alone ("yet another said", "some argue").
                    if k + 1 == end && STANDALONE.iter().any(|w| self.is(k, w)) {
                        start = k;
                        break;
                    }
                    if self.is(k, "that") || k + 1 == end {
                        break;
                    }
                    start = k;
                    break;
                }
                start = k;
                i = k;
                continue;
            }
            if self.is_possessive(k) && k + 1 < end && k > lo {
                start = k;
                i = k;
                continue;
            }
            if self.is(k, "of") && k + 1 < end && k > lo {
                let next = &self.toks[k + 1];
                if next.cap || next.flags & W_DET != 0 {
                    start = k;
                    i = k;
                    continue;
                }
            }
            if (self.is(k, "and") || self.norm(k) == "&")
                && k + 1 < end
                && k > lo
                && self.toks[k - 1].cap
                && self.toks[k + 1].cap
            {
                start = k;
                i = k;
                continue;
            }
            if t.cap && t.word && t.flags & W_DET != 0 && !t.initial {
                start = k;
                break;
            }
            if t.cap && t.word && t.flags & W_DET != 0 && t.initial {
                // "The ministry said": a capitalised determiner starts the phrase.
                start = k;
                break;
            }
            break;
        }
        // Never start on a connective.
        while start < end
            && (self.is(start, "of") || self.is(start, "and") || self.is_possessive(start))
        {
            start += 1;
        }
        if start >= end {
            return None;
        }
        let head = self.head_of(start..end);
        Some(Np {
            core: start..end,
            head,
            appos: None,
            rel: None,
        })
    }

    /// "X, the Russian president, said" / "X, who ..., said": the phrase before the first
    /// comma, with what is between the commas as the appositive.
    fn np_left_appositive(&self, comma: usize, lo: usize) -> Option<Np> {
        // The appositive may hold commas itself ("Mr. Daniloff, now 81 and retired in
        // Cambridge, Mass., said"): try up to three opening commas, nearest first, and keep
        // the first whose phrase starts a clause.
        let mut first: Option<Np> = None;
        let mut k = comma;
        let limit = comma.saturating_sub(40).max(lo);
        for _ in 0..3 {
            let Some(open) = self.opening_comma(k, limit) else {
                break;
            };
            if let Some(np) = self.appositive_at(open, comma, lo) {
                let s = np.core.start;
                let starts_clause = s == lo
                    || self.is_left_delim_np(s - 1)
                    || self.toks[s - 1].flags & (W_CONJ | W_SUBORD) != 0;
                if starts_clause && (self.toks[np.head].cap || self.toks[np.head].pronoun.is_some())
                {
                    return Some(np);
                }
                if first.is_none() {
                    first = Some(np);
                }
            }
            k = open;
        }
        first
    }

    /// The period of a state or party abbreviation before a comma ("R-Ky.,", "Md.,").
    fn abbreviation_period(&self, k: usize) -> bool {
        k > 0
            && self.norm(k) == "."
            && self.norm(k + 1) == ","
            && self.toks[k - 1].cap
            && self.norm(k - 1).len() <= 4
    }

    /// A token before a subject phrase that ends what came before: a comma, a dash, a
    /// bracket, a quote's closing mark.
    fn is_left_delim_np(&self, k: usize) -> bool {
        matches!(self.norm(k), "," | "-" | "--" | "(" | ":" | ";")
            || self
                .quote_of(k)
                .is_some_and(|q| self.quotes[q].last == k + 1)
    }

    /// The comma before `from` (exclusive) that opens an appositive, not crossing a sentence
    /// end or a long quote.
    fn opening_comma(&self, from: usize, limit: usize) -> Option<usize> {
        let mut k = from;
        while k > limit {
            k -= 1;
            if let Some(q) = self.quote_of(k) {
                // A quoted term inside the appositive ("wearing “Ted Cruz” pins") is fine.
                if self.quote_words(q) > 4 {
                    return None;
                }
                continue;
            }
            if self.is_stop(k) && !self.abbreviation_period(k) {
                return None;
            }
            if self.norm(k) == "," {
                return Some(k);
            }
        }
        None
    }

    /// The phrase before the comma at `k`, with `k+1..comma` as its appositive.
    fn appositive_at(&self, k: usize, comma: usize, lo: usize) -> Option<Np> {
        if k <= lo {
            return None;
        }
        let inner = k + 1..comma;
        if inner.is_empty() {
            return None;
        }
        let first = &self.toks[inner.start];
        let looks_appositive = first.flags & W_CONJ == 0
            && (first.word || self.text.tokens()[inner.start].kind() == TokenKind::Number);
        if !looks_appositive {
            return None;
        }
        // "Sanders, meanwhile, who ..., said": skip an adverb between commas.
        let mut e = k;
        while e > lo && self.is_skippable(e - 1) {
            e -= 1;
        }
        if e < k && e > lo && self.norm(e - 1) == "," {
            e -= 1;
        } else {
            e = k;
        }
        let core = self.np_left(e, lo)?;
        if core.core.len() == 1 && self.toks[core.head].pronoun.is_some() {
            return None;
        }
        // "Jeb Bush, the former Florida governor, who ..., called": prefer the name.
        if !self.toks[core.head].cap
            && core.core.start > lo
            && self.norm(core.core.start - 1) == ","
        {
            if let Some(named) = self.np_left_appositive(core.core.start - 1, lo) {
                if self.toks[named.head].cap {
                    return Some(Np {
                        core: named.core.clone(),
                        head: named.head,
                        appos: Some(named.core.end..comma),
                        rel: None,
                    });
                }
            }
        }
        Some(Np {
            core: core.core,
            head: core.head,
            appos: Some(inner),
            rel: None,
        })
    }

    /// The head of a phrase: its last token before "of", a relative clause or a bracket.
    pub fn head_of(&self, r: Range<usize>) -> usize {
        let mut head = r.end - 1;
        for k in r.clone() {
            if self.is(k, "of") || self.norm(k) == "(" {
                if k > r.start {
                    head = k - 1;
                }
                break;
            }
        }
        while head > r.start
            && !self.toks[head].word
            && self.text.tokens()[head].kind() != TokenKind::Number
        {
            head -= 1;
        }
        head
    }

    /// The noun phrase starting at `start` (for "said Smith", "quoted Putin as saying").
    pub fn np_right(&self, start: usize, hi: usize) -> Option<Np> {
        if start >= hi {
            return None;
        }
        let t0 = &self.toks[start];
        if t0.pronoun.is_some() && !self.in_quote(start) {
            return Some(Np::single(start));
        }
        let mut i = start;
        if t0.flags & W_DET != 0 && !self.is(start, "that") {
            i += 1;
        }
        let mut end = i;
        while i < hi && i - start < MAX_NP {
            if self.np_word(i) && !(self.toks[i].flags & W_DET != 0 && i > start) {
                i += 1;
                end = i;
                continue;
            }
            if (self.is_possessive(i) || self.is(i, "of")) && i + 1 < hi && end > start {
                let next = &self.toks[i + 1];
                if next.cap || next.flags & W_DET != 0 || self.np_word(i + 1) {
                    i += 1;
                    if self.is(i, "the") || self.is(i, "a") {
                        i += 1;
                    }
                    continue;
                }
            }
            if self.norm(i) == "(" {
                if let Some(close) = (i + 1..hi.min(i + 8)).find(|&k| self.norm(k) == ")") {
                    i = close + 1;
                    end = i;
                    continue;
                }
            }
            break;
        }
        if end <= start || (end == start + 1 && t0.flags & W_DET != 0) {
            return None;
        }
        // Lower-case phrases must be headed by a person- or media-like noun ("said officials").
        let head = self.head_of(start..end);
        let any_cap = (start..end).any(|k| self.toks[k].cap);
        let headed = (start..end)
            .any(|k| self.toks[k].flags & (W_PERSON_NOUN | W_MEDIA | W_REPORT_NOUN) != 0);
        let numbered = self.text.tokens()[start].kind() == TokenKind::Number;
        if !any_cap && !headed && t0.flags & W_DET == 0 && !numbered {
            return None;
        }
        let mut appos = None;
        if end < hi && (self.is(end, "who") || self.is(end, "whose")) {
            let stop = (end..hi.min(end + 25))
                .find(|&k| matches!(self.norm(k), "," | "." | ";" | ":") || self.in_quote(k))
                .unwrap_or(hi.min(end + 25));
            appos = Some(end..stop);
        } else if end < hi && self.norm(end) == "," && end + 1 < hi {
            let a = end + 1;
            let first = &self.toks[a];
            let kind = self.text.tokens()[a].kind();
            let stop = (a..hi.min(a + 25))
                .find(|&k| matches!(self.norm(k), "," | "." | ";" | ":") || self.in_quote(k))
                .unwrap_or(hi.min(a + 25));
            let starts = first.flags & (W_DET | W_REL | W_PERSON_NOUN | W_TITLE) != 0
                || kind == TokenKind::Number;
            // "said Brad Komar, Clinton's Colorado state director." runs to the end.
            let titled = first.cap
                && (stop >= hi || self.is_stop(stop))
                && (a..stop).any(|k| self.toks[k].flags & (W_PERSON_NOUN | W_TITLE) != 0);
            if (starts || titled) && stop > a {
                appos = Some(a..stop);
            }
        }
        Some(Np {
            core: start..end,
            head,
            appos,
            rel: None,
        })
    }

    /// Walks left from `end` over adverbs and auxiliaries; returns the new end and whether a
    /// hedge ("reportedly") was among them.
    pub fn skip_left(&self, end: usize, lo: usize) -> (usize, bool) {
        let mut k = end;
        let mut hedged = false;
        while k > lo && self.is_skippable(k - 1) && !self.in_quote(k - 1) {
            hedged |= self.has(k - 1, W_HEDGE);
            k -= 1;
        }
        (k, hedged)
    }

    /// Words that open a clause of their own and so end a content span before a new frame.
    pub fn is_clause_opener(&self, i: usize) -> bool {
        self.has(i, W_SUBORD | W_CONJ) || self.is(i, "as") || self.is(i, "even")
    }
}
