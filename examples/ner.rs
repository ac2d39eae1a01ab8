//! Temporary NER driver until the CLI has `train ner` / `eval ner`:
//! `ner train CONLL OUT [--unlabeled PATH]...`, `ner eval CONLL [MODEL] [--no-fusion]`, `ner bench DIR [MODEL]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use news_enricher::enrich::gazetteer::Gazetteer;
use news_enricher::enrich::ner::Recognizer;
use news_enricher::enrich::text::analyse;
use news_enricher::eval::conll::eval_ner;
use news_enricher::train::{train_ner, TrainOptions};

fn load(model: Option<&String>) -> Result<Recognizer, String> {
    match model {
        None => Recognizer::load_embedded().map_err(|e| format!("embedded model: {e}")),
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| format!("{p}: {e}"))?;
            Recognizer::from_bytes(&bytes, Gazetteer::embedded()).map_err(|e| format!("{p}: {e}"))
        }
    }
}

/// Nanoseconds this thread has spent on a CPU (Linux), to measure through CPU contention.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn texts(dir: &Path, out: &mut Vec<String>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            texts(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "txt") {
            let raw = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            out.push(String::from_utf8_lossy(&raw).into_owned());
        }
    }
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("train") if args.len() >= 3 => {
            let mut opts = TrainOptions::standard(Path::new("../shared"));
            let mut it = args[3..].iter();
            let mut explicit = false;
            while let Some(a) = it.next() {
                match (a.as_str(), it.next()) {
                    ("--unlabeled", Some(p)) => {
                        if !explicit {
                            opts.unlabeled.clear();
                        }
                        opts.unlabeled.push(PathBuf::from(p));
                        explicit = true;
                    }
                    ("--epochs", Some(n)) => opts.epochs = n.parse().map_err(|e| format!("{e}"))?,
                    ("--prune", Some(n)) => opts.prune = n.parse().map_err(|e| format!("{e}"))?,
                    ("--seed", Some(n)) => opts.seed = n.parse().map_err(|e| format!("{e}"))?,
                    ("--ensemble", Some(n)) => {
                        opts.ensemble = n.parse().map_err(|e| format!("{e}"))?
                    }
                    ("--clusters", Some(n)) => {
                        let (f, c) = n.split_once(',').ok_or("--clusters FINE,COARSE")?;
                        opts.clusters = (
                            f.parse().map_err(|e| format!("{e}"))?,
                            c.parse().map_err(|e| format!("{e}"))?,
                        );
                    }
                    _ => return Err(format!("unknown option {a}")),
                }
            }
            let r = train_ner(Path::new(&args[1]), Path::new(&args[2]), &opts)
                .map_err(|e| e.to_string())?;
            println!(
                "trained on {} documents, {} segments, {} tokens; {} unlabelled texts, {} case priors",
                r.documents, r.segments, r.tokens, r.unlabeled_texts, r.priors
            );
            let errs: Vec<String> = r.epoch_errors.iter().map(|e| format!("{:.4}", e)).collect();
            println!("epoch token error rates: {}", errs.join(" "));
            println!(
                "vocabulary {} words, clustered in {:.1} s",
                r.vocabulary, r.cluster_seconds
            );
            println!(
                "{} rows, {} bytes written to {} in {:.1} s",
                r.rows, r.model_bytes, args[2], r.seconds
            );
            Ok(())
        }
        Some("eval") if args.len() >= 2 => {
            let plain = args.iter().any(|a| a == "--no-fusion");
            let model = args.get(2).filter(|a| !a.starts_with("--"));
            let mut rec = load(model)?;
            if plain {
                rec = rec.without_fusion();
            }
            if !rec.lexicons_match_model() {
                eprintln!("warning: the model was trained with other lexicons; retrain it");
            }
            let s = eval_ner(&rec, Path::new(&args[1])).map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?);
            println!(
                "tp {} predicted {} gold {} over {} documents, {} tokens",
                s.counts.0, s.counts.1, s.counts.2, s.documents, s.tokens
            );
            Ok(())
        }
        Some("bench") if args.len() >= 2 => {
            let loading = Instant::now();
            let rec = load(args.get(2))?;
            println!(
                "model and lexicons loaded in {:.0} ms",
                loading.elapsed().as_secs_f64() * 1000.0
            );
            let mut docs = Vec::new();
            texts(Path::new(&args[1]), &mut docs)?;
            let mut words = 0;
            let mut tokens = 0;
            let mut entities = 0;
            let start = Instant::now();
            for d in &docs {
                let t = analyse(d);
                words += t.word_count();
                tokens += t.tokens().len();
            }
            let text_secs = start.elapsed().as_secs_f64();
            // The best of several rounds: the machine is shared, and contention only slows.
            let rounds: usize = std::env::var("NER_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
            let mut secs = f64::MAX;
            let mut cpu_secs = f64::MAX;
            for _ in 0..rounds {
                let start = Instant::now();
                let cpu_start = thread_cpu_ns();
                for d in &docs {
                    let t = analyse(d);
                    entities += rec.recognize(&t).len();
                }
                secs = secs.min(start.elapsed().as_secs_f64());
                if let (Some(a), Some(b)) = (cpu_start, thread_cpu_ns()) {
                    cpu_secs = cpu_secs.min(b.saturating_sub(a) as f64 / 1e9);
                }
            }
            println!(
                "{} documents, {} words, {} tokens, {} entities",
                docs.len(),
                words,
                tokens,
                entities / rounds
            );
            println!(
                "text only: {:.0} words/s; text+ner: {:.0} words/s ({:.0} tokens/s), one thread",
                words as f64 / text_secs,
                words as f64 / secs,
                tokens as f64 / secs
            );
            if cpu_secs < f64::MAX {
                println!(
                    "text+ner per CPU second of this thread (excludes time waiting for a CPU): {:.0} words/s",
                    words as f64 / cpu_secs
                );
            }
            Ok(())
        }
        _ => Err("usage: ner train CONLL OUT [--unlabeled PATH]... [--epochs N] [--prune X] [--seed N] [--ensemble K] [--clusters F,C] | ner eval CONLL [MODEL] [--no-fusion] | ner bench DIR [MODEL]".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
