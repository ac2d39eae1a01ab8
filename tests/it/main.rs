//! The one integration-test binary: the CLI, the worker against a real Kafka broker, and
//! the project's own rules.
//!
//! Tests that need a broker read its address from `NEWS_ENRICHER_TEST_BROKERS`
//! (`scripts/test.sh` starts one and sets it); without it they skip, except under CI.

mod cli;
mod endpoint;
mod entities;
mod events;
mod faults;
mod fuzz;
mod memory;
mod rules;
mod support;
mod worker;
