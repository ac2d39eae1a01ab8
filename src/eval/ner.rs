//! CoNLL-2003 NER: reading the 4-column files, rebuilding document bodies from their tokens, and
//! exact-span micro precision/recall/F1 of a [`Recognizer`] overall and per type.
//!
//! Each document's sentences are joined with spaces and separated by blank lines, analysed with
//! [`analyse`] and recognised with the real code path; predicted byte spans are mapped back to the
//! CoNLL tokens that contain their first and last bytes.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::enrich::ner::{ConllType, Recognizer};
use crate::enrich::text::{analyse, Span};

/// Why a CoNLL file could not be read.
#[derive(Debug)]
pub enum ConllError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line with too few columns, or an unknown tag.
    Malformed {
        path: PathBuf,
        line: usize,
        what: &'static str,
    },
}

impl fmt::Display for ConllError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConllError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ConllError::Malformed { path, line, what } => {
                write!(f, "{}:{line}: {what}", path.display())
            }
        }
    }
}

impl std::error::Error for ConllError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConllError::Io { source, .. } => Some(source),
            ConllError::Malformed { .. } => None,
        }
    }
}

/// One NER tag as read (IOB1 or IOB2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    O,
    B(ConllType),
    I(ConllType),
}

impl Tag {
    fn parse(s: &str) -> Option<Tag> {
        if s == "O" {
            return Some(Tag::O);
        }
        let (bi, t) = s.split_once('-')?;
        let t = ConllType::parse(t)?;
        match bi {
            "B" => Some(Tag::B(t)),
            "I" => Some(Tag::I(t)),
            _ => None,
        }
    }
}

/// One CoNLL document: sentences of (token, tag).
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub sentences: Vec<Vec<(String, Tag)>>,
}

/// A document rebuilt as text: the body and each token's byte span, in order.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    pub body: String,
    pub spans: Vec<Span>,
    pub tags: Vec<Tag>,
}

impl Document {
    /// Joins tokens with spaces and sentences with blank lines.
    pub fn rebuild(&self) -> Rebuilt {
        let mut body = String::new();
        let mut spans = Vec::new();
        let mut tags = Vec::new();
        for (si, s) in self.sentences.iter().enumerate() {
            if si > 0 {
                body.push_str("\n\n");
            }
            for (ti, (tok, tag)) in s.iter().enumerate() {
                if ti > 0 {
                    body.push(' ');
                }
                let start = body.len();
                body.push_str(tok);
                spans.push(Span::new(start, body.len()));
                tags.push(*tag);
            }
        }
        Rebuilt { body, spans, tags }
    }

    pub fn token_count(&self) -> usize {
        self.sentences.iter().map(Vec::len).sum()
    }
}

/// Reads a CoNLL-2003 file (columns `token POS chunk NER`; the last column is the tag).
pub fn read(path: &Path) -> Result<Vec<Document>, ConllError> {
    let raw = std::fs::read(path).map_err(|source| ConllError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let contents = String::from_utf8_lossy(&raw);
    let mut docs = Vec::new();
    let mut doc = Document::default();
    let mut sent = Vec::new();
    for (n, line) in contents.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() {
            if !sent.is_empty() {
                doc.sentences.push(std::mem::take(&mut sent));
            }
            continue;
        }
        if line.starts_with("-DOCSTART-") {
            if !sent.is_empty() {
                doc.sentences.push(std::mem::take(&mut sent));
            }
            if !doc.sentences.is_empty() {
                docs.push(std::mem::take(&mut doc));
            }
            continue;
        }
        let mut cols = line.split_whitespace();
        let (Some(tok), Some(tag)) = (cols.next(), cols.next_back()) else {
            return Err(ConllError::Malformed {
                path: path.to_path_buf(),
                line: n + 1,
                what: "expected at least two columns",
            });
        };
        let Some(tag) = Tag::parse(tag) else {
            return Err(ConllError::Malformed {
                path: path.to_path_buf(),
                line: n + 1,
                what: "unknown NER tag",
            });
        };
        sent.push((tok.to_string(), tag));
    }
    if !sent.is_empty() {
        doc.sentences.push(sent);
    }
    if !doc.sentences.is_empty() {
        docs.push(doc);
    }
    Ok(docs)
}

/// Gold spans `(first token, end token, type)` from IOB1 or IOB2 tags.
pub fn gold_spans(
    tags: &[Tag],
    sentence_starts: &HashSet<usize>,
) -> Vec<(usize, usize, ConllType)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, ConllType)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let continues = match (tag, open) {
            (Tag::I(t), Some((_, o))) => *t == o && !sentence_starts.contains(&i),
            _ => false,
        };
        if continues {
            continue;
        }
        if let Some((s, t)) = open.take() {
            out.push((s, i, t));
        }
        match tag {
            Tag::B(t) | Tag::I(t) => open = Some((i, *t)),
            Tag::O => {}
        }
    }
    if let Some((s, t)) = open {
        out.push((s, tags.len(), t));
    }
    out
}

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Prf {
    fn from_counts(tp: usize, pred: usize, gold: usize) -> Prf {
        let p = if pred == 0 {
            0.0
        } else {
            tp as f64 / pred as f64
        };
        let r = if gold == 0 {
            0.0
        } else {
            tp as f64 / gold as f64
        };
        let f1 = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        Prf {
            precision: p,
            recall: r,
            f1,
        }
    }
}

/// Exact-span micro scores, overall and per CoNLL type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NerScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub per_type: BTreeMap<String, Prf>,
    /// (true positives, predicted, gold) overall.
    #[serde(skip)]
    pub counts: (usize, usize, usize),
    /// Documents and tokens scored.
    #[serde(skip)]
    pub documents: usize,
    #[serde(skip)]
    pub tokens: usize,
}

/// Counts per type: true positives, predicted, gold.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tp: usize,
    pred: usize,
    gold: usize,
}

/// Scores `recognizer` on the documents of a CoNLL file.
pub fn eval_ner(recognizer: &Recognizer, conll_file: &Path) -> Result<NerScores, ConllError> {
    let docs = read(conll_file)?;
    Ok(score_documents(recognizer, &docs))
}

/// Scores `recognizer` on documents already read.
pub fn score_documents(recognizer: &Recognizer, docs: &[Document]) -> NerScores {
    let mut per: BTreeMap<ConllType, Counts> = BTreeMap::new();
    let mut tokens = 0;
    for doc in docs {
        let rebuilt = doc.rebuild();
        tokens += rebuilt.spans.len();
        let mut starts = HashSet::new();
        let mut k = 0;
        for s in &doc.sentences {
            starts.insert(k);
            k += s.len();
        }
        let gold: HashSet<(usize, usize, ConllType)> =
            gold_spans(&rebuilt.tags, &starts).into_iter().collect();
        let text = analyse(&rebuilt.body);
        let pred: HashSet<(usize, usize, ConllType)> = recognizer
            .recognize(&text)
            .into_iter()
            .filter_map(|s| {
                let a = containing(&rebuilt.spans, s.start)?;
                let b = containing(&rebuilt.spans, s.end.saturating_sub(1))?;
                Some((a, b + 1, ConllType::of(s.kind)))
            })
            .collect();
        for g in &gold {
            per.entry(g.2).or_default().gold += 1;
        }
        for p in &pred {
            let c = per.entry(p.2).or_default();
            c.pred += 1;
            if gold.contains(p) {
                c.tp += 1;
            }
        }
    }
    let total = per.values().fold(Counts::default(), |a, c| Counts {
        tp: a.tp + c.tp,
        pred: a.pred + c.pred,
        gold: a.gold + c.gold,
    });
    let overall = Prf::from_counts(total.tp, total.pred, total.gold);
    NerScores {
        precision: overall.precision,
        recall: overall.recall,
        f1: overall.f1,
        per_type: ConllType::ALL
            .iter()
            .map(|t| {
                let c = per.get(t).copied().unwrap_or_default();
                (
                    t.as_str().to_string(),
                    Prf::from_counts(c.tp, c.pred, c.gold),
                )
            })
            .collect(),
        counts: (total.tp, total.pred, total.gold),
        documents: docs.len(),
        tokens,
    }
}

/// The index of the span containing byte `b`.
fn containing(spans: &[Span], b: usize) -> Option<usize> {
    let i = spans.partition_point(|s| s.end <= b);
    spans.get(i).filter(|s| s.start <= b).map(|_| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gold_spans_handle_iob1_and_iob2() {
        use ConllType::*;
        let t = [
            Tag::B(Per),
            Tag::I(Per),
            Tag::O,
            Tag::I(Loc),
            Tag::I(Loc),
            Tag::B(Loc),
            Tag::I(Org),
        ];
        let spans = gold_spans(&t, &HashSet::new());
        assert_eq!(
            spans,
            vec![(0, 2, Per), (3, 5, Loc), (5, 6, Loc), (6, 7, Org)]
        );
        // A sentence start closes an open span.
        let starts: HashSet<usize> = [1].into_iter().collect();
        assert_eq!(
            gold_spans(&[Tag::B(Per), Tag::I(Per)], &starts),
            vec![(0, 1, Per), (1, 2, Per)]
        );
    }

    #[test]
    fn rebuild_keeps_token_offsets() {
        let doc = Document {
            sentences: vec![
                vec![
                    ("EU".into(), Tag::B(ConllType::Org)),
                    ("rejects".into(), Tag::O),
                ],
                vec![("Peter".into(), Tag::B(ConllType::Per))],
            ],
        };
        let r = doc.rebuild();
        assert_eq!(r.body, "EU rejects\n\nPeter");
        assert_eq!(&r.body[r.spans[2].start..r.spans[2].end], "Peter");
        assert_eq!(containing(&r.spans, 3), Some(1));
        assert_eq!(containing(&r.spans, 2), None);
    }

    #[test]
    fn prf_arithmetic() {
        let p = Prf::from_counts(8, 10, 16);
        assert!((p.precision - 0.8).abs() < 1e-12);
        assert!((p.recall - 0.5).abs() < 1e-12);
        assert!((p.f1 - 2.0 * 0.4 / 1.3).abs() < 1e-12);
        assert_eq!(Prf::from_counts(0, 0, 0).f1, 0.0);
    }
}

#[cfg(test)]
mod dev_tests {
    use super::*;

    /// The committed model on the CoNLL-2003 dev set (skipped when the data is absent).
    #[test]
    fn embedded_model_scores_well_on_conll_dev() {
        let dev = Path::new("../shared/eval/conll2003/dev.iob2.txt");
        if !dev.exists() {
            eprintln!("skipping: {} is absent", dev.display());
            return;
        }
        let rec = Recognizer::load_embedded().unwrap();
        let s = eval_ner(&rec, dev).unwrap();
        assert_eq!(s.counts.2, 5942, "the dev set has 5,942 gold entities");
        assert!(s.f1 > 0.89, "dev F1 {:.4}", s.f1);
        let json = serde_json::to_value(&s).unwrap();
        for t in ["PER", "ORG", "LOC", "MISC"] {
            assert!(
                json["per_type"][t]["f1"].as_f64().unwrap_or(0.0) > 0.8,
                "{t}: {json}"
            );
        }
        assert!(json.get("counts").is_none());
    }
}
