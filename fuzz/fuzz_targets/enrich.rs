//! Fuzz target: enrichment and encoding of any text never panic, every offset in the
//! record is a character range of the body, and the record matches the output schema.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use news_enricher::article::{Article, IdSource, Published};
use news_enricher::encode::{self, Processing};
use news_enricher::enrich::Enricher;

fn enricher() -> &'static Enricher {
    static ENRICHER: OnceLock<Enricher> = OnceLock::new();
    ENRICHER.get_or_init(|| Enricher::new().expect("models load"))
}

fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema: serde_json::Value =
            serde_json::from_str(encode::SCHEMA).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    })
}

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data).into_owned();
    if body.trim().is_empty() {
        return;
    }
    // Half the inputs carry a publication date (terms of office depend on it).
    let published = (data.len() % 2 == 0)
        .then(|| Published::from_date(chrono::NaiveDate::from_ymd_opt(2025, 2, 27).expect("date")));
    let article = Article {
        id: "fuzz".to_string(),
        id_source: IdSource::Key,
        url: None,
        source: None,
        title: None,
        published,
        declared_language: None,
        body,
    };
    let enrichment = enricher().enrich(&article);
    let processing = Processing {
        enriched_at: chrono::Utc::now(),
        elapsed: Duration::from_micros(1),
    };
    let record = encode::encode(&article, &enrichment, None, &processing, true).expect("encodes");
    let record: serde_json::Value = serde_json::from_slice(&record).expect("record is JSON");
    let bad = encode::offset_violations(&record, &article.body);
    assert!(bad.is_empty(), "offsets outside the body: {bad:#?}");
    let errors: Vec<String> = schema()
        .iter_errors(&record)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "record violates the schema: {errors:#?}");
});
