//! Dates in a token range, resolved against the article date: "on Thursday", "yesterday",
//! "in June 2024", "between February and March 2022", "on 27 February 2025",
//! "February 27, 2025", "in 2022", "last month". Weekdays and bare months are the most
//! recent ones on or before the article date.

use std::ops::Range;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::enrich::text::{Span, Text, TokenKind};

/// A resolved date: first and last day, and the tokens that gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub span: Span,
}

/// Whether `word` is one of `words` (lower-case ASCII), ignoring ASCII case. Dates are read
/// word by word over whole clauses, so nothing here allocates.
fn is_any(word: &str, words: &[&str]) -> bool {
    words.iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// A short word lower-cased on the stack; `None` for words longer than any date word or not
/// ASCII, which are never one.
fn lower(word: &str) -> Option<([u8; 9], usize)> {
    let b = word.as_bytes();
    if b.len() > 9 || !b.is_ascii() {
        return None;
    }
    let mut buf = [0u8; 9];
    for (d, s) in buf.iter_mut().zip(b) {
        *d = s.to_ascii_lowercase();
    }
    Some((buf, b.len()))
}

fn month(word: &str) -> Option<u32> {
    let (buf, len) = lower(word.trim_end_matches('.'))?;
    month_of(&buf[..len])
}

/// The month a lower-case word names.
fn month_of(w: &[u8]) -> Option<u32> {
    Some(match w {
        b"january" | b"jan" => 1,
        b"february" | b"feb" => 2,
        b"march" | b"mar" => 3,
        b"april" | b"apr" => 4,
        b"may" => 5,
        b"june" | b"jun" => 6,
        b"july" | b"jul" => 7,
        b"august" | b"aug" => 8,
        b"september" | b"sep" | b"sept" => 9,
        b"october" | b"oct" => 10,
        b"november" | b"nov" => 11,
        b"december" | b"dec" => 12,
        _ => return None,
    })
}

fn weekday(word: &str) -> Option<Weekday> {
    let (buf, len) = lower(word)?;
    weekday_of(&buf[..len])
}

/// The weekday a lower-case word names.
fn weekday_of(w: &[u8]) -> Option<Weekday> {
    Some(match w {
        b"monday" => Weekday::Mon,
        b"tuesday" => Weekday::Tue,
        b"wednesday" => Weekday::Wed,
        b"thursday" => Weekday::Thu,
        b"friday" => Weekday::Fri,
        b"saturday" => Weekday::Sat,
        b"sunday" => Weekday::Sun,
        _ => return None,
    })
}

fn year(text: &Text, i: usize) -> Option<i32> {
    if text.tokens()[i].kind() != TokenKind::Number {
        return None;
    }
    let w = text.norm(i);
    (w.len() == 4)
        .then(|| w.parse::<i32>().ok())
        .flatten()
        .filter(|y| (1900..=2100).contains(y))
}

fn day(text: &Text, i: usize) -> Option<u32> {
    let w = text.norm(i);
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    (text.tokens()[i].kind() == TokenKind::Number && digits.len() <= 2)
        .then(|| digits.parse::<u32>().ok())
        .flatten()
        .filter(|d| (1..=31).contains(d))
}

fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1).map(|d| d - Duration::days(1))
}

/// The most recent `m` on or before the article date (this year, else last year).
fn infer_year(m: u32, article: NaiveDate) -> i32 {
    if m <= article.month() {
        article.year()
    } else {
        article.year() - 1
    }
}

fn span(text: &Text, r: Range<usize>) -> Span {
    Span::new(
        text.tokens()[r.start].start(),
        text.tokens()[r.end - 1].end(),
    )
}

/// The words a date expression may start with (numbers aside).
#[derive(Debug, Clone, Copy)]
enum Cue {
    Today,
    Yesterday,
    /// "last", "past": "last week", "past Monday".
    Last,
    Weekday(Weekday),
    Month(u32),
}

/// What `word` cues, from one lower-casing: this runs for every word of a clause.
fn cue(word: &str) -> Option<Cue> {
    // Cue words are three to nine letters, or a month and a full stop ("Sept."), and start
    // with one of a few three-letter prefixes: most words are turned away before lower-casing.
    let b = word.as_bytes();
    if !(3..=10).contains(&b.len()) {
        return None;
    }
    let prefix = [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    if !matches!(
        &prefix,
        b"tod"
            | b"ton"
            | b"yes"
            | b"las"
            | b"pas"
            | b"mon"
            | b"tue"
            | b"wed"
            | b"thu"
            | b"fri"
            | b"sat"
            | b"sun"
            | b"jan"
            | b"feb"
            | b"mar"
            | b"apr"
            | b"may"
            | b"jun"
            | b"jul"
            | b"aug"
            | b"sep"
            | b"oct"
            | b"nov"
            | b"dec"
    ) {
        return None;
    }
    if let Some((buf, len)) = lower(word) {
        let w = &buf[..len];
        let c = match w {
            b"today" | b"tonight" => Some(Cue::Today),
            b"yesterday" => Some(Cue::Yesterday),
            b"last" | b"past" => Some(Cue::Last),
            _ => weekday_of(w)
                .map(Cue::Weekday)
                .or_else(|| month_of(w).map(Cue::Month)),
        };
        if c.is_some() {
            return c;
        }
    }
    // "Feb.", "Sept."
    word.ends_with('.')
        .then(|| month(word))
        .flatten()
        .map(Cue::Month)
}

/// The most recent `wd` on or before the article date (`strictly`: before it).
fn last_weekday(article: NaiveDate, wd: Weekday, strictly: bool) -> NaiveDate {
    let back = (7 + article.weekday().num_days_from_monday() as i64
        - wd.num_days_from_monday() as i64)
        % 7;
    article - Duration::days(if back == 0 && strictly { 7 } else { back })
}

/// Whether a date expression may start at token `i`: a number, or a word that cues one.
/// Where no token of a range may, [`find`] finds nothing there.
pub fn may_start(text: &Text, i: usize) -> bool {
    text.tokens()[i].kind() == TokenKind::Number || cue(text.norm(i)).is_some()
}

/// One date expression starting at token `i`, with the token after it.
fn at(
    text: &Text,
    i: usize,
    end: usize,
    article: NaiveDate,
) -> Option<(NaiveDate, NaiveDate, usize)> {
    if text.tokens()[i].kind() == TokenKind::Number {
        return number_at(text, i, end, article);
    }
    let w = text.norm(i);
    match cue(w)? {
        Cue::Today => Some((article, article, i + 1)),
        Cue::Yesterday => {
            let d = article - Duration::days(1);
            Some((d, d, i + 1))
        }
        Cue::Last if i + 1 < end => {
            let next = text.norm(i + 1);
            let r = if next.eq_ignore_ascii_case("week") {
                let s =
                    article - Duration::days(article.weekday().num_days_from_monday() as i64 + 7);
                Some((s, s + Duration::days(6)))
            } else if next.eq_ignore_ascii_case("month") {
                let (y, m) = if article.month() == 1 {
                    (article.year() - 1, 12)
                } else {
                    (article.year(), article.month() - 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1).zip(month_end(y, m))
            } else if next.eq_ignore_ascii_case("year") {
                NaiveDate::from_ymd_opt(article.year() - 1, 1, 1).zip(NaiveDate::from_ymd_opt(
                    article.year() - 1,
                    12,
                    31,
                ))
            } else {
                None
            };
            if let Some((s, e)) = r {
                return Some((s, e, i + 2));
            }
            let d = last_weekday(article, weekday(next)?, true);
            Some((d, d, i + 2))
        }
        Cue::Last => None,
        Cue::Weekday(wd) => {
            let d = last_weekday(article, wd, false);
            Some((d, d, i + 1))
        }
        Cue::Month(m) => {
            // "February 27, 2025", "February 27"
            if let Some(dd) = (i + 1 < end).then(|| day(text, i + 1)).flatten() {
                let mut next = i + 2;
                if next < end && text.norm(next) == "," {
                    next += 1;
                }
                let y = match (next < end).then(|| year(text, next)).flatten() {
                    Some(y) => {
                        next += 1;
                        y
                    }
                    None => {
                        next = i + 2;
                        infer_year(m, article)
                    }
                };
                let d = NaiveDate::from_ymd_opt(y, m, dd)?;
                return Some((d, d, next));
            }
            // "June 2024"
            if let Some(y) = (i + 1 < end).then(|| year(text, i + 1)).flatten() {
                return Some((NaiveDate::from_ymd_opt(y, m, 1)?, month_end(y, m)?, i + 2));
            }
            // "May" alone is too often the modal verb: it needs a day or a year.
            if w.eq_ignore_ascii_case("may") {
                return None;
            }
            let y = infer_year(m, article);
            Some((NaiveDate::from_ymd_opt(y, m, 1)?, month_end(y, m)?, i + 1))
        }
    }
}

/// A date expression starting with the number at token `i`: "27 February 2025", "in 2022".
fn number_at(
    text: &Text,
    i: usize,
    end: usize,
    article: NaiveDate,
) -> Option<(NaiveDate, NaiveDate, usize)> {
    // "27 February 2025", "27 February"
    if let Some(dd) = day(text, i) {
        let m = (i + 1 < end).then(|| month(text.norm(i + 1))).flatten()?;
        let (y, next) = match (i + 2 < end).then(|| year(text, i + 2)).flatten() {
            Some(y) => (y, i + 3),
            None => (infer_year(m, article), i + 2),
        };
        let d = NaiveDate::from_ymd_opt(y, m, dd)?;
        return Some((d, d, next));
    }
    let y = year(text, i)?;
    let prev_ok = i == 0
        || is_any(
            text.norm(i - 1),
            &[
                "in", "since", "until", "of", "during", "early", "late", "mid", "and", "between",
                "by",
            ],
        );
    prev_ok.then(|| {
        Some((
            NaiveDate::from_ymd_opt(y, 1, 1)?,
            NaiveDate::from_ymd_opt(y, 12, 31)?,
            i + 1,
        ))
    })?
}

/// Every date expression in tokens `range`, in order. "between X and Y" and "from X to Y"
/// become one range; a year after the second part also applies to the first ("between
/// February and March 2022").
pub fn find(text: &Text, range: Range<usize>, article: NaiveDate) -> Vec<Resolved> {
    let mut out = Vec::new();
    let mut i = range.start;
    let end = range.end.min(text.tokens().len());
    while i < end {
        let Some((s, e, next)) = at(text, i, end, article) else {
            i += 1;
            continue;
        };
        let opener = i > range.start && is_any(text.norm(i - 1), &["between", "from"]);
        let joiner = next < end && is_any(text.norm(next), &["and", "to", "until"]);
        if opener && joiner {
            if let Some((s2, e2, next2)) = at(text, next + 1, end, article) {
                // "between February and March 2022": the first part takes the second's year.
                let (s, e) =
                    if next - i == 1 && month(text.norm(i)).is_some() && s2.year() != s.year() {
                        let e = month_end(s2.year(), s.month()).unwrap_or(e);
                        (s.with_year(s2.year()).unwrap_or(s), e)
                    } else {
                        (s, e)
                    };
                out.push(Resolved {
                    start: s.min(s2),
                    end: e.max(e2),
                    span: span(text, i - 1..next2),
                });
                i = next2;
                continue;
            }
        }
        out.push(Resolved {
            start: s,
            end: e,
            span: span(text, i..next),
        });
        i = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::text::analyse;

    fn dates(body: &str) -> Vec<(String, String, String)> {
        let text = analyse(body);
        let article = NaiveDate::from_ymd_opt(2025, 2, 27).unwrap();
        find(&text, 0..text.tokens().len(), article)
            .into_iter()
            .map(|r| {
                (
                    r.start.to_string(),
                    r.end.to_string(),
                    body[r.span.start..r.span.end].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn every_date_word_passes_the_cue_prefix_gate() {
        // Month names from chrono, not from this file; every form in any case.
        let months = (1..=12).filter_map(|m| chrono::Month::try_from(m as u8).ok());
        let weekdays = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        let mut words: Vec<String> = months.map(|m| m.name().to_string()).collect();
        let abbreviations: Vec<String> = words.iter().map(|w| w[..3].to_string()).collect();
        words.extend(weekdays.map(String::from));
        words.extend(abbreviations.iter().map(|a| format!("{a}.")));
        words.extend(abbreviations);
        words.extend(["Sept.", "today", "tonight", "yesterday", "last", "past"].map(String::from));
        for w in words {
            for w in [w.to_lowercase(), w.to_uppercase(), w] {
                assert!(cue(&w).is_some(), "{w}");
            }
        }
        assert!(cue("the").is_none() && cue("Moscow").is_none());
    }

    #[test]
    fn weekdays_months_and_ranges_resolve_against_the_article_date() {
        assert_eq!(
            dates("They met on Thursday."),
            vec![("2025-02-27".into(), "2025-02-27".into(), "Thursday".into())]
        );
        assert_eq!(dates("on Monday")[0].0, "2025-02-24");
        assert_eq!(
            dates("offices closed in June 2024.")[0],
            ("2024-06-01".into(), "2024-06-30".into(), "June 2024".into())
        );
        assert_eq!(
            dates("Between February and March 2022, the US declared")[0],
            (
                "2022-02-01".into(),
                "2022-03-31".into(),
                "Between February and March 2022".into()
            )
        );
        assert_eq!(dates("In October 2023, Washington")[0].1, "2023-10-31");
        assert_eq!(dates("on 12 January")[0].0, "2025-01-12");
        assert_eq!(dates("on March 3, 2021")[0].0, "2021-03-03");
        assert_eq!(dates("in December")[0].0, "2024-12-01");
        assert_eq!(dates("yesterday")[0].0, "2025-02-26");
        assert_eq!(dates("in 2019")[0].1, "2019-12-31");
        assert!(dates("They may meet.").is_empty());
        assert!(dates("1,200 people").is_empty());
    }
}
