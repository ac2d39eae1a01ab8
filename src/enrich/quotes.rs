//! Quotes: every statement in an article (direct, partial and reported), with who made it,
//! through whom, how hedged, and quoted terms that are not speech.
//!
//! `find(text, entities)` runs after text analysis and the entity stage. It is a handful of
//! linear passes over the tokens with one lexicon lookup per word:
//! 1. [`marks`] pairs quotation marks into quoted spans (multi-paragraph, unbalanced, nested);
//! 2. `frames` finds attribution frames (cue, source phrase, content) segment by segment:
//!    trailing (`"...," he said`), leading (`X told Y that ...`, `X said: "..."`),
//!    participles, `according to`, `X quoted Y as saying`; frames inside a relaying frame
//!    ("..., foreign media reported", "According to reports, ...") get it as `via` or as a
//!    hedge, other nested frames cut the content where their clause starts;
//! 3. `speakers` resolves each source to an entity (the mention holding the phrase's head),
//!    a pronoun's antecedent (last compatible person), or keeps the phrase;
//! 4. quoted spans no frame claims take a speaker from a byline (`— Maria Lopez, 34` on the
//!    next line, or `” ― Maria Lopez` ending the quote's line) or from the subject of a clause
//!    that a colon ends (`Sanders made the following comment: “...”`), else follow the
//!    previous quoted statement when they are bare and come right after it (same or next
//!    paragraph), or take a transcript colon (`Clinton: "..."`); the rest are `NotSpeech`
//!    (terms, titles, scare quotes) with no speaker when short or named.
//!
//! Offsets are UTF-8 bytes into the body. A statement split by its attribution
//! (`"We will not," he said, "back down."`) or continued after it is one quote with several
//! `parts`; `start..end` covers all of its parts. The content of reported speech follows the
//! PolNeAR convention: it includes a leading "that".

mod doc;
mod frames;
pub mod lexicon;
pub mod marks;
mod np;
mod speakers;

use std::ops::Range;
use std::sync::LazyLock;

use serde::Serialize;

use crate::enrich::entities::Entity;
use crate::enrich::text::{Text, TokenKind};
use doc::Doc;
use frames::Frame;
use lexicon::{CueClass, Lexicon, W_CONJ, W_NAMING};
use speakers::{Resolver, Who};

/// One statement and its attribution. Offsets are UTF-8 bytes into the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// The statement's words: its parts joined by a space.
    pub text: String,
    pub kind: QuoteKind,
    /// From the start of the first part to the end of the last.
    pub start: usize,
    pub end: usize,
    /// The pieces of the statement, in order: one unless the attribution splits it or it
    /// runs over several paragraphs. Direct quotes exclude the quotation marks.
    pub parts: Vec<Part>,
    pub speaker: Option<Speaker>,
    /// Lemma of the cue ("say", "insist", "according to").
    pub cue: Option<String>,
    /// Who relayed the statement ("Reuters quoted Putin as saying", "foreign media reported").
    pub via: Option<Speaker>,
    /// "reportedly", "allegedly", "according to reports" qualify the attribution.
    pub hedged: bool,
    /// How sure the stage is of the statement and its speaker, in `[0, 1]`.
    pub confidence: f64,
}

/// A piece of a statement: UTF-8 byte offsets into the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Part {
    pub start: usize,
    pub end: usize,
}

/// How a statement is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteKind {
    /// The speaker's words in quotation marks.
    Direct,
    /// A reported statement that quotes some of the words ("gave “grounds for hope”").
    Partial,
    /// Reported speech without quotation marks.
    Indirect,
    /// Quotation marks around a term or title, not speech: no speaker is given.
    NotSpeech,
}

/// A speaker or intermediary: an entity when one matches, else the noun phrase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Speaker {
    pub entity_id: Option<String>,
    /// The entity's name, or the phrase ("a senior official", "foreign media").
    pub name: String,
    /// Byte span of the phrase that names the speaker at this statement (a pronoun when the
    /// text uses one; for follow-on quotes, where the speaker was last named).
    pub start: usize,
    pub end: usize,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::build);

/// Finds the statements of an analysed text, given its entities.
pub fn find(text: &Text, entities: &[Entity]) -> Vec<Quote> {
    let doc = Doc::new(text, entities, &LEXICON);
    let frames = frames::find_frames(&doc);
    Assembler::new(&doc).run(&frames)
}

/// Resolves source phrases of an analysed text to entities the way [`find`] resolves
/// speakers (for scoring against gold sources that are pronouns).
pub struct SourceResolver<'t, 'a> {
    doc: Doc<'t, 'a>,
}

impl<'t, 'a> SourceResolver<'t, 'a> {
    pub fn new(text: &'t Text<'a>, entities: &'t [Entity]) -> Self {
        SourceResolver {
            doc: Doc::new(text, entities, &LEXICON),
        }
    }

    /// The id of the entity the phrase at `start..end` (bytes) names: for a lone pronoun its
    /// antecedent, else the entity of its head word.
    pub fn entity_id(&self, start: usize, end: usize) -> Option<String> {
        let doc = &self.doc;
        let toks = doc.text.tokens();
        let a = toks.partition_point(|t| t.end() <= start);
        let b = toks.partition_point(|t| t.start() < end);
        if a >= b {
            return None;
        }
        let np = if b - a == 1 {
            np::Np::single(a)
        } else {
            np::Np {
                core: a..b,
                head: doc.head_of(a..b),
                appos: None,
                rel: None,
            }
        };
        let mut r = Resolver::new(doc);
        r.resolve(doc, &np)
            .entity
            .map(|e| doc.entities[e].id.clone())
    }
}

/// Follow-on quotes of a quoted statement become more of its parts (the PolNeAR
/// convention: one attribution per speaker turn) rather than statements of their own.
const MERGE_FOLLOW_ON: bool = true;

struct Assembler<'d, 't, 'a> {
    doc: &'d Doc<'t, 'a>,
    resolver: Resolver,
    out: Vec<Quote>,
    /// The last statement with a speaker: its speaker, last token, and index in `out`.
    last: Option<(Who, usize, usize)>,
    /// The same for the last statement that quoted its speaker (direct or partial).
    last_quoted: Option<(Who, usize, usize)>,
}

impl<'d, 't, 'a> Assembler<'d, 't, 'a> {
    fn new(doc: &'d Doc<'t, 'a>) -> Self {
        Assembler {
            doc,
            resolver: Resolver::new(doc),
            out: Vec::new(),
            last: None,
            last_quoted: None,
        }
    }

    fn run(mut self, frames: &[Frame]) -> Vec<Quote> {
        let doc = self.doc;
        let mut claimed = vec![false; doc.quotes.len()];
        for f in frames {
            for &q in &f.quotes {
                claimed[q] = true;
            }
            // Quotes inside content count as claimed even when they open before it.
            for r in &f.content {
                for k in r.clone() {
                    if let Some(q) = doc.quote_of(k) {
                        claimed[q] = true;
                    }
                }
            }
        }
        // Frames and unclaimed quotes, in text order.
        let mut items: Vec<(usize, bool, usize)> = Vec::with_capacity(frames.len() + 8);
        for (i, f) in frames.iter().enumerate() {
            let pos = f
                .content
                .first()
                .map_or(f.cue, |r| r.start)
                .min(f.clause.start);
            items.push((pos, true, i));
        }
        for (q, &c) in claimed.iter().enumerate() {
            if !c {
                items.push((doc.quotes[q].first, false, q));
            }
        }
        items.sort_unstable();
        for (_, is_frame, i) in items {
            if is_frame {
                self.frame(&frames[i]);
            } else {
                self.unclaimed(i);
            }
        }
        self.out
    }

    fn speaker(&self, who: &Who) -> Speaker {
        Speaker {
            entity_id: who.entity.map(|e| self.doc.entities[e].id.clone()),
            name: who.name.clone(),
            start: who.start,
            end: who.end,
        }
    }

    fn frame(&mut self, f: &Frame) {
        let doc = self.doc;
        let who = f.source.as_ref().map(|np| self.resolver.resolve(doc, np));
        let via = f.via.as_ref().map(|np| self.resolver.resolve(doc, np));
        let speech: Vec<usize> = f
            .quotes
            .iter()
            .copied()
            .filter(|&q| !self.nominal(q))
            .collect();
        let outside_words = f
            .content
            .iter()
            .flat_map(|r| r.clone())
            .filter(|&k| {
                doc.toks[k].word
                    && !doc.in_quote(k)
                    && !doc.is(k, "that")
                    && doc.toks[k].flags & W_CONJ == 0
            })
            .count();
        let (kind, parts) = if !speech.is_empty() && outside_words == 0 {
            let parts: Vec<Range<usize>> = speech
                .iter()
                .flat_map(|&q| doc.quotes[q].pieces.iter().cloned())
                .filter_map(|r| self.trim(r, true))
                .collect();
            (QuoteKind::Direct, parts)
        } else {
            let parts: Vec<Range<usize>> = f
                .content
                .iter()
                .filter_map(|r| self.trim(r.clone(), false))
                .collect();
            let kind = if speech.is_empty() {
                QuoteKind::Indirect
            } else {
                QuoteKind::Partial
            };
            (kind, parts)
        };
        if parts.is_empty() {
            return;
        }
        // Quoted terms inside a reported statement are still terms.
        for &q in &f.quotes {
            if self.nominal(q) && kind != QuoteKind::Direct {
                self.push_not_speech(q);
            }
        }
        let speech_cue = matches!(
            f.class,
            None | Some(
                CueClass::Speech
                    | CueClass::Tell
                    | CueClass::Write
                    | CueClass::Report
                    | CueClass::Quote
                    | CueClass::Ask
            )
        );
        let mut confidence: f64 = match kind {
            QuoteKind::Direct => 0.9,
            QuoteKind::Partial => 0.8,
            _ if speech_cue => 0.75,
            _ => 0.55,
        };
        match &who {
            Some(w) if w.entity.is_some() => {}
            Some(_) => confidence -= 0.05,
            None => confidence -= 0.3,
        }
        let speaker = who.as_ref().map(|w| self.speaker(w));
        let via = via.as_ref().map(|w| self.speaker(w));
        let last_tok = parts.last().map_or(f.cue, |r| r.end).max(f.clause.end);
        self.push(
            kind,
            &parts,
            speaker,
            Some(f.lemma),
            via,
            f.hedged,
            confidence,
        );
        if let Some(w) = who {
            let entry = (w, last_tok, self.out.len() - 1);
            if matches!(kind, QuoteKind::Direct | QuoteKind::Partial) {
                self.last_quoted = Some(entry.clone());
            }
            self.last = Some(entry);
        }
    }

    /// A quote no frame claimed: a follow-on quote of the previous speaker, or a term.
    fn unclaimed(&mut self, q: usize) {
        let doc = self.doc;
        let quote = &doc.quotes[q];
        let words = doc.quote_words(q);
        if words == 0 {
            return;
        }
        if self.nominal(q) {
            self.push_not_speech(q);
            return;
        }
        let seg = doc
            .segments
            .partition_point(|s| s.end <= quote.first)
            .min(doc.segments.len().saturating_sub(1));
        let seg_start = doc.segments.get(seg).map_or(0, |s| s.start);
        let at_start = quote.first == seg_start
            || (quote.first > 0 && matches!(doc.norm(quote.first - 1), ":" | "-" | "--"));
        let inner = quote.inner();
        let last_inner = (inner.start..inner.end)
            .rev()
            .find(|&k| !matches!(doc.norm(k), "'" | "\""));
        let terminal = last_inner.is_some_and(|k| {
            matches!(doc.norm(k), "." | "!" | "?" | "," | "-" | "--")
                || doc.norm(k).starts_with("...")
        });
        let speech = if !quote.closed {
            at_start && words >= 6
        } else {
            (at_start && (terminal || words >= 6)) || (words >= 10 && terminal)
        };
        if !speech {
            if quote.closed {
                self.push_not_speech(q);
            }
            return;
        }
        let parts = self.trimmed_parts(quote);
        if parts.is_empty() {
            return;
        }
        // A byline under the quote: "“...”\n\n— Maria Lopez, 34, Phoenix".
        if let Some(np) = self.byline_after(quote.last) {
            let who = self.resolver.resolve(doc, &np);
            let speaker = Some(self.speaker(&who));
            self.push(QuoteKind::Direct, &parts, speaker, None, None, false, 0.6);
            self.last = Some((who, quote.last, self.out.len() - 1));
            return;
        }
        // "Sanders made the following comment: “...”", "I had to change my answer: “...”":
        // the subject of the clause the colon ends.
        if let Some(np) = self.colon_clause_subject(quote.first) {
            let who = self.resolver.resolve(doc, &np);
            let speaker = Some(self.speaker(&who));
            self.push(QuoteKind::Direct, &parts, speaker, None, None, false, 0.5);
            self.last = Some((who, quote.last, self.out.len() - 1));
            return;
        }
        // The speaker of the statement just before, if it is in this line or the one before;
        // a statement that quoted its speaker beats a later reported one ("“...,” Trump
        // assured Jones, after Jones assured Trump that ...").
        let lines = |end: usize| {
            (end..quote.first)
                .filter(|&k| k < doc.n() && doc.line_start(k))
                .count()
        };
        let anchor = match (&self.last_quoted, &self.last) {
            (Some(q), _) if lines(q.1) <= 1 => Some(q.clone()),
            (_, Some(l)) if lines(l.1) <= 1 => Some(l.clone()),
            _ => None,
        };
        // A quote with a cue of its own in its sentence is not a follow-on (its attribution
        // just was not understood).
        let bare = doc.segments.get(seg).is_none_or(|s| {
            !s.clone()
                .any(|k| !doc.in_quote(k) && doc.toks[k].cue.is_some() && !doc.toks[k].cap)
        });
        if let (true, Some((who, _, idx))) = (bare, anchor) {
            let prev_quoted = matches!(self.out[idx].kind, QuoteKind::Direct | QuoteKind::Partial);
            if MERGE_FOLLOW_ON && prev_quoted {
                self.extend(idx, &parts);
            } else {
                let speaker = Some(self.speaker(&who));
                let confidence = if quote.closed { 0.6 } else { 0.4 };
                self.push(
                    QuoteKind::Direct,
                    &parts,
                    speaker,
                    None,
                    None,
                    false,
                    confidence,
                );
            }
            for l in [self.last.as_mut(), self.last_quoted.as_mut()]
                .into_iter()
                .flatten()
            {
                if l.2 == idx {
                    l.1 = quote.last;
                }
            }
            return;
        }
        // "Clinton: “...”" (transcripts, lists): a name alone before a colon.
        if quote.first > seg_start + 1 && doc.norm(quote.first - 1) == ":" {
            if let Some(np) = doc.np_left(quote.first - 1, seg_start) {
                let from = np.core.start;
                let alone = from == seg_start || doc.is_punct(from - 1) && !doc.in_quote(from - 1);
                let named = doc.toks[np.head].cap || doc.entity_at(np.head).is_some();
                if alone && named {
                    let who = self.resolver.resolve(doc, &np);
                    let speaker = Some(self.speaker(&who));
                    self.push(QuoteKind::Direct, &parts, speaker, None, None, false, 0.6);
                    self.last = Some((who, quote.last, self.out.len() - 1));
                    return;
                }
            }
        }
        // "Maria Lopez, 34, Phoenix:" on its own line above the quote.
        if quote.first > 0 && quote.first == seg_start && doc.norm(quote.first - 1) == ":" {
            let colon = quote.first - 1;
            let line = (colon.saturating_sub(16)..=colon)
                .rev()
                .find(|&k| k == 0 || doc.line_start(k));
            if let Some(from) = line {
                let np = doc.np_right(from, colon);
                let named = np.as_ref().is_some_and(|np| {
                    let end = np.core.end;
                    (doc.toks[np.head].cap || doc.entity_at(np.head).is_some())
                        && (end == colon || doc.norm(end) == ",")
                        && !(from..colon).any(|k| doc.is_cue_token_pub(k))
                });
                if let (true, Some(np)) = (named, np) {
                    let who = self.resolver.resolve(doc, &np);
                    let speaker = Some(self.speaker(&who));
                    self.push(QuoteKind::Direct, &parts, speaker, None, None, false, 0.6);
                    self.last = Some((who, quote.last, self.out.len() - 1));
                    return;
                }
            }
        }
        let confidence = if quote.closed { 0.35 } else { 0.2 };
        self.push(
            QuoteKind::Direct,
            &parts,
            None,
            None,
            None,
            false,
            confidence,
        );
    }

    /// A dash and a name after the quote ending before `at`, on a line of its own ("—
    /// Julie Pace, Phoenix") or ending the quote's line ("“...” ― Sonya Herridge").
    fn byline_after(&self, at: usize) -> Option<np::Np> {
        let doc = self.doc;
        if at + 1 >= doc.n() || !matches!(doc.norm(at), "-" | "--") || doc.line_start(at + 1) {
            return None;
        }
        let line_end = (at + 1..doc.n())
            .find(|&k| doc.line_start(k))
            .unwrap_or(doc.n());
        // On the quote's line, only a name (and its trailing full stop) may follow.
        let limit = if doc.line_start(at) { 25 } else { 8 };
        if line_end - at > limit || !doc.toks[at + 1].cap {
            return None;
        }
        if !doc.line_start(at)
            && (at + 1..line_end).any(|k| {
                let t = &doc.toks[k];
                t.word && !t.cap && !doc.is(k, "of")
                    || doc.is_stop(k) && k + 1 < line_end
                    || doc.norm(k) == ":"
            })
        {
            return None;
        }
        if (at + 1..line_end).any(|k| doc.in_quote(k) || doc.is_cue_token_pub(k)) {
            return None;
        }
        doc.np_right(at + 1, line_end)
    }

    /// The subject of a clause ending in a colon right before `first` (the quote's opening
    /// mark), when the clause has a verb after its subject and names no one else's words.
    fn colon_clause_subject(&self, first: usize) -> Option<np::Np> {
        let doc = self.doc;
        let colon = first.checked_sub(1).filter(|&c| doc.norm(c) == ":")?;
        let seg = doc.segments.partition_point(|s| s.end <= colon);
        let lo = doc.segments.get(seg)?.start;
        if colon <= lo + 2 || (lo..colon).any(|k| doc.in_quote(k)) {
            return None;
        }
        if let Some(np) = frames::clause_subject(doc, lo, colon) {
            // A verb must follow the subject: "Clinton: “...”" is a transcript (below).
            return (np.full().end + 1 < colon).then_some(np);
        }
        // "On July 6, 2015, Sanders made the following comment:": a name or pronoun that
        // opens the clause (after an introductory phrase) and a lower-case word after it.
        let title_start = |k: usize| {
            let mut s = k;
            while s > lo && doc.has(s - 1, lexicon::W_TITLE) {
                s -= 1;
            }
            s
        };
        let found = (lo..colon).find(|&k| {
            let s = title_start(k);
            let opens = s == lo || doc.norm(s - 1) == "," || doc.has(s - 1, W_CONJ);
            opens && (doc.entity_at(k).is_some() || doc.toks[k].pronoun.is_some())
        })?;
        let first = title_start(found);
        let mut end = found + 1;
        if let Some(e) = doc.entity_at(found) {
            while end < colon && doc.entity_at(end) == Some(e) {
                end += 1;
            }
        }
        let verb = end + 1 < colon && doc.toks[end].word && !doc.toks[end].cap;
        verb.then(|| np::Np {
            core: first..end,
            head: doc.head_of(first..end),
            appos: None,
            rel: None,
        })
    }

    /// Quotes around a title or a named term: "so-called “experts”", “Saturday Night Live”.
    fn nominal(&self, q: usize) -> bool {
        let doc = self.doc;
        let quote = &doc.quotes[q];
        // Preceded by a naming word: "called", "dubbed", "so-called", "known as".
        let mut k = quote.first;
        let mut back = 0;
        while k > 0 && back < 3 {
            k -= 1;
            back += 1;
            if doc.has(k, lexicon::W_DET) || doc.is(k, "as") {
                continue;
            }
            if doc.has(k, W_NAMING) {
                return true;
            }
            break;
        }
        let inner = quote.inner();
        let mut words = 0;
        let mut caps = 0;
        let mut small = 0;
        for i in inner.clone() {
            let t = &doc.toks[i];
            if t.word {
                words += 1;
                if t.cap {
                    caps += 1;
                } else if matches!(
                    doc.norm(i),
                    "the" | "of" | "a" | "an" | "and" | "in" | "on" | "for" | "to" | "at" | "with"
                ) {
                    small += 1;
                }
            } else if matches!(doc.norm(i), "." | "," | ";" | ":") {
                return false;
            }
        }
        let first_cap = (inner.start..inner.end)
            .find(|&i| doc.toks[i].word)
            .is_some_and(|i| doc.toks[i].cap);
        words > 0 && words <= 10 && first_cap && caps + small == words
    }

    /// A quoted span's pieces with white space and stray punctuation trimmed; empty ones dropped.
    fn trimmed_parts(&self, quote: &marks::Quoted) -> Vec<Range<usize>> {
        quote
            .pieces
            .iter()
            .filter_map(|r| self.trim(r.clone(), true))
            .collect()
    }

    fn push_not_speech(&mut self, q: usize) {
        let quote = &self.doc.quotes[q];
        let parts = self.trimmed_parts(quote);
        if parts.is_empty() {
            return;
        }
        if self.out.iter().any(|o| {
            o.kind == QuoteKind::NotSpeech && o.start == self.doc.bytes(parts[0].clone()).0
        }) {
            return;
        }
        self.push(QuoteKind::NotSpeech, &parts, None, None, None, false, 0.6);
    }

    /// Trims punctuation off a content range (for quotes, only trailing commas and dashes).
    fn trim(&self, r: Range<usize>, inside_quote: bool) -> Option<Range<usize>> {
        let doc = self.doc;
        let (mut s, mut e) = (r.start, r.end.min(doc.n()));
        let strip = |k: usize| {
            let w = doc.norm(k);
            if inside_quote {
                matches!(w, "," | ":" | ";" | "-" | "--")
            } else {
                doc.text.tokens()[k].kind() == TokenKind::Punct
                    && !doc.in_quote(k)
                    && !matches!(w, ")" | "]")
                    || matches!(w, "," | ";" | ":")
            }
        };
        while s < e && !inside_quote && strip(s) {
            s += 1;
        }
        while e > s && strip(e - 1) {
            e -= 1;
        }
        (e > s).then_some(s..e)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: QuoteKind,
        parts: &[Range<usize>],
        speaker: Option<Speaker>,
        cue: Option<&str>,
        via: Option<Speaker>,
        hedged: bool,
        confidence: f64,
    ) {
        let doc = self.doc;
        let parts: Vec<Part> = parts
            .iter()
            .map(|r| {
                let (start, end) = doc.bytes(r.clone());
                Part { start, end }
            })
            .collect();
        let text = parts
            .iter()
            .map(|p| &doc.text.body()[p.start..p.end])
            .collect::<Vec<_>>()
            .join(" ");
        let start = parts.first().map_or(0, |p| p.start);
        let end = parts.last().map_or(0, |p| p.end);
        self.out.push(Quote {
            text,
            kind,
            start,
            end,
            parts,
            speaker,
            cue: cue.map(str::to_string),
            via,
            hedged,
            confidence: confidence.clamp(0.0, 1.0),
        });
    }

    fn extend(&mut self, idx: usize, parts: &[Range<usize>]) {
        let doc = self.doc;
        let q = &mut self.out[idx];
        for r in parts {
            let (start, end) = doc.bytes(r.clone());
            q.parts.push(Part { start, end });
            q.text.push(' ');
            q.text.push_str(&doc.text.body()[start..end]);
            q.end = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::entities::EntityKind;
    use crate::enrich::text::analyse;
    use crate::eval::standin::entities_from_names;

    const P: EntityKind = EntityKind::Person;
    const O: EntityKind = EntityKind::Org;

    fn quotes(body: &str, names: &[(&str, EntityKind)]) -> Vec<Quote> {
        let text = analyse(body);
        let ents = entities_from_names(&text, names);
        let out = find(&text, &ents);
        for q in &out {
            for p in &q.parts {
                assert!(body.is_char_boundary(p.start) && body.is_char_boundary(p.end));
            }
            if let Some(s) = &q.speaker {
                assert!(s.start < s.end && s.end <= body.len());
            }
        }
        out
    }

    fn speech(qs: &[Quote]) -> Vec<&Quote> {
        qs.iter()
            .filter(|q| q.kind != QuoteKind::NotSpeech)
            .collect()
    }

    fn speaker(q: &Quote) -> Option<&str> {
        q.speaker.as_ref().map(|s| s.name.as_str())
    }

    fn part_texts<'b>(body: &'b str, q: &Quote) -> Vec<&'b str> {
        q.parts.iter().map(|p| &body[p.start..p.end]).collect()
    }

    #[test]
    fn quote_split_by_its_attribution_is_one_statement() {
        let body = "John Smith spoke to the crowd. \"We will not,\" he said, \"back down.\"";
        let qs = quotes(body, &[("John Smith", P)]);
        let s = speech(&qs);
        assert_eq!(s.len(), 1, "{qs:#?}");
        assert_eq!(s[0].kind, QuoteKind::Direct);
        assert_eq!(part_texts(body, s[0]), vec!["We will not", "back down."]);
        assert_eq!(speaker(s[0]), Some("John Smith"));
        assert_eq!(s[0].cue.as_deref(), Some("say"));
        // The speaker phrase at this statement is the pronoun.
        let sp = s[0].speaker.as_ref().map(|x| &body[x.start..x.end]);
        assert_eq!(sp, Some("he"));
    }

    #[test]
    fn curly_marks_and_byte_offsets() {
        let body = "“Zoë’s café is closed,” said Maria Lopez.";
        let qs = quotes(body, &[("Maria Lopez", P)]);
        assert_eq!(qs.len(), 1);
        assert_eq!(&body[qs[0].start..qs[0].end], "Zoë’s café is closed");
        assert_eq!(qs[0].text, "Zoë’s café is closed");
        assert_eq!(speaker(&qs[0]), Some("Maria Lopez"));
    }

    #[test]
    fn quote_running_over_paragraphs() {
        let body = "Maria Lopez said: \"The first point is simple.\n\n\"The second point \
                    is harder.\n\n\"And that is all.\"\n\nThe meeting ended.";
        let qs = quotes(body, &[("Maria Lopez", P)]);
        let s = speech(&qs);
        assert_eq!(s.len(), 1, "{qs:#?}");
        assert_eq!(
            part_texts(body, s[0]),
            vec![
                "The first point is simple.",
                "The second point is harder.",
                "And that is all."
            ]
        );
        assert_eq!(speaker(s[0]), Some("Maria Lopez"));
    }

    #[test]
    fn unbalanced_mark_keeps_the_rest_of_the_article() {
        let body = "Critics called it \"a mess, and left.\n\nLater, \"We will fix it,\" \
                    Maria Lopez said. \"Soon.\"";
        let qs = quotes(body, &[("Maria Lopez", P)]);
        let fixed = qs.iter().find(|q| q.text.starts_with("We will fix it"));
        let fixed = fixed.unwrap_or_else(|| panic!("lost the later quote: {qs:#?}"));
        assert_eq!(fixed.kind, QuoteKind::Direct);
        assert_eq!(speaker(fixed), Some("Maria Lopez"));
        // The follow-on quote belongs to the same statement.
        assert_eq!(part_texts(body, fixed), vec!["We will fix it", "Soon."]);
    }

    #[test]
    fn nested_single_quotes_stay_inside_the_statement() {
        let body = "\"They told us 'go home' and we did,\" Maria Lopez said.";
        let qs = quotes(body, &[("Maria Lopez", P)]);
        assert_eq!(qs.len(), 1, "{qs:#?}");
        assert_eq!(qs[0].text, "They told us 'go home' and we did");
        assert_eq!(speaker(&qs[0]), Some("Maria Lopez"));
    }

    #[test]
    fn partial_quote_inside_a_reported_sentence() {
        let body = "Vladimir Putin told the FSB board that initial contacts gave \
                    “grounds for hope”, officials said.";
        let qs = quotes(body, &[("Vladimir Putin", P), ("FSB", O)]);
        let s = speech(&qs);
        assert_eq!(s.len(), 1, "{qs:#?}");
        assert_eq!(s[0].kind, QuoteKind::Partial);
        assert_eq!(s[0].text, "that initial contacts gave “grounds for hope”");
        assert_eq!(speaker(s[0]), Some("Vladimir Putin"));
        assert_eq!(s[0].cue.as_deref(), Some("tell"));
        assert_eq!(
            s[0].via.as_ref().map(|v| v.name.as_str()),
            Some("officials")
        );
    }

    #[test]
    fn reported_speech_with_cue_inflections() {
        let body = "Maria Lopez insisted that the plan would work. The budget is too small, \
                    John Smith warned on Tuesday. Lopez denies the report was accurate. \
                    Smith, who chairs the panel, has repeatedly argued the opposite.";
        let qs = quotes(body, &[("Maria Lopez", P), ("John Smith", P)]);
        let got: Vec<(&str, Option<&str>, Option<&str>, QuoteKind)> = qs
            .iter()
            .map(|q| (q.text.as_str(), q.cue.as_deref(), speaker(q), q.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "that the plan would work",
                    Some("insist"),
                    Some("Maria Lopez"),
                    QuoteKind::Indirect
                ),
                (
                    "The budget is too small",
                    Some("warn"),
                    Some("John Smith"),
                    QuoteKind::Indirect
                ),
                (
                    "the report was accurate",
                    Some("deny"),
                    Some("Maria Lopez"),
                    QuoteKind::Indirect
                ),
                (
                    "the opposite",
                    Some("argue"),
                    Some("John Smith"),
                    QuoteKind::Indirect
                ),
            ]
        );
    }

    #[test]
    fn transcripts_and_lists_name_their_speakers() {
        let body = "Maria Lopez, 34, Phoenix:\n\n“I want better schools.”\n\n“Jobs come \
                    first.”\n\n— John Smith, 51, Tucson\n\nClinton: “We will win.”";
        let qs = quotes(
            body,
            &[("Maria Lopez", P), ("John Smith", P), ("Clinton", P)],
        );
        let got: Vec<(&str, Option<&str>)> =
            qs.iter().map(|q| (q.text.as_str(), speaker(q))).collect();
        assert_eq!(
            got,
            vec![
                ("I want better schools.", Some("Maria Lopez")),
                ("Jobs come first.", Some("John Smith")),
                ("We will win.", Some("Clinton")),
            ]
        );
    }

    #[test]
    fn a_dash_and_a_name_after_a_quote_on_its_line_is_its_speaker() {
        let body = "Readers wrote in.\n\n“He scares me. He is not fit to lead.” ― Maria Lopez\n\
                    “The most unqualified man ever.”― John Smith.\n";
        let qs = quotes(body, &[("Maria Lopez", P), ("John Smith", P)]);
        let got: Vec<(&str, Option<&str>)> =
            qs.iter().map(|q| (q.text.as_str(), speaker(q))).collect();
        assert_eq!(
            got,
            vec![
                ("He scares me. He is not fit to lead.", Some("Maria Lopez")),
                ("The most unqualified man ever.", Some("John Smith")),
            ]
        );
    }

    #[test]
    fn participles_and_nested_verbs_belong_to_the_main_clause() {
        // A participle after a comma takes the main clause's subject, not a relative clause's.
        let body = "John Smith defended not paying an architect who said he was stiffed, \
                    saying, “He did a bad job.”";
        let qs = quotes(body, &[("John Smith", P)]);
        let q = qs.iter().find(|q| q.text == "He did a bad job.");
        assert_eq!(q.map(speaker), Some(Some("John Smith")), "{qs:#?}");
        // A verb of stance inside what someone said does not take the quote from them.
        let body = "Maria Lopez said the allies will seek new sanctions “to show that there \
                    are consequences.”";
        let qs = quotes(body, &[("Maria Lopez", P)]);
        assert_eq!(qs.len(), 1, "{qs:#?}");
        assert_eq!(speaker(&qs[0]), Some("Maria Lopez"));
        assert_eq!(qs[0].cue.as_deref(), Some("say"));
        // Only verbs of saying invert, and a day is never the speaker.
        let body = "“We will win,” John Smith, R-Ky., said Tuesday. Maria Lopez's son, Tom, \
                    defended his mother Tuesday on television, saying: “She did nothing wrong.”";
        let qs = quotes(body, &[("John Smith", P), ("Maria Lopez", P)]);
        let q = qs.iter().find(|q| q.text == "She did nothing wrong.");
        assert_eq!(q.map(speaker), Some(Some("Maria Lopez's son")), "{qs:#?}");
        assert!(qs.iter().all(|q| speaker(q) != Some("Tuesday")), "{qs:#?}");
    }

    #[test]
    fn colons_abbreviations_and_set_phrases_introduce_quotes() {
        // The subject of a clause ending in a colon.
        let body = "On July 6, Maria Lopez made the following comment:\n\n“Jobs come first.”";
        let qs = quotes(body, &[("Maria Lopez", P)]);
        assert_eq!(qs.len(), 1, "{qs:#?}");
        assert_eq!(speaker(&qs[0]), Some("Maria Lopez"));
        // A state abbreviation inside the speaker's appositive.
        let body = "“The veto will be overridden,” Senator John Smith, R-Ky., said Tuesday.";
        let qs = quotes(body, &[("John Smith", P)]);
        assert_eq!(qs.len(), 1, "{qs:#?}");
        assert_eq!(speaker(&qs[0]), Some("John Smith"));
        // "as X put it"; a cue that opens a new quote after a finished one.
        let body = "As John Smith recently put it, “Did he avoid his taxes?” Maria Lopez says \
                    the system is “rigged.” She adds, “What kind of genius loses a billion?”";
        let qs = quotes(body, &[("John Smith", P), ("Maria Lopez", P)]);
        let got: Vec<(Option<&str>, Option<&str>)> =
            qs.iter().map(|q| (speaker(q), q.cue.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                (Some("John Smith"), Some("put it")),
                (Some("Maria Lopez"), Some("say")),
                (Some("Maria Lopez"), Some("add")),
            ],
            "{qs:#?}"
        );
    }

    #[test]
    fn coordinated_verbs_and_parentheticals_keep_the_subject() {
        // The subject of the clause, not the object before "and".
        let body = "John Smith, the nominee, outlined his security plan and vowed to punish \
                    “those who break the rules.”";
        let qs = quotes(body, &[("John Smith", P)]);
        assert_eq!(qs.len(), 1, "{qs:#?}");
        assert_eq!(speaker(&qs[0]), Some("John Smith"));
        // A time before an -ing cue is not its subject; the name that opens the clause is.
        let body = "John Smith unleashed a series of tweets early Friday saying that the \
                    mayor was “a disaster.”";
        let qs = quotes(body, &[("John Smith", P)]);
        assert_eq!(qs.len(), 1, "{qs:#?}");
        assert_eq!(speaker(&qs[0]), Some("John Smith"));
        // "It's a reminder, X said, that ...": the clause after "that" is part of it.
        let body = "It's a reminder, Maria Lopez said, that “what matters is helping others.”";
        let qs = quotes(body, &[("Maria Lopez", P)]);
        assert_eq!(qs.len(), 1, "{qs:#?}");
        assert_eq!(qs[0].kind, QuoteKind::Partial);
        assert!(qs[0].text.ends_with("helping others.”"), "{qs:#?}");
        assert_eq!(speaker(&qs[0]), Some("Maria Lopez"));
    }

    #[test]
    fn reporting_nouns_with_their_owner() {
        let body = "Analysts doubted Vladimir Putin's claim that the talks had failed. Maria \
                    Lopez spoke next; few heeded her warning that prices would rise.";
        let qs = quotes(body, &[("Vladimir Putin", P), ("Maria Lopez", P)]);
        let got: Vec<(&str, Option<&str>, Option<&str>)> = qs
            .iter()
            .map(|q| (q.text.as_str(), q.cue.as_deref(), speaker(q)))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Vladimir Putin's claim", Some("doubt"), Some("Analysts")),
                (
                    "that the talks had failed",
                    Some("claim"),
                    Some("Vladimir Putin")
                ),
                (
                    "that prices would rise",
                    Some("warning"),
                    Some("Maria Lopez")
                ),
            ]
        );
    }

    #[test]
    fn according_to_and_noun_phrase_speakers() {
        let body = "According to a senior official, the talks failed. The deal is dead, \
                    according to sources. Maria Lopez's spokesman said the deal was fine.";
        let qs = quotes(body, &[("Maria Lopez", P)]);
        assert_eq!(qs.len(), 3, "{qs:#?}");
        assert_eq!(qs[0].text, "the talks failed");
        assert_eq!(speaker(&qs[0]), Some("a senior official"));
        assert_eq!(qs[0].cue.as_deref(), Some("according to"));
        assert!(qs[0]
            .speaker
            .as_ref()
            .is_some_and(|s| s.entity_id.is_none()));
        assert_eq!(qs[1].text, "The deal is dead");
        assert_eq!(speaker(&qs[1]), Some("sources"));
        // The possessor is not the speaker.
        assert_eq!(speaker(&qs[2]), Some("Maria Lopez's spokesman"));
        assert!(qs[2]
            .speaker
            .as_ref()
            .is_some_and(|s| s.entity_id.is_none()));
    }

    #[test]
    fn intermediaries_and_hedges() {
        let body = "“We are ready to talk,” Reuters quoted Vladimir Putin as saying. \
                    According to reports, Putin also insisted that talks would go on. \
                    Putin reportedly said, “Not everyone is happy.”";
        let qs = quotes(body, &[("Vladimir Putin", P), ("Reuters", O)]);
        assert_eq!(qs.len(), 3, "{qs:#?}");
        assert_eq!(qs[0].kind, QuoteKind::Direct);
        assert_eq!(speaker(&qs[0]), Some("Vladimir Putin"));
        assert_eq!(qs[0].via.as_ref().map(|v| v.name.as_str()), Some("Reuters"));
        assert!(qs[0].via.as_ref().is_some_and(|v| v.entity_id.is_some()));
        assert!(!qs[0].hedged);
        assert_eq!(speaker(&qs[1]), Some("Vladimir Putin"));
        assert!(qs[1].hedged);
        assert!(qs[1].via.is_none());
        assert_eq!(qs[2].text, "Not everyone is happy.");
        assert!(qs[2].hedged);
    }

    #[test]
    fn pronouns_go_to_the_last_compatible_person() {
        // "she" skips the man named last.
        let body = "Hillary Clinton met Donald Trump on Monday. “It went well,” she said.";
        let qs = quotes(body, &[("Hillary Clinton", P), ("Donald Trump", P)]);
        assert_eq!(speaker(&qs[0]), Some("Hillary Clinton"));
        // Titles give genders too.
        let body = "Mrs. Lopez met Mr. Smith. Later, he said the talks had failed.";
        let qs = quotes(body, &[("Lopez", P), ("Smith", P)]);
        assert_eq!(speaker(&qs[0]), Some("Smith"));
        let body = "Mr. Smith met Mrs. Lopez. Later, she said the talks had failed.";
        let qs = quotes(body, &[("Lopez", P), ("Smith", P)]);
        assert_eq!(speaker(&qs[0]), Some("Lopez"));
        // Earlier pronoun use: Robin Kim was "she", so "he" skips her.
        let body = "Jordan Lee arrived first. Robin Kim said the plan works. She added that \
                    it was cheap. Robin Kim then greeted Lee. “We agree,” he said.";
        let qs = quotes(body, &[("Jordan Lee", P), ("Robin Kim", P)]);
        let last = qs.last().map(speaker);
        assert_eq!(last, Some(Some("Jordan Lee")), "{qs:#?}");
        // People named only inside quotes are not antecedents.
        let body = "John Smith was asked about the race. “Maria Lopez will lose,” he said.";
        let qs = quotes(body, &[("John Smith", P), ("Maria Lopez", P)]);
        assert_eq!(speaker(&qs[0]), Some("John Smith"));
    }

    #[test]
    fn quoted_terms_and_titles_are_not_speech() {
        let body = "Between February and March 2022, the US declared 14 Russian diplomats, \
                    including members of Russia’s permanent mission to the United Nations, \
                    “personae non gratae.” He appeared on “Saturday Night Live” and mocked \
                    the so-called “experts” all night.";
        let qs = quotes(body, &[]);
        let kinds: Vec<(&str, QuoteKind, bool)> = qs
            .iter()
            .map(|q| (q.text.as_str(), q.kind, q.speaker.is_some()))
            .collect();
        assert!(
            kinds.contains(&("personae non gratae.", QuoteKind::NotSpeech, false)),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&("Saturday Night Live", QuoteKind::NotSpeech, false)),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&("experts", QuoteKind::NotSpeech, false)),
            "{kinds:?}"
        );
        assert!(qs
            .iter()
            .all(|q| q.kind == QuoteKind::NotSpeech || q.cue.is_some()));
    }

    #[test]
    fn noun_uses_of_cue_words_are_not_cues() {
        let body = "The report was released by the state director on Monday. His claims \
                    were false.";
        assert!(quotes(body, &[]).is_empty());
    }

    #[test]
    fn every_prefix_of_a_messy_text_is_handled() {
        // Cut anywhere: dangling marks, cues at the very end, half an attribution.
        let body = "“A,” he said, “B.” ''C,''' said Mr. Smith of X, who — according to \
                    reports — told them: \"D 'e' f.\n\n\"G\" said. According to, 'h' ‘i’ \
                    Reuters quoted Putin as saying, \"so-called\" “” '' \" ” ’ “";
        let mut ends: Vec<usize> = body.char_indices().map(|(i, _)| i).collect();
        ends.push(body.len());
        let mut total = 0;
        for end in ends {
            let prefix = &body[..end];
            let text = analyse(prefix);
            for q in find(&text, &[]) {
                assert!(q.start <= q.end && q.end <= prefix.len());
                assert!(!q.parts.is_empty());
                total += 1;
            }
        }
        assert!(total > 0);
    }

    #[test]
    fn serialized_quotes_match_the_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schema/enriched-article.schema.json"))
                .unwrap_or_default();
        let quote_schema = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": schema["$defs"].clone(),
            "type": "array",
            "items": { "$ref": "#/$defs/quote" }
        });
        let validator = jsonschema::validator_for(&quote_schema);
        assert!(validator.is_ok(), "the quote schema compiles");
        let Ok(validator) = validator else { return };
        let body = "“We are ready,” Reuters quoted Vladimir Putin as saying. He called them \
                    “personae non gratae.” According to reports, he said, “Not now,” and \
                    added, “Later.”";
        let qs = quotes(body, &[("Vladimir Putin", P), ("Reuters", O)]);
        assert!(qs.len() >= 3);
        let json = serde_json::to_value(&qs).unwrap_or_default();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        // A record without the new fields is rejected.
        let mut old = json.clone();
        if let Some(q) = old.get_mut(0).and_then(|q| q.as_object_mut()) {
            q.remove("parts");
        }
        assert!(!validator.is_valid(&old));
    }

    #[test]
    fn seed_article_attributes_every_putin_statement() {
        let Ok(raw) = std::fs::read_to_string("../shared/articles/seed-putin-fsb-2025-02-27.txt")
        else {
            return; // the shared data is not available here
        };
        let body = raw.split_once('\n').map_or("", |(_, b)| b);
        let qs = quotes(body, &[("Vladimir Putin", P), ("Reuters", O), ("FSB", O)]);
        let statements = speech(&qs);
        assert_eq!(statements.len(), 6, "{qs:#?}");
        for q in &statements {
            assert_eq!(speaker(q), Some("Vladimir Putin"), "{q:#?}");
        }
        let via: Vec<Option<&str>> = statements
            .iter()
            .map(|q| q.via.as_ref().map(|v| v.name.as_str()))
            .collect();
        assert!(via.contains(&Some("foreign media")));
        assert!(via.contains(&Some("Reuters")));
        assert!(statements
            .iter()
            .any(|q| q.hedged && q.text.starts_with("We understand")));
        assert!(qs
            .iter()
            .any(|q| q.kind == QuoteKind::NotSpeech && q.text.starts_with("personae non gratae")));
    }
}
