"""Every scheduled command records its runs: ``@recorded("sla sweep")`` or ``with job_run("...")``.

A run that returns (or exits 0) succeeded; one that raises or exits with
another status failed, with its message kept. When the record cannot be
written (database down, ``cc_job_runs`` not migrated yet) a line on stderr
says so and the command's own outcome is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar, cast

import click
import sqlalchemy as sa

from ..context import app_object, state
from ..models.base import utcnow
from ..models.jobs import SCHEDULED
from ..services.job_runs import Event, record

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["SCHEDULED", "job_run", "recorded"]


def _write(name: str, event: Event, error: str | None = None) -> None:
    app = app_object()
    with app.app_context():
        engine = state(app).db.engine
    try:
        record(engine, name, event, utcnow(), error)
    except sa.exc.SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        click.echo(f"could not record the run of `{name}` in cc_job_runs: {first}", err=True)


def _failure(exc: BaseException) -> str | None:
    """The message of a failure, or None when ``exc`` ends the command successfully."""
    if isinstance(exc, SystemExit | click.exceptions.Exit):
        code = exc.code if isinstance(exc, SystemExit) else exc.exit_code
        return None if code in (0, None) else f"exit status {code}"
    if isinstance(exc, click.ClickException):
        return exc.format_message()
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def job_run(name: str) -> Iterator[None]:
    """Record a start now, then a success or a failure when the block ends."""
    _write(name, "started")
    try:
        yield
    except BaseException as exc:
        error = _failure(exc)
        if error is None:
            _write(name, "succeeded")
        else:
            _write(name, "failed", error)
        raise
    _write(name, "succeeded")


def recorded(name: str) -> Callable[[F], F]:
    """Decorate a command: its whole run is one :func:`job_run` of ``name``."""

    def decorate(command: F) -> F:
        @wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with job_run(name):
                return command(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
