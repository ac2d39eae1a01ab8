//! One message's CPU work: decode -> enrich -> encode, with panics caught. Shared by the
//! Kafka pipeline and the `enrich` command, so both run the same code path.

use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

use chrono::Utc;

use crate::article::Article;
use crate::dead_letter::Rejection;
use crate::decode::{self, Limits};
use crate::encode::{self, Processing, SourcePosition};
use crate::enrich::Enrichment;

/// What became of one message.
#[derive(Debug)]
pub enum Outcome {
    /// The output record, keyed by article id.
    Enriched { article_id: String, record: Vec<u8> },
    /// The message goes to the dead-letter topic.
    Rejected {
        /// Set when the message decoded before it failed.
        article_id: Option<String>,
        rejection: Rejection,
    },
}

/// Options of the CPU work that come from settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub limits: Limits,
    pub include_body: bool,
}

/// Decodes, enriches and encodes one message. Never panics: a panic inside
/// `enrich` becomes [`Rejection::EnrichmentPanic`].
pub fn process<F>(
    payload: Option<&[u8]>,
    key: Option<&[u8]>,
    source: Option<&SourcePosition>,
    enrich: &F,
    options: Options,
) -> Outcome
where
    F: Fn(&Article) -> Enrichment + ?Sized,
{
    // Decoding and encoding do not panic by design; catching around all three
    // stages keeps one bug from taking the worker down with it.
    let mut article_id = None;
    let run = AssertUnwindSafe(|| {
        process_unguarded(payload, key, source, enrich, options, &mut article_id)
    });
    match panic::catch_unwind(run) {
        Ok(outcome) => outcome,
        Err(panic) => Outcome::Rejected {
            article_id,
            rejection: Rejection::EnrichmentPanic {
                message: panic_message(panic.as_ref()),
            },
        },
    }
}

fn process_unguarded<F>(
    payload: Option<&[u8]>,
    key: Option<&[u8]>,
    source: Option<&SourcePosition>,
    enrich: &F,
    options: Options,
    article_id: &mut Option<String>,
) -> Outcome
where
    F: Fn(&Article) -> Enrichment + ?Sized,
{
    let started = Instant::now();
    let article = match decode::decode(payload, key, options.limits) {
        Ok(article) => article,
        Err(err) => {
            return Outcome::Rejected {
                article_id: None,
                rejection: Rejection::Decode(err),
            }
        }
    };
    tracing::Span::current().record("article_id", article.id.as_str());
    *article_id = Some(article.id.clone());
    let enrichment = enrich(&article);
    let processing = Processing {
        enriched_at: Utc::now(),
        elapsed: started.elapsed(),
    };
    match encode::encode(
        &article,
        &enrichment,
        source,
        &processing,
        options.include_body,
    ) {
        Ok(record) => Outcome::Enriched {
            article_id: article.id,
            record,
        },
        Err(err) => Outcome::Rejected {
            article_id: Some(article.id),
            rejection: Rejection::EncodeFailed {
                message: err.to_string(),
            },
        },
    }
}

/// The text a panic was raised with.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::Enricher;

    const OPTIONS: Options = Options {
        limits: Limits {
            max_body_bytes: 10_000,
        },
        include_body: true,
    };

    #[test]
    fn a_good_article_is_enriched() {
        let enricher = Enricher::new().expect("models load");
        let outcome = process(
            Some(b"date 2025-02-27\nDiplomats met in Istanbul on Thursday."),
            Some(b"a-1"),
            None,
            &|a: &Article| enricher.enrich(a),
            OPTIONS,
        );
        let Outcome::Enriched { article_id, record } = outcome else {
            panic!("expected an output record, got {outcome:?}");
        };
        assert_eq!(article_id, "a-1");
        let json: serde_json::Value = serde_json::from_slice(&record).expect("JSON");
        assert_eq!(json["article"]["date"], "2025-02-27");
        assert_eq!(json["source"], serde_json::Value::Null);
    }

    #[test]
    fn a_panic_in_enrichment_is_a_rejection() {
        let outcome = process(
            Some(b"Some story."),
            None,
            None,
            &|_: &Article| -> Enrichment { panic!("stage exploded") },
            OPTIONS,
        );
        let Outcome::Rejected {
            article_id: Some(_),
            rejection,
        } = outcome
        else {
            panic!("expected a rejection, got {outcome:?}");
        };
        assert_eq!(rejection.class(), "enrichment_panic");
        assert!(rejection.to_string().contains("stage exploded"));
    }
}
