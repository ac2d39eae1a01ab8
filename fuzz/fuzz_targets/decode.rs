//! Fuzz target: input decoding (`decode::decode`) never panics, and what it accepts keeps
//! the `Article` guarantees (non-blank body within the limit, a non-empty id).
#![no_main]

use libfuzzer_sys::fuzz_target;
use news_enricher::decode::{decode, Limits};

const LIMITS: Limits = Limits {
    max_body_bytes: 4096,
};

fuzz_target!(|data: &[u8]| {
    // The key varies with the input's length: absent, empty, or the first bytes (which
    // may not be UTF-8).
    let key = match data.len() % 3 {
        0 => None,
        1 => Some(&data[..0]),
        _ => Some(&data[..data.len().min(4)]),
    };
    match decode(Some(data), key, LIMITS) {
        Ok(article) => {
            assert!(!article.body.trim().is_empty(), "accepted a blank body");
            assert!(
                article.body.len() <= LIMITS.max_body_bytes,
                "accepted a body over the limit"
            );
            assert!(!article.id.is_empty(), "accepted an article without an id");
            assert_eq!(
                decode(Some(data), key, LIMITS).ok(),
                Some(article),
                "decoding is deterministic"
            );
        }
        Err(err) => {
            assert!(!err.class().is_empty());
            assert!(!err.to_string().is_empty());
        }
    }
});
