"""Optimistic locking of cases: a lost race is a :class:`~.errors.ChangedMeanwhile`, wherever it shows.

A case carries a version (``Report.version``, SQLAlchemy's ``version_id_col``).
A service checks first that the actor saw the current version
(:func:`check_version`); two people acting at the same instant both pass that
check, and the loser's ``UPDATE ... WHERE version = <seen>`` then matches no row.
SQLAlchemy raises ``StaleDataError`` at whichever flush writes the case: the
commit, an explicit flush, or an autoflush inside any query the service (or the
mail it queues) runs. So the error is not caught at one call but around the
whole use case, by :func:`changing_case`, which every service that changes a
case runs in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..context import db_session, state
from ..formatting import cc_datetime
from ..i18n import gettext as _
from ..models import Report, StatusEvent
from .errors import ChangedMeanwhile


def changed_meanwhile(session: Session, report_ids: Iterable[int]) -> ChangedMeanwhile:
    """The refusal naming who changed these cases last and when, from what is committed now."""
    ids = sorted(set(report_ids))
    last = (
        session.scalar(
            sa.select(StatusEvent)
            .where(StatusEvent.report_id.in_(ids))
            .order_by(StatusEvent.at.desc(), StatusEvent.id.desc())
            .limit(1)
        )
        if ids
        else None
    )
    if last is None:
        return ChangedMeanwhile(
            _("The case was changed by someone else just now: reload it to see what changed.")
        )
    if last.actor is not None:
        who = last.actor.display_name
    elif last.actor_kind == "citizen":
        who = _("the citizen")
    else:
        who = _("someone else")
    return ChangedMeanwhile(
        _(
            "The case was changed by %(who)s at %(when)s: reload it to see what changed.",
            who=who,
            when=cc_datetime(last.at, "HH:mm"),
        )
    )


def check_version(session: Session, report: Report, expected: int) -> None:
    """Refuse at once when the actor acted on a version older than the one loaded now."""
    if report.version != expected:
        raise changed_meanwhile(session, [report.id])


@contextmanager
def changing_case() -> Iterator[Session]:
    """One use case that changes cases: whatever it raises, nothing it set on the session lingers.

    A ``StaleDataError`` from any flush inside becomes ``ChangedMeanwhile``
    naming the last change of the cases the use case was writing (read after
    the rollback, so it is the change that won). Everything else (an
    ``ActionRefused``, a database error) is rolled back and raised as it is.
    """
    session = db_session()
    # The session itself (not the scoped proxy). A failed flush expires what it held, so the
    # cases it writes are noted before each flush.
    target = state().db.session()
    writing: set[int] = set()

    def note_cases(flushing: Session, context: object, instances: object) -> None:
        writing.update(
            identity[0]
            for obj in flushing.dirty
            if isinstance(obj, Report) and (identity := sa.inspect(obj).identity) is not None
        )

    sa.event.listen(target, "before_flush", note_cases)
    try:
        yield session
    except StaleDataError:
        session.rollback()
        raise changed_meanwhile(session, writing) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        sa.event.remove(target, "before_flush", note_cases)
