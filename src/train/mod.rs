//! Training the models that ship in `models/`: `train_ner` reads CoNLL-2003, learns the NER
//! tagger (deterministically: fixed seed, sorted inputs) and writes the model file; [`pos`]
//! does the same for the part-of-speech model from UD English EWT.
//!
//! Unlabelled text (BBC corpus folders of `.txt`, UD `.conllu` files' `# text =` lines, and the
//! CoNLL training text itself) gives the case-prior table: how each word is usually capitalised.

pub mod clusters;
pub mod pos;

use clusters::Corpus;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::enrich::gazetteer::Gazetteer;
use crate::enrich::ner::{
    self, segments, CaseStats, Doc, Featurizer, History, Recognizer, Vocab, LABELS, N_CTX,
};
use crate::enrich::tagger::{Features, ModelError, Rng, Trainer};
use crate::enrich::text::analyse;
use crate::eval::ner::{self as conll, ConllError, Tag};

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub epochs: usize,
    pub seed: u64,
    /// Rows whose largest averaged weight is below this are dropped.
    pub prune: f32,
    /// Unlabelled text: folders (searched recursively for `.txt`) and `.conllu` files.
    pub unlabeled: Vec<PathBuf>,
    /// Minimum count for a word to get a case prior.
    pub prior_min_count: u32,
    /// Minimum count for a word to get a cluster.
    pub cluster_min_count: u64,
    /// Fine and coarse cluster counts (0 disables clusters).
    pub clusters: (usize, usize),
    /// Passes of the exchange algorithm.
    pub cluster_passes: usize,
    /// Taggers trained with seeds `seed`, `seed + 1`, ... whose weights are averaged into
    /// the one model (1: a single tagger).
    pub ensemble: usize,
}

impl Default for TrainOptions {
    fn default() -> TrainOptions {
        TrainOptions {
            epochs: 12,
            seed: 0x5eed,
            prune: 0.05,
            unlabeled: Vec::new(),
            prior_min_count: 2,
            cluster_min_count: 3,
            clusters: (256, 64),
            cluster_passes: 6,
            ensemble: 8,
        }
    }
}

impl TrainOptions {
    /// The options that produced the committed `models/ner.bin`: the defaults plus the
    /// unlabelled corpora under the shared data folder (`../shared` from the project root):
    /// the BBC articles and the UD English EWT training text. Training fails if they are
    /// missing, rather than silently producing a different model.
    pub fn standard(shared: &Path) -> TrainOptions {
        TrainOptions {
            unlabeled: vec![
                shared.join("corpus/bbc"),
                shared.join("train/ud_english_ewt/en_ewt-ud-train.conllu"),
            ],
            ..TrainOptions::default()
        }
    }
}

/// What training did.
#[derive(Debug, Clone)]
pub struct TrainReport {
    pub documents: usize,
    pub segments: usize,
    pub tokens: usize,
    pub unlabeled_texts: usize,
    pub priors: usize,
    pub vocabulary: usize,
    pub cluster_seconds: f64,
    /// Token error rate on the training data during each epoch.
    pub epoch_errors: Vec<f64>,
    pub rows: usize,
    pub model_bytes: usize,
    pub seconds: f64,
}

/// Why training failed.
#[derive(Debug)]
pub enum TrainError {
    Conll(ConllError),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Model(ModelError),
    /// The training file holds no sentences.
    Empty,
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Conll(e) => write!(f, "{e}"),
            TrainError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            TrainError::Model(e) => write!(f, "{e}"),
            TrainError::Empty => write!(f, "no training sentences"),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<ConllError> for TrainError {
    fn from(e: ConllError) -> TrainError {
        TrainError::Conll(e)
    }
}

impl From<ModelError> for TrainError {
    fn from(e: ModelError) -> TrainError {
        TrainError::Model(e)
    }
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TrainError + '_ {
    move |source| TrainError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads every unlabelled text under `paths`, in a deterministic order.
fn unlabeled_texts(paths: &[PathBuf]) -> Result<Vec<String>, TrainError> {
    let mut files = Vec::new();
    for p in paths {
        collect_files(p, &mut files)?;
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let raw = std::fs::read(&f).map_err(io_err(&f))?;
        let s = String::from_utf8_lossy(&raw);
        if f.extension().is_some_and(|e| e == "conllu") {
            // One text per sentence, from the "# text =" comments.
            out.extend(
                s.lines()
                    .filter_map(|l| l.strip_prefix("# text = "))
                    .map(str::to_string),
            );
        } else {
            out.push(s.into_owned());
        }
    }
    Ok(out)
}

fn collect_files(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), TrainError> {
    if !p.exists() {
        return Err(TrainError::Io {
            path: p.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
        });
    }
    if p.is_dir() {
        for e in std::fs::read_dir(p).map_err(io_err(p))? {
            let e = e.map_err(io_err(p))?;
            collect_files(&e.path(), out)?;
        }
    } else if p.extension().is_some_and(|e| e == "txt" || e == "conllu") {
        out.push(p.to_path_buf());
    }
    Ok(())
}

/// One training segment: where it starts, its features and gold label indices.
struct Example {
    start: usize,
    feats: Features,
    gold: Vec<u16>,
}

/// One training document: its token attributes and its segments, in order.
struct DocExamples {
    doc: Doc,
    segments: Vec<Example>,
}

/// Projects CoNLL tags onto our tokens: a token starting a CoNLL token takes its tag, a later
/// piece of a split CoNLL token continues its entity (I-) or stays O.
fn project(
    conll_spans: &[crate::enrich::text::Span],
    tags: &[Tag],
    text: &crate::enrich::text::Text,
) -> Vec<u16> {
    let index = |name: String| LABELS.iter().position(|l| *l == name).unwrap_or(0) as u16;
    let mut out = Vec::with_capacity(text.tokens().len());
    let mut k = 0;
    for t in text.tokens() {
        while k + 1 < conll_spans.len() && conll_spans[k].end <= t.start() {
            k += 1;
        }
        let first = conll_spans.get(k).is_some_and(|s| s.start == t.start());
        let label = match tags.get(k).copied().unwrap_or(Tag::O) {
            Tag::O => "O".to_string(),
            Tag::B(ty) if first => format!("B-{}", ty.as_str()),
            Tag::B(ty) | Tag::I(ty) => format!("I-{}", ty.as_str()),
        };
        out.push(index(label));
    }
    out
}

/// Makes a segment's gold labels valid BIO (an I- at the start or after another type becomes B-).
fn repair_bio(gold: &mut [u16]) {
    let mut prev = "O";
    for g in gold.iter_mut() {
        let name = LABELS[*g as usize];
        if let Some(t) = name.strip_prefix("I-") {
            let ok = prev.len() > 2 && &prev[2..] == t;
            if !ok {
                let b = format!("B-{t}");
                *g = LABELS.iter().position(|l| *l == b).unwrap_or(0) as u16;
            }
        }
        prev = LABELS[*g as usize];
    }
}

/// Trains the NER model on a CoNLL file and writes it to `out`.
pub fn train_ner(conll: &Path, out: &Path, opts: &TrainOptions) -> Result<TrainReport, TrainError> {
    let started = Instant::now();
    let docs = conll::read(conll)?;
    let rebuilt: Vec<conll::Rebuilt> = docs.iter().map(conll::Document::rebuild).collect();

    // Case priors from unlabelled text plus the training text itself.
    let unlabeled = unlabeled_texts(&opts.unlabeled)?;
    let mut stats = CaseStats::default();
    for t in &unlabeled {
        stats.add_text(&analyse(t));
    }
    for r in &rebuilt {
        stats.add_text(&analyse(&r.body));
    }
    let priors = stats.finish(opts.prior_min_count);
    let n_priors = priors.len();

    // Word clusters from the same text.
    let cluster_start = Instant::now();
    let mut corpus = Corpus::default();
    for body in unlabeled
        .iter()
        .map(String::as_str)
        .chain(rebuilt.iter().map(|r| r.body.as_str()))
    {
        let text = analyse(body);
        for seg in segments(&text) {
            corpus.add_sentence(seg.map(|i| text.norm(i)));
        }
    }
    let vocab = if opts.clusters.0 == 0 {
        Vocab::default()
    } else {
        let fine = corpus.cluster(opts.cluster_min_count, opts.clusters.0, opts.cluster_passes);
        let coarse = corpus.cluster(
            opts.cluster_min_count,
            opts.clusters.1.max(2),
            opts.cluster_passes,
        );
        let packed = fine
            .classes
            .iter()
            .zip(&coarse.classes)
            .map(|(&f, &c)| (u32::from(f) + 1) | (u32::from(c) + 1) << 16)
            .collect();
        Vocab::new(fine.words, packed)
    };
    let n_vocab = vocab.len();
    let cluster_seconds = cluster_start.elapsed().as_secs_f64();
    let gazetteer = Gazetteer::embedded();
    let fingerprint = gazetteer.fingerprint();
    let featurizer = Featurizer::new(gazetteer, priors, vocab);

    // Features of every segment.
    let mut examples = Vec::new();
    let mut tokens = 0;
    let mut n_segments = 0;
    for r in &rebuilt {
        let text = analyse(&r.body);
        let gold_all = project(&r.spans, &r.tags, &text);
        let doc = featurizer.doc(&text);
        let mut segments = Vec::new();
        for seg in doc.segments() {
            let mut feats = Features::new(N_CTX);
            featurizer.features(&doc, seg.clone(), &mut feats);
            let mut gold = gold_all[seg.clone()].to_vec();
            repair_bio(&mut gold);
            tokens += gold.len();
            segments.push(Example {
                start: seg.start,
                feats,
                gold,
            });
        }
        n_segments += segments.len();
        examples.push(DocExamples { doc, segments });
    }
    if tokens == 0 {
        return Err(TrainError::Empty);
    }

    // Documents in a shuffled order each epoch; segments in order within a document, so the
    // document-level history features see what decoding will see.
    let mut trainers = Vec::new();
    let mut epoch_errors = Vec::new();
    for member in 0..opts.ensemble.max(1) {
        let mut trainer = Trainer::new(ner::label_set(), N_CTX);
        let mut rng = Rng::new(opts.seed.wrapping_add(member as u64));
        let mut order: Vec<usize> = (0..examples.len()).collect();
        for _ in 0..opts.epochs {
            rng.shuffle(&mut order);
            let mut errors = 0;
            for &i in &order {
                let d = &examples[i];
                let mut history = History::new(&d.doc);
                for seg in &d.segments {
                    history.set_segment(seg.start);
                    errors += trainer.train_sequence_dynamic(&seg.feats, &mut history, &seg.gold);
                }
            }
            if member == 0 {
                epoch_errors.push(errors as f64 / tokens as f64);
            }
        }
        trainers.push(trainer);
    }
    let first = trainers.remove(0);
    let tagger = Trainer::finish_ensemble(first, trainers, opts.prune);
    let rows = tagger.n_rows();
    let recognizer = Recognizer::new(tagger, featurizer, fingerprint)?;
    let bytes = recognizer.to_bytes();
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    std::fs::write(out, &bytes).map_err(io_err(out))?;
    Ok(TrainReport {
        documents: docs.len(),
        segments: n_segments,
        tokens,
        unlabeled_texts: unlabeled.len(),
        priors: n_priors,
        vocabulary: n_vocab,
        cluster_seconds,
        epoch_errors,
        rows,
        model_bytes: bytes.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = "-DOCSTART- -X- -X- O

Peter NNP B-NP B-PER
Smith NNP I-NP I-PER
visited VBD B-VP O
Paris NNP B-NP B-LOC
for IN B-PP O
Acme NNP B-NP B-ORG
Corp NNP I-NP I-ORG
. . O O

Smith NNP B-NP B-PER
met VBD B-VP O
German JJ B-NP B-MISC
officials NNS I-NP O
in IN B-PP O
Berlin NNP B-NP B-LOC
. . O O

-DOCSTART- -X- -X- O

Anna NNP B-NP B-PER
Jones NNP I-NP I-PER
left VBD B-VP O
Acme NNP B-NP B-ORG
Corp NNP I-NP I-ORG
in IN B-PP O
London NNP B-NP B-LOC
. . O O
";

    fn tiny_files(tag: &str) -> (PathBuf, PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("ner-train-{}-{tag}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let conll = dir.join("tiny.txt");
        std::fs::write(&conll, TINY).unwrap();
        (dir.clone(), conll, dir.join("model.bin"))
    }

    fn opts() -> TrainOptions {
        TrainOptions {
            epochs: 5,
            clusters: (6, 3),
            cluster_min_count: 1,
            ..TrainOptions::default()
        }
    }

    #[test]
    fn training_is_deterministic_and_the_model_loads() {
        let (dir, conll, out) = tiny_files("det");
        let report = train_ner(&conll, &out, &opts()).unwrap();
        assert_eq!(report.documents, 2);
        assert_eq!(report.tokens, 23);
        let first = std::fs::read(&out).unwrap();
        train_ner(&conll, &out, &opts()).unwrap();
        let second = std::fs::read(&out).unwrap();
        assert_eq!(first, second, "same data and seed must give the same bytes");
        assert_eq!(report.model_bytes, first.len());

        let rec = Recognizer::from_bytes(&first, Gazetteer::embedded()).unwrap();
        assert!(rec.lexicons_match_model());
        let body = "Peter Smith visited Paris for Acme Corp .";
        let spans: Vec<&str> = rec
            .recognize(&analyse(body))
            .iter()
            .map(|s| &body[s.start..s.end])
            .collect();
        assert!(spans.contains(&"Peter Smith"), "{spans:?}");
        assert!(spans.contains(&"Acme Corp"), "{spans:?}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn missing_or_empty_input_is_an_error() {
        let (dir, _, out) = tiny_files("err");
        let missing = dir.join("missing.txt");
        assert!(matches!(
            train_ner(&missing, &out, &opts()),
            Err(TrainError::Conll(ConllError::Io { .. }))
        ));
        let empty = dir.join("empty.txt");
        std::fs::write(&empty, "-DOCSTART- -X- -X- O\n\n").unwrap();
        assert!(matches!(
            train_ner(&empty, &out, &opts()),
            Err(TrainError::Empty)
        ));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn projection_continues_split_tokens_and_repairs_bio() {
        // "U.S.-based" is one CoNLL token that our tokenizer splits.
        let doc = conll::Document {
            sentences: vec![vec![
                (
                    "U.S.-based".to_string(),
                    Tag::B(crate::enrich::ner::ConllType::Misc),
                ),
                ("firm".to_string(), Tag::O),
            ]],
        };
        let r = doc.rebuild();
        let text = analyse(&r.body);
        let labels: Vec<&str> = project(&r.spans, &r.tags, &text)
            .iter()
            .map(|&l| LABELS[l as usize])
            .collect();
        assert_eq!(labels.first(), Some(&"B-MISC"));
        assert!(
            labels[1..labels.len() - 1].iter().all(|l| *l == "I-MISC"),
            "{labels:?}"
        );
        assert_eq!(labels.last(), Some(&"O"));
        let mut gold = vec![2u16, 2, 0, 4];
        repair_bio(&mut gold);
        assert_eq!(gold, vec![1, 2, 0, 3]);
    }
}
