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

/// English function words: in English news they are a quarter or more of all words, in
/// other languages written in Latin script a few percent at most.
const ENGLISH_FUNCTION_WORDS: [&str; 16] = [
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "was", "said", "by",
    "as", "it",
];

/// Share of function words above which a sample is English without asking whatlang.
const CLEARLY_ENGLISH: f64 = 0.18;

/// Detects the language of `body`.
///
/// Text whose words are mostly English function words is English at once (most of the
/// stream, at a fraction of whatlang's cost); anything else goes to whatlang. A short or
/// mixed text may come back unreliable; it still counts as English when English is the
/// best guess, so that short English items are enriched.
pub fn detect(body: &str) -> Language {
    let sample = prefix_at_char_boundary(body, SAMPLE_BYTES);
    let share = function_word_share(sample);
    if share >= CLEARLY_ENGLISH {
        return Language {
            code: "eng".to_string(),
            confidence: 1.0,
            reliable: true,
        };
    }
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

/// Share of the sample's words (at least 20 of them) that are English function words.
fn function_word_share(sample: &str) -> f64 {
    let mut words = 0usize;
    let mut hits = 0usize;
    for word in sample
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
    {
        words += 1;
        if word.len() <= 4
            && ENGLISH_FUNCTION_WORDS
                .iter()
                .any(|f| f.eq_ignore_ascii_case(word))
        {
            hits += 1;
        }
    }
    if words < 20 {
        0.0
    } else {
        hits as f64 / words as f64
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
    fn function_words_separate_english_from_other_latin_script() {
        let english = "The minister said on Thursday that the talks with the union had ended \
                       and that a new offer would be made to the workers in the spring.";
        let french = "Le ministre a déclaré jeudi que les discussions avec le syndicat étaient \
                      terminées et qu'une nouvelle offre serait faite aux travailleurs au printemps.";
        assert!(function_word_share(english) >= CLEARLY_ENGLISH);
        assert!(function_word_share(french) < CLEARLY_ENGLISH);
        assert_eq!(detect(french).code, "fra");
    }

    #[test]
    fn sample_cut_respects_char_boundaries() {
        let text = "é".repeat(SAMPLE_BYTES);
        let cut = prefix_at_char_boundary(&text, SAMPLE_BYTES + 1);
        assert!(cut.len() <= SAMPLE_BYTES + 1);
        assert!(text.is_char_boundary(cut.len()));
    }
}
