//! Universal Dependencies CoNLL-U reader and `eval pos`: tagging accuracy of the POS model on
//! the project's own tokens, with UD tags projected onto them.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::enrich::pos::{PosTagger, Tag, Upos};
use crate::enrich::text::{analyse, Text};

/// Why a CoNLL-U file could not be read.
#[derive(Debug)]
pub enum ConlluError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for ConlluError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConlluError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for ConlluError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConlluError::Io { source, .. } => Some(source),
        }
    }
}

/// One surface token of a UD sentence: its form and the tags and lemmas of its syntactic
/// words (more than one for contractions such as "don't" = "do" + "n't").
#[derive(Debug, Clone, PartialEq)]
pub struct UdToken {
    pub form: String,
    pub words: Vec<(Tag, String)>,
}

/// One UD sentence: its text and surface tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct UdSentence {
    pub text: String,
    pub tokens: Vec<UdToken>,
}

/// Reads a CoNLL-U file. Sentences without a `# text =` line get their tokens joined by
/// spaces.
pub fn read(path: &Path) -> Result<Vec<UdSentence>, ConlluError> {
    let raw = std::fs::read(path).map_err(|source| ConlluError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse(&String::from_utf8_lossy(&raw)))
}

/// Parses CoNLL-U text (see [`read`]).
pub fn parse(s: &str) -> Vec<UdSentence> {
    let mut out = Vec::new();
    let mut text: Option<String> = None;
    let mut tokens: Vec<UdToken> = Vec::new();
    // The word ids still covered by the last multiword token.
    let mut multi_end = 0usize;
    let mut flush = |text: &mut Option<String>, tokens: &mut Vec<UdToken>| {
        if !tokens.is_empty() {
            let t = text.take().unwrap_or_else(|| {
                tokens
                    .iter()
                    .map(|t| t.form.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            out.push(UdSentence {
                text: t,
                tokens: std::mem::take(tokens),
            });
        }
        *text = None;
    };
    for line in s.lines() {
        if line.trim().is_empty() {
            flush(&mut text, &mut tokens);
            multi_end = 0;
            continue;
        }
        if let Some(t) = line.strip_prefix("# text = ") {
            text = Some(t.to_string());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 5 {
            continue;
        }
        let id = cols[0];
        if id.contains('.') {
            continue; // empty nodes
        }
        if let Some((_, b)) = id.split_once('-') {
            multi_end = b.parse().unwrap_or(0);
            tokens.push(UdToken {
                form: cols[1].to_string(),
                words: Vec::new(),
            });
            continue;
        }
        let n: usize = id.parse().unwrap_or(0);
        let tag = Tag::from_ud(Upos::parse(cols[3]).unwrap_or(Upos::X), cols[4]);
        let word = (tag, cols[2].to_string());
        match tokens.last_mut() {
            Some(last) if n <= multi_end => last.words.push(word),
            _ => tokens.push(UdToken {
                form: cols[1].to_string(),
                words: vec![word],
            }),
        }
    }
    flush(&mut text, &mut tokens);
    out
}

/// Projects a UD sentence's tags onto our tokens of its text: the k-th of our tokens inside a
/// UD token takes the tag of its k-th word (the last word when there are fewer words). Our
/// tokens that no UD token covers are `None`.
pub fn project(sentence: &UdSentence, text: &Text) -> Vec<Option<Tag>> {
    let body = text.body();
    // Byte spans of the UD tokens, found in order in the text.
    let mut spans = Vec::with_capacity(sentence.tokens.len());
    let mut pos = 0;
    for t in &sentence.tokens {
        match body.get(pos..).and_then(|rest| rest.find(t.form.as_str())) {
            Some(off) => {
                let start = pos + off;
                spans.push(Some((start, start + t.form.len())));
                pos = start + t.form.len();
            }
            None => spans.push(None),
        }
    }
    let mut out = Vec::with_capacity(text.tokens().len());
    let mut k = 0;
    let mut piece = 0;
    let mut last_ud = usize::MAX;
    for tok in text.tokens() {
        while k < spans.len() && spans[k].is_none_or(|(_, e)| e <= tok.start()) {
            k += 1;
        }
        let tag = match (spans.get(k).copied().flatten(), sentence.tokens.get(k)) {
            (Some((s, e)), Some(ud)) if tok.start() >= s && tok.start() < e => {
                if last_ud == k {
                    piece += 1;
                } else {
                    piece = 0;
                    last_ud = k;
                }
                ud.words
                    .get(piece.min(ud.words.len().saturating_sub(1)))
                    .map(|w| w.0)
            }
            _ => None,
        };
        out.push(tag);
    }
    out
}

/// Accuracy of the POS tagger on a CoNLL-U file.
#[derive(Debug, Clone, Serialize)]
pub struct PosScores {
    /// Share of our tokens (those a UD token covers) with the right UPOS tag.
    pub upos_accuracy: f64,
    /// Share with the right UPOS tag and, for verbs, the right Penn verb form.
    pub label_accuracy: f64,
    pub tokens: usize,
    pub sentences: usize,
}

/// Scores `tagger` on UD sentences.
pub fn score(tagger: &PosTagger, sentences: &[UdSentence]) -> PosScores {
    let (mut n, mut upos, mut full) = (0usize, 0usize, 0usize);
    let mut scratch = Default::default();
    let mut tags = Vec::new();
    for s in sentences {
        let text = analyse(&s.text);
        let gold = project(s, &text);
        tags.clear();
        tagger.tag_range(&text, 0..text.tokens().len(), None, &mut scratch, &mut tags);
        for (g, p) in gold.iter().zip(&tags) {
            let Some(g) = g else { continue };
            n += 1;
            upos += usize::from(g.upos == p.upos);
            full += usize::from(g == p);
        }
    }
    let d = n.max(1) as f64;
    PosScores {
        upos_accuracy: upos as f64 / d,
        label_accuracy: full as f64 / d,
        tokens: n,
        sentences: sentences.len(),
    }
}

/// Reads a CoNLL-U file and scores `tagger` on it.
pub fn eval_pos(tagger: &PosTagger, path: &Path) -> Result<PosScores, ConlluError> {
    Ok(score(tagger, &read(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::pos::VerbForm;

    const SAMPLE: &str = "# sent_id = x
# text = They don't meet.
1\tThey\tthey\tPRON\tPRP\t_\t3\tnsubj\t_\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\t_\t3\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t3\tadvmod\t_\t_
4\tmeet\tmeet\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No
5\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

";

    #[test]
    fn multiword_tokens_project_word_by_word() {
        let s = parse(SAMPLE);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].tokens.len(), 4);
        assert_eq!(s[0].tokens[1].words.len(), 2);
        let text = analyse(&s[0].text);
        let tags: Vec<Option<Upos>> = project(&s[0], &text)
            .iter()
            .map(|t| t.map(|t| t.upos))
            .collect();
        assert_eq!(
            tags,
            vec![
                Some(Upos::Pron),
                Some(Upos::Aux),
                Some(Upos::Part),
                Some(Upos::Verb),
                Some(Upos::Punct)
            ]
        );
        assert_eq!(s[0].tokens[1].words[0].0.form, VerbForm::Present);
    }
}
