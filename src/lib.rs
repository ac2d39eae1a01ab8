//! news-enricher: a streaming enrichment worker for news.
//!
//! Modules, in the order an article flows through them:
//!
//! - [`article`]: what an input message is once decoded.
//! - [`enrich`]: `Enricher::enrich(&Article) -> Enrichment`; pure CPU work, no I/O.

pub mod article;
pub mod enrich;
pub mod eval;
pub mod train;
