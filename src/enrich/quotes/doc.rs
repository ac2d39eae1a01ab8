//! The per-article working state of the quote stage: what the lexicon says about each token,
//! which quoted span and which entity mention each token is in, and the segments (sentences
//! merged so that no quoted span crosses a segment boundary) that frames are found in.

use std::ops::Range;

use super::lexicon::{Cue, Gender, Lexicon, Pronoun, WordInfo, W_ADV, W_PARTICLE};
use super::marks::{self, Quoted};
use crate::enrich::entities::{Entity, EntityKind};
use crate::enrich::text::{Text, TokenKind};

/// What the quote stage knows about one token.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tok {
    pub flags: u32,
    pub cue: Option<Cue>,
    pub pronoun: Option<Pronoun>,
    pub gender: Option<Gender>,
    /// Index + 1 of the quoted span this token is in (marks included); 0 outside quotes.
    pub quote: u32,
    /// Index + 1 of the entity whose mention covers this token; 0 when none.
    pub entity: u32,
    /// Starts with an upper-case letter.
    pub cap: bool,
    pub word: bool,
    /// First token of its segment, or right after an opening quote or bracket.
    pub initial: bool,
}

/// One entity mention in token indices.
#[derive(Debug, Clone, Copy)]
pub struct Ment {
    pub entity: usize,
    pub toks: (usize, usize),
}

/// The working state for one article.
pub struct Doc<'t, 'a> {
    pub text: &'t Text<'a>,
    pub toks: Vec<Tok>,
    pub quotes: Vec<Quoted>,
    /// Token ranges of segments, in order.
    pub segments: Vec<Range<usize>>,
    pub entities: &'t [Entity],
    /// Mentions in text order.
    pub ments: Vec<Ment>,
    /// Gender of each entity, from titles and first names (pronoun use adds to it later).
    pub genders: Vec<Option<Gender>>,
}

const LOWER_BUF: usize = 40;

impl<'t, 'a> Doc<'t, 'a> {
    pub fn new(text: &'t Text<'a>, entities: &'t [Entity], lx: &'static Lexicon) -> Doc<'t, 'a> {
        let n = text.tokens().len();
        let mut toks = vec![Tok::default(); n];
        let mut buf = [0u8; LOWER_BUF];
        let mut particles = Vec::new();
        for (i, t) in text.tokens().iter().enumerate() {
            if t.kind() != TokenKind::Word {
                continue;
            }
            let norm = text.norm(i);
            let tk = &mut toks[i];
            tk.word = true;
            tk.cap = norm.chars().next().is_some_and(char::is_uppercase);
            let info = if norm.len() <= LOWER_BUF {
                let b = &mut buf[..norm.len()];
                b.copy_from_slice(norm.as_bytes());
                b.make_ascii_lowercase();
                lx.get(b)
            } else {
                lx.get(norm.to_lowercase().as_bytes())
            };
            let Some(&WordInfo {
                flags,
                cue,
                pronoun,
                gender,
                phrasal,
            }) = info
            else {
                continue;
            };
            tk.flags = flags;
            tk.cue = cue;
            tk.pronoun = pronoun;
            tk.gender = gender;
            if let Some((particle, pcue)) = phrasal {
                if i + 1 < n && text.norm(i + 1).eq_ignore_ascii_case(particle) {
                    tk.cue = Some(pcue);
                    particles.push(i + 1);
                }
            }
        }
        for p in particles {
            toks[p].flags |= W_PARTICLE | W_ADV;
        }
        let quotes = marks::pair(text);
        for (qi, q) in quotes.iter().enumerate() {
            for t in &mut toks[q.first..q.last.min(n)] {
                if t.quote == 0 {
                    t.quote = qi as u32 + 1;
                }
            }
        }
        let segments = segments(text, &toks);
        for seg in &segments {
            if seg.start < n {
                toks[seg.start].initial = true;
            }
        }
        for i in 1..n {
            if matches!(text.token_text(i - 1), "(" | "[" | ":")
                || (toks[i - 1].quote != 0 && toks[i].quote == toks[i - 1].quote && {
                    let q = &quotes[toks[i].quote as usize - 1];
                    q.pieces.iter().any(|p| p.start == i)
                })
            {
                toks[i].initial = true;
            }
        }
        let (ments, genders) = map_entities(text, entities, &mut toks, lx);
        Doc {
            text,
            toks,
            quotes,
            segments,
            entities,
            ments,
            genders,
        }
    }

    pub fn n(&self) -> usize {
        self.toks.len()
    }

    /// The text of token `i` ("" past the end).
    pub fn s(&self, i: usize) -> &'a str {
        if i < self.toks.len() {
            self.text.token_text(i)
        } else {
            ""
        }
    }

    /// The normalised form of token `i` ("" past the end).
    pub fn norm(&self, i: usize) -> &str {
        if i < self.toks.len() {
            self.text.norm(i)
        } else {
            ""
        }
    }

    pub fn is(&self, i: usize, w: &str) -> bool {
        i < self.toks.len() && self.text.norm(i).eq_ignore_ascii_case(w)
    }

    pub fn has(&self, i: usize, flag: u32) -> bool {
        i < self.toks.len() && self.toks[i].flags & flag != 0
    }

    pub fn is_punct(&self, i: usize) -> bool {
        i < self.toks.len()
            && matches!(
                self.text.tokens()[i].kind(),
                TokenKind::Punct | TokenKind::Symbol
            )
    }

    /// A token that ends a clause inside a segment: `. ! ? ;`.
    pub fn is_stop(&self, i: usize) -> bool {
        matches!(self.norm(i), "." | "!" | "?" | ";") || self.norm(i).starts_with("...")
    }

    /// Starts a new line (a paragraph in most sources).
    pub fn line_start(&self, i: usize) -> bool {
        i < self.toks.len() && self.text.tokens()[i].newline_before()
    }

    pub fn in_quote(&self, i: usize) -> bool {
        self.toks[i].quote != 0
    }

    /// Byte span of a token range.
    pub fn bytes(&self, r: Range<usize>) -> (usize, usize) {
        let toks = self.text.tokens();
        if r.start >= r.end || r.end > toks.len() {
            let at = toks
                .get(r.start)
                .map_or(self.text.body().len(), |t| t.start());
            return (at, at);
        }
        (toks[r.start].start(), toks[r.end - 1].end())
    }

    pub fn slice(&self, r: Range<usize>) -> &'a str {
        let (s, e) = self.bytes(r);
        &self.text.body()[s..e]
    }

    pub fn entity_at(&self, i: usize) -> Option<usize> {
        match self.toks.get(i)?.entity {
            0 => None,
            e => Some(e as usize - 1),
        }
    }

    pub fn entity_kind(&self, e: usize) -> EntityKind {
        self.entities[e].kind
    }

    /// The quoted span a token is in.
    pub fn quote_of(&self, i: usize) -> Option<usize> {
        match self.toks.get(i)?.quote {
            0 => None,
            q => Some(q as usize - 1),
        }
    }

    /// Word tokens inside a quoted span.
    pub fn quote_words(&self, q: usize) -> usize {
        self.quotes[q]
            .pieces
            .iter()
            .flat_map(|p| p.clone())
            .filter(|&i| self.toks[i].word || self.text.tokens()[i].kind() == TokenKind::Number)
            .count()
    }
}

/// Sentences, split again at line breaks (many sources separate paragraphs by one newline),
/// then merged while a quoted span crosses the boundary.
fn segments(text: &Text, toks: &[Tok]) -> Vec<Range<usize>> {
    let t = text.tokens();
    let mut out: Vec<Range<usize>> = Vec::with_capacity(text.sentences().len() + 8);
    let push = |out: &mut Vec<Range<usize>>, a: usize, b: usize| {
        let crosses = a > 0 && toks[a].quote != 0 && toks[a].quote == toks[a - 1].quote;
        match out.last_mut() {
            Some(prev) if crosses && prev.end == a => prev.end = b,
            _ => out.push(a..b),
        }
    };
    for s in text.sentences() {
        let mut a = s.tokens.start;
        for (i, tok) in t
            .iter()
            .enumerate()
            .take(s.tokens.end)
            .skip(s.tokens.start + 1)
        {
            if tok.newline_before() {
                push(&mut out, a, i);
                a = i;
            }
        }
        push(&mut out, a, s.tokens.end);
    }
    // "“Why?” Trump said." is one sentence to attribution, though the splitter ends one at
    // the question mark: a short attribution clause joins the quote before it.
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(out.len());
    for seg in out {
        let joins = merged.last().is_some_and(|prev| {
            let last = prev.end - 1;
            prev.end == seg.start
                && toks[last].quote != 0
                && (seg.start >= toks.len() || toks[seg.start].quote != toks[last].quote)
                && !t[seg.start].newline_before()
                && attribution_opens(text, toks, seg.clone())
        });
        match merged.last_mut() {
            Some(prev) if joins => prev.end = seg.end,
            _ => merged.push(seg),
        }
    }
    merged
}

/// A segment that starts with a short attribution clause: "Trump said.", "said Bolton.",
/// "Clinton said to People on Monday."
fn attribution_opens(text: &Text, toks: &[Tok], seg: Range<usize>) -> bool {
    let end = seg.end.min(seg.start + 10);
    for (k, t) in toks.iter().enumerate().take(end).skip(seg.start) {
        if t.quote != 0 {
            return false;
        }
        if t.cue.is_some() && (!t.cap || k == seg.start) {
            // What follows the cue must not be a clause of its own: a stop or a comma soon.
            let rest = (k + 1..seg.end.min(k + 14))
                .find(|&j| matches!(text.norm(j), "." | "!" | "?" | "," | ";"));
            return rest.is_some() || seg.end <= k + 14;
        }
        let w = text.norm(k);
        if t.word || matches!(w, "," | "'s" | "-") || text.tokens()[k].kind() == TokenKind::Number {
            continue;
        }
        return false;
    }
    false
}

/// Marks entity mentions on tokens; returns mentions in order and each entity's gender.
fn map_entities(
    text: &Text,
    entities: &[Entity],
    toks: &mut [Tok],
    lx: &Lexicon,
) -> (Vec<Ment>, Vec<Option<Gender>>) {
    let t = text.tokens();
    let mut ments = Vec::new();
    let mut genders = vec![None; entities.len()];
    for (ei, e) in entities.iter().enumerate() {
        for m in &e.mentions {
            let a = t.partition_point(|x| x.end() <= m.start);
            let b = t.partition_point(|x| x.start() < m.end);
            if a >= b {
                continue;
            }
            for tk in &mut toks[a..b] {
                if tk.entity == 0 {
                    tk.entity = ei as u32 + 1;
                }
            }
            ments.push(Ment {
                entity: ei,
                toks: (a, b),
            });
            if e.kind == EntityKind::Person && genders[ei].is_none() {
                // A gendered title right before the mention: "Mrs. Clinton", "Mr Putin".
                if a > 0 {
                    genders[ei] = toks[a - 1]
                        .gender
                        .filter(|_| toks[a - 1].flags & super::lexicon::W_TITLE != 0);
                }
                if genders[ei].is_none() {
                    genders[ei] = toks[a]
                        .gender
                        .filter(|_| toks[a].flags & super::lexicon::W_TITLE != 0);
                }
            }
        }
        if e.kind == EntityKind::Person && genders[ei].is_none() {
            let first = e.name.split_whitespace().find(|w| {
                lx.get(w.to_lowercase().as_bytes())
                    .is_none_or(|i| i.flags & super::lexicon::W_TITLE == 0)
            });
            genders[ei] = first.and_then(|w| lx.first_name(w));
        }
    }
    ments.sort_by_key(|m| m.toks);
    (ments, genders)
}
