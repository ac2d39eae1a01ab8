//! Text foundation: tokens with UTF-8 byte offsets into the original body, normalised token
//! forms, sentences, paragraphs and the story's dateline.
//!
//! Every later stage works on a [`Text`]. Offsets always point into the body that was given to
//! [`analyse`]; normalisation never moves them (the folded forms live in a side buffer).
//!
//! Rules, in short:
//! - Whitespace separates tokens; punctuation is split off, except inside numbers ("3.5",
//!   "1,000", "10:30"), hyphenated words ("e-mail", "1996-08-22"), initialisms ("U.S.", "a.m.",
//!   "J.R.R."), known abbreviations ("Mr.", "Gen.", "Inc.", "No. 10") and currency amounts ("$40").
//! - Possessive `'s` / `’s` and the clitics `n't`, `'re`, `'ve`, `'ll`, `'d`, `'m` are tokens.
//! - A blank line (two or more newlines) starts a paragraph and always ends a sentence.
//! - `.`, `!`, `?`, `...`, `…` end a sentence unless the next word starts in lower case; closing
//!   quotes and brackets right after them stay in the sentence.
//! - A dateline at the start of the story ("MOSCOW (Reuters) -", "WASHINGTON, March 3 (AP) —",
//!   "LONDON —") is metadata: its tokens exist but belong to no sentence.

use std::ops::Range;

/// A half-open range of UTF-8 byte offsets into the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// What a token is made of (from its first characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Starts with a letter: "Putin", "e-mail", "U.S.", "'s".
    Word,
    /// Starts with a digit, or a currency sign then a digit: "3.5", "$40", "1996-08-22".
    Number,
    /// Punctuation: quotes, brackets, dashes, sentence marks.
    Punct,
    /// Anything else: "%", "&", "+", emoji.
    Symbol,
}

const SPACE_BEFORE: u8 = 1;
const NEWLINE_BEFORE: u8 = 2;
const PARAGRAPH_BEFORE: u8 = 4;
/// The token ends with an attached abbreviation period ("Mr.", "U.S.").
const ABBREV: u8 = 8;
/// The abbreviation may also end a sentence ("Inc.", "U.S.", "a.m.").
const ABBREV_MAY_END: u8 = 16;
const NO_NORM: u32 = u32::MAX;

/// One token: a byte range of the body plus what the tokenizer learned about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    start: u32,
    end: u32,
    norm_start: u32,
    norm_end: u32,
    kind: TokenKind,
    flags: u8,
}

impl Token {
    pub fn start(&self) -> usize {
        self.start as usize
    }

    pub fn end(&self) -> usize {
        self.end as usize
    }

    pub fn span(&self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }

    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// Whitespace (or the start of the body) comes right before this token.
    pub fn space_before(&self) -> bool {
        self.flags & SPACE_BEFORE != 0
    }

    /// A line break comes before this token.
    pub fn newline_before(&self) -> bool {
        self.flags & NEWLINE_BEFORE != 0
    }

    /// This token starts a paragraph (it follows a blank line, or starts the body).
    pub fn starts_paragraph(&self) -> bool {
        self.flags & PARAGRAPH_BEFORE != 0
    }

    /// The token is an abbreviation with its period attached ("Mr.", "U.S.", "J.").
    pub fn is_abbreviation(&self) -> bool {
        self.flags & ABBREV != 0
    }
}

/// A run of tokens (a sentence, a paragraph) with the bytes it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Token indices into [`Text::tokens`].
    pub tokens: Range<usize>,
    /// From the first token's start to the last token's end.
    pub span: Span,
}

/// A dateline at the head of a story: "WASHINGTON, March 3 (AP) —".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dateline {
    /// The whole dateline, including the dash when there is one.
    pub span: Span,
    /// Its tokens (they belong to no sentence).
    pub tokens: Range<usize>,
    /// "WASHINGTON", "KYIV, Ukraine".
    pub place: Span,
    /// "March 3".
    pub date: Option<Span>,
    /// "AP", "Reuters" (without the brackets).
    pub agency: Option<Span>,
}

/// An analysed body: tokens, sentences, paragraphs and dateline.
#[derive(Debug, Clone)]
pub struct Text<'a> {
    body: &'a str,
    tokens: Vec<Token>,
    norm_buf: String,
    sentences: Vec<Segment>,
    paragraphs: Vec<Segment>,
    dateline: Option<Dateline>,
    words: usize,
}

/// Analyses a body. Never fails; a body longer than `u32::MAX` bytes is analysed up to there.
pub fn analyse(body: &str) -> Text<'_> {
    let body = clamp_len(body);
    let mut tokens = Vec::with_capacity(body.len() / 5 + 4);
    let mut norm_buf = String::new();
    let words = tokenize(body, &mut tokens, &mut norm_buf);
    let dateline = find_dateline(body, &tokens);
    let first = dateline.as_ref().map_or(0, |d| d.tokens.end);
    let sentences = split_sentences(body, &tokens, first);
    let paragraphs = split_paragraphs(&tokens);
    Text {
        body,
        tokens,
        norm_buf,
        sentences,
        paragraphs,
        dateline,
        words,
    }
}

fn clamp_len(body: &str) -> &str {
    let max = u32::MAX as usize - 1;
    if body.len() <= max {
        return body;
    }
    let mut end = max;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[..end]
}

impl<'a> Text<'a> {
    /// The analysed body (all offsets point into it).
    pub fn body(&self) -> &'a str {
        self.body
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The original text of token `i`.
    pub fn token_text(&self, i: usize) -> &'a str {
        let t = &self.tokens[i];
        &self.body[t.start as usize..t.end as usize]
    }

    /// The normalised form of token `i`: curly quotes, apostrophes and dashes folded to ASCII,
    /// "…" to "...", common Latin diacritics removed. Case is kept.
    pub fn norm(&self, i: usize) -> &str {
        let t = &self.tokens[i];
        if t.norm_start == NO_NORM {
            &self.body[t.start as usize..t.end as usize]
        } else {
            &self.norm_buf[t.norm_start as usize..t.norm_end as usize]
        }
    }

    pub fn sentences(&self) -> &[Segment] {
        &self.sentences
    }

    pub fn paragraphs(&self) -> &[Segment] {
        &self.paragraphs
    }

    pub fn dateline(&self) -> Option<&Dateline> {
        self.dateline.as_ref()
    }

    /// The text of a span of the body.
    pub fn slice(&self, span: Span) -> &'a str {
        &self.body[span.start..span.end]
    }

    /// Whitespace-separated words in the body (the unit of throughput figures).
    pub fn word_count(&self) -> usize {
        self.words
    }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

/// Byte classes for the ASCII fast path.
const C_OTHER: u8 = 0;
const C_SPACE: u8 = 1;
const C_NL: u8 = 2;
const C_LOWER: u8 = 3;
const C_UPPER: u8 = 4;
const C_DIGIT: u8 = 5;

const fn ascii_classes() -> [u8; 128] {
    let mut t = [C_OTHER; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = if c == b'\n' {
            C_NL
        } else if c == b' ' || c == b'\t' || c == b'\r' || c == 0x0b || c == 0x0c {
            C_SPACE
        } else if c.is_ascii_lowercase() {
            C_LOWER
        } else if c.is_ascii_uppercase() {
            C_UPPER
        } else if c.is_ascii_digit() {
            C_DIGIT
        } else {
            C_OTHER
        };
        i += 1;
    }
    t
}

static ASCII: [u8; 128] = ascii_classes();

#[inline]
fn is_ascii_alnum(c: u8) -> bool {
    c < 128 && ASCII[c as usize] >= C_LOWER
}

/// The char starting at byte `i` (which must be a char boundary).
#[inline]
fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|r| r.chars().next())
}

#[inline]
fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining(c)
}

#[inline]
fn is_alnum_at(s: &str, i: usize) -> bool {
    match s.as_bytes().get(i) {
        None => false,
        Some(&b) if b < 128 => is_ascii_alnum(b),
        Some(_) => char_at(s, i).is_some_and(is_word_char),
    }
}

#[inline]
fn is_digit_at(s: &str, i: usize) -> bool {
    s.as_bytes().get(i).is_some_and(|b| b.is_ascii_digit())
}

fn is_unicode_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{2060}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

fn is_internal_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

fn is_currency(c: char) -> bool {
    matches!(c, '$' | '£' | '€' | '¥' | '₹' | '₽')
}

/// Clitics split off the end of a word, after the apostrophe.
const CLITICS: [&[u8]; 6] = [b"s", b"re", b"ve", b"ll", b"d", b"m"];

/// If an apostrophe at `i` (of byte length `alen`) starts a clitic, returns the clitic's end.
fn clitic_end(s: &str, i: usize, alen: usize) -> Option<usize> {
    let b = s.as_bytes();
    let rest = &b[i + alen..];
    for c in CLITICS {
        if rest.len() >= c.len()
            && rest[..c.len()].eq_ignore_ascii_case(c)
            && !is_alnum_at(s, i + alen + c.len())
        {
            return Some(i + alen + c.len());
        }
    }
    None
}

/// Abbreviations that keep their period and never end a sentence.
const TITLES: &[&str] = &[
    "Mr", "Mrs", "Ms", "Messrs", "Dr", "Prof", "Gen", "Lt", "Col", "Maj", "Capt", "Cpt", "Sgt",
    "Cmdr", "Adm", "Brig", "Gov", "Sen", "Rep", "Rev", "Hon", "Pres", "Supt", "Det", "Insp", "Sr",
    "Jr", "St", "Mt", "Ft", "Mme", "Mlle", "vs", "Vs", "cf", "approx", "Fig", "fig", "Nos", "Ave",
    "Blvd", "Rd",
];

/// Abbreviations that keep their period and may end a sentence.
const ABBREVS: &[&str] = &[
    "Inc", "Corp", "Ltd", "Co", "Bros", "Plc", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug",
    "Sep", "Sept", "Oct", "Nov", "Dec", "etc", "al", "Gov't", "Univ", "Dept", "Mass", "Calif",
    "Fla", "Ill", "Penn", "Wash", "Ariz", "Conn", "Tenn", "Okla", "Wis", "Mich", "Minn",
];

/// Decides whether the period at `dot` after word `[start, dot)` belongs to the word.
/// Returns the flags to set (0 when it does not).
fn abbrev_flags(s: &str, start: usize, dot: usize, has_inner_dot: bool, has_digit: bool) -> u8 {
    let b = s.as_bytes();
    if b.get(dot + 1) == Some(&b'.') {
        return 0; // an ellipsis follows
    }
    if is_alnum_at(s, dot + 1) {
        return 0;
    }
    let word = &s[start..dot];
    if has_inner_dot && !has_digit {
        // "U.S", "a.m", "J.R.R", "e.g": an initialism.
        return ABBREV | ABBREV_MAY_END;
    }
    if TITLES.contains(&word) {
        return ABBREV;
    }
    if matches!(word, "No" | "no") {
        // "No. 10" but not "he said no."
        let after = s[dot + 1..].trim_start_matches([' ', '\u{a0}']);
        return if after.starts_with(|c: char| c.is_ascii_digit()) {
            ABBREV
        } else {
            0
        };
    }
    if ABBREVS.contains(&word) {
        return ABBREV | ABBREV_MAY_END;
    }
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_uppercase() {
            // An initial: "J. Smith", but not "Plan B." at a sentence end.
            let after = s[dot + 1..].trim_start_matches([' ', '\u{a0}']);
            if after.starts_with(|c: char| c.is_uppercase()) {
                return ABBREV;
            }
        }
    }
    0
}

/// Scans a word or number starting at `i`; returns its end and flags.
fn scan_word(s: &str, i: usize) -> (usize, u8) {
    let b = s.as_bytes();
    let n = b.len();
    let mut j = i;
    let mut has_inner_dot = false;
    let mut has_digit = false;
    // Start of the current alphanumeric segment (for initialisms: "U.S").
    let mut seg_start = i;
    loop {
        // Alphanumeric run.
        while j < n {
            let c = b[j];
            if c < 128 {
                if is_ascii_alnum(c) {
                    has_digit |= c.is_ascii_digit();
                    j += 1;
                } else {
                    break;
                }
            } else {
                match char_at(s, j) {
                    Some(ch) if is_word_char(ch) => j += ch.len_utf8(),
                    _ => break,
                }
            }
        }
        if j >= n {
            return (j, 0);
        }
        let c = b[j];
        match c {
            b'.' => {
                let seg_single_letter =
                    j - seg_start == 1 && b[seg_start].is_ascii_alphabetic() && !has_digit;
                let digits_around = b[j - 1].is_ascii_digit() && is_digit_at(s, j + 1);
                let letter_after = b.get(j + 1).is_some_and(|x| x.is_ascii_alphabetic());
                if digits_around || (seg_single_letter && letter_after) {
                    has_inner_dot = true;
                    j += 1;
                    seg_start = j;
                    continue;
                }
                let f = abbrev_flags(s, i, j, has_inner_dot, has_digit);
                if f != 0 {
                    return (j + 1, f);
                }
                return (j, 0);
            }
            b',' => {
                // "1,000" (exactly three digits follow).
                if b[j - 1].is_ascii_digit()
                    && b.len() >= j + 4
                    && b[j + 1..j + 4].iter().all(u8::is_ascii_digit)
                    && !is_digit_at(s, j + 4)
                {
                    j += 1;
                    seg_start = j;
                    continue;
                }
                return (j, 0);
            }
            b':' | b'/' => {
                if b[j - 1].is_ascii_digit() && is_digit_at(s, j + 1) {
                    j += 1;
                    seg_start = j;
                    continue;
                }
                return (j, 0);
            }
            b'&' => {
                if b[j - 1].is_ascii_uppercase()
                    && b.get(j + 1).is_some_and(|x| x.is_ascii_uppercase())
                {
                    j += 1;
                    seg_start = j;
                    continue;
                }
                return (j, 0);
            }
            _ => {}
        }
        let Some(ch) = char_at(s, j) else {
            return (j, 0);
        };
        let len = ch.len_utf8();
        if is_internal_hyphen(ch) {
            if is_alnum_at(s, j + len) {
                j += len;
                seg_start = j;
                continue;
            }
            return (j, 0);
        }
        if is_apostrophe(ch) {
            // "n't": split before the n.
            if j - i >= 2
                && (b[j - 1] == b'n' || b[j - 1] == b'N')
                && b.get(j + len).is_some_and(|x| *x == b't' || *x == b'T')
                && !is_alnum_at(s, j + len + 1)
            {
                return (j - 1, 0);
            }
            if clitic_end(s, j, len).is_some() {
                return (j, 0);
            }
            if is_alnum_at(s, j + len) {
                // "O'Neill", "d'Ivoire".
                j += len;
                seg_start = j;
                continue;
            }
            return (j, 0);
        }
        return (j, 0);
    }
}

/// Scans one token at non-space byte `i`; returns its end, kind and flags.
fn scan_token(s: &str, i: usize) -> (usize, TokenKind, u8) {
    let b = s.as_bytes();
    let c = b[i];
    if c < 128 {
        let cls = ASCII[c as usize];
        if cls == C_DIGIT {
            let (e, f) = scan_word(s, i);
            return (e, TokenKind::Number, f);
        }
        if cls >= C_LOWER {
            let (e, f) = scan_word(s, i);
            return (e, TokenKind::Word, f);
        }
        return match c {
            b'$' if is_digit_at(s, i + 1) => (scan_word(s, i + 1).0, TokenKind::Number, 0),
            b'.' => {
                let mut e = i + 1;
                while e < b.len() && b[e] == b'.' {
                    e += 1;
                }
                if e - i >= 3 {
                    (e, TokenKind::Punct, 0)
                } else {
                    (i + 1, TokenKind::Punct, 0)
                }
            }
            b'-' => {
                let mut e = i + 1;
                while e < b.len() && b[e] == b'-' {
                    e += 1;
                }
                (e, TokenKind::Punct, 0)
            }
            // "'s" is a token even after a space (pre-tokenized text: "Putin 's").
            b'\'' => match clitic_end(s, i, 1) {
                Some(e) => (e, TokenKind::Word, 0),
                None => (i + 1, TokenKind::Punct, 0),
            },
            b'!' | b'?' | b',' | b';' | b':' | b'"' | b'(' | b')' | b'[' | b']' | b'{' | b'}' => {
                (i + 1, TokenKind::Punct, 0)
            }
            _ => (i + 1, TokenKind::Symbol, 0),
        };
    }
    let Some(ch) = char_at(s, i) else {
        return (i + 1, TokenKind::Symbol, 0);
    };
    let len = ch.len_utf8();
    if ch.is_alphabetic() {
        let (e, f) = scan_word(s, i);
        return (e, TokenKind::Word, f);
    }
    if ch.is_numeric() {
        let (e, f) = scan_word(s, i);
        return (e, TokenKind::Number, f);
    }
    if is_currency(ch) && is_digit_at(s, i + len) {
        return (scan_word(s, i + len).0, TokenKind::Number, 0);
    }
    if ch == '\u{2019}' {
        if let Some(e) = clitic_end(s, i, len) {
            return (e, TokenKind::Word, 0);
        }
    }
    let kind = if is_punct_char(ch) {
        TokenKind::Punct
    } else {
        TokenKind::Symbol
    };
    (i + len, kind, 0)
}

fn is_punct_char(c: char) -> bool {
    matches!(
        c,
        '\u{2018}'..='\u{201F}' | '\u{2010}'..='\u{2015}' | '\u{2026}' | '«' | '»' | '‹' | '›'
            | '¡' | '¿' | '\u{2212}' | '\u{3001}' | '\u{3002}'
    )
}

/// Folds one char for the normalised form; `None` keeps it.
fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '´' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '«' | '»' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => "-",
        '\u{2026}' => "...",
        '\u{00A0}' => " ",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'Ç' | 'Ć' | 'Č' => "C",
        'ç' | 'ć' | 'č' => "c",
        'Ď' | 'Đ' => "D",
        'ď' | 'đ' => "d",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => "E",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'Ğ' => "G",
        'ğ' => "g",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'İ' => "I",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => "i",
        'Ł' => "L",
        'ł' => "l",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ñ' | 'ń' | 'ň' => "n",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ř' => "R",
        'ř' => "r",
        'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'ť' | 'ţ' | 'ț' => "t",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => "U",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'Ý' | 'Ÿ' => "Y",
        'ý' | 'ÿ' => "y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Appends the folded form of a non-ASCII token to `buf`; returns whether anything changed.
fn fold_into(tok: &str, buf: &mut String) -> bool {
    let mark = buf.len();
    let mut changed = false;
    for c in tok.chars() {
        if is_combining(c) {
            changed = true;
            continue;
        }
        match fold_char(c) {
            Some(f) => {
                buf.push_str(f);
                changed = true;
            }
            None => buf.push(c),
        }
    }
    if !changed {
        buf.truncate(mark);
    }
    changed
}

/// Tokenizes `s` into `out`; returns the number of whitespace-separated words.
fn tokenize(s: &str, out: &mut Vec<Token>, norm_buf: &mut String) -> usize {
    let b = s.as_bytes();
    let n = b.len();
    let mut i = 0;
    let mut words = 0;
    let mut newlines = 2u32; // the body's start counts as a paragraph start
    let mut space = true;
    while i < n {
        // Whitespace.
        let c = b[i];
        if c < 128 {
            match ASCII[c as usize] {
                C_SPACE => {
                    space = true;
                    i += 1;
                    continue;
                }
                C_NL => {
                    space = true;
                    newlines += 1;
                    i += 1;
                    continue;
                }
                _ => {}
            }
        } else if let Some(ch) = char_at(s, i) {
            if is_unicode_space(ch) {
                space = true;
                newlines += match ch {
                    '\u{2028}' | '\u{85}' => 1,
                    '\u{2029}' => 2,
                    _ => 0,
                };
                i += ch.len_utf8();
                continue;
            }
        }
        let (end, kind, aflags) = scan_token(s, i);
        let end = end.max(i + 1).min(n);
        let mut flags = aflags;
        if space {
            flags |= SPACE_BEFORE;
            words += 1;
        }
        if newlines >= 1 {
            flags |= NEWLINE_BEFORE;
        }
        if newlines >= 2 {
            flags |= PARAGRAPH_BEFORE;
        }
        let (mut ns, mut ne) = (NO_NORM, NO_NORM);
        if !s.as_bytes()[i..end].is_ascii() {
            let mark = norm_buf.len();
            if fold_into(&s[i..end], norm_buf) {
                ns = mark as u32;
                ne = norm_buf.len() as u32;
            }
        }
        out.push(Token {
            start: i as u32,
            end: end as u32,
            norm_start: ns,
            norm_end: ne,
            kind,
            flags,
        });
        space = false;
        newlines = 0;
        i = end;
    }
    words
}

// ---------------------------------------------------------------------------------------------
// Sentences and paragraphs

fn tok_str<'a>(s: &'a str, t: &Token) -> &'a str {
    &s[t.start as usize..t.end as usize]
}

fn is_terminal(s: &str, t: &Token) -> bool {
    t.kind == TokenKind::Punct && {
        let w = tok_str(s, t);
        matches!(w, "." | "!" | "?" | "\u{2026}") || w.starts_with("...")
    }
}

/// Closing quotes and brackets that stay with the sentence they follow.
fn is_closer(s: &str, t: &Token) -> bool {
    match tok_str(s, t) {
        ")" | "]" | "}" | "\u{201D}" | "\u{2019}" | "»" | "›" => true,
        "\"" | "'" => !t.space_before(),
        _ => false,
    }
}

/// Capitalised words that usually start a sentence (used after "U.S.", "Inc.").
const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "But",
    "And",
    "In",
    "A",
    "An",
    "This",
    "That",
    "There",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "On",
    "At",
    "As",
    "If",
    "When",
    "While",
    "After",
    "Before",
    "However",
    "Meanwhile",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "Some",
    "Many",
    "Most",
    "What",
    "Why",
    "How",
    "Who",
    "These",
    "Those",
    "Officials",
    "So",
    "Yet",
    "For",
    "By",
    "Last",
    "Earlier",
    "Later",
    "Now",
    "Still",
    "Also",
];

fn starts_lowercase(s: &str, t: &Token) -> bool {
    tok_str(s, t).chars().next().is_some_and(char::is_lowercase)
}

fn split_sentences(s: &str, toks: &[Token], first: usize) -> Vec<Segment> {
    let mut out = Vec::with_capacity(toks.len() / 20 + 1);
    let n = toks.len();
    let mut start = first;
    let mut i = first;
    let push = |out: &mut Vec<Segment>, a: usize, b: usize| {
        if b > a {
            out.push(Segment {
                tokens: a..b,
                span: Span::new(toks[a].start as usize, toks[b - 1].end as usize),
            });
        }
    };
    while i < n {
        if i > start && toks[i].flags & PARAGRAPH_BEFORE != 0 {
            push(&mut out, start, i);
            start = i;
        }
        let t = &toks[i];
        if is_terminal(s, t) {
            let mut j = i + 1;
            while j < n
                && toks[j].flags & PARAGRAPH_BEFORE == 0
                && (is_terminal(s, &toks[j]) || is_closer(s, &toks[j]))
            {
                j += 1;
            }
            if j < n && toks[j].flags & PARAGRAPH_BEFORE == 0 {
                let next = &toks[j];
                let lower = starts_lowercase(s, next);
                // "said ... and" and "'Why?' he asked" do not end a sentence; neither does a
                // period glued to the next word ("end.Next").
                let glued = t.end == next.start && next.kind == TokenKind::Word && j == i + 1;
                let continues = matches!(tok_str(s, next), "," | ";" | ":" | ")");
                if lower || glued || continues {
                    i = j;
                    continue;
                }
            }
            push(&mut out, start, j);
            start = j;
            i = j;
            continue;
        }
        if t.flags & ABBREV_MAY_END != 0
            && i + 1 < n
            && toks[i + 1].flags & PARAGRAPH_BEFORE == 0
            && SENTENCE_STARTERS.contains(&tok_str(s, &toks[i + 1]))
        {
            push(&mut out, start, i + 1);
            start = i + 1;
        }
        i += 1;
    }
    push(&mut out, start, n);
    out
}

fn split_paragraphs(toks: &[Token]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=toks.len() {
        if i == toks.len() || toks[i].flags & PARAGRAPH_BEFORE != 0 {
            if i > start {
                out.push(Segment {
                    tokens: start..i,
                    span: Span::new(toks[start].start as usize, toks[i - 1].end as usize),
                });
            }
            start = i;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Dateline

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Jan.",
    "Feb",
    "Feb.",
    "Mar",
    "Mar.",
    "Apr",
    "Apr.",
    "Jun",
    "Jun.",
    "Jul",
    "Jul.",
    "Aug",
    "Aug.",
    "Sep",
    "Sep.",
    "Sept",
    "Sept.",
    "Oct",
    "Oct.",
    "Nov",
    "Nov.",
    "Dec",
    "Dec.",
];

fn is_all_caps_word(w: &str) -> bool {
    let mut letters = 0;
    for c in w.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_alphabetic() {
            letters += 1;
        }
    }
    letters >= 2 || (letters == 1 && w.ends_with('.'))
}

fn is_capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

fn is_dash(w: &str) -> bool {
    matches!(w, "-" | "--" | "\u{2013}" | "\u{2014}" | "\u{2015}")
}

/// Recognises "PLACE[, Region][, Month Day[, Year]] [(Agency)] [—]" at the start of the body.
/// Without an agency a dash is required and the place must be in capitals.
fn find_dateline(s: &str, toks: &[Token]) -> Option<Dateline> {
    let text = |i: usize| tok_str(s, &toks[i]);
    let n = toks.len().min(24);
    if n < 3 {
        return None;
    }
    let mut i = 0;
    // Place: capitalised words, possibly "KYIV, Ukraine" or "WASHINGTON, D.C.".
    let mut all_caps_first = false;
    while i < n && toks[i].kind == TokenKind::Word && is_capitalised(text(i)) && i < 4 {
        if i == 0 {
            all_caps_first = is_all_caps_word(text(0));
        }
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let mut place_end = i;
    let mut date: Option<Span> = None;
    // ", Region" (one capitalised word that is not a month), then ", Month Day[, Year]".
    let mut k = place_end;
    for _ in 0..2 {
        if k + 1 < n && text(k) == "," && toks[k + 1].kind == TokenKind::Word {
            let w = text(k + 1);
            if MONTHS.contains(&w) && k + 2 < n && toks[k + 2].kind == TokenKind::Number {
                let mut e = k + 3;
                if e + 1 < n && text(e) == "," && toks[e + 1].kind == TokenKind::Number {
                    e += 2;
                }
                date = Some(Span::new(toks[k + 1].start(), toks[e - 1].end()));
                k = e;
                break;
            }
            if date.is_none() && is_capitalised(w) && k == place_end {
                place_end = k + 2;
                k += 2;
                continue;
            }
        }
        break;
    }
    // "(Agency)".
    let mut agency = None;
    if k + 2 < n && text(k) == "(" {
        let mut e = k + 1;
        while e < n && e < k + 5 && toks[e].kind == TokenKind::Word && is_capitalised(text(e)) {
            e += 1;
        }
        if e > k + 1 && e < n && text(e) == ")" {
            agency = Some(Span::new(toks[k + 1].start(), toks[e - 1].end()));
            k = e + 1;
        }
    }
    let mut end = k;
    if end < toks.len() && is_dash(text(end)) {
        end += 1;
    } else if agency.is_none() {
        return None;
    }
    if agency.is_none() && !all_caps_first {
        return None;
    }
    // Something must follow on the same paragraph.
    if end >= toks.len() || toks[end].flags & PARAGRAPH_BEFORE != 0 {
        return None;
    }
    Some(Dateline {
        span: Span::new(toks[0].start(), toks[end - 1].end()),
        tokens: 0..end,
        place: Span::new(toks[0].start(), toks[place_end - 1].end()),
        date,
        agency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        let t = analyse(s);
        (0..t.tokens().len()).map(|i| t.token_text(i)).collect()
    }

    fn sents(s: &str) -> Vec<&str> {
        let t = analyse(s);
        t.sentences().iter().map(|x| t.slice(x.span)).collect()
    }

    #[test]
    fn splits_punctuation_and_keeps_units_whole() {
        assert_eq!(
            toks("The U.S. e-mail cost $40, or 3.5% of 1,000 (approx)."),
            vec![
                "The", "U.S.", "e-mail", "cost", "$40", ",", "or", "3.5", "%", "of", "1,000", "(",
                "approx", ")", "."
            ]
        );
    }

    #[test]
    fn possessives_and_clitics_are_tokens() {
        assert_eq!(toks("Putin's plan"), vec!["Putin", "'s", "plan"]);
        assert_eq!(toks("Putin’s plan"), vec!["Putin", "’s", "plan"]);
        assert_eq!(toks("don't we're"), vec!["do", "n't", "we", "'re"]);
        assert_eq!(toks("O'Neill's"), vec!["O'Neill", "'s"]);
        assert_eq!(
            toks("the players' union"),
            vec!["the", "players", "'", "union"]
        );
    }

    #[test]
    fn hyphens_dates_and_times() {
        assert_eq!(
            toks("a well-known 1996-08-22 at 10:30 -- then"),
            vec!["a", "well-known", "1996-08-22", "at", "10:30", "--", "then"]
        );
        assert_eq!(toks("Russia—Ukraine"), vec!["Russia", "—", "Ukraine"]);
    }

    #[test]
    fn offsets_are_bytes_into_the_original() {
        let body = "“Zoë’s café,” he said…";
        let t = analyse(body);
        for (i, tok) in t.tokens().iter().enumerate() {
            assert_eq!(&body[tok.start()..tok.end()], t.token_text(i));
        }
        let texts: Vec<&str> = (0..t.tokens().len()).map(|i| t.token_text(i)).collect();
        assert_eq!(
            texts,
            vec!["“", "Zoë", "’s", "café", ",", "”", "he", "said", "…"]
        );
        let norms: Vec<&str> = (0..t.tokens().len()).map(|i| t.norm(i)).collect();
        assert_eq!(
            norms,
            vec!["\"", "Zoe", "'s", "cafe", ",", "\"", "he", "said", "..."]
        );
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        assert_eq!(
            sents("Mr. Smith met Gen. Jones at 10 a.m. on Friday. They spoke."),
            vec![
                "Mr. Smith met Gen. Jones at 10 a.m. on Friday.",
                "They spoke."
            ]
        );
        assert_eq!(
            sents("He lives at No. 10 Downing St. with J.R.R. Tolkien. He left."),
            vec![
                "He lives at No. 10 Downing St. with J.R.R. Tolkien.",
                "He left."
            ]
        );
        assert_eq!(
            sents("U.S. officials said so. The U.S. Senate agreed."),
            vec!["U.S. officials said so.", "The U.S. Senate agreed."]
        );
    }

    #[test]
    fn initialism_can_end_a_sentence() {
        assert_eq!(
            sents("He moved to the U.S. The move was quick."),
            vec!["He moved to the U.S.", "The move was quick."]
        );
    }

    #[test]
    fn decimals_and_ellipses() {
        assert_eq!(
            sents("Growth was 3.5 percent... and then fell. Prices rose... Then fell."),
            vec![
                "Growth was 3.5 percent... and then fell.",
                "Prices rose...",
                "Then fell."
            ]
        );
        assert_eq!(toks("wait...what"), vec!["wait", "...", "what"]);
    }

    #[test]
    fn sentences_end_inside_closing_quotes() {
        assert_eq!(
            sents("He said: \"We will win.\" She agreed. “It is over.” Then silence."),
            vec![
                "He said: \"We will win.\"",
                "She agreed.",
                "“It is over.”",
                "Then silence."
            ]
        );
        assert_eq!(
            sents("\"Why?\" he asked. \"Because.\""),
            vec!["\"Why?\" he asked.", "\"Because.\""]
        );
    }

    #[test]
    fn paragraph_breaks_always_end_sentences() {
        let body = "A headline without a period\n\nThe story starts here. It goes on\n\nNext";
        assert_eq!(
            sents(body),
            vec![
                "A headline without a period",
                "The story starts here.",
                "It goes on",
                "Next"
            ]
        );
        let t = analyse(body);
        assert_eq!(t.paragraphs().len(), 3);
        assert_eq!(
            t.slice(t.paragraphs()[1].span),
            "The story starts here. It goes on"
        );
    }

    #[test]
    fn single_newline_does_not_break_sentences() {
        assert_eq!(sents("one two\nthree four."), vec!["one two\nthree four."]);
    }

    #[test]
    fn dateline_reuters_style() {
        let body = "MOSCOW (Reuters) - President Vladimir Putin said on Thursday.";
        let t = analyse(body);
        let d = t.dateline().cloned();
        assert!(d.is_some());
        let d = d.unwrap_or_else(|| unreachable!());
        assert_eq!(t.slice(d.place), "MOSCOW");
        assert_eq!(d.agency.map(|a| t.slice(a)), Some("Reuters"));
        assert_eq!(t.slice(d.span), "MOSCOW (Reuters) -");
        assert_eq!(
            sents(body),
            vec!["President Vladimir Putin said on Thursday."]
        );
    }

    #[test]
    fn dateline_ap_style_with_date() {
        let body = "WASHINGTON, March 3 (AP) — The Senate voted.";
        let t = analyse(body);
        let d = t.dateline().cloned().unwrap_or_else(|| unreachable!());
        assert_eq!(t.slice(d.place), "WASHINGTON");
        assert_eq!(d.date.map(|x| t.slice(x)), Some("March 3"));
        assert_eq!(d.agency.map(|x| t.slice(x)), Some("AP"));
        assert_eq!(sents(body), vec!["The Senate voted."]);
        let body = "KYIV, Ukraine (AP) — Drones hit.";
        let t = analyse(body);
        let d = t.dateline().cloned().unwrap_or_else(|| unreachable!());
        assert_eq!(t.slice(d.place), "KYIV, Ukraine");
    }

    #[test]
    fn dateline_bare_dash_and_non_datelines() {
        let t = analyse("LONDON — Shares fell.");
        assert_eq!(t.dateline().map(|d| t.slice(d.place)), Some("LONDON"));
        assert!(analyse("London — Shares fell.").dateline().is_none());
        assert!(analyse("The Kremlin said - nothing.").dateline().is_none());
        assert!(analyse("Putin's remarks came as diplomats met.")
            .dateline()
            .is_none());
    }

    #[test]
    fn money_abbreviations_and_titles_without_periods() {
        assert_eq!(
            toks("profits of $1.13bn (£600m), e.g. at AT&T"),
            vec!["profits", "of", "$1.13bn", "(", "£600m", ")", ",", "e.g.", "at", "AT&T"]
        );
        assert_eq!(
            sents("Mr Blair met Sen. Kerry, i.e. the nominee. He left."),
            vec!["Mr Blair met Sen. Kerry, i.e. the nominee.", "He left."]
        );
        assert_eq!(
            sents("He said no. Then he left."),
            vec!["He said no.", "Then he left."]
        );
    }

    #[test]
    fn question_and_exclamation_marks_with_closing_brackets() {
        assert_eq!(
            sents("Really?! (Yes.) Fine."),
            vec!["Really?!", "(Yes.)", "Fine."]
        );
    }

    #[test]
    fn spaces_and_word_count() {
        let t = analyse("  Hello,\u{a0}world!  ");
        assert_eq!(t.word_count(), 2);
        assert_eq!(t.tokens().len(), 4);
        assert!(t.tokens()[0].starts_paragraph());
        assert!(!t.tokens()[1].space_before());
        assert!(analyse("").tokens().is_empty());
        assert!(analyse("").sentences().is_empty());
    }
}
