//! PolNeAR (political news attribution relations): reader for `DIR/text/*.txt` with
//! `DIR/attributions/*.ann` brat standoff, and the content/speaker scorer for quotes.
//!
//! The `.ann` offsets are CHARACTER offsets into the `.txt` (checked on train and dev: every
//! span's text matches by characters, none by bytes in the 613 non-ASCII articles); they are
//! converted to UTF-8 byte offsets here. Articles annotated by several annotators
//! (`NAME_ANNOTATOR.ann`) are read once, with the first annotator in file-name order.
//!
//! Scoring compares predicted statements (every kind but `NotSpeech`) with gold Content spans,
//! as sets of non-punctuation tokens of the text:
//! - lenient: a pair matches when the overlap is at least half of the gold tokens; pairs are
//!   matched one-to-one, largest overlap first;
//! - exact: the token sets are equal (spans trimmed of whitespace and punctuation);
//! - speaker accuracy, over lenient pairs whose gold attribution has a Source: the predicted
//!   speaker phrase overlaps the gold Source, or both resolve to the same entity.
//!
//! Every level is reported for all attributions and for direct quotes only (gold Content
//! containing a quotation mark; predictions of kind `Direct` or whose text has one).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::article::Article;
use crate::enrich::text::analyse;
use crate::enrich::Enricher;

use crate::enrich::entities::Entity;
use crate::enrich::quotes::{Quote, QuoteKind, SourceResolver};
use crate::enrich::text::{Text, TokenKind};

/// A failure to read the corpus.
#[derive(Debug)]
pub enum PolnearError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Parse {
        path: PathBuf,
        line: usize,
        reason: &'static str,
    },
}

impl fmt::Display for PolnearError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolnearError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            PolnearError::Parse { path, line, reason } => {
                write!(f, "{}:{line}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for PolnearError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PolnearError::Io { source, .. } => Some(source),
            PolnearError::Parse { .. } => None,
        }
    }
}

/// A byte span of the article text.
pub type ByteSpan = (usize, usize);

/// One gold attribution.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldAttribution {
    /// Content (and Content2) spans.
    pub content: Vec<ByteSpan>,
    pub source: Vec<ByteSpan>,
    pub cue: Vec<ByteSpan>,
    /// The content contains a quotation mark.
    pub direct: bool,
}

/// One article with its gold attributions.
#[derive(Debug, Clone)]
pub struct PolnearDoc {
    pub name: String,
    pub text: String,
    pub gold: Vec<GoldAttribution>,
}

impl PolnearDoc {
    /// The document as an article to enrich (no metadata: PolNeAR texts have none).
    pub fn article(&self) -> Article {
        Article::from_body(self.name.clone(), self.text.clone())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PolnearError + '_ {
    move |source| PolnearError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads a split directory (`train`, `dev`).
pub fn read_split(dir: &Path) -> Result<Vec<PolnearDoc>, PolnearError> {
    let ann_dir = dir.join("attributions");
    let mut anns: Vec<PathBuf> = std::fs::read_dir(&ann_dir)
        .map_err(io(&ann_dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ann"))
        .collect();
    anns.sort();
    let mut out: Vec<PolnearDoc> = Vec::new();
    for ann in anns {
        let stem = ann.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let name = match stem.rsplit_once('_') {
            Some((base, who)) if who.len() == 4 && who.bytes().all(|b| b.is_ascii_hexdigit()) => {
                base
            }
            _ => stem,
        }
        .to_string();
        if out.last().is_some_and(|d| d.name == name) {
            continue;
        }
        let txt = dir.join("text").join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&txt).map_err(io(&txt))?;
        let standoff = std::fs::read_to_string(&ann).map_err(io(&ann))?;
        let gold = parse_ann(&text, &standoff).map_err(|(line, reason)| PolnearError::Parse {
            path: ann.clone(),
            line,
            reason,
        })?;
        out.push(PolnearDoc { name, text, gold });
    }
    Ok(out)
}

/// Parses brat standoff into attributions with byte spans of `text`.
pub fn parse_ann(
    text: &str,
    standoff: &str,
) -> Result<Vec<GoldAttribution>, (usize, &'static str)> {
    // Character offset → byte offset.
    let mut char_to_byte: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    char_to_byte.push(text.len());
    let to_byte = |c: usize| char_to_byte.get(c).copied();
    let mut spans: std::collections::HashMap<&str, Vec<ByteSpan>> = Default::default();
    let mut out = Vec::new();
    for (n, line) in standoff.lines().enumerate() {
        let mut cols = line.split('\t');
        let id = cols.next().unwrap_or_default();
        let Some(body) = cols.next() else {
            continue;
        };
        if id.starts_with('T') {
            let Some((_, ranges)) = body.split_once(' ') else {
                return Err((n + 1, "text-bound annotation without offsets"));
            };
            let mut v = Vec::new();
            for r in ranges.split(';') {
                let mut it = r.split_whitespace().map(str::parse::<usize>);
                match (it.next(), it.next()) {
                    (Some(Ok(a)), Some(Ok(b))) => match (to_byte(a), to_byte(b)) {
                        (Some(a), Some(b)) if a <= b => v.push((a, b)),
                        _ => return Err((n + 1, "offset outside the text")),
                    },
                    _ => return Err((n + 1, "bad offsets")),
                }
            }
            spans.insert(id, v);
        } else if id.starts_with('E') {
            let mut a = GoldAttribution {
                content: Vec::new(),
                source: Vec::new(),
                cue: Vec::new(),
                direct: false,
            };
            for arg in body.split_whitespace() {
                let Some((role, tid)) = arg.split_once(':') else {
                    continue;
                };
                let Some(s) = spans.get(tid) else {
                    continue;
                };
                match role {
                    "Content" | "Content2" => a.content.extend(s),
                    "Source" => a.source.extend(s),
                    "Cue" => a.cue.extend(s),
                    _ => {}
                }
            }
            if a.content.is_empty() {
                continue;
            }
            a.content.sort_unstable();
            a.direct = a.content.iter().any(|&(s, e)| has_quote_mark(&text[s..e]));
            out.push(a);
        }
    }
    Ok(out)
}

fn has_quote_mark(s: &str) -> bool {
    s.contains(['"', '\u{201C}', '\u{201D}', '\u{201E}', '«', '»']) || s.contains("''")
}

/// Precision, recall and F1 at both levels, and speaker accuracy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Level {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub exact_f1: f64,
    pub speaker_accuracy: f64,
    #[serde(skip)]
    pub counts: Counts,
}

/// Raw counts behind a [`Level`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub predicted: usize,
    pub gold: usize,
    pub matched: usize,
    pub exact: usize,
    pub speaker_checked: usize,
    pub speaker_correct: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.predicted += o.predicted;
        self.gold += o.gold;
        self.matched += o.matched;
        self.exact += o.exact;
        self.speaker_checked += o.speaker_checked;
        self.speaker_correct += o.speaker_correct;
    }

    pub fn level(&self) -> Level {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let f1 = |p: f64, r: f64| {
            if p + r == 0.0 {
                0.0
            } else {
                2.0 * p * r / (p + r)
            }
        };
        let precision = ratio(self.matched, self.predicted);
        let recall = ratio(self.matched, self.gold);
        let ep = ratio(self.exact, self.predicted);
        let er = ratio(self.exact, self.gold);
        Level {
            precision,
            recall,
            f1: f1(precision, recall),
            exact_f1: f1(ep, er),
            speaker_accuracy: ratio(self.speaker_correct, self.speaker_checked),
            counts: *self,
        }
    }
}

/// Scores for all attributions and for direct quotes only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PolnearScores {
    pub all: Level,
    pub direct: Level,
}

/// Scores the full enrichment (entities, then quotes) on every document of a PolNeAR split.
pub fn eval_quotes(enricher: &Enricher, dir: &Path) -> Result<PolnearScores, PolnearError> {
    let docs = read_split(dir)?;
    let mut scorer = Scorer::new();
    for doc in &docs {
        let enrichment = enricher.enrich(&doc.article());
        let text = analyse(&doc.text);
        scorer.add(&text, &doc.gold, &enrichment.quotes, &enrichment.entities);
    }
    Ok(scorer.scores())
}

/// Accumulates scores over documents.
#[derive(Debug, Clone, Default)]
pub struct Scorer {
    all: Counts,
    direct: Counts,
}

/// How one predicted statement fared (for error analysis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Matched gold attribution `gold` (index); `exact` span; `speaker` right (None: no source).
    Matched {
        gold: usize,
        exact: bool,
        speaker: Option<bool>,
    },
    Unmatched,
}

impl Scorer {
    pub fn new() -> Scorer {
        Scorer::default()
    }

    /// Scores one document; returns the outcome of each prediction (all-attribution level).
    pub fn add(
        &mut self,
        text: &Text,
        gold: &[GoldAttribution],
        predicted: &[Quote],
        entities: &[Entity],
    ) -> Vec<Outcome> {
        let preds: Vec<(usize, &Quote)> = predicted
            .iter()
            .enumerate()
            .filter(|(_, q)| q.kind != QuoteKind::NotSpeech)
            .collect();
        let pred_direct = |q: &Quote| q.kind == QuoteKind::Direct || has_quote_mark(&q.text);
        let toks_of = |spans: &[ByteSpan]| token_set(text, spans);
        let gold_toks: Vec<Vec<usize>> = gold.iter().map(|g| toks_of(&g.content)).collect();
        let pred_toks: Vec<Vec<usize>> = preds
            .iter()
            .map(|(_, q)| {
                let spans: Vec<ByteSpan> = q.parts.iter().map(|p| (p.start, p.end)).collect();
                toks_of(&spans)
            })
            .collect();
        let sources = SourceResolver::new(text, entities);
        let mut outcomes = vec![Outcome::Unmatched; predicted.len()];
        for direct_only in [false, true] {
            let gi: Vec<usize> = (0..gold.len())
                .filter(|&g| !direct_only || gold[g].direct)
                .collect();
            let pi: Vec<usize> = (0..preds.len())
                .filter(|&p| !direct_only || pred_direct(preds[p].1))
                .collect();
            let mut c = Counts {
                predicted: pi.len(),
                gold: gi.len(),
                ..Counts::default()
            };
            let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
            for &p in &pi {
                for &g in &gi {
                    let ov = overlap(&pred_toks[p], &gold_toks[g]);
                    if ov > 0 && 2 * ov >= gold_toks[g].len() {
                        pairs.push((ov, p, g));
                    }
                }
            }
            pairs.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            let mut p_used = vec![false; preds.len()];
            let mut g_used = vec![false; gold.len()];
            for (_, p, g) in pairs {
                if p_used[p] || g_used[g] {
                    continue;
                }
                p_used[p] = true;
                g_used[g] = true;
                c.matched += 1;
                let exact = pred_toks[p] == gold_toks[g];
                if exact {
                    c.exact += 1;
                }
                let speaker = (!gold[g].source.is_empty())
                    .then(|| speaker_right(preds[p].1, &gold[g], &sources));
                if let Some(ok) = speaker {
                    c.speaker_checked += 1;
                    c.speaker_correct += usize::from(ok);
                }
                if !direct_only {
                    outcomes[preds[p].0] = Outcome::Matched {
                        gold: g,
                        exact,
                        speaker,
                    };
                }
            }
            if direct_only {
                self.direct.add(&c);
            } else {
                self.all.add(&c);
            }
        }
        outcomes
    }

    pub fn scores(&self) -> PolnearScores {
        PolnearScores {
            all: self.all.level(),
            direct: self.direct.level(),
        }
    }
}

/// Indices of the non-punctuation tokens that overlap any of the spans, sorted.
fn token_set(text: &Text, spans: &[ByteSpan]) -> Vec<usize> {
    let toks = text.tokens();
    let mut out = Vec::new();
    for &(s, e) in spans {
        let a = toks.partition_point(|t| t.end() <= s);
        let b = toks.partition_point(|t| t.start() < e);
        for (i, t) in toks.iter().enumerate().take(b).skip(a) {
            if t.kind() != TokenKind::Punct {
                out.push(i);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn overlap(a: &[usize], b: &[usize]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The predicted speaker phrase overlaps the gold source, or names the same entity (the
/// gold source resolved like a predicted one: its head's entity, a pronoun's antecedent).
fn speaker_right(q: &Quote, g: &GoldAttribution, sources: &SourceResolver) -> bool {
    let Some(sp) = &q.speaker else {
        return false;
    };
    if g.source.iter().any(|&(s, e)| sp.start < e && s < sp.end) {
        return true;
    }
    let Some(id) = &sp.entity_id else {
        return false;
    };
    g.source
        .iter()
        .any(|&(s, e)| sources.entity_id(s, e).as_ref() == Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::quotes::{Part, Speaker};
    use crate::enrich::text::analyse;

    #[test]
    fn offsets_are_characters_converted_to_bytes() {
        let text = "“Zoë said no,” he said.";
        let ann = "T1\tSource 15 17\the\nT2\tCue 18 22\tsaid\nT3\tContent 0 14\t“Zoë said no,”\n\
                   T4\tAttribution 18 22\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n";
        let gold = parse_ann(text, ann).unwrap_or_default();
        assert_eq!(gold.len(), 1);
        let (s, e) = gold[0].content[0];
        assert_eq!(&text[s..e], "“Zoë said no,”");
        let (s, e) = gold[0].source[0];
        assert_eq!(&text[s..e], "he");
        assert!(gold[0].direct);
    }

    fn quote(text: &str, part: &str, speaker: Option<&str>) -> Quote {
        let start = text.find(part).unwrap_or(0);
        let end = start + part.len();
        Quote {
            text: part.to_string(),
            kind: QuoteKind::Indirect,
            start,
            end,
            parts: vec![Part { start, end }],
            speaker: speaker.map(|s| {
                let a = text.find(s).unwrap_or(0);
                Speaker {
                    entity_id: None,
                    name: s.to_string(),
                    start: a,
                    end: a + s.len(),
                }
            }),
            cue: Some("say".into()),
            via: None,
            hedged: false,
            confidence: 0.5,
        }
    }

    #[test]
    fn lenient_needs_half_of_the_gold_tokens_and_matches_one_to_one() {
        let body = "Smith said the plan will fail badly. Jones said nothing.";
        let t = analyse(body);
        let at = |s: &str| {
            let a = body.find(s).unwrap_or(0);
            (a, a + s.len())
        };
        let gold = vec![GoldAttribution {
            content: vec![at("the plan will fail badly")],
            source: vec![at("Smith")],
            cue: vec![at("said")],
            direct: false,
        }];
        let mut sc = Scorer::new();
        // Two predictions over the same gold: only one can match.
        let preds = vec![
            quote(body, "the plan will fail", Some("Smith")),
            quote(body, "plan will fail badly", Some("Jones")),
        ];
        sc.add(&t, &gold, &preds, &[]);
        let s = sc.scores().all;
        assert_eq!(s.counts.matched, 1);
        assert_eq!(s.counts.exact, 0);
        assert!((s.precision - 0.5).abs() < 1e-9);
        assert!((s.recall - 1.0).abs() < 1e-9);
        // Too little overlap: 2 of 5 gold tokens.
        let mut sc = Scorer::new();
        sc.add(&t, &gold, &[quote(body, "fail badly", Some("Smith"))], &[]);
        assert_eq!(sc.scores().all.counts.matched, 0);
        // Exact after trimming punctuation.
        let mut sc = Scorer::new();
        sc.add(
            &t,
            &gold,
            &[quote(body, "the plan will fail badly.", Some("Smith"))],
            &[],
        );
        let s = sc.scores().all;
        assert_eq!(s.counts.exact, 1);
        assert!((s.speaker_accuracy - 1.0).abs() < 1e-9);
    }
}
