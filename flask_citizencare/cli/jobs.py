"""Every scheduled command records its runs: ``@recorded("sla sweep")`` or ``with job_run("...")``.

A run that returns (or exits 0) succeeded; one that raises or exits with
another status failed, with its message kept. When the record cannot be
written (database down, ``cc_job_runs`` not migrated yet) a line on stderr
says so and the command's own outcome is left as it is.

Each run also writes one log line (logger ``flask_citizencare.jobs``): the
job, its outcome, its duration and its job id, which the mails and audit
entries written by the run keep as their request id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar, cast

import click
import sqlalchemy as sa

from ..context import app_object, state
from ..logs import job_context
from ..models.base import utcnow
from ..models.jobs import SCHEDULED
from ..services.job_runs import Event, record

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["SCHEDULED", "job_run", "recorded"]

log = logging.getLogger("flask_citizencare.jobs")


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
def job_run(name: str) -> Iterator[str]:
    """Record a start now, then a success or a failure when the block ends; yields the job id."""
    with job_context() as job_id:
        started = time.perf_counter()
        _write(name, "started")
        try:
            yield job_id
        except BaseException as exc:
            error = _failure(exc)
            if error is None:
                _write(name, "succeeded")
            else:
                _write(name, "failed", error)
            _log(name, job_id, started, error)
            raise
        _write(name, "succeeded")
        _log(name, job_id, started, None)


def _log(name: str, job_id: str, started: float, error: str | None) -> None:
    outcome = "succeeded" if error is None else "failed"
    duration = round((time.perf_counter() - started) * 1000, 1)
    log.log(
        logging.INFO if error is None else logging.ERROR,
        "job %s %s in %s ms",
        name,
        outcome,
        duration,
        extra={"job": name, "outcome": outcome, "duration_ms": duration, "job_id": job_id, "error": error},
    )


def recorded(name: str, *, loop_option: str | None = None) -> Callable[[F], F]:
    """Decorate a command: its whole run is one :func:`job_run` of ``name``.

    ``loop_option`` names the command's option (``loop``) that turns it into a
    worker: then each pass records its own run, inside the loop, so the last
    success says when the worker last did its work, not when it was started
    days ago.
    """

    def decorate(command: F) -> F:
        @wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if loop_option is not None and kwargs.get(loop_option):
                return command(*args, **kwargs)
            with job_run(name):
                return command(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
