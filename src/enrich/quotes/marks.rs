//! Quotation marks: which tokens are marks, whether each opens or closes, and how they pair
//! into quoted spans, across paragraphs and despite unbalanced marks.
//!
//! Rules:
//! - Double marks are `"`, `“ ”`, `„`, `« »` and the two-apostrophe `''` of some wires.
//!   Straight marks open when they lean on the following word and close when they lean on the
//!   preceding one; curly marks say what they are unless their spacing plainly contradicts it.
//! - Single marks inside a double-quoted span are nested quotes and stay part of it. Outside
//!   one, a single mark pairs only with a closer on the same line (apostrophes stay alone).
//! - A line that opens with a double mark while a quote is still open continues that quote
//!   (the convention for quotes running over several paragraphs). A quote still open at the
//!   end of a line that does not continue is unterminated: it ends there, and pairing starts
//!   afresh, so one stray mark never swallows the rest of the article.

use std::ops::Range;

use crate::enrich::text::{Text, TokenKind};

/// One quoted span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    /// First token of the opening mark.
    pub first: usize,
    /// One past the last token of the closing mark (or of the content when unterminated).
    pub last: usize,
    /// Token ranges inside the marks: one per line the quote runs over.
    pub pieces: Vec<Range<usize>>,
    /// The closing mark was found.
    pub closed: bool,
    /// Double marks (single marks pair only outside double-quoted spans).
    pub double: bool,
}

impl Quoted {
    /// Tokens inside the marks, from the first piece's start to the last piece's end.
    pub fn inner(&self) -> Range<usize> {
        let s = self.pieces.first().map_or(self.first, |p| p.start);
        let e = self.pieces.last().map_or(self.first, |p| p.end);
        s..e.max(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    DoubleOpen,
    DoubleClose,
    DoubleEither,
    SingleOpen,
    SingleClose,
    SingleEither,
}

impl Mark {
    fn is_double(self) -> bool {
        matches!(
            self,
            Mark::DoubleOpen | Mark::DoubleClose | Mark::DoubleEither
        )
    }
}

/// The quotation mark at token `i` and how many tokens it takes.
fn mark_at(text: &Text, i: usize) -> Option<(Mark, usize)> {
    let toks = text.tokens();
    let t = &toks[i];
    if t.kind() != TokenKind::Punct && t.kind() != TokenKind::Symbol {
        return None;
    }
    let s = text.token_text(i);
    let two = |c: &str| {
        i + 1 < toks.len() && toks[i + 1].start() == t.end() && text.token_text(i + 1) == c
    };
    let three = i + 2 < toks.len()
        && toks[i + 1].start() == t.end()
        && toks[i + 2].start() == toks[i + 1].end()
        && text.token_text(i + 1) == "'"
        && text.token_text(i + 2) == "'";
    Some(match s {
        "\"" => (Mark::DoubleEither, 1),
        "\u{201C}" | "\u{201E}" | "\u{201F}" | "«" => (Mark::DoubleOpen, 1),
        "\u{201D}" | "»" => (Mark::DoubleClose, 1),
        // Three apostrophes close a nested single quote and then the double quote.
        "'" if two("'") && !three => (Mark::DoubleEither, 2),
        "`" if two("`") => (Mark::DoubleOpen, 2),
        "'" => (Mark::SingleEither, 1),
        "\u{2018}" | "\u{201B}" | "`" | "‹" => (Mark::SingleOpen, 1),
        "\u{2019}" | "›" => (Mark::SingleClose, 1),
        _ => return None,
    })
}

fn is_opening_punct(s: &str) -> bool {
    matches!(
        s,
        "(" | "["
            | "{"
            | "-"
            | "--"
            | "\u{2013}"
            | "\u{2014}"
            | "/"
            | "\""
            | "\u{201C}"
            | "\u{2018}"
            | ":"
    )
}

fn is_trailing_punct(s: &str) -> bool {
    matches!(
        s,
        "," | "."
            | ";"
            | ":"
            | "!"
            | "?"
            | ")"
            | "]"
            | "}"
            | "-"
            | "--"
            | "\u{2013}"
            | "\u{2014}"
            | "\u{2026}"
            | "..."
            | "\""
            | "\u{201D}"
            | "\u{2019}"
            | "'"
    ) || s.starts_with("...")
}

/// The mark leans on what follows it: an opener by its spacing.
fn left_flanking(text: &Text, i: usize, len: usize) -> bool {
    let toks = text.tokens();
    let t = &toks[i];
    let before = i == 0 || t.space_before() || is_opening_punct(text.token_text(i - 1));
    let j = i + len;
    let after = j < toks.len()
        && toks[j].start() == toks[j - 1].end()
        && !is_trailing_punct(text.token_text(j));
    before && after
}

/// The mark leans on what precedes it: a closer by its spacing.
fn right_flanking(text: &Text, i: usize, len: usize) -> bool {
    let toks = text.tokens();
    let t = &toks[i];
    if i == 0 || t.space_before() {
        return false;
    }
    let j = i + len;
    j >= toks.len() || toks[j].space_before() || is_trailing_punct(text.token_text(j))
}

struct Building {
    first: usize,
    piece_start: usize,
    pieces: Vec<Range<usize>>,
}

impl Building {
    fn finish(mut self, end: usize, last: usize, closed: bool) -> Quoted {
        if end > self.piece_start {
            self.pieces.push(self.piece_start..end);
        }
        Quoted {
            first: self.first,
            last,
            pieces: self.pieces,
            closed,
            double: true,
        }
    }
}

/// Pairs the quotation marks of a text, in order of their opening marks.
pub fn pair(text: &Text) -> Vec<Quoted> {
    let toks = text.tokens();
    let n = toks.len();
    let mut out: Vec<Quoted> = Vec::new();
    let mut open: Option<Building> = None;
    let mut i = 0;
    while i < n {
        let line_start = i > 0 && toks[i].newline_before();
        let mark = mark_at(text, i);
        if line_start {
            if let Some(mut b) = open.take() {
                let continues = matches!(mark, Some((m, len))
                    if m.is_double() && (m == Mark::DoubleOpen || left_flanking(text, i, len)));
                if let (true, Some((_, len))) = (continues, mark) {
                    if i > b.piece_start {
                        b.pieces.push(b.piece_start..i);
                    }
                    b.piece_start = i + len;
                    open = Some(b);
                    i += len;
                    continue;
                }
                out.push(b.finish(i, i, false));
            }
        }
        let Some((m, len)) = mark else {
            i += 1;
            continue;
        };
        if m.is_double() {
            let left = left_flanking(text, i, len);
            let right = right_flanking(text, i, len);
            let closes = match m {
                Mark::DoubleOpen => open.is_some() && right && !left,
                Mark::DoubleClose => !(open.is_none() && left && !right),
                _ => {
                    if left != right {
                        right
                    } else {
                        open.is_some()
                    }
                }
            };
            match (closes, open.take()) {
                (true, Some(b)) => out.push(b.finish(i, i + len, true)),
                (true, None) => {} // a stray closer
                (false, prev) => {
                    if let Some(b) = prev {
                        // An opener while a quote is open: the earlier opener was unbalanced.
                        out.push(b.finish(i, i, false));
                    }
                    open = Some(Building {
                        first: i,
                        piece_start: i + len,
                        pieces: Vec::new(),
                    });
                }
            }
            i += len;
            continue;
        }
        if open.is_none()
            && (m == Mark::SingleOpen || (m == Mark::SingleEither && left_flanking(text, i, len)))
        {
            if let Some(close) = single_closer(text, i + len) {
                out.push(Quoted {
                    first: i,
                    last: close + 1,
                    pieces: std::iter::once(i + 1..close).collect(),
                    closed: true,
                    double: false,
                });
                i = close + 1;
                continue;
            }
        }
        i += len;
    }
    if let Some(b) = open {
        out.push(b.finish(n, n, false));
    }
    out
}

/// The closing single mark for an opener just before `from`, on the same line.
fn single_closer(text: &Text, from: usize) -> Option<usize> {
    let toks = text.tokens();
    let end = toks.len().min(from + 60);
    for (j, tok) in toks.iter().enumerate().take(end).skip(from) {
        if j > from && tok.newline_before() {
            return None;
        }
        match mark_at(text, j) {
            Some((Mark::SingleClose | Mark::SingleEither, 1))
                if j > from && right_flanking(text, j, 1) =>
            {
                return Some(j);
            }
            Some((m, _)) if m.is_double() => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::text::analyse;

    fn quoted(body: &str) -> Vec<(String, bool)> {
        let t = analyse(body);
        pair(&t)
            .iter()
            .map(|q| {
                let parts: Vec<&str> = q
                    .pieces
                    .iter()
                    .map(|p| {
                        let s = t.tokens()[p.start].start();
                        let e = t.tokens()[p.end - 1].end();
                        &body[s..e]
                    })
                    .collect();
                (parts.join(" | "), q.closed)
            })
            .collect()
    }

    #[test]
    fn straight_and_curly_marks() {
        assert_eq!(
            quoted("\"We will win,\" he said. She said “no.”"),
            vec![("We will win,".into(), true), ("no.".into(), true)]
        );
    }

    #[test]
    fn nested_single_quotes_stay_inside() {
        assert_eq!(
            quoted("He said: \"They told us 'go home' today.\" Then he left."),
            vec![("They told us 'go home' today.".into(), true)]
        );
        assert_eq!(
            quoted("“He said ‘never’ twice,” she said."),
            vec![("He said ‘never’ twice,".into(), true)]
        );
    }

    #[test]
    fn multi_paragraph_quote_continues() {
        let body = "He said: \"First paragraph.\n\n\"Second paragraph.\n\n\"Third.\" Then.";
        assert_eq!(
            quoted(body),
            vec![("First paragraph. | Second paragraph. | Third.".into(), true)]
        );
    }

    #[test]
    fn unbalanced_mark_does_not_swallow_the_rest() {
        let body = "He said \"this never closes.\n\nLater she said \"yes\" and \"no\".";
        assert_eq!(
            quoted(body),
            vec![
                ("this never closes.".into(), false),
                ("yes".into(), true),
                ("no".into(), true)
            ]
        );
    }

    #[test]
    fn apostrophes_are_not_quotes() {
        assert!(quoted("The players' union met in the '90s at O'Neill's.").is_empty());
        assert_eq!(
            quoted("Critics called it 'madness' yesterday."),
            vec![("madness".into(), true)]
        );
    }

    #[test]
    fn two_apostrophe_marks() {
        assert_eq!(
            quoted("''It is over,'' said Mr. Smith."),
            vec![("It is over,".into(), true)]
        );
    }
}
