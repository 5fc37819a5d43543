"""Time the sentence-embedding representation: model load, one text, a thousand texts, memory.

Usage::

    python bench/suggest_embeddings.py [--runs 50] [--texts 1000]

Needs the ``suggest`` extra. The texts are the hand-written citizen reports of
``bench/data/citizen_texts_it.tsv``, repeated (each copy numbered, so no two are the same) up to
``--texts``. It prints:

* the load: importing torch and sentence-transformers, then reading the model from its package;
* one text: ``transform([text])`` latency, p50 and p95 over ``--runs`` runs after 3 warm-ups;
* throughput: ``transform()`` of ``--texts`` texts in one call (batches of 32);
* the process's peak RSS before and after loading (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import csv
import resource
import statistics
import sys
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_citizencare.domain.suggest.embeddings import SentenceEmbeddings, available


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _texts(count: int) -> list[str]:
    with (ROOT / "bench" / "data" / "citizen_texts_it.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    base = [row[0] for row in rows]
    return [f"{base[i % len(base)]} ({i // len(base) + 1})" for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--texts", type=int, default=1000)
    args = parser.parse_args()
    if not available():
        sys.exit("needs the suggest extra: pip install 'flask-citizencare[suggest]'")
    texts = _texts(args.texts)
    before = _rss_mib()

    start = perf_counter()
    representation = SentenceEmbeddings()
    representation.fit(texts)
    load = perf_counter() - start
    loaded = _rss_mib()
    print(f"load (imports + model): {load:.2f} s; peak RSS {before:.0f} MiB before, {loaded:.0f} MiB after")

    one = texts[3]
    for _ in range(3):
        representation.transform([one])
    times = []
    for _ in range(args.runs):
        start = perf_counter()
        representation.transform([one])
        times.append((perf_counter() - start) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"one text: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms ({args.runs} runs)")

    start = perf_counter()
    rows = representation.transform(texts)
    elapsed = perf_counter() - start
    print(
        f"{len(texts)} texts: {elapsed:.2f} s, {len(texts) / elapsed:.0f} texts/s, shape {rows.shape}; "
        f"peak RSS {_rss_mib():.0f} MiB"
    )


if __name__ == "__main__":
    main()
