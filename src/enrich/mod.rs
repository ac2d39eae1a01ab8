//! `enrich(&Article) -> Enrichment`: runs the analysis stages in order. No I/O, no Kafka types.
//!
//! Enrichment cannot fail: whatever it is given, it returns a value. Models and
//! lexicons are built once (see [`Enricher::new`], which fails loudly at start-up) and
//! shared read-only between the worker threads.
//!
//! Stages: [`language`] -> [`text`] (tokens, sentences, dateline) -> [`ner`] (typed spans,
//! with the [`tagger`] and [`gazetteer`]) -> [`entities`] (with the [`lexicon`]) ->
//! [`quotes`] -> [`events`] (with [`pos`] tags and [`syntax`] chunks and clauses).

pub mod entities;
pub mod events;
pub mod gazetteer;
pub mod language;
pub mod lexicon;
pub mod ner;
pub mod petrarch;
pub mod pos;
pub mod quotes;
pub mod syntax;
pub mod tagger;
pub mod text;

use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::article::Article;
pub use entities::{Entity, EntityKind, Mention};
pub use events::Event;
pub use language::Language;
pub use quotes::Quote;

/// Everything enrichment found in one article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrichment {
    pub language: Language,
    pub status: Status,
    /// "MOSCOW (Reuters) -" at the head of the story: metadata, not story text.
    pub dateline: Option<DatelineInfo>,
    pub entities: Vec<Entity>,
    pub quotes: Vec<Quote>,
    pub events: Vec<Event>,
}

/// Whether the analysis stages ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The article is English and every stage ran.
    Enriched,
    /// The article is not (reliably) English: it passes through with empty arrays.
    SkippedLanguage,
}

/// A story's dateline, with byte offsets into the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatelineInfo {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// "MOSCOW", "KYIV, Ukraine".
    pub place: String,
    /// "Reuters", "AP", when given.
    pub agency: Option<String>,
    /// "March 3", as written, when given.
    pub date: Option<String>,
}

impl DatelineInfo {
    fn of(text: &text::Text) -> Option<DatelineInfo> {
        let d = text.dateline()?;
        Some(DatelineInfo {
            start: d.span.start,
            end: d.span.end,
            text: text.slice(d.span).to_string(),
            place: text.slice(d.place).to_string(),
            agency: d.agency.map(|s| text.slice(s).to_string()),
            date: d.date.map(|s| text.slice(s).to_string()),
        })
    }
}

/// Time spent in each stage, summed over the articles enriched with it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    pub language: Duration,
    pub text: Duration,
    pub ner: Duration,
    pub entities: Duration,
    pub quotes: Duration,
    pub events: Duration,
}

/// A model or lexicon compiled into the binary does not load: the worker must not start.
#[derive(Debug)]
pub enum LoadError {
    Model(tagger::ModelError),
    PosModel(tagger::ModelError),
    Lexicon(lexicon::LexiconError),
    EventLexicon(events::lexicon::EventLexiconError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Model(err) => write!(f, "the NER model does not load: {err}"),
            LoadError::PosModel(err) => write!(f, "the POS model does not load: {err}"),
            LoadError::Lexicon(err) => write!(f, "the lexicon does not load: {err}"),
            LoadError::EventLexicon(err) => write!(f, "the event lexicon does not load: {err}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// What codes events: the built-in lexicon, or PETRARCH dictionaries a user keeps.
#[derive(Debug)]
pub enum EventCoder {
    BuiltIn(Box<events::Coder>),
    Petrarch(Box<petrarch::PetrarchCoder>),
}

/// The analysis stages with their loaded models. Share it behind an `Arc`.
#[derive(Debug)]
pub struct Enricher {
    recognizer: ner::Recognizer,
    lexicon: lexicon::Lexicon,
    pos: pos::PosTagger,
    coder: EventCoder,
}

impl Enricher {
    /// Loads every model and lexicon embedded in the binary.
    pub fn new() -> Result<Enricher, LoadError> {
        let recognizer = ner::Recognizer::load_embedded().map_err(LoadError::Model)?;
        // News words known to the NER model: their POS features are summed once, here.
        let pos = pos::PosTagger::load_embedded()
            .map_err(LoadError::PosModel)?
            .with_vocabulary(recognizer.featurizer().vocab().words());
        let coder = events::Coder::new(
            events::lexicon::EventLexicon::embedded().map_err(LoadError::EventLexicon)?,
            pos.lemma_table(),
        );
        Ok(Enricher {
            recognizer,
            lexicon: lexicon::Lexicon::embedded().map_err(LoadError::Lexicon)?,
            pos,
            coder: EventCoder::BuiltIn(Box::new(coder)),
        })
    }

    /// The same stages, with events coded by `coder`.
    pub fn with_event_coder(self, coder: EventCoder) -> Enricher {
        Enricher { coder, ..self }
    }

    /// Enriches one article. Never fails and never does I/O.
    pub fn enrich(&self, article: &Article) -> Enrichment {
        self.enrich_timed(article, &mut StageTimes::default())
    }

    /// [`Enricher::enrich`], adding the time each stage took to `times`.
    pub fn enrich_timed(&self, article: &Article, times: &mut StageTimes) -> Enrichment {
        let mut clock = Instant::now();
        let mut lap = |slot: &mut Duration| {
            let now = Instant::now();
            *slot += now - clock;
            clock = now;
        };
        let language = language::detect(&article.body);
        lap(&mut times.language);
        if !language.is_english() {
            return Enrichment {
                language,
                status: Status::SkippedLanguage,
                dateline: None,
                entities: Vec::new(),
                quotes: Vec::new(),
                events: Vec::new(),
            };
        }
        let text = text::analyse(&article.body);
        lap(&mut times.text);
        // Besides the names: the tokens' vocabulary positions, which also number the POS
        // tagger's word blocks, and their lower-cased hashes, which the entity and event
        // stages read.
        let ner::Recognized {
            spans,
            words,
            lower,
        } = self.recognizer.recognize_with_keys(&text);
        lap(&mut times.ner);
        let date = article.published.map(|p| p.date);
        let entities = entities::find(&text, &lower, &spans, &self.lexicon, date);
        lap(&mut times.entities);
        let quotes = quotes::find(&text, &entities);
        lap(&mut times.quotes);
        let events = match &self.coder {
            EventCoder::BuiltIn(coder) => {
                let names: Vec<text::Span> = spans
                    .iter()
                    .map(|s| text::Span::new(s.start, s.end))
                    .collect();
                // Only sentences with a candidate trigger and a possible actor are tagged
                // and parsed.
                let trigger = coder.candidate_sentences(&text, &lower);
                let actor = events::actors::actor_sentences(&text, &entities, |i| {
                    trigger.get(i).copied().unwrap_or(false)
                });
                let syntax =
                    syntax::analyse_sentences(&text, &self.pos, &names, Some(&words), |i| {
                        trigger.get(i).copied().unwrap_or(false)
                            && actor.get(i).copied().unwrap_or(false)
                    });
                coder.code(&text, &syntax, &entities, &self.lexicon, date)
            }
            EventCoder::Petrarch(coder) => {
                coder.events(&text, &self.pos.tag(&text), article, &entities)
            }
        };
        lap(&mut times.events);
        Enrichment {
            language,
            status: Status::Enriched,
            dateline: DatelineInfo::of(&text),
            entities,
            quotes,
            events,
        }
    }
}
