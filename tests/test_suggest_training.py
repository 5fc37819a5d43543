"""Training the suggestion model on the history, storing it, refusing a stale one, measuring it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.context import db_session
from flask_citizencare.models import Category, Report, SuggestionModelRecord
from flask_citizencare.services.suggestion_models import decode, load_current, model_status
from flask_citizencare.services.suggestion_training import history, train_and_store
from flask_citizencare.services.suggestions import Query, suggest

from .suggest_history import load_history, train_small_model

ROOT = Path(__file__).resolve().parent.parent
CITIZEN_TEXTS = ROOT / "bench" / "data" / "citizen_texts_it.tsv"


def _payload(app: Flask, version: int) -> bytes:
    with app.app_context():
        return db_session().scalar(
            sa.select(SuggestionModelRecord.payload).where(SuggestionModelRecord.version == version)
        )


def test_fresh_install_has_no_model_and_suggests_nothing(app: Flask) -> None:
    with app.test_request_context():
        session = db_session()
        assert load_current(session) is None
        assert model_status(session).version is None
        found = suggest(session, Query(title="Lampione spento", description="Da giorni non si accende."))
    assert not found.available
    assert found.categories == () and found.offices == () and found.duplicates == ()


def test_training_learns_the_history_and_is_deterministic_given_the_seed(app: Flask) -> None:
    first = train_small_model(app, seed=3)
    with app.app_context():
        session = db_session()
        cases = history(session)
        finished = session.scalar(
            sa.select(sa.func.count())
            .select_from(Report)
            .where(Report.status.in_(("resolved", "closed")), Report.duplicate_of_id.is_(None))
        )
        assert first.cases == len(cases) == finished > 200
        second = train_and_store(session, seed=3).record
        assert second.version == first.version + 1
    one, two = decode(_payload(app, first.version)), decode(_payload(app, second.version))
    texts = ["il lampione davanti a casa è spento", "sacchi di spazzatura buttati per strada"]
    assert one.rank_categories(texts) == two.rank_categories(texts)
    assert (one.category_model.weights == two.category_model.weights).all()
    assert first.categories == sorted(first.categories) and "illuminazione" in first.categories


def test_the_model_suggests_category_office_and_the_similar_past_cases(app: Flask) -> None:
    record = train_small_model(app)
    with app.test_request_context():
        session = db_session()
        found = suggest(
            session, Query(title="Lampione spento", description="La luce in strada non si accende da giorni.")
        )
        assert found.version == record.version
        best = found.best_category
        assert best is not None and best.code == "illuminazione" and best.score > 0.5
        assert found.best_office is not None and found.best_office.code == "illuminazione"
        assert best.like and all(re.fullmatch(r"\d{4}-\d{6}", number) for number in best.like)
        liked = session.scalars(sa.select(Report).where(Report.public_id.in_(best.like))).all()
        assert {r.category.code for r in liked} == {"illuminazione"}


def test_a_model_of_another_catalogue_version_is_refused_with_a_clear_message(app: Flask) -> None:
    train_small_model(app)
    with app.test_request_context():
        session = db_session()
        assert load_current(session) is not None
        session.execute(sa.update(Category).where(Category.code == "graffiti").values(active=False))
        session.commit()
        status = model_status(session)
        assert status.problem is not None and "versione del catalogo" in status.problem
        assert "suggest train" in status.problem
        assert load_current(session) is None
        assert not suggest(session, Query(title="Scritte sul muro", description="Graffiti ovunque")).available


def test_cli_train_status_and_evaluate(app: Flask) -> None:
    load_history(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["citizencare", "suggest", "status"])
    assert result.exit_code == 0 and "no suggestion model yet" in result.output
    result = runner.invoke(args=["citizencare", "suggest", "train", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert re.search(r"suggestion model 1 \(classical\) trained on \d+ finished case", result.output)
    result = runner.invoke(args=["citizencare", "suggest", "status"])
    assert result.exit_code == 0 and "suggestion model 1 (classical)" in result.output

    result = runner.invoke(args=["citizencare", "suggest", "evaluate", "--seed", "1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "tested on a held-out 20 % of the history" in out
    top1 = float(re.search(r"^Category \(\d+ cases\)\n  top-1: (\d+\.\d) %", out, re.M).group(1))
    top3 = float(re.search(r"^  top-3: (\d+\.\d) %", out, re.M).group(1))
    assert 80.0 <= top1 <= top3 <= 100.0  # the demo's texts are generated: a model must learn them
    assert re.search(r"^  illuminazione +\d+  top-1: +\d+\.\d %  top-3: +\d+\.\d %$", out, re.M)
    assert "Confusion (true label -> first suggestion: cases)" in out
    assert re.search(r"^Office \(\d+ cases\)", out, re.M)
    assert re.search(r"Latency per suggestion: p50 \d+\.\d ms, p95 \d+\.\d ms", out)


def test_cli_evaluate_on_a_labelled_file(app: Flask, tmp_path: Path) -> None:
    load_history(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["citizencare", "suggest", "evaluate", "--file", str(CITIZEN_TEXTS)])
    assert result.exit_code == 0, result.output
    rows = CITIZEN_TEXTS.read_text(encoding="utf-8").count("\n") - 1
    assert f"Category ({rows} cases)" in result.output
    assert "tested on the file citizen_texts_it.tsv" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # The command speaks the site's default language, Italian.
        ("testo\tcategoria\nbuca\tbuche-strade\n", "deve nominare le colonne text, category"),
        ("text\tcategory\nbuca in strada\tnon-esiste\n", "Riga 2: il catalogo non ha la categoria non-"),
        ("text\tcategory\n\tbuche-strade\n", "Riga 2: il testo è vuoto o troppo lungo"),
    ],
)
def test_cli_evaluate_refuses_a_bad_file(app: Flask, tmp_path: Path, content: str, message: str) -> None:
    load_history(app, 60)
    path = tmp_path / "labelled.tsv"
    path.write_text(content, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["citizencare", "suggest", "evaluate", "--file", str(path)])
    assert result.exit_code == 1
    assert message in result.output


def test_cli_refuses_to_train_without_a_history(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["citizencare", "suggest", "train"])
    assert result.exit_code == 1
    assert "Non ci sono abbastanza pratiche concluse" in result.output
    with app.app_context():
        assert db_session().scalar(sa.select(sa.func.count()).select_from(SuggestionModelRecord)) == 0
