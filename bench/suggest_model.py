"""The suggestion model measured: accuracy per method, latency, training time and memory.

Usage::

    python bench/load_demo.py 100000 cc_suggest_100k --now 2026-11-30T10:00:00
    python bench/load_demo.py 1000000 cc_suggest_1m --now 2026-11-30T10:00:00
    python bench/suggest_model.py accuracy --db cc_suggest_100k [--compare 20000]
    python bench/suggest_model.py latency --db cc_suggest_100k
    python bench/suggest_model.py training --db cc_suggest_100k --db cc_suggest_1m

``accuracy``: category and office top-1/top-3 on a held-out 20 % of the
newest ``--compare`` finished cases and on the hand-written texts of
``bench/data/citizen_texts_it.tsv`` (learned from all those cases), for the
classical model, the sentence embeddings alone, both combined (these two need
the ``[suggest]`` extra; skipped with a note without it), and a naive
baseline: the category of the single most similar past case by word TF-IDF
(nearest neighbour, what a search of the knowledge base would give). The
classical model is also measured on the whole history of the database.

``latency``: one suggestion (category, office, the "like ..." cases) for each
hand-written text, through the model alone and through the service as the
pages call it (with the catalogue lookups and the duplicate search around a
point: within the default 200 m, and within 1 km where up to 300 open reports
are compared, with their profiles kept from the previous suggestions and with
none kept, as at the first suggestion in a neighbourhood); against the naive
nearest neighbour over every case.

``training``: for each database, reading the history and training, each in
a fresh process so that its peak memory is its own; the stored model's size.

The server is ``--url`` (default ``$CITIZENCARE_BENCH_POSTGRES_URL``, then
``$CITIZENCARE_TEST_POSTGRES_URL``, then a local PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_demo import make_app

from flask_citizencare.context import db_session
from flask_citizencare.domain.suggest.evaluation import measure, percent, quantile
from flask_citizencare.domain.suggest.model import Case, train
from flask_citizencare.services.suggestion_models import current_codes, encode
from flask_citizencare.services.suggestion_training import (
    evaluate,
    history,
    read_labelled,
    split,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/postgres"
#: Where the latency is measured (the demo city's centre), and a radius wide enough to compare the most.
POINT = (11.3426, 44.4949)
WIDE_RADIUS_M = 1000.0
TEXTS = Path(__file__).resolve().parent / "data" / "citizen_texts_it.tsv"


def _url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _server(args: argparse.Namespace) -> str:
    return (
        args.url
        or os.environ.get("CITIZENCARE_BENCH_POSTGRES_URL")
        or os.environ.get("CITIZENCARE_TEST_POSTGRES_URL")
        or DEFAULT_URL
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Memo:
    """Sentence embeddings computed once per text: the three methods share them."""

    name = "embeddings"

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.cache: dict[str, np.ndarray] = {}

    def fit(self, texts: Any) -> None:
        self.inner.fit(texts)

    def transform(self, texts: Any) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            for text, row in zip(missing, self.inner.transform(missing), strict=True):
                self.cache[text] = row
        return np.vstack([self.cache[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


class _Nearest:
    """The naive baseline: the categories of the most similar past cases by word TF-IDF, in order."""

    def __init__(self, cases: list[Case]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform([c.text for c in cases])
        self.categories = np.array([c.category for c in cases])
        self.offices = np.array([c.office or "" for c in cases])

    def rank(self, text: str) -> tuple[list[str], list[str]]:
        scores = (self.matrix @ self.vectorizer.transform([text]).T).toarray().ravel()
        best = np.argsort(-scores, kind="stable")[:50]
        return list(dict.fromkeys(self.categories[best]))[:3], list(dict.fromkeys(self.offices[best]))[:3]


def _line(name: str, category: Any, office: Any) -> str:
    return (
        f"  {name:<22} category top-1 {percent(category.top1_share):>7}  top-3 {percent(category.top3_share):>7}"
        f"   office top-1 {percent(office.top1_share):>7}  top-3 {percent(office.top3_share):>7}"
    )


def _baseline(learn: list[Case], test: list[Case]) -> tuple[Any, Any]:
    nearest = _Nearest(learn)
    ranked = [nearest.rank(c.text) for c in test]
    category = measure((c.category, r[0]) for c, r in zip(test, ranked, strict=True))
    office = measure((c.office, r[1]) for c, r in zip(test, ranked, strict=True) if c.office)
    return category, office


def accuracy(args: argparse.Namespace) -> None:
    app = make_app(_url(_server(args), args.db[0]))
    with app.app_context():
        session = db_session()
        started = time.perf_counter()
        everything = history(session, max_cases=0)
        print(f"history: {len(everything)} finished cases read in {time.perf_counter() - started:.1f} s")
        known = set(current_codes(session)[0])
        written = read_labelled(TEXTS, known=known)
        session.rollback()
    print(f"hand-written texts: {len(written)}")

    learn, test = split(everything, seed=0)
    model = train(learn, seed=0)
    result = evaluate(model, test, method="classical", learned=len(learn))
    print(f"\nclassical on the whole history ({len(learn)} learned, {len(test)} held out):")
    print(_line("classical", result.category, result.office))

    compared = everything[-args.compare :]
    learn, test = split(compared, seed=0)
    embeddings = None
    try:
        from flask_citizencare.domain.suggest.embeddings import SentenceEmbeddings, available

        if available():
            embeddings = _Memo(SentenceEmbeddings())
            started = time.perf_counter()
            embeddings.transform([c.text for c in compared] + [c.text for c in written])
            print(
                f"sentence embeddings of {len(compared) + len(written)} texts: {time.perf_counter() - started:.0f} s"
            )
    except ImportError:
        embeddings = None
    methods = ["classical"] + (["embeddings", "combined"] if embeddings is not None else [])
    for title, learned, tested in (
        (f"held-out 20 % of the newest {len(compared)} cases", learn, test),
        (f"the {len(written)} hand-written texts (learned from {len(compared)} cases)", compared, written),
    ):
        print(f"\non {title}:")
        for method in methods:
            started = time.perf_counter()
            model = train(learned, method=method, seed=0, embeddings=embeddings)
            seconds = time.perf_counter() - started
            result = evaluate(model, tested, method=method, learned=len(learned))
            print(_line(method, result.category, result.office) + f"   (trained in {seconds:.1f} s)")
        category, office = _baseline(learned, tested)
        print(_line("nearest case (naive)", category, office))
    if embeddings is None:
        print(
            "\n(sentence embeddings not installed: pip install 'flask-citizencare[suggest]' to compare them)"
        )


def _nearby(session: Any, radius_m: float) -> int:
    """How many open reports the duplicate finder compares at the benchmark's point within ``radius_m``."""
    from flask_citizencare.services.suggestions import DEFAULT_DUPLICATE_DAYS, MAX_CANDIDATES, OPEN

    count = session.execute(
        sa.text(
            "SELECT count(*) FROM cc_reports WHERE status = ANY(:open) AND duplicate_of_id IS NULL"
            " AND kind = 'issue' AND received_at >= now() - make_interval(days => :days)"
            " AND ST_DWithin(point::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :radius)"
        ),
        {
            "open": list(OPEN),
            "days": DEFAULT_DUPLICATE_DAYS,
            "lon": POINT[0],
            "lat": POINT[1],
            "radius": radius_m,
        },
    ).scalar_one()
    return min(int(count), MAX_CANDIDATES)


def latency(args: argparse.Namespace) -> None:
    from flask_citizencare.services.suggestion_models import load_current, store
    from flask_citizencare.services.suggestions import DEFAULT_DUPLICATE_RADIUS_M, Query, suggest

    app = make_app(_url(_server(args), args.db[0]))
    with app.test_request_context():
        session = db_session()
        cases = history(session, max_cases=0)
        written = read_labelled(TEXTS, known=set(current_codes(session)[0]))
        model = train(cases, seed=0)
        store(session, model)
        session.commit()
        texts = [c.text for c in written] * 3
        nearest = _Nearest(cases)

        def timed(call: Any) -> list[float]:
            call(texts[0])  # warm: the model is read and unpickled once per process
            seconds = []
            for text in texts:
                started = time.perf_counter()
                call(text)
                seconds.append(time.perf_counter() - started)
            return seconds

        def domain(text: str) -> None:
            features = model.features([text])
            first = model.rank_categories([text], 3, features=features)[0]
            model.rank_offices([text], [first[0][0]], 3, features=features)
            model.neighbours(text, 2, category=first[0][0])

        def service(text: str) -> None:
            suggest(session, Query(title="", description=text, lon=POINT[0], lat=POINT[1]))

        def wide(text: str) -> None:
            app.config["CITIZENCARE_SUGGEST_DUPLICATE_RADIUS_M"] = WIDE_RADIUS_M
            try:
                service(text)
            finally:
                app.config.pop("CITIZENCARE_SUGGEST_DUPLICATE_RADIUS_M")

        def wide_first_time(text: str) -> None:
            loaded = load_current(session)
            assert loaded is not None
            loaded.profiles.clear()  # as if none of the nearby reports had been compared before
            wide(text)

        print(f"{len(texts)} suggestions, model learned from {len(cases)} cases:")
        for name, call in (
            ("model alone", domain),
            (f"service, {_nearby(session, DEFAULT_DUPLICATE_RADIUS_M)} open reports near", service),
            (f"service, {_nearby(session, WIDE_RADIUS_M)} open reports near", wide),
            ("  the same, none compared before", wide_first_time),
            ("nearest case (naive)", nearest.rank),
        ):
            seconds = timed(call)
            print(
                f"  {name:<36} p50 {quantile(seconds, 0.5) * 1000:6.1f} ms   p95 {quantile(seconds, 0.95) * 1000:6.1f} ms"
            )
        print(f"  process peak RSS {_peak_mb():.0f} MB")
        session.rollback()


def _train_once(url: str) -> dict[str, Any]:
    app = make_app(url)
    with app.app_context():
        session = db_session()
        before = _peak_mb()
        started = time.perf_counter()
        cases = history(session, max_cases=0)
        read = time.perf_counter() - started
        session.rollback()
    started = time.perf_counter()
    model = train(cases, seed=0)
    fit = time.perf_counter() - started
    payload = encode(model)
    return {
        "cases": len(cases),
        "read_s": round(read, 1),
        "train_s": round(fit, 1),
        "peak_mb": round(_peak_mb()),
        "before_mb": round(before),
        "stored_mb": round(len(payload) / 1e6, 1),
    }


def training(args: argparse.Namespace) -> None:
    server = _server(args)
    for name in args.db:
        out = subprocess.run(
            [sys.executable, __file__, "_train_once", "--db", name, "--url", server],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        print(
            f"{name}: {figures['cases']} finished cases read in {figures['read_s']} s, trained in "
            f"{figures['train_s']} s; peak RSS {figures['peak_mb']} MB (app alone {figures['before_mb']} MB); "
            f"stored model {figures['stored_mb']} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=("accuracy", "latency", "training", "_train_once"))
    parser.add_argument("--db", action="append", required=True)
    parser.add_argument("--url")
    parser.add_argument("--compare", type=int, default=20_000)
    args = parser.parse_args()
    if args.what == "_train_once":
        print(json.dumps(_train_once(_url(_server(args), args.db[0]))))
    else:
        {"accuracy": accuracy, "latency": latency, "training": training}[args.what](args)


if __name__ == "__main__":
    main()
