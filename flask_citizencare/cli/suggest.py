"""``flask citizencare suggest ...``: train the suggestion model, measure it, say which one is in use."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..context import db_session
from ..domain.suggest.evaluation import accuracy_lines, confusion_lines, latency_line, percent
from ..domain.suggest.model import METHODS
from ..services.errors import ActionRefused
from ..services.suggestion_models import model_status
from ..services.suggestion_training import Evaluation, evaluate_file, evaluate_history, train_and_store
from .jobs import recorded

suggest_group = AppGroup("suggest", help="Suggestions learned from the finished cases.")

_seed = click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
_method = click.option(
    "--method",
    type=click.Choice(METHODS),
    default="classical",
    show_default=True,
    help="classical: TF-IDF and linear models; embeddings/combined need the [suggest] extra.",
)
_max_cases = click.option(
    "--max-cases",
    type=click.IntRange(0, 10**8),
    default=None,
    help="Learn from at most this many of the newest finished cases (0: all); "
    "default CITIZENCARE_SUGGEST_MAX_CASES.",
)


@suggest_group.command("train")
@recorded("suggest train")
@_seed
@_method
@_max_cases
def suggest_train(seed: int, method: str, max_cases: int | None) -> None:
    """Learn the model again from the finished cases and put it in use (run nightly from cron)."""
    try:
        trained = train_and_store(db_session(), seed=seed, method=method, max_cases=max_cases)
    except ActionRefused as refused:
        raise click.ClickException(refused.message) from refused
    record = trained.record
    click.echo(
        f"suggestion model {record.version} ({record.method}) trained on {record.cases} finished case(s) "
        f"in {trained.seconds:.1f} s; {len(record.categories)} categories, {len(record.offices)} offices, "
        f"{record.size / 1_000_000:.1f} MB stored"
    )


@suggest_group.command("evaluate")
@_seed
@_method
@_max_cases
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A tab-separated file with a header naming the columns text and category (office optional): "
    "learn from the whole history and measure on it.",
)
def suggest_evaluate(seed: int, method: str, max_cases: int | None, path: Path | None) -> None:
    """Top-1 and top-3 accuracy on a held-out 20 % of the history (or on --file), confusions, latency."""
    session = db_session()
    try:
        if path is None:
            result = evaluate_history(session, seed=seed, method=method, max_cases=max_cases)
        else:
            result = evaluate_file(session, path, seed=seed, method=method, max_cases=max_cases)
    except ActionRefused as refused:
        raise click.ClickException(refused.message) from refused
    finally:
        session.rollback()
    source = f"the file {path.name}" if path is not None else "a held-out 20 % of the history"
    click.echo(
        f"method {result.method}: learned from {result.learned} case(s) in {result.training_seconds:.1f} s, "
        f"tested on {source}"
    )
    for line in _report(result):
        click.echo(line)


def _report(result: Evaluation) -> list[str]:
    lines = accuracy_lines("Category", result.category)
    lines += confusion_lines(result.category)
    if result.office.total:
        lines += accuracy_lines("Office", result.office)
    lines.append(latency_line(result.latencies))
    return lines


@suggest_group.command("status")
def suggest_status() -> None:
    """The model in use: version, method, training date, cases, and why it is refused if it is."""
    status = model_status(db_session())
    if status.version is None:
        click.echo("no suggestion model yet: run flask citizencare suggest train")
        return
    assert status.trained_at is not None
    click.echo(
        f"suggestion model {status.version} ({status.method}), "
        f"trained {status.trained_at:%Y-%m-%d %H:%M} UTC on {status.cases} finished case(s)"
    )
    metrics = status.metrics or {}
    if "category" in metrics:
        top1, top3 = metrics["category"]["top1"], metrics["category"]["top3"]
        click.echo(f"category top-1: {percent(top1)}, top-3: {percent(top3)}")
    if status.problem:
        raise click.ClickException(status.problem)
