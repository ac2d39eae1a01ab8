//! Words as PETRARCH dictionaries see them: upper case, punctuation, possessive `'S` and
//! `N'T` split off Treebank-style, with byte offsets into the text they came from.

/// One word of a sentence or of a dictionary phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Upper-cased form, as dictionary entries are written.
    pub up: String,
    pub start: usize,
    pub end: usize,
    /// Whether the word began with a capital letter in the text.
    pub capital: bool,
}

impl Word {
    pub fn is_punct(&self) -> bool {
        !self.up.chars().any(char::is_alphanumeric)
    }
}

const LEADING: &[char] = &['"', '(', '[', '{', '\'', '`', '\u{201c}', '\u{2018}'];
const TRAILING: &[char] = &[
    ',', ';', ':', '!', '?', '"', ')', ']', '}', '\u{201d}', '\u{2019}', '\'',
];

/// Splits `text` into words. `_` counts as a space (dictionary phrases use it).
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || c == '_' {
            if let Some(s) = start.take() {
                chunk(text, s, i, &mut out);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        chunk(text, s, text.len(), &mut out);
    }
    out
}

fn push(text: &str, start: usize, end: usize, out: &mut Vec<Word>) {
    if start >= end {
        return;
    }
    let s = &text[start..end];
    out.push(Word {
        up: s.to_uppercase().replace('\u{2019}', "'"),
        start,
        end,
        capital: s.chars().next().is_some_and(char::is_uppercase),
    });
}

/// One whitespace-delimited chunk: peel punctuation, then split `'S` and `N'T`.
fn chunk(text: &str, mut start: usize, mut end: usize, out: &mut Vec<Word>) {
    while let Some(c) = text[start..end].chars().next() {
        if !LEADING.contains(&c) {
            break;
        }
        push(text, start, start + c.len_utf8(), out);
        start += c.len_utf8();
    }
    let mut tail = Vec::new();
    loop {
        let s = &text[start..end];
        let Some(c) = s.chars().next_back() else {
            break;
        };
        let n = c.len_utf8();
        let peel = if TRAILING.contains(&c) {
            // Keep the apostrophe of "N'T" and "'S" handled below; a lone closing quote goes.
            true
        } else if c == '.' {
            // "U.S." and "K.U." keep their final full stop; a sentence's does not.
            let body = &s[..s.len() - n];
            !(body.contains('.')
                || body.chars().count() == 1 && body.chars().all(char::is_alphabetic))
        } else {
            false
        };
        if !peel || s.len() == n {
            if peel {
                tail.push((start, end));
                end = start;
            }
            break;
        }
        tail.push((end - n, end));
        end -= n;
    }
    if start < end {
        let s = &text[start..end];
        let up = s.to_uppercase().replace('\u{2019}', "'");
        // Byte position of the last apostrophe in the original text (' or ’).
        let apostrophe = s.rfind(['\'', '\u{2019}']).map(|a| start + a);
        match apostrophe {
            // "can't" -> CA N'T, "won't" -> WO N'T, "didn't" -> DID N'T.
            Some(a) if up.len() > 3 && up.ends_with("N'T") && a > start + 1 => {
                push(text, start, a - 1, out);
                push(text, a - 1, end, out);
            }
            Some(a) if up.len() > 2 && up.ends_with("'S") && a > start => {
                push(text, start, a, out);
                push(text, a, end, out);
            }
            _ => push(text, start, end, out),
        }
    }
    for (s, e) in tail.into_iter().rev() {
        push(text, s, e, out);
    }
}

/// Upper-case words of a dictionary phrase (`_` and spaces separate words).
pub fn phrase(text: &str) -> Vec<String> {
    words(text).into_iter().map(|w| w.up).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ups(s: &str) -> Vec<String> {
        phrase(s)
    }

    #[test]
    fn splits_possessives_contractions_and_punctuation() {
        assert_eq!(
            ups("Gondor's army didn't go, it seems."),
            ["GONDOR", "'S", "ARMY", "DID", "N'T", "GO", ",", "IT", "SEEMS", "."]
        );
        assert_eq!(ups("won't can't"), ["WO", "N'T", "CA", "N'T"]);
    }

    #[test]
    fn keeps_abbreviations_and_hyphens() {
        assert_eq!(ups("the U.S. and K.U."), ["THE", "U.S.", "AND", "K.U."]);
        assert_eq!(
            ups("an anti- Gondor Barad-dur"),
            ["AN", "ANTI-", "GONDOR", "BARAD-DUR"]
        );
        assert_eq!(ups("Dol_Amroth"), ["DOL", "AMROTH"]);
    }

    #[test]
    fn offsets_point_into_the_text() {
        assert_eq!(
            ups("the world\u{2019}s can\u{2019}t"),
            ["THE", "WORLD", "'S", "CA", "N'T"]
        );
        let text = "(Arnor's) ties in the world\u{2019}s.";
        for w in words(text) {
            assert_eq!(
                text[w.start..w.end].to_uppercase().replace('\u{2019}', "'"),
                w.up
            );
        }
    }
}
