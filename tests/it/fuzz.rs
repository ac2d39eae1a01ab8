//! The fuzz corpora (`fuzz/corpus/`, minimised by `cargo fuzz cmin`) replayed as tests:
//! every input decodes or is refused without a panic, and every article enriches into a
//! schema-valid record whose offsets are character ranges of the body. Findings of the
//! fuzzers are kept below as named regression tests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use news_enricher::article::{Article, IdSource, Published};
use news_enricher::decode::Limits;
use news_enricher::encode::{encode, offset_violations, Processing};
use news_enricher::enrich::Enricher;
use news_enricher::process::{process, Options, Outcome};

use crate::support::assert_valid_record;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("readable");
            (path, bytes)
        })
        .collect()
}

/// Checks one output record: schema, and offsets against the body it carries.
fn check_record(name: &str, record: &[u8]) {
    let record: serde_json::Value = serde_json::from_slice(record).expect("JSON");
    assert_valid_record(&record);
    let body = record["article"]["body"].as_str().expect("body included");
    let bad = offset_violations(&record, body);
    assert!(bad.is_empty(), "{name}: {bad:#?}");
}

/// Decodes, enriches and encodes `payload` as the worker does; checks the record.
/// False when the message is refused.
fn check_message(enricher: &Enricher, name: &str, payload: &[u8]) -> bool {
    let enrich = |article: &Article| enricher.enrich(article);
    match process(Some(payload), Some(b"fuzz"), None, &enrich, OPTIONS) {
        Outcome::Enriched { record, .. } => {
            check_record(name, &record);
            true
        }
        Outcome::Rejected { rejection, .. } => {
            assert_ne!(rejection.class(), "enrichment_panic", "{name}: {rejection}");
            false
        }
    }
}

/// What the `enrich` fuzz target does: the bytes as a body (lossy UTF-8), undecoded,
/// with a publication date on even lengths.
fn check_body(enricher: &Enricher, name: &str, bytes: &[u8]) {
    let body = String::from_utf8_lossy(bytes).into_owned();
    if body.trim().is_empty() {
        return;
    }
    let published = (bytes.len() % 2 == 0)
        .then(|| Published::from_date(NaiveDate::from_ymd_opt(2025, 2, 27).expect("date")));
    let article = Article {
        published,
        id_source: IdSource::Key,
        ..Article::from_body("fuzz", body)
    };
    let enrichment = enricher.enrich(&article);
    let processing = Processing {
        enriched_at: chrono::Utc::now(),
        elapsed: Duration::from_micros(1),
    };
    let record = encode(&article, &enrichment, None, &processing, true).expect("encodes");
    check_record(name, &record);
}

const OPTIONS: Options = Options {
    limits: Limits {
        max_body_bytes: 1 << 20,
    },
    include_body: true,
};

#[test]
fn fuzz_corpora_replay_without_panics_and_with_valid_records() {
    let enricher = Enricher::new().expect("models load");
    let decode = corpus("decode");
    let mut enriched = 0;
    for (path, bytes) in &decode {
        if check_message(&enricher, &path.display().to_string(), bytes) {
            enriched += 1;
        }
    }
    let enrich = corpus("enrich");
    for (path, bytes) in &enrich {
        check_body(&enricher, &path.display().to_string(), bytes);
    }
    eprintln!(
        "fuzz corpora: decode {} inputs ({enriched} enriched, the rest refused), enrich {} inputs",
        decode.len(),
        enrich.len()
    );
    assert!(
        enriched > 0 && !enrich.is_empty(),
        "the corpora exercise enrichment"
    );
}
