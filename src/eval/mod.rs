//! Evaluation against public data sets: one module per stage scored.
//!
//! - [`events`]: ConfliBERT quad-class and PLOVER record scores of the event coder.
//! - [`ner`]: CoNLL-2003 files (reader, shared with training) and exact-span NER scores.
//! - [`petrarch`]: PETRARCH2 validation records and event-triple scores.
//! - [`pos`]: UD CoNLL-U files (reader, shared with `train pos`) and POS accuracy.
//! - [`quotes`]: PolNeAR files and quote content / speaker scores.
//! - [`standin`]: simple entities for quote unit tests and error analysis.

pub mod events;
pub mod ner;
pub mod petrarch;
pub mod pos;
pub mod quotes;
pub mod standin;

pub use ner::{eval_ner, NerScores, Prf};
