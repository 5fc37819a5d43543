"""One use case, one transaction: committed when the block ends, rolled back when it raises.

The catalogue's services check everything, write, add the audit entry and
commit; a refusal (:class:`~.errors.ActionRefused`) or any error half-way
leaves the database as it was. (Cases have their own, with the optimistic
lock: :func:`.locking.changing_case`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

__all__ = ["one_transaction"]


@contextmanager
def one_transaction(session: Session) -> Iterator[Session]:
    """Commit ``session`` when the block ends, roll it back (and raise again) when it raises."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
