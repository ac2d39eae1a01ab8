//! Quote error-analysis driver: `quotes eval DIR [--json] [--dump FILE]` scores PolNeAR
//! through the full enrichment like `news-enricher eval quotes` and can dump every prediction
//! with its outcome and the gold attributions (JSON lines); `quotes show FILE` prints the
//! entities and statements of one article; `quotes bench DIR` measures words/s of the quote
//! stage alone (entities from the NER model grouped by the stand-in rule of `eval::standin`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use news_enricher::enrich::entities::Entity;
use news_enricher::enrich::ner::Recognizer;
use news_enricher::enrich::quotes::{self, Quote};
use news_enricher::enrich::text::{analyse, Text};
use news_enricher::enrich::Enricher;
use news_enricher::eval::quotes::{read_split, Outcome, PolnearDoc, Scorer};
use news_enricher::eval::standin;

fn entities(rec: &Recognizer, text: &Text) -> Vec<Entity> {
    standin::entities(text, &rec.recognize(text))
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

fn show_quote(body: &str, q: &Quote) -> String {
    let who = |s: &Option<quotes::Speaker>| match s {
        Some(s) => format!(
            "{}{} [{}]",
            s.name,
            s.entity_id
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default(),
            &body[s.start..s.end]
        ),
        None => "-".into(),
    };
    format!(
        "{:?} {:.2} cue={} speaker={} via={}{}\n    {:?}",
        q.kind,
        q.confidence,
        q.cue.as_deref().unwrap_or("-"),
        who(&q.speaker),
        who(&q.via),
        if q.hedged { " HEDGED" } else { "" },
        q.text
    )
}

fn eval(args: &[String]) -> Result<(), String> {
    let dir = Path::new(&args[1]);
    let json = args.iter().any(|a| a == "--json");
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| args.get(i + 1));
    let docs = read_split(dir).map_err(|e| e.to_string())?;
    let enricher = Enricher::new().map_err(|e| e.to_string())?;
    let mut scorer = Scorer::new();
    let mut out = match dump {
        Some(p) => Some(std::fs::File::create(p).map_err(|e| format!("{p}: {e}"))?),
        None => None,
    };
    for d in &docs {
        let text = analyse(&d.text);
        let enrichment = enricher.enrich(&d.article());
        let (ents, found) = (&enrichment.entities, &enrichment.quotes);
        let outcomes = scorer.add(&text, &d.gold, found, ents);
        if let Some(f) = out.as_mut() {
            let preds: Vec<serde_json::Value> = found
                .iter()
                .zip(&outcomes)
                .map(|(q, o)| {
                    let (gold, exact, speaker) = match o {
                        Outcome::Matched {
                            gold,
                            exact,
                            speaker,
                        } => (Some(*gold), *exact, *speaker),
                        Outcome::Unmatched => (None, false, None),
                    };
                    serde_json::json!({"q": q, "gold": gold, "exact": exact, "speaker_ok": speaker})
                })
                .collect();
            let gold: Vec<serde_json::Value> = d
                .gold
                .iter()
                .map(|g| serde_json::json!({"content": g.content, "source": g.source, "cue": g.cue, "direct": g.direct}))
                .collect();
            let line = serde_json::json!({"name": d.name, "preds": preds, "gold": gold});
            writeln!(f, "{line}").map_err(|e| e.to_string())?;
        }
    }
    let s = scorer.scores();
    if json {
        println!("{}", serde_json::to_string(&s).map_err(|e| e.to_string())?);
    } else {
        println!("{} articles", docs.len());
        for (name, l) in [("all", s.all), ("direct", s.direct)] {
            println!(
                "{name:7} P {:.3} R {:.3} F1 {:.3} exact F1 {:.3} speaker {:.3}  (pred {} gold {} matched {} exact {} speaker {}/{})",
                l.precision,
                l.recall,
                l.f1,
                l.exact_f1,
                l.speaker_accuracy,
                l.counts.predicted,
                l.counts.gold,
                l.counts.matched,
                l.counts.exact,
                l.counts.speaker_correct,
                l.counts.speaker_checked
            );
        }
    }
    Ok(())
}

fn show(path: &str) -> Result<(), String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    // Seed articles start with a "date YYYY-MM-DD" line.
    let body = match raw.trim_start().strip_prefix("date ") {
        Some(rest) => rest.split_once('\n').map_or("", |(_, b)| b).to_string(),
        None => raw,
    };
    let enricher = Enricher::new().map_err(|e| e.to_string())?;
    let doc = PolnearDoc {
        name: path.to_string(),
        text: body.clone(),
        gold: Vec::new(),
    };
    let enrichment = enricher.enrich(&doc.article());
    for e in &enrichment.entities {
        println!(
            "{} {:?} {} ({} mentions)",
            e.id, e.kind, e.name, e.mention_count
        );
    }
    println!();
    for q in &enrichment.quotes {
        println!("{}", show_quote(&body, q));
    }
    Ok(())
}

fn bench(dir: &Path) -> Result<(), String> {
    let mut bodies = Vec::new();
    texts(dir, &mut bodies)?;
    let rec = Recognizer::load_embedded().map_err(|e| format!("NER model: {e}"))?;
    let t0 = Instant::now();
    let analysed: Vec<Text> = bodies.iter().map(|b| analyse(b)).collect();
    let analyse_s = t0.elapsed().as_secs_f64();
    let words: usize = analysed.iter().map(Text::word_count).sum();
    let t0 = Instant::now();
    let ents: Vec<Vec<Entity>> = analysed.iter().map(|t| entities(&rec, t)).collect();
    let ner_s = t0.elapsed().as_secs_f64();
    let reps = 5;
    let mut n_quotes = 0;
    let t0 = Instant::now();
    for _ in 0..reps {
        n_quotes = 0;
        for (t, e) in analysed.iter().zip(&ents) {
            n_quotes += quotes::find(t, e).len();
        }
    }
    let quotes_s = t0.elapsed().as_secs_f64() / reps as f64;
    let t0 = Instant::now();
    for _ in 0..reps {
        for (b, e) in bodies.iter().zip(&ents) {
            let t = analyse(b);
            std::hint::black_box(quotes::find(&t, e));
        }
    }
    let both_s = t0.elapsed().as_secs_f64() / reps as f64;
    let wps = |s: f64| words as f64 / s.max(1e-9);
    println!(
        "{} articles, {} words, {} statements",
        bodies.len(),
        words,
        n_quotes
    );
    println!("text analysis        {:>12.0} words/s", wps(analyse_s));
    println!("NER + stand-in ents  {:>12.0} words/s", wps(ner_s));
    println!("quotes alone         {:>12.0} words/s", wps(quotes_s));
    println!("analysis + quotes    {:>12.0} words/s", wps(both_s));
    println!(
        "quote stage / (analysis + NER) time: {:.3}",
        quotes_s / (analyse_s + ner_s)
    );
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("eval") if args.len() >= 2 => eval(args),
        Some("show") if args.len() >= 2 => show(&args[1]),
        Some("bench") if args.len() >= 2 => bench(Path::new(&args[1])),
        _ => Err("usage: quotes eval DIR [--json] [--dump FILE] | show FILE | bench DIR".into()),
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
