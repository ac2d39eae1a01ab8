//! `eval events`: the event coder scored on ConfliBERT quad classes (`sentence<TAB>0-4`) and on
//! PLOVER records (a JSON array of `{text, event, source, target}`).
//!
//! Each sentence or record text is enriched as an article of its own; the prediction is the
//! article's most confident event (quad class 0 when there is none; for PLOVER, the most
//! confident event that has a PLOVER type).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::article::Article;
use crate::enrich::{Enricher, Event};

/// Why an evaluation file could not be read.
#[derive(Debug)]
pub enum EventsEvalError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line or record is not in the expected format.
    Format {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl fmt::Display for EventsEvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventsEvalError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            EventsEvalError::Format {
                path,
                line,
                message,
            } => write!(f, "{} record {line}: {message}", path.display()),
        }
    }
}

impl std::error::Error for EventsEvalError {}

fn read(path: &Path) -> Result<String, EventsEvalError> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|source| EventsEvalError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn article(id: usize, body: &str) -> Article {
    Article::from_body(format!("eval-{id}"), body)
}

/// The most confident event (the first of equals), optionally among those with a PLOVER type.
pub fn most_confident(events: &[Event], with_plover: bool) -> Option<&Event> {
    let mut best: Option<&Event> = None;
    for e in events {
        if with_plover && e.plover.is_none() {
            continue;
        }
        if best.is_none_or(|b| e.confidence > b.confidence) {
            best = Some(e);
        }
    }
    best
}

/// Reads a ConfliBERT quad-class file: `sentence<TAB>label` with labels 0-4.
pub fn read_conflibert(path: &Path) -> Result<Vec<(String, u8)>, EventsEvalError> {
    let mut out = Vec::new();
    for (n, line) in read(path)?.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((sentence, label)) = line.rsplit_once('\t') else {
            return Err(EventsEvalError::Format {
                path: path.to_path_buf(),
                line: n + 1,
                message: "no TAB before the label".into(),
            });
        };
        let label: u8 = match label.trim().parse() {
            Ok(l) if l <= 4 => l,
            _ => {
                return Err(EventsEvalError::Format {
                    path: path.to_path_buf(),
                    line: n + 1,
                    message: format!("label {label:?} is not 0-4"),
                })
            }
        };
        out.push((sentence.to_string(), label));
    }
    Ok(out)
}

/// Quad-class scores.
#[derive(Debug, Clone, Serialize)]
pub struct ConflibertScores {
    pub accuracy: f64,
    pub macro_f1: f64,
    /// F1 per class 0-4.
    pub per_class_f1: Vec<f64>,
    /// `confusion[gold][predicted]`.
    pub confusion: Vec<Vec<usize>>,
    pub sentences: usize,
}

/// Accuracy and macro-F1 of predicted against gold labels (classes `0..n`).
pub fn classification_scores(pairs: &[(u8, u8)], n: usize) -> ConflibertScores {
    let mut confusion = vec![vec![0usize; n]; n];
    for &(g, p) in pairs {
        if (g as usize) < n && (p as usize) < n {
            confusion[g as usize][p as usize] += 1;
        }
    }
    let correct: usize = (0..n).map(|c| confusion[c][c]).sum();
    let mut per_class_f1 = Vec::with_capacity(n);
    for c in 0..n {
        let tp = confusion[c][c] as f64;
        let gold: usize = confusion[c].iter().sum();
        let pred: usize = confusion.iter().map(|r| r[c]).sum();
        let p = if pred == 0 { 0.0 } else { tp / pred as f64 };
        let r = if gold == 0 { 0.0 } else { tp / gold as f64 };
        per_class_f1.push(if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        });
    }
    ConflibertScores {
        accuracy: correct as f64 / pairs.len().max(1) as f64,
        macro_f1: per_class_f1.iter().sum::<f64>() / n.max(1) as f64,
        per_class_f1,
        confusion,
        sentences: pairs.len(),
    }
}

/// The quad class the enricher predicts for one sentence.
pub fn predict_quad(enricher: &Enricher, id: usize, sentence: &str) -> u8 {
    let enrichment = enricher.enrich(&article(id, sentence));
    most_confident(&enrichment.events, false).map_or(0, |e| e.cameo.quad_class)
}

/// Scores quad-class predictions on a ConfliBERT file.
pub fn eval_conflibert(
    enricher: &Enricher,
    path: &Path,
) -> Result<ConflibertScores, EventsEvalError> {
    let data = read_conflibert(path)?;
    let pairs: Vec<(u8, u8)> = data
        .iter()
        .enumerate()
        .map(|(i, (s, g))| (*g, predict_quad(enricher, i, s)))
        .collect();
    Ok(classification_scores(&pairs, 5))
}

/// One PLOVER record: its text, gold type and gold source/target countries (empty = none).
#[derive(Debug, Clone, PartialEq)]
pub struct PloverRecord {
    pub text: String,
    pub event: String,
    pub source: Vec<String>,
    pub target: Vec<String>,
}

fn countries(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.get("code").and_then(Value::as_str))
            .filter(|c| !c.is_empty())
            .map(|c| c.get(..3).unwrap_or(c).to_ascii_uppercase())
            .collect(),
        Some(Value::Object(_)) => v
            .and_then(|o| o.get("code"))
            .and_then(Value::as_str)
            .map(|c| vec![c.get(..3).unwrap_or(c).to_ascii_uppercase()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Reads PLOVER records: a JSON array; records without a `text` are skipped.
pub fn read_plover(path: &Path) -> Result<Vec<PloverRecord>, EventsEvalError> {
    let raw = read(path)?;
    let value: Value = serde_json::from_str(&raw).map_err(|e| EventsEvalError::Format {
        path: path.to_path_buf(),
        line: e.line(),
        message: e.to_string(),
    })?;
    let Value::Array(items) = value else {
        return Err(EventsEvalError::Format {
            path: path.to_path_buf(),
            line: 1,
            message: "expected a JSON array".into(),
        });
    };
    let mut out = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let Some(text) = item.get("text").and_then(Value::as_str) else {
            continue;
        };
        let event =
            item.get("event")
                .and_then(Value::as_str)
                .ok_or_else(|| EventsEvalError::Format {
                    path: path.to_path_buf(),
                    line: n + 1,
                    message: "a record with text has no event type".into(),
                })?;
        out.push(PloverRecord {
            text: text.to_string(),
            event: event.trim().to_ascii_uppercase(),
            source: countries(item.get("source")),
            target: countries(item.get("target")),
        });
    }
    Ok(out)
}

/// PLOVER scores.
#[derive(Debug, Clone, Serialize)]
pub struct PloverScores {
    /// Share of records whose predicted PLOVER type is the gold one.
    pub type_accuracy: f64,
    /// Share of records whose predicted source and target countries both match (a side with
    /// no gold actor matches only when nothing is predicted for it).
    pub actor_match: f64,
    pub records: usize,
}

fn country_matches(gold: &[String], predicted: Option<&str>) -> bool {
    match predicted {
        None => gold.is_empty(),
        Some(p) => gold.iter().any(|g| g == p),
    }
}

/// The country part of an actor code ("RUSGOV" -> "RUS"); none for codes without one.
fn country_of(code: &str) -> Option<&str> {
    let c = code.get(..3)?;
    let sectors_only = matches!(
        c,
        "GOV"
            | "MIL"
            | "COP"
            | "JUD"
            | "LEG"
            | "MED"
            | "IGO"
            | "NGO"
            | "BUS"
            | "OPP"
            | "REB"
            | "CVL"
            | "ELI"
            | "WST"
            | "EUR"
            | "AFR"
            | "ARB"
            | "ASA"
            | "LAM"
    );
    (!sectors_only).then_some(c)
}

/// Scores PLOVER records.
pub fn eval_plover(enricher: &Enricher, path: &Path) -> Result<PloverScores, EventsEvalError> {
    let records = read_plover(path)?;
    let (mut types, mut actors) = (0usize, 0usize);
    for (i, r) in records.iter().enumerate() {
        let enrichment = enricher.enrich(&article(i, &r.text));
        let best = most_confident(&enrichment.events, true);
        if best.and_then(|e| e.plover.as_deref()) == Some(r.event.as_str()) {
            types += 1;
        }
        let src = best
            .and_then(|e| e.source.as_ref())
            .and_then(|a| country_of(&a.code));
        let tgt = best
            .and_then(|e| e.target.as_ref())
            .and_then(|a| country_of(&a.code));
        if country_matches(&r.source, src) && country_matches(&r.target, tgt) {
            actors += 1;
        }
    }
    let n = records.len().max(1) as f64;
    Ok(PloverScores {
        type_accuracy: types as f64 / n,
        actor_match: actors as f64 / n,
        records: records.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_arithmetic() {
        let s = classification_scores(&[(0, 0), (1, 1), (1, 0), (2, 2)], 3);
        assert!((s.accuracy - 0.75).abs() < 1e-9);
        // class 0: p 0.5 r 1 f 2/3; class 1: p 1 r 0.5 f 2/3; class 2: f 1
        assert!((s.macro_f1 - (2.0 / 3.0 + 2.0 / 3.0 + 1.0) / 3.0).abs() < 1e-9);
    }

    #[test]
    fn plover_records_accept_lists_strings_and_missing_actors() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plover-sample.json");
        let records = read_plover(&path).unwrap();
        assert!(records.len() >= 4);
        assert_eq!(records[0].event, "SANCTION");
        assert_eq!(records[0].source, vec!["USA".to_string()]);
        assert!(records.iter().any(|r| r.target.is_empty()));
        assert_eq!(country_of("RUSGOV"), Some("RUS"));
        assert_eq!(country_of("WSTELI"), None);
    }
}
