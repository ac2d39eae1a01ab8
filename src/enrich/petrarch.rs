//! PETRARCH2 dictionary compatibility: verb, actor, agent and discard dictionaries in
//! PETRARCH's text format, and a coder that uses them in place of the built-in lexicon.
//!
//! - [`dictionaries`]: the readers (text in, typed dictionaries out; no I/O).
//! - [`words`]: words as the dictionaries see them.
//! - [`coder`]: actors, agents, verbs and patterns matched in a sentence -> coded events.

pub mod coder;
pub mod dictionaries;
pub mod words;

pub use coder::{code_sentence, Coded};
pub use dictionaries::{Dictionaries, DictionaryError, Sizes, Skipped, Sources};
