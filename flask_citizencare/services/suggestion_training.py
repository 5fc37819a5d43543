"""Training the suggestion model on the municipality's finished cases, and measuring it.

What the model learns from: the cases resolved or closed (not rejected, not
merged into another), of the categories and offices active today, each with
the category it ended in and the office that held it at the end — where the
case was actually resolved, which the routing rules only guess at first.
At most ``CITIZENCARE_SUGGEST_MAX_CASES`` of the newest, read in chunks.

The whole history is learned again at every run: on this hardware it takes
seconds at 10^5 cases and a few minutes at 10^6 (docs/performance.md), less
than an incremental scheme would save, and it forgets what the catalogue no
longer has.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..domain.lifecycle import Status
from ..domain.suggest.evaluation import Accuracy, measure
from ..domain.suggest.model import Case, SuggestionModel, catalogue_fingerprint, train
from ..domain.suggest.text import report_text
from ..i18n import gettext as _
from ..models import Category, Office, Report, SuggestionModelRecord
from .errors import InvalidInput
from .suggestion_models import current_codes, store

FINISHED = (Status.RESOLVED.value, Status.CLOSED.value)
#: The share of the history held out by ``suggest evaluate``.
HELD_OUT = 0.2
#: Single suggestions timed by an evaluation.
TIMED = 200
#: The labelled file's most rows, and longest text.
MAX_FILE_ROWS = 100_000
MAX_FILE_TEXT = 10_000


def history(session: Session, *, max_cases: int | None = None) -> list[Case]:
    """The finished cases to learn from, oldest first; ``max_cases`` of the newest (None/0: all)."""
    limit = max_cases if max_cases is not None else current_app.config.get("CITIZENCARE_SUGGEST_MAX_CASES")
    query = (
        sa.select(Report.id, Report.public_id, Report.title, Report.description, Category.code, Office.code)
        .join(Category, Category.id == Report.category_id)
        .outerjoin(Office, sa.and_(Office.id == Report.office_id, Office.active.is_(True)))
        .where(
            Report.status.in_(FINISHED),
            Report.duplicate_of_id.is_(None),
            Category.active.is_(True),
        )
        .order_by(Report.id.desc())
    )
    if limit:
        query = query.limit(int(limit))
    cases = [
        Case(
            text=report_text(title, description),
            category=category,
            office=office,
            report_id=rid,
            public_id=pid,
        )
        for rid, pid, title, description, category, office in _chunked(session, query)
    ]
    cases.reverse()
    return cases


def _chunked(session: Session, query: Any) -> Iterator[Any]:
    yield from session.execute(query.execution_options(yield_per=5000))


def embeddings_for(method: str) -> Any:
    """The sentence embeddings the ``embeddings`` and ``combined`` methods need (the optional extra)."""
    if method == "classical":
        return None
    from ..domain.suggest.embeddings import SentenceEmbeddings, available

    if not available():
        raise InvalidInput(
            _("Sentence embeddings need the optional dependencies: pip install 'flask-citizencare[suggest]'")
        )
    return SentenceEmbeddings()


@dataclass(frozen=True)
class Trained:
    record: SuggestionModelRecord
    seconds: float


def train_and_store(
    session: Session, *, seed: int = 0, method: str = "classical", max_cases: int | None = None
) -> Trained:
    """Train on the history and keep the model as the newest version (committed)."""
    categories, offices = current_codes(session)
    fingerprint = catalogue_fingerprint(list(categories), list(offices))
    cases = history(session, max_cases=max_cases)
    _check_enough(cases)
    started = time.perf_counter()
    model = train(cases, method=method, seed=seed, embeddings=embeddings_for(method))
    seconds = time.perf_counter() - started
    record = store(session, model, training_seconds=seconds, fingerprint=fingerprint)
    session.commit()
    return Trained(record, seconds)


def _check_enough(cases: Sequence[Case]) -> None:
    if len({c.category for c in cases}) < 2:
        raise InvalidInput(
            _(
                "There are not enough finished cases to learn from (%(count)d, in fewer than two "
                "categories): suggestions stay off until there are.",
                count=len(cases),
            )
        )


def split(
    cases: Sequence[Case], *, seed: int = 0, held_out: float = HELD_OUT
) -> tuple[list[Case], list[Case]]:
    """A random ``held_out`` share of ``cases`` to test on, the rest to learn from; same seed, same split."""
    order = list(range(len(cases)))
    Random(seed).shuffle(order)  # noqa: S311 - a reproducible split, not a secret
    cut = max(1, round(len(cases) * held_out))
    test = sorted(order[:cut])
    learn = sorted(order[cut:])
    return [cases[i] for i in learn], [cases[i] for i in test]


@dataclass
class Evaluation:
    """Accuracy of category and office suggestions on labelled cases, and the latency of one suggestion."""

    method: str
    learned: int
    tested: int
    category: Accuracy
    office: Accuracy
    latencies: list[float] = field(default_factory=list)
    training_seconds: float = 0.0


def evaluate(model: SuggestionModel, cases: Sequence[Case], *, method: str, learned: int) -> Evaluation:
    """Measure ``model`` on ``cases``: categories from the words alone, offices from the words and the
    best suggested category (as at intake, before anyone classified the case)."""
    texts = [c.text for c in cases]
    ranked = model.rank_categories(texts, 3) if texts else []
    best = [r[0][0] if r else None for r in ranked]
    offices = model.rank_offices(texts, best, 3) if texts else []
    category = measure((c.category, [code for code, _s in r]) for c, r in zip(cases, ranked, strict=True))
    office = measure(
        (c.office, [code for code, _s in r]) for c, r in zip(cases, offices, strict=True) if c.office
    )
    latencies = []
    for text in texts[:TIMED]:
        started = time.perf_counter()
        features = model.features([text])
        first = model.rank_categories([text], 3, features=features)[0]
        model.rank_offices([text], [first[0][0]], 3, features=features)
        model.neighbours(text, 2, category=first[0][0])
        latencies.append(time.perf_counter() - started)
    return Evaluation(method, learned, len(cases), category, office, latencies)


def evaluate_history(
    session: Session, *, seed: int = 0, method: str = "classical", max_cases: int | None = None
) -> Evaluation:
    """Learn from 80 % of the history and measure on the 20 % held out (nothing is stored)."""
    cases = history(session, max_cases=max_cases)
    _check_enough(cases)
    learn, test = split(cases, seed=seed)
    _check_enough(learn)
    return _learn_and_measure(learn, test, seed=seed, method=method)


def _learn_and_measure(learn: Sequence[Case], test: Sequence[Case], *, seed: int, method: str) -> Evaluation:
    started = time.perf_counter()
    model = train(learn, method=method, seed=seed, embeddings=embeddings_for(method))
    seconds = time.perf_counter() - started
    result = evaluate(model, test, method=method, learned=len(learn))
    result.training_seconds = seconds
    return result


def evaluate_file(
    session: Session,
    path: Path,
    *,
    seed: int = 0,
    method: str = "classical",
    max_cases: int | None = None,
) -> Evaluation:
    """Learn from the whole history, measure on a labelled file (``text``, ``category``, ``office``?)."""
    labelled = read_labelled(path, known=set(current_codes(session)[0]))
    cases = history(session, max_cases=max_cases)
    _check_enough(cases)
    return _learn_and_measure(cases, labelled, seed=seed, method=method)


def read_labelled(path: Path, *, known: set[str]) -> list[Case]:
    """The rows of a tab-separated file with a header naming ``text`` and ``category`` (``office`` optional).

    Every problem is refused with the line it is on: a missing column, an empty
    text, a category code the catalogue does not have.
    """
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise InvalidInput(
            _("The file cannot be read: %(error)s", error=error.strerror or str(error))
        ) from error
    with handle:
        try:
            return list(_rows(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), known))
        except UnicodeDecodeError as error:
            raise InvalidInput(_("The file is not UTF-8 text.")) from error
        except csv.Error as error:
            raise InvalidInput(
                _("The file is not tab-separated text: %(error)s", error=str(error))
            ) from error


def _rows(reader: csv.DictReader[str], known: set[str]) -> Iterable[Case]:
    columns = reader.fieldnames or []
    missing = [name for name in ("text", "category") if name not in columns]
    if missing:
        raise InvalidInput(
            _("The file's header must name the columns %(columns)s.", columns="text, category")
        )
    count = 0
    for row in reader:
        line = reader.line_num
        count += 1
        if count > MAX_FILE_ROWS:
            raise InvalidInput(_("The file has more than %(count)d rows.", count=MAX_FILE_ROWS))
        text = (row.get("text") or "").replace("\x00", " ").strip()
        category = (row.get("category") or "").strip()
        if not text or len(text) > MAX_FILE_TEXT:
            raise InvalidInput(_("Line %(line)d: the text is empty or too long.", line=line))
        if category not in known:
            raise InvalidInput(
                _("Line %(line)d: the catalogue has no category %(code)s.", line=line, code=category or '""')
            )
        office = (row.get("office") or "").strip() or None
        yield Case(text=text, category=category, office=office)
