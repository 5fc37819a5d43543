"""Import historical reports from another system: check the whole file, then write it in batches.

:func:`check_file` reads the file once (streaming: memory stays flat) with
the rules of :mod:`..domain.report_import` and the database's catalogue, and
also refuses external ids that are already in the database. With any
problem nothing is written. :func:`import_file` then writes the rows in
batches (binary ``COPY`` on PostgreSQL, ``executemany`` on SQLite); each
batch is one transaction that also moves the file's
:class:`~..models.ReportImport` on, so an import that stopped (Ctrl-C, a
crash, a lost connection) resumes, run again on the same file, exactly
after the last batch written. A finished file is refused.

Imported cases are complete histories, written as the lifecycle's check
constraints want them: received, taken in charge (``acknowledged_at``)
for every state past it, resolved (``resolved_at``) when resolved or closed,
rejected with a reason, routed to the category's default office, with one
status event per step (action ``submit``, ``acknowledge``, ``assign``,
``suspend``, ``resolve``, ``close`` or ``reject``; ``data.import`` names the
import). Service-level due times are left empty: the old system's cases were
not handled under this installation's levels, so they are not measured
against them, and the sweep does not flag (and mail about) years-old cases as
overdue. No notification, no automatic reply, no follower: nothing leaves.
Contact data go to ``cc_reporter_contacts`` only, as for every report.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from time import perf_counter
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..database.copy import binary_types, copy_rows, point_ewkb, point_ewkt
from ..database.prefetch import prefetched
from ..domain.geo import Area
from ..domain.lifecycle import Status
from ..domain.report_import import (
    CategoryInfo,
    ImportMapping,
    ImportRecord,
    RowParser,
    RowProblems,
    SourceError,
    Validation,
    read_source,
    token_for,
)
from ..models import Category, Counter, Message, Report, ReporterContact, ReportImport, StatusEvent
from ..models.base import utcnow
from .errors import InvalidInput, NotNow

BATCH_SIZE = 5_000
#: External ids looked up in the database at a time while checking.
LOOKUP_SIZE = 2_000
#: Bigger than any real CSV field; stops a wrong file before it fills the memory.
FIELD_LIMIT = 1 << 20


class ImportRefused(InvalidInput):
    """The file has problems; nothing was written. ``problems``: the first ones; ``count``: all."""

    def __init__(self, problems: list[str], count: int) -> None:
        self.problems = problems
        self.count = count
        more = f" (and {count - len(problems)} more)" if count > len(problems) else ""
        super().__init__(f"{count} problem(s){more}: " + "; ".join(problems))


class AlreadyImported(NotNow):
    """This very file (same SHA-256) was imported to the end before."""


@dataclass
class Source:
    """The file to import: where it is, its name, SHA-256 and format."""

    path: Path
    sha256: str
    format: str

    @property
    def name(self) -> str:
        return self.path.name[:300]


def open_source(path: Path, mapping: ImportMapping) -> Source:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return Source(path, digest.hexdigest(), mapping.format_for(path.name))


@dataclass
class Catalogue:
    """Our categories as the parser checks them, and the ids the rows need."""

    infos: dict[str, CategoryInfo]
    ids: dict[str, int]
    offices: dict[str, int | None]

    @classmethod
    def load(cls, session: Session) -> Catalogue:
        infos, ids, offices = {}, {}, {}
        for category in session.scalars(sa.select(Category)):
            kind = "proposal" if category.kinds == "proposal" else "issue"
            infos[category.code] = CategoryInfo(
                category.code, category.default_office_id is not None, category.needs_location, kind
            )
            ids[category.code] = category.id
            offices[category.code] = category.default_office_id
        return cls(infos, ids, offices)


def _records(source: Source, parser: RowParser, validation: Validation | None) -> Iterator[ImportRecord]:
    """The file's valid records; problems go to ``validation`` (or raise, without one)."""
    with source.path.open("rb") as stream:
        for row in read_source(stream, parser.mapping, source.format):
            if validation is not None:
                validation.rows += 1
            try:
                record = parser.parse(row)
            except RowProblems as exc:
                if validation is None:
                    raise
                for problem in exc.problems:
                    validation.problem(problem)
                continue
            yield record


def _existing_tokens(session: Session, tokens: list[str]) -> set[str]:
    if not tokens:
        return set()
    query = sa.select(Report.submission_token).where(Report.submission_token.in_(tokens))
    return {t for t in session.scalars(query) if t is not None}


@dataclass
class Check:
    validation: Validation
    seconds: float
    previous: ReportImport | None


def check_file(
    session: Session,
    source: Source,
    mapping: ImportMapping,
    *,
    area: Area,
    now: datetime | None = None,
    catalogue: Catalogue | None = None,
    progress: Callable[[int], None] | None = None,
) -> Check:
    """Read the whole file and report its problems; write nothing. Raises :class:`AlreadyImported`."""
    started = perf_counter()
    previous = session.scalar(sa.select(ReportImport).where(ReportImport.source_sha256 == source.sha256))
    if previous is not None and previous.finished_at is not None:
        raise AlreadyImported(
            f"{source.name} was already imported ({previous.rows_done} reports, "
            f"finished {previous.finished_at:%Y-%m-%d %H:%M} UTC)"
        )
    skip = previous.rows_done if previous is not None else 0
    catalogue = catalogue or Catalogue.load(session)
    parser = RowParser(mapping, catalogue.infos, area, now or utcnow())
    validation = Validation()
    column = mapping.columns.get("external_id")
    pending: list[tuple[str, str]] = []

    def look_up() -> None:
        found = _existing_tokens(session, [t for t, _ in pending])
        for token, position in pending:
            if token in found:
                validation.problem(
                    f"{position}, column {column}: case {token.removeprefix('import:')!r} "
                    "was already imported from another file"
                )
        pending.clear()

    previous_limit = _raise_field_limit()
    try:
        for index, record in enumerate(_records(source, parser, validation)):
            validation.add(record)
            if progress is not None:
                progress(1)
            if record.external_id is not None and index >= skip:
                pending.append(
                    (token_for(record.external_id, source.sha256, record.position), record.position)
                )
                if len(pending) >= LOOKUP_SIZE:
                    look_up()
        look_up()
    except SourceError as exc:
        validation.problem(str(exc))
    finally:
        _restore_field_limit(previous_limit)
    validation.finish("feature" if source.format == "geojson" else "line", column)
    return Check(validation, perf_counter() - started, previous)


def _raise_field_limit() -> int:
    import csv

    return csv.field_size_limit(FIELD_LIMIT)


def _restore_field_limit(limit: int) -> None:
    import csv

    csv.field_size_limit(limit)


@dataclass
class ImportResult:
    source: Source
    import_id: int
    #: Rows written by this run, and by earlier runs of the same file that stopped.
    written: int
    resumed_from: int
    total: int
    seconds: float = 0.0
    batches: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0


def import_file(
    session: Session,
    source: Source,
    mapping: ImportMapping,
    raw_mapping: Mapping[str, Any],
    *,
    area: Area,
    check: Check,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    after_batch: Callable[[int], None] | None = None,
    around_write: tuple[Callable[[sa.Connection], Any], Callable[[sa.Connection], Any]] | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Write a checked file (``check`` from :func:`check_file`, without problems) in batches.

    Each batch is committed with the import's ``rows_done``. ``after_batch(rows_done)``
    runs after each commit (tests stop an import there). ``around_write``: two
    functions called with the connection in each batch's transaction, before
    and after its rows (the CLI pauses the map cells' row triggers there). Raises
    :class:`ImportRefused` if ``check`` found problems: nothing is written then.
    """
    validation = check.validation
    if not validation.ok:
        raise ImportRefused(validation.problems, validation.problem_count)
    started = perf_counter()
    catalogue = Catalogue.load(session)
    record_import = check.previous
    if record_import is None:
        record_import = ReportImport(
            source_sha256=source.sha256,
            source_name=source.name,
            mapping=json.loads(json.dumps(raw_mapping, default=str)),
            rows_total=validation.valid,
            rows_done=0,
        )
        session.add(record_import)
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
        raise NotNow(f"another run is importing {source.name} already: let it finish") from None
    skip = record_import.rows_done
    result = ImportResult(source, record_import.id, 0, skip, validation.valid, by_status=validation.by_status)
    parser = RowParser(mapping, catalogue.infos, area, now or utcnow())
    writer = _BatchWriter(session, catalogue, source, record_import.id)
    done = skip

    def flush(batch: Prepared) -> None:
        nonlocal done
        try:
            if around_write is not None:
                around_write[0](session.connection())
            writer.write(batch, done)
            if around_write is not None:
                around_write[1](session.connection())
            done += batch.count
            session.commit()
        except BaseException:
            session.rollback()
            raise
        result.written += batch.count
        result.batches += 1
        if progress is not None:
            progress(batch.count)
        if after_batch is not None:
            after_batch(done)

    previous_limit = _raise_field_limit()
    try:
        batches = map(writer.prepare, _batches(_records(source, parser, None), skip, batch_size))
        # PostgreSQL works in another process: parse the next batch in a thread while it writes this one.
        for batch in prefetched(batches, name="citizencare-import") if writer.postgres else batches:
            flush(batch)
    finally:
        _restore_field_limit(previous_limit)
    session.execute(
        sa.update(ReportImport).where(ReportImport.id == record_import.id).values(finished_at=utcnow())
    )
    session.commit()
    result.seconds = perf_counter() - started
    return result


def _batches(records: Iterator[ImportRecord], skip: int, size: int) -> Iterator[list[ImportRecord]]:
    batch: list[ImportRecord] = []
    for index, record in enumerate(records):
        if index < skip:
            continue
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class Prepared:
    count: int
    years: dict[int, int]
    reports: list[dict[str, Any]]
    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    contacts: list[dict[str, Any]]


class _BatchWriter:
    """A batch's rows: ``COPY`` (PostgreSQL) or ``executemany`` (SQLite), in the session's transaction."""

    def __init__(self, session: Session, catalogue: Catalogue, source: Source, import_id: int) -> None:
        self.session = session
        self.catalogue = catalogue
        self.source = source
        self.import_id = import_id
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.event_data = json.dumps({"import": import_id})
        self.tables: tuple[sa.Table, ...] = tuple(
            cast(sa.Table, model.__table__) for model in (Report, StatusEvent, Message, ReporterContact)
        )
        self.types: dict[str, list[str] | None] = {}

    def _ids(self, count: int) -> list[int]:
        connection = self.session.connection()
        if self.postgres:
            rows = connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('cc_reports', 'id')) FROM generate_series(1, %(n)s)",
                {"n": count},
            )
            return sorted(int(r[0]) for r in rows)
        # SQLite: the transaction holds the write lock from the counters' upsert on (see write()).
        first = int(
            connection.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM cc_reports").scalar_one()
        )
        return list(range(first, first + count))

    def _public_numbers(self, years: Mapping[int, int]) -> dict[int, int]:
        """Year -> the first of ``years[year]`` sequence numbers reserved for that year's public ids."""
        table = Counter.__table__
        insert = postgresql_insert if self.postgres else sqlite_insert
        out = {}
        for year, count in sorted(years.items()):
            statement = (
                insert(table)  # type: ignore[arg-type]
                .values(name=f"public_id:{year}", value=count)
                .on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + count})
                .returning(table.c.value)
            )
            last = int(self.session.execute(statement).scalar_one())
            if last > 999_999:
                raise InvalidInput(f"more than 999999 reports in {year}: public ids have six digits")
            out[year] = last - count + 1
        return out

    def prepare(self, batch: list[ImportRecord]) -> Prepared:
        """The batch's rows, without the database's part (ids, public ids): made a batch ahead in a thread.

        ``id`` and ``report_id`` hold the report's index in the batch, ``public_id`` its year,
        until :meth:`write` hands out the real ones.
        """
        years: dict[int, int] = {}
        reports: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        contacts: list[dict[str, Any]] = []
        offices, categories = self.catalogue.offices, self.catalogue.ids
        data = self.event_data
        for report_id, record in enumerate(batch):
            year = record.received_at.year
            years[year] = years.get(year, 0) + 1
            status = record.status
            received, acknowledged, resolved = record.received_at, record.acknowledged_at, record.resolved_at
            finished_at = resolved if status is not Status.REJECTED else (resolved or received)
            steps: list[tuple[str, str | None, str, datetime | None]] = [
                ("submit", None, Status.NEW.value, received)
            ]
            if acknowledged is not None:
                steps.append(("acknowledge", Status.NEW.value, Status.ACKNOWLEDGED.value, acknowledged))
            if status is Status.IN_PROGRESS:
                steps.append(("assign", Status.ACKNOWLEDGED.value, status.value, acknowledged))
            elif status is Status.SUSPENDED:
                steps.append(("suspend", Status.ACKNOWLEDGED.value, status.value, acknowledged))
            elif status in (Status.RESOLVED, Status.CLOSED):
                steps.append(("resolve", Status.ACKNOWLEDGED.value, Status.RESOLVED.value, resolved))
                if status is Status.CLOSED:
                    steps.append(("close", Status.RESOLVED.value, status.value, resolved))
            elif status is Status.REJECTED:
                steps.append(("reject", Status.NEW.value, status.value, finished_at))
            for action, before, after, at in steps:
                events.append(
                    {
                        "report_id": report_id,
                        "at": at,
                        "action": action,
                        "from_status": before,
                        "to_status": after,
                        "actor_kind": "system",
                        "actor_id": None,
                        "note": record.reject_reason if action == "reject" else None,
                        "public": True,
                        "data": data,
                    }
                )
            reports.append(
                {
                    "id": report_id,
                    "public_id": year,
                    "tracking_token": secrets.token_urlsafe(24),
                    "submission_token": token_for(record.external_id, self.source.sha256, record.position),
                    "kind": record.kind,
                    "category_id": categories[record.category],
                    "title": record.title,
                    "description": record.description,
                    "point": None if record.lon is None else (record.lon, record.lat),
                    "address": record.address,
                    "answers": {},
                    "channel": record.channel.value,
                    "status": status.value,
                    "priority": "normal",
                    "level": 1,
                    "office_id": offices[record.category],
                    "is_public": record.is_public,
                    "moderated": False,
                    "received_at": received,
                    "created_at": received,
                    "updated_at": steps[-1][3],
                    "acknowledged_at": acknowledged,
                    "resolved_at": resolved if status in (Status.RESOLVED, Status.CLOSED) else None,
                    "closed_at": finished_at if status in (Status.CLOSED, Status.REJECTED) else None,
                    "suspended_at": acknowledged if status is Status.SUSPENDED else None,
                    "reject_reason": record.reject_reason,
                    "supports_count": 0,
                    "duplicates_count": 0,
                    "version": len(steps),
                }
            )
            if record.answer is not None:
                messages.append(
                    {
                        "report_id": report_id,
                        "visibility": "public",
                        "author_kind": "system",
                        "author_id": None,
                        "body": record.answer,
                        "source": "web",
                        "created_at": resolved or acknowledged or received,
                    }
                )
            if record.has_contact:
                contacts.append(
                    {
                        "report_id": report_id,
                        "name": record.contact_name,
                        "email": record.contact_email,
                        "phone": record.contact_phone,
                    }
                )
        return Prepared(len(batch), years, reports, events, messages, contacts)

    def write(self, prepared: Prepared, done: int) -> None:
        numbers = self._public_numbers(prepared.years)
        ids = self._ids(prepared.count)
        reports, events, messages, contacts = (
            prepared.reports,
            prepared.events,
            prepared.messages,
            prepared.contacts,
        )
        for report in reports:
            year = report["public_id"]
            report["public_id"] = f"{year}-{numbers[year]:06d}"
            numbers[year] += 1
            report["id"] = ids[report["id"]]
        for rows in (prepared.events, prepared.messages, prepared.contacts):
            for row in rows:
                row["report_id"] = ids[row["report_id"]]
        connection = self.session.connection()
        for table, rows in zip(self.tables, (reports, events, messages, contacts), strict=True):
            if not rows:
                continue
            if self.postgres:
                _copy(connection, table.name, rows, self.types)
            else:  # SQLite runs in our process: executemany costs no round trips
                for row in rows if table is self.tables[0] else ():
                    row["point"] = _ewkt(row["point"])
                connection.execute(sa.insert(table), rows)
        moved = connection.execute(
            sa.update(ReportImport)
            .where(ReportImport.id == self.import_id, ReportImport.rows_done == done)
            .values(rows_done=done + prepared.count)
        ).rowcount
        if moved != 1:
            raise NotNow("another run of the same import is writing this file: let it finish")


def _copy(
    connection: sa.Connection, table: str, rows: list[dict[str, Any]], cache: dict[str, list[str] | None]
) -> None:
    """``COPY table FROM STDIN``, binary when psycopg can send every column so: many times any INSERT.

    The point goes as EWKB (binary) or EWKT (text), JSON as its text.
    """
    columns = list(rows[0])
    if table not in cache:
        cache[table] = binary_types(connection, table, columns)
    types = cache[table]
    json_columns = [i for i, c in enumerate(columns) if c in ("answers", "data")]
    point = columns.index("point") if "point" in columns else None

    def values(row: dict[str, Any]) -> list[Any]:
        out = list(row.values())
        for i in json_columns:
            if not isinstance(out[i], str):
                out[i] = json.dumps(out[i])
        if point is not None and out[point] is not None:
            lon, lat = out[point]
            out[point] = point_ewkb(lon, lat) if types else point_ewkt(lon, lat)
        return out

    driver: Any = connection.connection.driver_connection
    with driver.cursor() as cursor:
        copy_rows(cursor, table, columns, map(values, rows), types)


def _ewkt(point: tuple[float, float] | None) -> str | None:
    return None if point is None else point_ewkt(point[0], point[1])


__all__ = [
    "BATCH_SIZE",
    "AlreadyImported",
    "Catalogue",
    "Check",
    "ImportRefused",
    "ImportResult",
    "Source",
    "check_file",
    "import_file",
    "open_source",
]
