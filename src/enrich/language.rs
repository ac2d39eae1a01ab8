//! Language identification of the article body (whatlang, trigram based).

use serde::Serialize;

/// The detected language of an article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Language {
    /// ISO 639-3 code, e.g. `eng`; `und` when undetermined.
    pub code: String,
    /// Detector confidence in `[0, 1]`.
    pub confidence: f64,
    /// Whether the detector found the text reliable enough to act on.
    pub reliable: bool,
}

impl Language {
    pub fn is_english(&self) -> bool {
        self.code == "eng"
    }
}

/// At most this many bytes of the body are looked at: detection settles long before.
const SAMPLE_BYTES: usize = 1024;

/// Detects the language of `body`.
///
/// A short or mixed text may come back unreliable; it still counts as English
/// when English is the best guess, so that short English items are enriched.
pub fn detect(body: &str) -> Language {
    let sample = prefix_at_char_boundary(body, SAMPLE_BYTES);
    match whatlang::detect(sample) {
        Some(info) => Language {
            code: info.lang().code().to_string(),
            confidence: info.confidence(),
            reliable: info.is_reliable(),
        },
        None => Language {
            code: "und".to_string(),
            confidence: 0.0,
            reliable: false,
        },
    }
}

fn prefix_at_char_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_news_is_english() {
        let lang = detect(
            "Russian and American diplomats met in Istanbul on Thursday to discuss \
             the normalisation of relations between the two countries.",
        );
        assert_eq!(lang.code, "eng");
        assert!(lang.reliable);
    }

    #[test]
    fn german_news_is_not_english() {
        let lang = detect(
            "Russische und amerikanische Diplomaten haben sich am Donnerstag in Istanbul \
             getroffen, um über die Normalisierung der Beziehungen zu sprechen.",
        );
        assert_eq!(lang.code, "deu");
        assert!(!lang.is_english());
    }

    #[test]
    fn sample_cut_respects_char_boundaries() {
        let text = "é".repeat(SAMPLE_BYTES);
        let cut = prefix_at_char_boundary(&text, SAMPLE_BYTES + 1);
        assert!(cut.len() <= SAMPLE_BYTES + 1);
        assert!(text.is_char_boundary(cut.len()));
    }
}
