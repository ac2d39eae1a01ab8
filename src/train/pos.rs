//! `train pos`: learns the part-of-speech model (`models/pos.bin`) from UD English EWT,
//! deterministically (fixed seed, file order), and scores it on the dev file beside it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;

use super::{io_err, TrainError};
use crate::enrich::pos::{self, label_set, Featurizer, PosTagger, Tag, Upos, N_CTX};
use crate::enrich::tagger::{Features, Rng, Trainer};
use crate::enrich::text::analyse;
use crate::eval::pos::{self as ud, PosScores};

/// POS training settings.
#[derive(Debug, Clone)]
pub struct PosOptions {
    pub epochs: usize,
    pub seed: u64,
    pub prune: f32,
    /// Taggers trained with seeds `seed`, `seed + 1`, ... whose weights are averaged.
    pub ensemble: usize,
}

impl Default for PosOptions {
    fn default() -> PosOptions {
        PosOptions {
            epochs: 12,
            seed: 0x905,
            prune: 1.0,
            ensemble: 4,
        }
    }
}

/// What POS training did.
#[derive(Debug, Clone)]
pub struct PosReport {
    pub sentences: usize,
    pub tokens: usize,
    pub epoch_errors: Vec<f64>,
    pub rows: usize,
    pub lemmas: usize,
    pub model_bytes: usize,
    pub seconds: f64,
    /// Scores on `en_ewt-ud-dev.conllu` when it is in the folder.
    pub dev: Option<PosScores>,
}

/// Trains on `DIR/en_ewt-ud-train.conllu` and writes the model to `out`.
pub fn train_pos(dir: &Path, out: &Path, opts: &PosOptions) -> Result<PosReport, TrainError> {
    let started = Instant::now();
    let train_file = dir.join("en_ewt-ud-train.conllu");
    let sentences = ud::read(&train_file).map_err(|e| match e {
        ud::ConlluError::Io { path, source } => TrainError::Io { path, source },
    })?;
    let tags = pos::labels();
    let index: HashMap<Tag, u16> = tags
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, i as u16))
        .collect();

    // Irregular verb lemmas: the most frequent lemma of each form whose lemma differs from
    // what the suffix rules give (ties to the alphabetically first lemma).
    let mut counts: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    for s in &sentences {
        for t in &s.tokens {
            if t.words.len() != 1 {
                continue;
            }
            let (tag, lemma) = &t.words[0];
            if tag.is_verbal() {
                *counts
                    .entry(t.form.to_lowercase())
                    .or_default()
                    .entry(lemma.to_lowercase())
                    .or_default() += 1;
            }
        }
    }
    let mut featurizer = Featurizer::default();
    let mut examples = Vec::new();
    let mut tokens = 0;
    for s in &sentences {
        let text = analyse(&s.text);
        let gold = ud::project(s, &text);
        let mut feats = Features::new(N_CTX);
        featurizer.features(&text, 0..text.tokens().len(), &mut feats);
        let labels: Vec<u16> = gold
            .iter()
            .zip(0..)
            .map(|(g, i)| {
                let fallback = match text.tokens()[i].kind() {
                    crate::enrich::text::TokenKind::Punct => Upos::Punct,
                    _ => Upos::X,
                };
                let t = g.unwrap_or(Tag::new(fallback, pos::VerbForm::None));
                index.get(&t).copied().unwrap_or(0)
            })
            .collect();
        if labels.is_empty() {
            continue;
        }
        tokens += labels.len();
        examples.push((feats, labels));
    }
    if tokens == 0 {
        return Err(TrainError::Empty);
    }
    let mut trainers = Vec::new();
    let mut epoch_errors = Vec::new();
    for member in 0..opts.ensemble.max(1) {
        let mut trainer = Trainer::new(label_set(), N_CTX);
        let mut rng = Rng::new(opts.seed.wrapping_add(member as u64));
        let mut order: Vec<usize> = (0..examples.len()).collect();
        for _ in 0..opts.epochs {
            rng.shuffle(&mut order);
            let mut errors = 0;
            for &i in &order {
                errors += trainer.train_sequence(&examples[i].0, &examples[i].1);
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
    // Keep only the lemmas the rules get wrong.
    let bare = PosTagger::new(tagger.clone(), HashMap::new())?;
    let mut lemmas = HashMap::new();
    for (form, by_lemma) in &counts {
        let mut best: Option<(&String, u32)> = None;
        for (l, &c) in by_lemma {
            if best.is_none_or(|(_, bc)| c > bc) {
                best = Some((l, c));
            }
        }
        let Some((lemma, _)) = best else { continue };
        let ruled = [
            pos::VerbForm::Past,
            pos::VerbForm::Gerund,
            pos::VerbForm::Third,
            pos::VerbForm::Base,
        ]
        .iter()
        .any(|&f| &bare.lemma(form, Tag::new(Upos::Verb, f)) == lemma && form_fits(form, f));
        if !ruled {
            lemmas.insert(form.clone(), lemma.clone());
        }
    }
    let n_lemmas = lemmas.len();
    let model = PosTagger::new(tagger, lemmas)?;
    let bytes = model.to_bytes();
    if let Some(d) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).map_err(io_err(d))?;
    }
    std::fs::write(out, &bytes).map_err(io_err(out))?;
    let dev_file = dir.join("en_ewt-ud-dev.conllu");
    let dev = if dev_file.exists() {
        ud::eval_pos(&model, &dev_file).ok()
    } else {
        None
    };
    Ok(PosReport {
        sentences: sentences.len(),
        tokens,
        epoch_errors,
        rows,
        lemmas: n_lemmas,
        model_bytes: bytes.len(),
        seconds: started.elapsed().as_secs_f64(),
        dev,
    })
}

/// Whether a rule for verb form `f` applies to `form` at all (so the lemma table only keeps
/// forms the rules would get wrong for the form they have).
fn form_fits(form: &str, f: pos::VerbForm) -> bool {
    match f {
        pos::VerbForm::Past => form.ends_with("ed"),
        pos::VerbForm::Gerund => form.ends_with("ing"),
        pos::VerbForm::Third => form.ends_with('s'),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = "# text = Diplomats met in Istanbul.
1\tDiplomats\tdiplomat\tNOUN\tNNS\t_\t2\tnsubj\t_\t_
2\tmet\tmeet\tVERB\tVBD\t_\t0\troot\t_\t_
3\tin\tin\tADP\tIN\t_\t4\tcase\t_\t_
4\tIstanbul\tIstanbul\tPROPN\tNNP\t_\t2\tobl\t_\tSpaceAfter=No
5\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_

# text = Moscow expelled two diplomats.
1\tMoscow\tMoscow\tPROPN\tNNP\t_\t2\tnsubj\t_\t_
2\texpelled\texpel\tVERB\tVBD\t_\t0\troot\t_\t_
3\ttwo\ttwo\tNUM\tCD\t_\t4\tnummod\t_\t_
4\tdiplomats\tdiplomat\tNOUN\tNNS\t_\t2\tobj\t_\tSpaceAfter=No
5\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_

";

    #[test]
    fn training_is_deterministic_and_learns_irregular_lemmas() {
        let dir = std::env::temp_dir().join(format!("pos-train-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("en_ewt-ud-train.conllu"), TINY).unwrap();
        let out = dir.join("pos.bin");
        let opts = PosOptions {
            epochs: 4,
            ..PosOptions::default()
        };
        let report = train_pos(&dir, &out, &opts).unwrap();
        assert_eq!(report.sentences, 2);
        let first = std::fs::read(&out).unwrap();
        train_pos(&dir, &out, &opts).unwrap();
        assert_eq!(first, std::fs::read(&out).unwrap());
        let model = PosTagger::from_bytes(&first).unwrap();
        assert_eq!(
            model.lemma_table().get("met").map(String::as_str),
            Some("meet")
        );
        // "expelled" follows the rules, so it is not in the table.
        assert!(!model.lemma_table().contains_key("expelled"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
