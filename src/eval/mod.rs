//! Evaluation against public data sets: readers and scorers, one module per data set.

pub mod conll;
pub mod polnear;
pub mod standin;

pub use conll::{eval_ner, NerScores, Prf};
