"""Open data: every public report as CSV or GeoJSON, written row by row.

The exports read plain columns with a Core ``SELECT`` on a streaming cursor
(a server-side cursor on PostgreSQL) and turn each batch of rows into text
at once, so memory stays flat whether the municipality has a hundred reports
or a million. Only what the public report page shows leaves here: never the
reporter's contact, the tracking token, answers to the form's questions or
anything from the thread.

Choices, for whoever reads the files:

- Coordinates are rounded to 5 decimals (about 1 m): the public page shows the
  same point, so rounding is not a privacy measure, only honest precision (a
  phone's fix is good to a few metres) and smaller files.
- The address is exported because the public report page shows it.
- Times are ISO 8601 in the municipality's time zone, with the offset.
- CSV: UTF-8 with a byte-order mark (so Excel, common in Italian offices,
  reads accents right), comma-separated with RFC 4180 quoting and CRLF line
  ends, and text cells starting with ``= + - @`` (or a tab or carriage
  return) prefixed with ``'`` so a spreadsheet never runs them as formulas.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain.lifecycle import Status
from ..domain.supports import count_is_public
from ..i18n import lazy_gettext as _l
from ..models import AnswerState, Category, Report
from .proposals_list import current_state_id, public_proposals_condition

#: Rows fetched from the database cursor per batch (and written per chunk).
BATCH_ROWS = 1000
#: Decimals kept of longitude and latitude (5 ≈ 1.1 m at the equator).
COORDINATE_DECIMALS = 5
#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


@dataclass(frozen=True)
class Field:
    name: str
    description: Any  # a lazy translation, rendered on the open data page


#: The columns of the CSV, in order; the GeoJSON has the same properties, the point as geometry.
FIELDS: tuple[Field, ...] = (
    Field("id", _l("Public number of the report, as on its page (year-sequence).")),
    Field("kind", _l("issue (a problem to fix) or proposal (an improvement idea).")),
    Field("category", _l("Code of the category; stable across languages and years.")),
    Field("category_name", _l("Name of the category in the language of the download.")),
    Field("title", _l("Title, as published (moderated where needed).")),
    Field("description", _l("Description, as published (moderated where needed).")),
    Field(
        "status",
        _l("new, acknowledged, in_progress, suspended, resolved, closed or rejected."),
    ),
    Field("created_at", _l("When the report was sent (ISO 8601, local time with offset).")),
    Field("acknowledged_at", _l("When the municipality took it in charge; empty if not yet.")),
    Field("resolved_at", _l("When it was resolved; empty if not yet.")),
    Field("expected_by", _l("When resolution is expected under the service levels; empty if none.")),
    Field(
        "overdue",
        _l(
            "true when the expected time passed: still open after it, or resolved later than it. "
            "Suspended and rejected reports are never overdue."
        ),
    ),
    Field("lat", _l("Latitude (WGS 84), 5 decimals (about 1 m); empty if the report has no point.")),
    Field("lon", _l("Longitude (WGS 84), 5 decimals (about 1 m); empty if the report has no point.")),
    Field("address", _l("The place as described on the public report page; may be empty.")),
    Field("url", _l("Address of the report's public page.")),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
OPEN_CLOCK = frozenset({Status.NEW.value, Status.ACKNOWLEDGED.value, Status.IN_PROGRESS.value})
FINISHED = frozenset({Status.RESOLVED.value, Status.CLOSED.value})


def export_query(conditions: Sequence[sa.ColumnElement[bool]]) -> sa.Select[*tuple[Any, ...]]:
    """Plain columns of the public reports matching ``conditions``, oldest first.

    ``conditions`` come from :func:`~flask_citizencare.queries.filter_sql.filter_conditions`,
    which always includes the public-only condition.
    """
    return (
        sa.select(
            Report.public_id,
            Report.kind,
            Report.category_id,
            sa.func.coalesce(Report.public_title, Report.title),
            sa.func.coalesce(Report.public_description, Report.description),
            Report.status,
            Report.created_at,
            Report.acknowledged_at,
            Report.resolved_at,
            Report.resolve_due_at,
            sa.func.ST_Y(Report.point),
            sa.func.ST_X(Report.point),
            Report.address,
        )
        .where(*conditions)
        .order_by(Report.id)
    )


def category_labels(session: Session, language: str) -> dict[int, tuple[str, str]]:
    """``{id: (code, name in language)}`` of every category (a small table, read once)."""
    return {c.id: (c.code, c.label(language)) for c in session.scalars(sa.select(Category))}


def stream_rows(session: Session, query: sa.Select[*tuple[Any, ...]]) -> Iterator[Sequence[sa.Row[Any]]]:
    """Batches of rows from a streaming cursor: memory holds one batch, not the result."""
    result = session.connection().execute(query, execution_options={"yield_per": BATCH_ROWS})
    try:
        yield from result.partitions(BATCH_ROWS)
    finally:
        result.close()


@dataclass(frozen=True)
class RowMaker:
    """Turns database rows into the exported values (one place for both formats)."""

    categories: dict[int, tuple[str, str]]
    timezone: tzinfo
    now: datetime
    #: The public page's address with ``{id}`` where the public id goes.
    url_pattern: str

    def overdue(self, status: str, resolved_at: datetime | None, due: datetime | None) -> bool:
        if due is None:
            return False
        if status in OPEN_CLOCK:
            return self.now > due
        if status in FINISHED:
            return resolved_at is not None and resolved_at > due
        return False

    def values(self, row: Sequence[Any]) -> list[Any]:
        """The exported values of a row, in :data:`FIELD_NAMES` order (a list: this runs a million times)."""
        public_id, kind, category_id, title, description, status = row[:6]
        created, acknowledged, resolved, due, lat, lon, address = row[6:13]
        code, name = self.categories.get(category_id, ("", ""))
        zone = self.timezone
        return [
            public_id,
            kind,
            code,
            name,
            title,
            description,
            status,
            created.astimezone(zone).isoformat(timespec="seconds"),
            acknowledged.astimezone(zone).isoformat(timespec="seconds") if acknowledged else "",
            resolved.astimezone(zone).isoformat(timespec="seconds") if resolved else "",
            due.astimezone(zone).isoformat(timespec="seconds") if due else "",
            self.overdue(status, resolved, due),
            round(lat, COORDINATE_DECIMALS) if lat is not None else None,
            round(lon, COORDINATE_DECIMALS) if lon is not None else None,
            address,
            self.url_pattern.replace("{id}", public_id),
        ]


#: Positions of the free-text cells (typed by citizens or staff); the others are codes, times, numbers.
TEXT_CELLS = tuple(FIELD_NAMES.index(name) for name in ("category_name", "title", "description", "address"))
OVERDUE_CELL = FIELD_NAMES.index("overdue")
LAT_CELL, LON_CELL = FIELD_NAMES.index("lat"), FIELD_NAMES.index("lon")
assert LON_CELL == LAT_CELL + 1
#: The GeoJSON properties: every field but the point, which is the geometry.
PROPERTY_NAMES = FIELD_NAMES[:LAT_CELL] + FIELD_NAMES[LON_CELL + 1 :]


def defuse(text: str | None) -> str | None:
    """A text cell a spreadsheet will not run: ``=HYPERLINK(..)`` becomes ``'=HYPERLINK(..)``."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_chunks(batches: Iterable[Sequence[Any]], make: RowMaker) -> Iterator[str]:
    """The CSV text: BOM and header first, then one chunk per batch of rows.

    Only the free-text cells can hold a formula; codes, times and numbers are
    written as they are (a negative longitude stays a number).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELD_NAMES)
    yield BOM + buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            values = make.values(row)
            for i in TEXT_CELLS:
                values[i] = defuse(values[i])
            values[OVERDUE_CELL] = "true" if values[OVERDUE_CELL] else "false"
            writer.writerow(values)
        yield buffer.getvalue()


def geojson_chunks(batches: Iterable[Sequence[Any]], make: RowMaker, header: dict[str, Any]) -> Iterator[str]:
    """A GeoJSON FeatureCollection written as it goes: ``header`` members, then the features."""
    dumps: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    opening = dumps({"type": "FeatureCollection", **header})
    yield opening[:-1] + ',"features":['
    first = True
    for batch in batches:
        parts = []
        for row in batch:
            values = make.values(row)
            lat, lon = values[LAT_CELL], values[LON_CELL]
            properties = dict(zip(PROPERTY_NAMES, values[:LAT_CELL] + values[LON_CELL + 1 :], strict=True))
            geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None
            feature = {"type": "Feature", "id": values[0], "geometry": geometry}
            parts.append(dumps({**feature, "properties": properties}))
        if parts:
            yield ("\n" if first else ",\n") + ",\n".join(parts)
            first = False
    yield "\n]}\n"


# --- Proposals: their own files, so the reports' columns stay as they are for their users. ---

#: The columns of ``proposals.csv`` in order; ``proposals.json`` has the same members per proposal.
PROPOSAL_FIELDS: tuple[Field, ...] = (
    Field("id", _l("Public number of the proposal, as on its page (year-sequence).")),
    Field("category", _l("Code of the category; stable across languages and years.")),
    Field("category_name", _l("Name of the category in the language of the download.")),
    Field("title", _l("Title, as published (moderated where needed).")),
    Field("status", _l("new, acknowledged, in_progress, suspended, resolved, closed or rejected.")),
    Field("created_at", _l("When the proposal was sent (ISO 8601, local time with offset).")),
    Field(
        "supports_count",
        _l(
            "How many people support it; empty while the municipality shows counts only once a "
            "proposal is answered."
        ),
    ),
    Field("threshold_reached_at", _l("When its supports reached the category's threshold; empty if not.")),
    Field("answer_due_at", _l("When the municipality must answer by, once the threshold is reached.")),
    Field("answered_at", _l("When the first official answer was published; empty if none yet.")),
    Field(
        "answer_state", _l("Code of the state of the current published answer; empty: awaiting an answer.")
    ),
    Field("answer_state_name", _l("Name of that state in the language of the download.")),
    Field("outcome", _l("What the state means: under_review, accepted, implemented or not_accepted.")),
    Field("lat", _l("Latitude (WGS 84), 5 decimals (about 1 m); empty if the proposal has no point.")),
    Field("lon", _l("Longitude (WGS 84), 5 decimals (about 1 m); empty if the proposal has no point.")),
    Field("url", _l("Address of the proposal's public page.")),
)
PROPOSAL_FIELD_NAMES = tuple(f.name for f in PROPOSAL_FIELDS)
_PROPOSAL_TEXT_CELLS = tuple(
    PROPOSAL_FIELD_NAMES.index(n) for n in ("category_name", "title", "answer_state_name")
)


def proposals_export_query(conditions: Sequence[sa.ColumnElement[bool]]) -> sa.Select[*tuple[Any, ...]]:
    """Plain columns of the public proposals matching ``conditions``, oldest first.

    The answer state is the newest *published* answer's (drafts never leave);
    nothing of the proposer's or the supporters' is read.
    """
    return (
        sa.select(
            Report.public_id,
            Report.category_id,
            sa.func.coalesce(Report.public_title, Report.title),
            Report.status,
            Report.created_at,
            Report.supports_count,
            Report.threshold_reached_at,
            Report.answer_due_at,
            Report.answered_at,
            current_state_id(),
            Report.outcome,
            sa.func.ST_Y(Report.point),
            sa.func.ST_X(Report.point),
        )
        .where(public_proposals_condition(), *conditions)
        .order_by(Report.id)
    )


def answer_state_labels(session: Session, language: str) -> dict[int, tuple[str, str]]:
    """``{id: (code, name in language)}`` of every answer state."""
    return {s.id: (s.code, s.label(language)) for s in session.scalars(sa.select(AnswerState))}


@dataclass(frozen=True)
class ProposalRowMaker:
    """Turns proposal rows into the exported values, in :data:`PROPOSAL_FIELD_NAMES` order."""

    categories: dict[int, tuple[str, str]]
    states: dict[int, tuple[str, str]]
    timezone: tzinfo
    url_pattern: str
    #: ``CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED``: no count for an unanswered proposal.
    hide_supports: bool = False

    def _moment(self, value: datetime | None) -> str:
        return value.astimezone(self.timezone).isoformat(timespec="seconds") if value else ""

    def values(self, row: Sequence[Any]) -> list[Any]:
        public_id, category_id, title, status, created, supports = row[:6]
        threshold, due, answered, state_id, outcome, lat, lon = row[6:13]
        code, name = self.categories.get(category_id, ("", ""))
        state_code, state_name = self.states.get(state_id, ("", "")) if state_id is not None else ("", "")
        return [
            public_id,
            code,
            name,
            title,
            status,
            self._moment(created),
            supports if count_is_public(self.hide_supports, answered is not None) else None,
            self._moment(threshold),
            self._moment(due),
            self._moment(answered),
            state_code,
            state_name,
            (outcome or "") if answered is not None else "",
            round(lat, COORDINATE_DECIMALS) if lat is not None else None,
            round(lon, COORDINATE_DECIMALS) if lon is not None else None,
            self.url_pattern.replace("{id}", public_id),
        ]


def proposals_csv_chunks(batches: Iterable[Sequence[Any]], make: ProposalRowMaker) -> Iterator[str]:
    """``proposals.csv``: the same conventions as the reports' CSV (BOM, CRLF, defused text cells)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PROPOSAL_FIELD_NAMES)
    yield BOM + buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            values = make.values(row)
            for i in _PROPOSAL_TEXT_CELLS:
                values[i] = defuse(values[i])
            writer.writerow(values)
        yield buffer.getvalue()


def proposals_json_chunks(
    batches: Iterable[Sequence[Any]], make: ProposalRowMaker, header: dict[str, Any]
) -> Iterator[str]:
    """``proposals.json``: ``header`` members, then ``"proposals"``: one object per proposal."""
    dumps: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    opening = dumps(header)
    yield opening[:-1] + (',"proposals":[' if header else '"proposals":[')
    first = True
    for batch in batches:
        parts = [dumps(dict(zip(PROPOSAL_FIELD_NAMES, make.values(row), strict=True))) for row in batch]
        if parts:
            yield ("\n" if first else ",\n") + ",\n".join(parts)
            first = False
    yield "\n]}\n"
