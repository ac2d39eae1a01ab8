#!/usr/bin/env bash
# The whole test suite, set up from nothing: fetch and start a real Kafka broker
# (scripts/kafka.sh), check formatting and lints (also with the `otel` feature), build, run
# every test (then, alone, those that pause the broker), check deploy/, stop the broker.
# Usage: scripts/test.sh [extra cargo test args...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-$PWD/.kafka/test}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

# Stop the broker however this script ends.
cleanup() { scripts/kafka.sh stop || true; }
trap cleanup EXIT

# Start the broker first: it comes up (JVM start, KRaft format) while cargo builds.
echo "test.sh: starting Kafka" >&2
bootstrap=$(scripts/kafka.sh start --fresh)
export NEWS_ENRICHER_TEST_BROKERS=$bootstrap
echo "test.sh: Kafka at $bootstrap" >&2

cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
# The optional OpenTelemetry export (off by default) must keep compiling.
cargo clippy --locked --features otel --lib --bins -- -D warnings
cargo test --locked "$@"
# Tests that freeze the shared broker (scripts/kafka.sh pause) run alone, after the rest.
cargo test --locked --test it -- --ignored
# deploy/: the image's runtime assumptions, the health check, the Kubernetes manifests.
scripts/check-deploy.sh
