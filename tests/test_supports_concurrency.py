"""Supports clicked at the same instant: the count is exact, one person counts once, never a 500.

Real requests from threads of their own, each with its own client (and so
its own database connection). ``lockstep`` holds every request at its first
flush until all of them got there: all have passed the "already supports?"
check and none has written, so the database alone decides (the row lock of
the counter's ``UPDATE``, the unique constraint of the supports). On
PostgreSQL the writers really run side by side; SQLite lets one write at a
time (the others wait for its lock), and the counts must be exact there too.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Report, StatusEvent, Support

from .host import HostUser, host_db
from .racing import at_the_same_instant
from .staff import Team, add_staff
from .test_concurrency import in_lockstep
from .test_supports import new_proposal

N = 12


def people(app: Flask, count: int) -> list[HostUser]:
    with app.app_context():
        users = [add_staff(f"citizen{n}", "citizen", [])[0] for n in range(count)]
        host_db.session.commit()
        for user in users:
            host_db.session.refresh(user)
            host_db.session.expunge(user)
    return users


def ready(app: Flask, user: HostUser, number: str) -> tuple[FlaskClient, str]:
    """A logged-in client with the CSRF token of the proposal's page."""
    client = app.test_client(user=user)  # type: ignore[call-arg]
    page = client.get(f"/citizencare/reports/{number}").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page)
    assert match
    return client, match.group(1)


def count_and_rows(app: Flask, report_id: int) -> tuple[int, int, int]:
    """(supports_count, support rows, threshold steps) as committed."""
    with app.app_context():
        count = host_db.session.scalar(sa.select(Report.supports_count).where(Report.id == report_id))
        rows = host_db.session.scalar(
            sa.select(sa.func.count()).select_from(Support).where(Support.report_id == report_id)
        )
        steps = host_db.session.scalar(
            sa.select(sa.func.count())
            .select_from(StatusEvent)
            .where(StatusEvent.report_id == report_id, StatusEvent.action == "threshold_reached")
        )
        host_db.session.remove()
    assert count is not None and rows is not None and steps is not None
    return int(count), int(rows), int(steps)


def _codes(responses: list[Any]) -> list[int]:
    return [500 if isinstance(r, Exception) else r.status_code for r in responses]


@pytest.mark.parametrize("lockstep", [False, True], ids=["same-instant", "lockstep"])
def test_n_people_supporting_at_once_count_n(
    app: Flask, team: Team, lockstep: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.extensions["citizencare"], "rate_limiter", None)
    # The threshold is met by the last of them, whoever it is: recorded once.
    report_id, number = new_proposal(app, team, threshold=N)
    prepared = [ready(app, user, number) for user in people(app, N)]
    calls = [
        lambda client=client, token=token: client.post(
            f"/citizencare/reports/{number}/support", data={"csrf_token": token}
        )
        for client, token in prepared
    ]
    if lockstep:
        with in_lockstep(N):
            responses = at_the_same_instant(*calls)
    else:
        responses = at_the_same_instant(*calls)
    assert _codes(responses) == [200] * N, [repr(r)[:300] for r in responses]
    assert count_and_rows(app, report_id) == (N, N, 1)


@pytest.mark.parametrize("lockstep", [False, True], ids=["same-instant", "lockstep"])
def test_one_person_clicking_twice_at_once_counts_once(app: Flask, team: Team, lockstep: bool) -> None:
    report_id, number = new_proposal(app, team)
    carla = team.users["carla"]
    prepared = [ready(app, carla, number) for _ in range(2)]
    calls = [
        lambda client=client, token=token: client.post(
            f"/citizencare/reports/{number}/support", data={"csrf_token": token}
        )
        for client, token in prepared
    ]
    if lockstep:
        with in_lockstep(2):
            responses = at_the_same_instant(*calls)
    else:
        responses = at_the_same_instant(*calls)
    assert sorted(_codes(responses)) == [200, 409], [repr(r)[:300] for r in responses]
    assert count_and_rows(app, report_id)[:2] == (1, 1)

    # Withdrawing twice at once: one withdrawal, the count back to 0, never below.
    prepared = [ready(app, carla, number) for _ in range(2)]
    calls = [
        lambda client=client, token=token: client.post(
            f"/citizencare/reports/{number}/support/withdraw", data={"csrf_token": token}
        )
        for client, token in prepared
    ]
    responses = at_the_same_instant(*calls)
    assert sorted(_codes(responses)) == [200, 409], [repr(r)[:300] for r in responses]
    assert count_and_rows(app, report_id)[:2] == (0, 0)
