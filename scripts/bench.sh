#!/usr/bin/env bash
# Benchmarks (never part of the test suite). Starts its own Kafka broker where needed.
#   scripts/bench.sh pipeline [bench pipeline args...]   worker overhead through a real broker
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

what=${1:-pipeline}
shift || true
export KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-$PWD/.kafka/bench}
cargo build --release --locked
case $what in
  pipeline)
    trap 'scripts/kafka.sh stop || true' EXIT
    bootstrap=$(scripts/kafka.sh start --fresh)
    NEWS_ENRICHER__KAFKA__BROKERS=$bootstrap NEWS_ENRICHER__LOG__LEVEL=error \
      target/release/news-enricher bench pipeline "$@"
    ;;
  *)
    echo "usage: scripts/bench.sh pipeline [args...]" >&2
    exit 2
    ;;
esac
