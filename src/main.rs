//! The `news-enricher` binary: parse the command line, load settings, dispatch a subcommand.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use news_enricher::article::Article;
use news_enricher::config::Settings;
use news_enricher::decode::Limits;
use news_enricher::enrich::petrarch::PetrarchCoder;
use news_enricher::enrich::{Enricher, EventCoder, StageTimes};
use news_enricher::process::{self, Options, Outcome};
use news_enricher::stats::Stats;
use news_enricher::{bench, demo, encode, http, pipeline, telemetry};

/// Streaming enrichment for news: entities, quotes and events from Kafka to Kafka.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Settings file layered over the defaults (also NEWS_ENRICHER_CONFIG).
    #[arg(long, global = true, env = "NEWS_ENRICHER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the worker: consume articles, publish enriched records, until SIGTERM/SIGINT.
    Run,
    /// Enrich articles from files (or `-` for stdin) and print one JSON record per line.
    ///
    /// A file holds one article (plain text or a JSON object); a `.jsonl` file, or stdin
    /// with several lines that each hold a JSON object, holds one article per line.
    Enrich {
        #[arg(default_value = "-")]
        files: Vec<PathBuf>,
    },
    /// Run the real worker on bundled examples against an in-process mock Kafka cluster
    /// (the default when no command is given).
    Demo,
    /// Print the JSON Schema of the output record.
    Schema,
    /// Print the effective settings, secrets masked, after validating them.
    CheckConfig,
    /// Ask the running worker's HTTP endpoint (settings `http.*`) for a health check;
    /// exits 0 on HTTP 200, else 1. For container health checks.
    Probe {
        #[arg(value_enum, default_value = "livez")]
        check: ProbeCheck,
    },
    /// Train a model from public data (see `train ner --help`).
    #[command(subcommand)]
    Train(TrainCommand),
    /// Score against public test sets.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Measure throughput (a benchmark, not a test).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ProbeCheck {
    Livez,
    Readyz,
    Metrics,
}

#[derive(Subcommand)]
enum TrainCommand {
    /// Train the NER tagger on CoNLL-2003-format data; writes the model file.
    ///
    /// The shipped `models/ner.bin` is reproduced by
    /// `train ner --conll ../shared/train/conll2003/train.txt --out models/ner.bin`
    /// (unlabelled text for case priors and word clusters defaults to the BBC corpus and
    /// UD EWT train beside it, when present).
    Ner {
        #[arg(long)]
        conll: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Unlabelled text: folders of `.txt` or `.conllu` files (repeatable).
        #[arg(long)]
        unlabeled: Vec<PathBuf>,
        #[arg(long)]
        epochs: Option<usize>,
    },
    /// Train the part-of-speech tagger on UD English EWT (`DIR` holds
    /// `en_ewt-ud-train.conllu`, and `en_ewt-ud-dev.conllu` for the printed accuracy).
    ///
    /// The shipped `models/pos.bin` is reproduced by
    /// `train pos --ud ../shared/train/ud_english_ewt --out models/pos.bin`.
    Pos {
        #[arg(long)]
        ud: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        epochs: Option<usize>,
        /// Drop weight rows whose largest averaged weight is below this.
        #[arg(long)]
        prune: Option<f32>,
        /// Taggers averaged into the model.
        #[arg(long)]
        ensemble: Option<usize>,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// The event coder: `--conflibert FILE.tsv` (`sentence<TAB>quad class 0-4`: accuracy and
    /// macro-F1 of the most confident event's quad class, 0 when none), `--plover FILE.json`
    /// (PLOVER type accuracy and source/target country match) and/or `--petrarch FILE.xml`
    /// (PETRARCH2 validation records: share of sentences whose (source, target, code) set is
    /// exact, triple precision/recall/F1). With `--dictionaries DIR`, events are coded with
    /// the PETRARCH dictionaries there instead of the built-in lexicon.
    Events {
        #[arg(long)]
        conflibert: Option<PathBuf>,
        #[arg(long)]
        plover: Option<PathBuf>,
        #[arg(long)]
        petrarch: Option<PathBuf>,
        #[arg(long)]
        dictionaries: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        /// With `--petrarch`: also list the records not coded exactly.
        #[arg(long)]
        errors: bool,
        /// With `--petrarch` and `--dictionaries`: tell verbs from nouns by the dictionary
        /// rules alone, without the part-of-speech tagger.
        #[arg(long)]
        no_tagger: bool,
    },
    /// POS accuracy (UPOS, and UPOS plus verb form) on a UD CoNLL-U file, on the project's
    /// own tokens.
    Pos {
        #[arg(long)]
        ud: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Exact-span precision, recall and F1 on a CoNLL-2003-format file (PERSON->PER,
    /// ORG->ORG, GPE and LOC->LOC, NORP and MISC->MISC).
    Ner {
        #[arg(long)]
        conll: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Quote content precision/recall/F1 (token overlap and exact) and speaker accuracy on
    /// PolNeAR (`DIR` holds `text/*.txt` and `attributions/*.ann`), for all attributions
    /// and for direct quotes.
    Quotes {
        #[arg(long)]
        polnear: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Full enrichment on one thread over every `.txt` under a folder: articles/s,
    /// words/s, per-stage words/s and peak RSS.
    Enrich {
        #[arg(long)]
        corpus: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The worker's own overhead through the broker in `kafka.brokers`: articles with an
    /// enrichment that does nothing, in fresh topics.
    Pipeline {
        #[arg(long, default_value_t = 200_000)]
        articles: u64,
        /// Size of each article in bytes.
        #[arg(long, default_value_t = 5_000)]
        size: usize,
        #[arg(long, default_value_t = 6)]
        partitions: i32,
        /// Print one JSON object instead of a sentence.
        #[arg(long)]
        json: bool,
    },
    /// The worker binary with the full enrichment through the broker in `kafka.brokers`,
    /// on the articles of a corpus folder (repeated): articles/s at saturation, then
    /// p50/p99 latency at half that rate, and the worker's peak RSS.
    EndToEnd {
        #[arg(long)]
        corpus: PathBuf,
        /// Articles in the saturation backlog.
        #[arg(long, default_value_t = 20_000)]
        articles: u64,
        #[arg(long, default_value_t = 6)]
        partitions: i32,
        /// Only the latency run, at this many articles per second.
        #[arg(long)]
        rate: Option<f64>,
        /// Length of the latency run.
        #[arg(long, default_value_t = 30.0)]
        seconds: f64,
        /// Only the saturation run.
        #[arg(long)]
        saturation_only: bool,
        /// Fail when the worker's peak RSS exceeds this many MB.
        #[arg(long, default_value_t = 300)]
        rss_ceiling_mb: u64,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("news-enricher: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.unwrap_or(Command::Demo);
    if let Command::Schema = command {
        println!("{}", encode::SCHEMA.trim_end());
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings::load(cli.config.as_deref()).context("settings")?;
    match command {
        Command::Schema => unreachable_schema(),
        Command::CheckConfig => {
            let shown = serde_json::to_string_pretty(&settings.masked())?;
            println!("{shown}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Enrich { files } => enrich_files(&settings, &files),
        Command::Probe { check } => probe(&settings, check),
        Command::Run => {
            let _otel = telemetry::init_traced(&settings.log, &settings.otel)?;
            telemetry::log_panics();
            runtime()?.block_on(run_worker(settings))
        }
        Command::Train(TrainCommand::Ner {
            conll,
            out,
            unlabeled,
            epochs,
        }) => {
            let mut options = if unlabeled.is_empty() {
                news_enricher::train::TrainOptions::standard(std::path::Path::new("../shared"))
            } else {
                news_enricher::train::TrainOptions {
                    unlabeled,
                    ..Default::default()
                }
            };
            if let Some(epochs) = epochs {
                options.epochs = epochs;
            }
            let report = news_enricher::train::train_ner(&conll, &out, &options)
                .with_context(|| format!("training on {}", conll.display()))?;
            println!(
                "trained on {} documents ({} tokens) with {} unlabelled texts in {:.1} s: {} rows, {} bytes written to {}",
                report.documents,
                report.tokens,
                report.unlabeled_texts,
                report.seconds,
                report.rows,
                report.model_bytes,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Train(TrainCommand::Pos {
            ud,
            out,
            epochs,
            prune,
            ensemble,
        }) => {
            let defaults = news_enricher::train::pos::PosOptions::default();
            let options = news_enricher::train::pos::PosOptions {
                epochs: epochs.unwrap_or(defaults.epochs),
                prune: prune.unwrap_or(defaults.prune),
                ensemble: ensemble.unwrap_or(defaults.ensemble),
                ..defaults
            };
            let report = news_enricher::train::pos::train_pos(&ud, &out, &options)
                .with_context(|| format!("training on {}", ud.display()))?;
            println!(
                "trained on {} sentences ({} tokens) in {:.1} s: {} rows, {} irregular lemmas, {} bytes written to {}",
                report.sentences,
                report.tokens,
                report.seconds,
                report.rows,
                report.lemmas,
                report.model_bytes,
                out.display()
            );
            if let Some(dev) = report.dev {
                println!(
                    "dev: UPOS accuracy {:.4}, with verb forms {:.4} ({} tokens)",
                    dev.upos_accuracy, dev.label_accuracy, dev.tokens
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(EvalCommand::Events {
            conflibert,
            plover,
            petrarch,
            dictionaries,
            json,
            errors,
            no_tagger,
        }) => {
            if conflibert.is_none() && plover.is_none() && petrarch.is_none() {
                anyhow::bail!("give --conflibert FILE, --plover FILE and/or --petrarch FILE");
            }
            if let Some(path) = &petrarch {
                // The records name their own dictionary files; the built-in coder otherwise.
                let built_in = match dictionaries {
                    Some(_) => None,
                    None => Some(Enricher::new().context("loading the enrichment models")?),
                };
                eval_petrarch(
                    path,
                    dictionaries.as_deref(),
                    built_in.as_ref(),
                    json,
                    errors,
                    no_tagger,
                )?;
            }
            if conflibert.is_none() && plover.is_none() {
                return Ok(ExitCode::SUCCESS);
            }
            let enricher = match &dictionaries {
                Some(dir) => {
                    let mut settings = settings.clone();
                    settings.events.dictionaries = dir.display().to_string();
                    enricher(&settings)?
                }
                None => Enricher::new().context("loading the enrichment models")?,
            };
            if let Some(path) = conflibert {
                let scores = news_enricher::eval::events::eval_conflibert(&enricher, &path)
                    .with_context(|| format!("scoring {}", path.display()))?;
                if json {
                    println!("{}", serde_json::to_string(&scores)?);
                } else {
                    println!(
                        "conflibert: accuracy {:.4}  macro-F1 {:.4}  ({} sentences; F1 per class 0-4: {})",
                        scores.accuracy,
                        scores.macro_f1,
                        scores.sentences,
                        scores
                            .per_class_f1
                            .iter()
                            .map(|f| format!("{f:.3}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                }
            }
            if let Some(path) = plover {
                let scores = news_enricher::eval::events::eval_plover(&enricher, &path)
                    .with_context(|| format!("scoring {}", path.display()))?;
                if json {
                    println!("{}", serde_json::to_string(&scores)?);
                } else {
                    println!(
                        "plover: type accuracy {:.4}  actor match {:.4}  ({} records)",
                        scores.type_accuracy, scores.actor_match, scores.records
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(EvalCommand::Pos { ud, json }) => {
            let tagger = news_enricher::enrich::pos::PosTagger::load_embedded()
                .context("loading the POS model")?;
            let scores = news_enricher::eval::pos::eval_pos(&tagger, &ud)
                .with_context(|| format!("scoring {}", ud.display()))?;
            if json {
                println!("{}", serde_json::to_string(&scores)?);
            } else {
                println!(
                    "UPOS accuracy {:.4}  with verb forms {:.4}  ({} tokens, {} sentences)",
                    scores.upos_accuracy, scores.label_accuracy, scores.tokens, scores.sentences
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(EvalCommand::Ner { conll, json }) => {
            let recognizer = news_enricher::enrich::ner::Recognizer::load_embedded()
                .context("loading the NER model")?;
            let scores = news_enricher::eval::ner::eval_ner(&recognizer, &conll)
                .with_context(|| format!("scoring {}", conll.display()))?;
            if json {
                println!("{}", serde_json::to_string(&scores)?);
            } else {
                println!(
                    "precision {:.4}  recall {:.4}  F1 {:.4}",
                    scores.precision, scores.recall, scores.f1
                );
                for (kind, s) in &scores.per_type {
                    println!(
                        "  {kind:<5} precision {:.4}  recall {:.4}  F1 {:.4}",
                        s.precision, s.recall, s.f1
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(EvalCommand::Quotes { polnear, json }) => {
            let enricher = Enricher::new().context("loading the enrichment models")?;
            let scores = news_enricher::eval::quotes::eval_quotes(&enricher, &polnear)
                .with_context(|| format!("scoring {}", polnear.display()))?;
            if json {
                println!("{}", serde_json::to_string(&scores)?);
            } else {
                for (name, level) in [("all", &scores.all), ("direct", &scores.direct)] {
                    println!(
                        "{name:<6} precision {:.4}  recall {:.4}  F1 {:.4}  exact F1 {:.4}  speaker accuracy {:.4}",
                        level.precision, level.recall, level.f1, level.exact_f1, level.speaker_accuracy
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Enrich { corpus, json }) => {
            let loading = std::time::Instant::now();
            let enricher = Enricher::new().context("loading the enrichment models")?;
            let load_seconds = loading.elapsed().as_secs_f64();
            let texts = bench::read_corpus(&corpus).context("reading the corpus")?;
            let report = bench::enrich(&enricher, &texts);
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "{} articles, {} words in {:.2} s on one thread: {:.0} articles/s, {:.0} words/s; models loaded in {:.2} s; peak RSS {} MB",
                    report.articles,
                    report.words,
                    report.seconds,
                    report.articles_per_s,
                    report.words_per_s,
                    load_seconds,
                    report.peak_rss_kb / 1024
                );
                for (stage, rate) in &report.stage_words_per_s {
                    println!("  {stage:<9} {rate:>14.0} words/s");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Pipeline {
            articles,
            size,
            partitions,
            json,
        }) => {
            telemetry::init(&settings.log);
            let report = runtime()?
                .block_on(bench::pipeline(settings, articles, size, partitions))
                .context("bench pipeline")?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "{} articles of {} bytes over {} partitions: {:.0} articles/s ({:.1} MB/s) steady, {:.1} s in all with the group join; input loaded at {:.0} articles/s",
                    report.articles,
                    report.article_bytes,
                    report.partitions,
                    report.articles_per_s,
                    report.mb_per_s,
                    report.seconds_total,
                    report.produce_per_s
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::EndToEnd {
            corpus,
            articles,
            partitions,
            rate,
            seconds,
            saturation_only,
            rss_ceiling_mb,
            json,
        }) => {
            telemetry::init(&settings.log);
            let texts = bench::read_corpus(&corpus).context("reading the corpus")?;
            anyhow::ensure!(
                !texts.is_empty(),
                "no .txt articles under {}",
                corpus.display()
            );
            let plan = bench::end_to_end::Plan {
                texts: std::sync::Arc::new(texts),
                articles,
                partitions,
                rate,
                seconds,
                saturation_only,
            };
            let report = runtime()?
                .block_on(bench::end_to_end::run(settings, &plan))
                .context("bench end-to-end")?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print_end_to_end(&report);
            }
            let peak_mb = [
                report.saturation.as_ref().map(|s| s.worker_peak_rss_kb),
                report.latency.as_ref().map(|l| l.worker_peak_rss_kb),
            ]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0)
                / 1024;
            if peak_mb > rss_ceiling_mb {
                eprintln!(
                    "worker peak RSS {peak_mb} MB is over the ceiling of {rss_ceiling_mb} MB"
                );
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            telemetry::init(&settings.log);
            telemetry::log_panics();
            let mut out = std::io::stdout().lock();
            runtime()?
                .block_on(demo::run(settings, &mut out))
                .context("demo")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `eval events --petrarch`: PETRARCH2 validation records with the PETRARCH dictionaries in
/// `dictionaries`, else with the `built_in` coder.
fn eval_petrarch(
    petrarch: &std::path::Path,
    dictionaries: Option<&std::path::Path>,
    built_in: Option<&Enricher>,
    json: bool,
    errors: bool,
    no_tagger: bool,
) -> anyhow::Result<()> {
    let pos = match (&dictionaries, no_tagger) {
        (Some(_), false) => Some(
            news_enricher::enrich::pos::PosTagger::load_embedded()
                .context("loading the part-of-speech model")?,
        ),
        _ => None,
    };
    let scores = news_enricher::eval::petrarch::eval_petrarch(
        petrarch,
        dictionaries,
        built_in,
        pos.as_ref(),
    )
    .with_context(|| format!("scoring {}", petrarch.display()))?;
    if errors {
        for k in &scores.skipped {
            eprintln!("skipped {}:{}: {}", k.file, k.line, k.reason);
        }
        for m in &scores.mismatches {
            eprintln!(
                "{}\t{}\n  expected {:?}\n  produced {:?}",
                m.id, m.text, m.expected, m.produced
            );
        }
    }
    if json {
        println!("{}", serde_json::to_string(&scores)?);
    } else {
        println!(
            "{} sentences, {} exact ({:.4}); triples precision {:.4}  recall {:.4}  F1 {:.4}; coded in {:.3} s with {}",
            scores.sentences,
            scores.exact_sentences,
            scores.exact_sentence_share,
            scores.precision,
            scores.recall,
            scores.f1,
            scores.seconds,
            scores.coder
        );
        if let (Some(load), Some(sizes)) = (scores.dictionary_load_seconds, scores.dictionary_sizes)
        {
            println!(
                "dictionaries loaded in {load:.3} s: {} verb blocks, {} verb forms, {} patterns, {} synsets, {} actors ({} phrases), {} agent phrases, {} discards; {} lines skipped",
                sizes.verb_blocks,
                sizes.verb_forms,
                sizes.verb_patterns,
                sizes.synsets,
                sizes.actors,
                sizes.actor_phrases,
                sizes.agent_phrases,
                sizes.discards,
                scores.dictionary_lines_skipped.unwrap_or(0)
            );
        }
    }
    Ok(())
}

fn print_end_to_end(report: &bench::end_to_end::Report) {
    println!(
        "{} corpus articles of {} bytes on average, {} partitions; load average {}",
        report.corpus_articles, report.mean_article_bytes, report.partitions, report.load_average
    );
    if let Some(s) = &report.saturation {
        println!(
            "saturation: {} articles, {:.0} articles/s steady ({:.1} s, {:.1} s with the group join); worker peak RSS {} MB; backlog loaded at {:.0}/s",
            s.articles,
            s.articles_per_s,
            s.seconds_steady,
            s.seconds_total,
            s.worker_peak_rss_kb / 1024,
            s.load_per_s
        );
    }
    if let Some(l) = &report.latency {
        println!(
            "latency at {:.0} articles/s: {} of {} articles, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; worker peak RSS {} MB",
            l.rate_per_s,
            l.received,
            l.articles,
            l.p50_ms,
            l.p99_ms,
            l.max_ms,
            l.worker_peak_rss_kb / 1024
        );
    }
}

fn unreachable_schema() -> anyhow::Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("news-enricher-io")
        .build()
        .context("starting the async runtime")
}

/// The enrichment stages, with the PETRARCH dictionaries of `events.dictionaries` when set.
fn enricher(settings: &Settings) -> anyhow::Result<Enricher> {
    let enricher = Enricher::new().context("loading the enrichment models")?;
    let Some((dir, files)) = settings.events.petrarch() else {
        return Ok(enricher);
    };
    let loaded = news_enricher::dictionaries::load(&dir, &files)
        .with_context(|| format!("loading PETRARCH dictionaries from {}", dir.display()))?;
    tracing::info!(
        dir = %dir.display(),
        bytes = loaded.bytes,
        seconds = loaded.seconds,
        "Events are coded with PETRARCH dictionaries."
    );
    let codes = news_enricher::enrich::events::lexicon::EventLexicon::embedded()
        .context("loading the CAMEO code table")?;
    let coder = PetrarchCoder::new(loaded.dictionaries, codes);
    Ok(enricher.with_event_coder(EventCoder::Petrarch(Box::new(coder))))
}

async fn run_worker(settings: Settings) -> anyhow::Result<ExitCode> {
    let stats = Arc::new(Stats::new());
    // The endpoint serves before anything else starts: probes answer while the models load
    // and while the broker is unreachable.
    let listener = http::bind(settings.http.socket_address()).await?;
    let endpoint = tokio::spawn(http::serve(
        listener,
        stats.clone(),
        settings.http.stall_timeout(),
    ));
    let enricher = Arc::new(enricher(&settings)?);
    let enrich = {
        let stats = stats.clone();
        Arc::new(move |article: &Article| {
            let mut times = StageTimes::default();
            let enrichment = enricher.enrich_timed(article, &mut times);
            stats.record_stages(&times);
            enrichment
        })
    };
    let summary = pipeline::run(&settings, enrich, stats, shutdown_signal()).await;
    endpoint.abort();
    let summary = summary.context("worker")?;
    tracing::debug!(?summary, "Run summary.");
    Ok(ExitCode::SUCCESS)
}

/// `probe`: one GET on the endpoint of these settings; 200 means healthy.
fn probe(settings: &Settings, check: ProbeCheck) -> anyhow::Result<ExitCode> {
    let address = http::probe_address(settings.http.socket_address());
    anyhow::ensure!(
        address.port() != 0,
        "http.port is 0 (chosen at start-up): give the port to probe"
    );
    let path = match check {
        ProbeCheck::Livez => "/livez",
        ProbeCheck::Readyz => "/readyz",
        ProbeCheck::Metrics => "/metrics",
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (status, body) = runtime
        .block_on(http::get(address, path))
        .with_context(|| format!("GET http://{address}{path}"))?;
    print!("{body}");
    Ok(if status == 200 {
        ExitCode::SUCCESS
    } else {
        eprintln!("news-enricher: GET http://{address}{path}: HTTP {status}");
        ExitCode::FAILURE
    })
}

/// Completes on the first SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "Cannot listen for SIGTERM; only SIGINT stops the worker.");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `enrich`: the same CPU path as the worker, from files to stdout.
fn enrich_files(settings: &Settings, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let enricher = enricher(settings)?;
    let enrich = |article: &Article| enricher.enrich(article);
    let options = Options {
        limits: Limits {
            max_body_bytes: settings.pipeline.max_body_bytes,
        },
        include_body: settings.pipeline.include_body,
    };
    let mut stdout = std::io::stdout().lock();
    let mut failures = 0usize;
    for path in files {
        let (name, bytes) = if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("reading stdin")?;
            ("-".to_string(), bytes)
        } else {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            (path.display().to_string(), bytes)
        };
        let is_jsonl = path
            .extension()
            .is_some_and(|e| e == "jsonl" || e == "ndjson");
        for (line, article) in split_articles(&bytes, is_jsonl || name == "-") {
            match process::process(Some(article), None, None, &enrich, options) {
                Outcome::Enriched { record, .. } => {
                    stdout.write_all(&record)?;
                    stdout.write_all(b"\n")?;
                }
                Outcome::Rejected { rejection, .. } => {
                    failures += 1;
                    let place = line.map_or(name.clone(), |l| format!("{name}:{l}"));
                    eprintln!("{place}: {} ({})", rejection, rejection.class());
                }
            }
        }
    }
    stdout.flush()?;
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// Splits input into articles: one per line when `by_line` and every non-blank line is a
/// JSON object; else the whole input is one article. Yields (1-based line, bytes).
fn split_articles(bytes: &[u8], by_line: bool) -> Vec<(Option<usize>, &[u8])> {
    if by_line {
        let lines: Vec<(usize, &[u8])> = bytes
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.trim_ascii().is_empty())
            .map(|(i, line)| (i + 1, line))
            .collect();
        if lines.len() > 1
            && lines
                .iter()
                .all(|(_, line)| line.trim_ascii().starts_with(b"{"))
        {
            return lines.into_iter().map(|(i, line)| (Some(i), line)).collect();
        }
    }
    vec![(None, bytes)]
}
