"""The one keyset-cursor codec: what comes back is what went in, and nothing else comes back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask

from flask_citizencare.queries import cursors
from flask_citizencare.queries.cursors import BadCursor, Field
from flask_citizencare.tokens import Purpose, sign

FIELDS = [Field.MOMENT_OR_NONE, Field.INTEGER]
ROME_SUMMER = timezone(timedelta(hours=2))


@pytest.fixture
def signing() -> Iterator[None]:
    """Tokens are signed with the current app's key; no database is needed."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "cursor-test-key-0123456789abcdef"
    with app.app_context():
        yield


def test_a_cursor_comes_back_as_it_went_in_with_its_moment_in_utc(signing: None) -> None:
    moment = datetime(2026, 7, 1, 10, 30, tzinfo=ROME_SUMMER)
    text = cursors.encode("due", [moment, 41])
    due, report_id = cursors.decode(text, "due", FIELDS)
    assert due == moment and due.tzinfo is UTC  # type: ignore[union-attr]
    assert report_id == 41
    assert cursors.decode(cursors.encode("due", [None, 7]), "due", FIELDS) == (None, 7)


def test_a_naive_moment_is_read_as_utc(signing: None) -> None:
    text = cursors.encode("created", [datetime(2026, 1, 2, 3, 4), 5])
    assert cursors.decode(text, "created", [Field.MOMENT, Field.INTEGER]) == (
        datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        5,
    )


def test_a_cursor_of_another_order_is_refused(signing: None) -> None:
    text = cursors.encode("due", [None, 3])
    with pytest.raises(BadCursor):
        cursors.decode(text, "age", FIELDS)


@pytest.mark.parametrize(
    "payload",
    [
        ["due", None, 2**70],  # an id no column can hold
        ["due", None, True],  # a bool is no id
        ["due", None],  # a value short
        ["due", None, 1, 2],  # a value too many
        ["due", "2026-07-01T10:30:00", 1],  # a moment without its offset
        ["due", "yesterday", 1],
        ["due", 5, 1],
        {"due": None, "id": 1},
    ],
)
def test_a_signed_cursor_that_does_not_fit_is_refused(signing: None, payload: object) -> None:
    with pytest.raises(BadCursor):
        cursors.decode(sign(Purpose.CURSOR, payload), "due", FIELDS)


@pytest.mark.parametrize("text", ["", "x" * 201, "eyJkdWUiOm51bGwsImlkIjoxfQ", "\x00"])
def test_a_cursor_we_did_not_sign_is_refused(signing: None, text: str) -> None:
    with pytest.raises(BadCursor):
        cursors.decode(text, "due", FIELDS)


def test_a_token_of_another_purpose_is_no_cursor(signing: None) -> None:
    with pytest.raises(BadCursor):
        cursors.decode(sign(Purpose.SURVEY, ["due", None, 1]), "due", FIELDS)


def test_a_tampered_cursor_is_refused(signing: None) -> None:
    text = cursors.encode("due", [None, 3])
    with pytest.raises(BadCursor):
        cursors.decode(text[:-2] + ("AA" if not text.endswith("AA") else "BB"), "due", FIELDS)
