//! `eval events --petrarch`: PETRARCH2 validation records (`<Sentence>` with
//! `<EventCoding sourcecode targetcode eventcode>` and `<Text>`) and their scores: the share
//! of sentences whose (source, target, code) set is produced exactly, and triple P/R/F1.
//!
//! The gold `<Parse>` trees are never read: the coder parses for itself.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;

use crate::article::{Article, Published};
use crate::dictionaries::{self, DictionaryFiles};
use crate::enrich::petrarch::{code_sentence_hinted, verb_hints, DictionaryError, Sizes, Skipped};
use crate::enrich::pos::PosTagger;
use crate::enrich::text::{analyse, Span as TextSpan};
use crate::enrich::Enricher;

/// (source, target, CAMEO code).
pub type Triple = (String, String, String);

/// The records file or the dictionaries could not be read: nothing is scored.
#[derive(Debug)]
pub enum PetrarchEvalError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Dictionaries(DictionaryError),
}

impl fmt::Display for PetrarchEvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PetrarchEvalError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            PetrarchEvalError::Dictionaries(err) => write!(f, "dictionaries: {err}"),
        }
    }
}

impl std::error::Error for PetrarchEvalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PetrarchEvalError::Io { source, .. } => Some(source),
            PetrarchEvalError::Dictionaries(err) => Some(err),
        }
    }
}

/// One validation record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub category: String,
    /// YYYYMMDD.
    pub date: Option<u32>,
    pub text: String,
    pub expected: BTreeSet<Triple>,
}

/// The records of a file, and the dictionary files its `<Environment>` names, if any.
pub fn parse_records(xml: &str) -> (Vec<Record>, Option<DictionaryFiles>) {
    let xml = strip_comments(xml);
    let env = element(&xml, "Environment").map(|env| {
        let one = |tag: &str| element(env, tag).map(|s| s.trim().to_string());
        let defaults = DictionaryFiles::default();
        DictionaryFiles {
            verbs: one("Verbfile").unwrap_or(defaults.verbs),
            actors: one("Actorfile").map_or(defaults.actors, |a| {
                a.split(',').map(|s| s.trim().to_string()).collect()
            }),
            agents: one("Agentfile").map_or(defaults.agents, |a| vec![a]),
            discards: one("Discardfile").map_or(defaults.discards, |a| vec![a]),
        }
    });
    let mut records = Vec::new();
    let mut rest = xml.as_str();
    while let Some(open) = rest.find("<Sentence ") {
        let after = &rest[open..];
        let Some(close) = after.find("</Sentence>") else {
            break;
        };
        let body = &after[..close];
        rest = &after[close + "</Sentence>".len()..];
        let head = &body[..body.find('>').unwrap_or(body.len())];
        let mut expected = BTreeSet::new();
        let mut codings = body;
        while let Some(at) = codings.find("<EventCoding") {
            let tag = &codings[at..];
            let end = tag.find('>').unwrap_or(tag.len());
            let tag_text = &tag[..end];
            if let (Some(s), Some(t), Some(c)) = (
                attribute(tag_text, "sourcecode"),
                attribute(tag_text, "targetcode"),
                attribute(tag_text, "eventcode"),
            ) {
                expected.insert((s, t, c));
            }
            codings = &tag[end..];
        }
        let text = element(body, "Text").map(unescape).unwrap_or_default();
        records.push(Record {
            id: attribute(head, "id").unwrap_or_default(),
            category: attribute(head, "category").unwrap_or_default(),
            date: attribute(head, "date").and_then(|d| d.parse().ok()),
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            expected,
        });
    }
    (records, env)
}

/// `<!-- ... -->` removed, then lines starting with `#`.
fn strip_comments(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(a) = rest.find("<!--") {
        out.push_str(&rest[..a]);
        match rest[a..].find("-->") {
            Some(b) => rest = &rest[a + b + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}");
    let a = xml.find(&open)?;
    let start = a + xml[a..].find('>')? + 1;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..end])
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let a = tag.find(&key)? + key.len();
    let b = tag[a..].find('"')?;
    Some(unescape(&tag[a..a + b]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Scores of one run.
#[derive(Debug, Clone, Serialize)]
pub struct PetrarchScores {
    pub sentences: usize,
    pub exact_sentences: usize,
    pub exact_sentence_share: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    /// Coding time for all sentences (dictionary loading excluded).
    pub seconds: f64,
    pub coder: String,
    pub dictionary_load_seconds: Option<f64>,
    pub dictionary_sizes: Option<Sizes>,
    pub dictionary_lines_skipped: Option<usize>,
    #[serde(skip)]
    pub mismatches: Vec<Mismatch>,
    /// Dictionary lines skipped, as PETRARCH would skip them.
    #[serde(skip)]
    pub skipped: Vec<Skipped>,
}

/// A record not coded exactly, for error analysis.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub id: String,
    pub text: String,
    pub expected: BTreeSet<Triple>,
    pub produced: BTreeSet<Triple>,
}

/// Scores `records` with `code` (text, date -> triples).
pub fn score(
    records: &[Record],
    mut code: impl FnMut(&str, Option<u32>) -> Vec<Triple>,
) -> PetrarchScores {
    let started = Instant::now();
    let (mut exact, mut tp, mut fp, mut fn_) = (0, 0, 0, 0);
    let mut mismatches = Vec::new();
    for r in records {
        let produced: BTreeSet<Triple> = code(&r.text, r.date).into_iter().collect();
        let hits = produced.intersection(&r.expected).count();
        tp += hits;
        fp += produced.len() - hits;
        fn_ += r.expected.len() - hits;
        if produced == r.expected {
            exact += 1;
        } else {
            mismatches.push(Mismatch {
                id: r.id.clone(),
                text: r.text.clone(),
                expected: r.expected.clone(),
                produced,
            });
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    PetrarchScores {
        sentences: records.len(),
        exact_sentences: exact,
        exact_sentence_share: ratio(exact, records.len()),
        precision,
        recall,
        f1,
        true_positives: tp,
        false_positives: fp,
        false_negatives: fn_,
        seconds: started.elapsed().as_secs_f64(),
        coder: String::new(),
        dictionary_load_seconds: None,
        dictionary_sizes: None,
        dictionary_lines_skipped: None,
        mismatches,
        skipped: Vec::new(),
    }
}

/// Runs the records in `file`: with the PETRARCH dictionaries in `dictionaries` (the files
/// the records' `<Environment>` names, else PETRARCH2's defaults), or with the built-in
/// events stage when `dictionaries` is None.
pub fn eval_petrarch(
    file: &Path,
    dictionaries: Option<&Path>,
    enricher: Option<&Enricher>,
    pos: Option<&PosTagger>,
) -> Result<PetrarchScores, PetrarchEvalError> {
    let xml = std::fs::read_to_string(file).map_err(|source| PetrarchEvalError::Io {
        path: file.to_path_buf(),
        source,
    })?;
    let (records, env) = parse_records(&xml);
    match (dictionaries, enricher) {
        (Some(dir), _) => {
            let files = env.unwrap_or_default();
            let loaded =
                dictionaries::load(dir, &files).map_err(PetrarchEvalError::Dictionaries)?;
            let d = &loaded.dictionaries;
            let mut scores = score(&records, |text, date| {
                let hints = match pos {
                    Some(pos) => {
                        let analysed = analyse(text);
                        let tags = pos.tag(&analysed);
                        verb_hints(&analysed, &tags, TextSpan::new(0, text.len()))
                    }
                    None => Vec::new(),
                };
                code_sentence_hinted(d, text, date, &hints)
                    .into_iter()
                    .map(|c| (c.source, c.target, c.code))
                    .collect()
            });
            scores.coder = format!(
                "petrarch dictionaries in {}{}",
                dir.display(),
                if pos.is_some() { ", POS-tagged" } else { "" }
            );
            scores.dictionary_load_seconds = Some(loaded.seconds);
            scores.dictionary_sizes = Some(d.sizes());
            scores.dictionary_lines_skipped = Some(d.skipped.len());
            scores.skipped = d.skipped.clone();
            Ok(scores)
        }
        (None, Some(enricher)) => {
            let mut scores = score(&records, |text, date| built_in(enricher, text, date));
            scores.coder = "built-in lexicon".into();
            Ok(scores)
        }
        (None, None) => Ok(score(&records, |_, _| Vec::new())),
    }
}

/// The built-in events stage on one sentence, as triples.
fn built_in(enricher: &Enricher, text: &str, date: Option<u32>) -> Vec<Triple> {
    let published = date
        .and_then(|d| NaiveDate::from_ymd_opt((d / 10000) as i32, d / 100 % 100, d % 100))
        .map(Published::from_date);
    let article = Article {
        published,
        ..Article::from_body("petrarch", text)
    };
    enricher
        .enrich(&article)
        .events
        .into_iter()
        .filter_map(|e| Some((e.source?.code, e.target?.code, e.cameo.code)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<Validation>
<Environment>
    <Verbfile>V.txt</Verbfile>
    <Actorfile>A.txt</Actorfile>
</Environment>
<!-- <Sentence date="1" id="GONE"><Text>x</Text></Sentence> -->
<Sentence date="19950101" id="DEMO-00" category="DEMO" sentence="true">
<EventCoding sourcecode="ARN" targetcode="GON" eventcode="064"></EventCoding>
<Text>
Arnor is about to restore
 ties &amp; more with Gondor.
</Text>
<Parse>(ROOT (S (NP (NNP Arnor))))</Parse>
</Sentence>
# a comment line
<Sentence date="19950102" id="NONE" category="X" sentence="true">
<Text>Nothing.</Text>
</Sentence>
</Validation>"#;

    #[test]
    fn reads_records_and_environment() {
        let (records, env) = parse_records(XML);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].id, "DEMO-00");
        assert_eq!(records[0].date, Some(19950101));
        assert_eq!(
            records[0].text,
            "Arnor is about to restore ties & more with Gondor."
        );
        assert!(records[0]
            .expected
            .contains(&("ARN".into(), "GON".into(), "064".into())));
        assert!(records[1].expected.is_empty());
        let env = env.unwrap_or_default();
        assert_eq!(env.verbs, "V.txt");
        assert_eq!(env.actors, ["A.txt"]);
    }

    #[test]
    fn exact_sets_and_triple_scores() {
        let (records, _) = parse_records(XML);
        let s = score(&records, |text, _| {
            if text.starts_with("Arnor") {
                vec![
                    ("ARN".into(), "GON".into(), "064".into()),
                    ("GON".into(), "ARN".into(), "064".into()),
                ]
            } else {
                Vec::new()
            }
        });
        assert_eq!(s.exact_sentences, 1);
        assert!((s.precision - 0.5).abs() < 1e-9);
        assert!((s.recall - 1.0).abs() < 1e-9);
        assert_eq!(s.mismatches[0].id, "DEMO-00");
    }
}

#[cfg(test)]
mod shared_data {
    use super::*;

    const RECORDS: &str = "../shared/eval/petrarch2/text/PETR.UnitTest.records.xml";
    const DICTIONARIES: &str = "../shared/eval/petrarch2/dictionaries";

    #[test]
    fn petrarch_unit_tests_with_their_own_dictionaries() {
        if !Path::new(RECORDS).exists() {
            eprintln!("skipped: {RECORDS} is absent");
            return;
        }
        let scores = eval_petrarch(
            Path::new(RECORDS),
            Some(Path::new(DICTIONARIES)),
            None,
            None,
        );
        let Ok(scores) = scores else {
            panic!("the PETRARCH unit tests do not run: {scores:?}");
        };
        assert_eq!(scores.sentences, 284);
        assert!(scores.exact_sentence_share >= 0.70, "{scores:?}");
        assert_eq!(scores.dictionary_lines_skipped, Some(0));
    }

    #[test]
    fn phoenix_dictionaries_load() {
        if !Path::new(DICTIONARIES).exists() {
            eprintln!("skipped: {DICTIONARIES} is absent");
            return;
        }
        let loaded = dictionaries::load(Path::new(DICTIONARIES), &DictionaryFiles::default());
        let Ok(loaded) = loaded else {
            panic!("the Phoenix dictionaries do not load: {loaded:?}");
        };
        let sizes = loaded.dictionaries.sizes();
        assert!(
            sizes.actors > 20_000 && sizes.verb_patterns > 4_000,
            "{sizes:?}"
        );
    }
}
