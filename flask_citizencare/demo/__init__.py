"""Demo data, loaded by ``flask citizencare demo-data --reports N [--seed S]`` (:mod:`..cli.demo`).

Loads a plausible municipality (Bologna's streets and neighbourhoods): offices,
categories with their translations and extra questions, staff accounts for
every role, and N reports spread over the last three years, with their
histories (status events, the answers and replies in their threads),
reporters' contacts and proposals' supports.

Idempotent: demo report *i* of seed *S* carries ``submission_token =
"demo:S:i"``; a run makes only the indexes it does not find, so repeating a
command loads nothing and a larger ``--reports`` adds the difference.
Offices, categories and response templates come from ``catalogues/demo.yaml`` through the
catalogue import (matched by code); staff are upserted by username.

Fast enough for benchmarks (10^5-10^6 reports): rows are generated in chunks
(memory stays flat whatever N) and sent with binary ``COPY`` on PostgreSQL,
``executemany`` on SQLite, all in one transaction. Then, as after every bulk
load, :func:`..bulk_load.refresh_after_bulk_load`: planner statistics,
visibility map and the dashboards' summary are fresh when the command ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..context import db_session, state
from ..database.prefetch import prefetched
from ..domain.catalogue_file import load, parse_catalogue
from ..i18n import languages
from ..models import AnswerState, Category, Counter, Office, StaffMember
from ..queries import map_cells
from ..queries.bulk_load import AfterLoad, refresh_after_bulk_load
from ..services.answer_states import ensure_default_states
from ..services.catalogue import apply_import
from ..services.catalogue import codes as catalogue_codes
from .catalogue import DEMO_FILE
from .data import ACCOUNTS, CATEGORIES, OFFICES, Account
from .generate import Area, CategoryRef, ReportFactory, Setting
from .notices import ensure_demo_notices
from .writers import writer_for

__all__ = ["DemoSummary", "load_demo"]

COUNTER_PREFIX = "public_id:"


@dataclass
class DemoSummary:
    seed: int
    requested: int
    #: Demo reports of this seed before and after the run.
    before: int
    after: int
    events: int = 0
    messages: int = 0
    contacts: int = 0
    #: Demo service notices added (a current incident, planned works, one resolved).
    notices: int = 0
    supports: int = 0
    #: Published official answers of answered proposals.
    answers: int = 0
    offices: int = 0
    categories: int = 0
    staff: int = 0
    #: (username, role, password) of every demo account.
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    #: Whether the host's user_factory made the accounts.
    host_accounts: bool = False
    seconds: float = 0.0
    #: What the refresh after the load did (None when nothing was added or it was not asked for).
    after_load: AfterLoad | None = None

    @property
    def added(self) -> int:
        return self.after - self.before

    @property
    def rate(self) -> float:
        return self.added / self.seconds if self.seconds > 0 else 0.0


def load_demo(
    count: int,
    seed: int = 1,
    *,
    now: datetime | None = None,
    chunk_size: int = 10_000,
    echo: Callable[[str], None] | None = None,
    refresh: bool = True,
) -> DemoSummary:
    """Make sure ``count`` demo reports of ``seed`` exist, with the catalogue and staff.

    Runs in the current app context, in one transaction of the app's session
    (committed at the end, rolled back on error). ``now`` (default: the
    current minute) is the moment the simulated histories stop at. When
    reports were added, :func:`..bulk_load.refresh_after_bulk_load` runs after
    the commit; ``refresh=False`` leaves that out (a benchmark's baseline).
    """
    say = echo or (lambda message: None)
    started = perf_counter()
    ext = state()
    session = db_session()
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    tz = ext.settings.zone
    try:
        offices, categories = _import_catalogue(session)
        people = _upsert_accounts(session, offices)
        staff = people.staff
        if session.scalar(sa.select(AnswerState.id).limit(1)) is None:
            # Emptied tables (the migration writes them): the default states, so answers have one.
            # A municipality's own set is left as it is, retired states included.
            ensure_default_states(session)
        states = {row.code: row.id for row in session.execute(sa.select(AnswerState.code, AnswerState.id))}
        session.flush()

        connection = session.connection()
        writer = writer_for(ext.backend, connection)
        writer.lock()
        prefix = f"demo:{seed}:"
        before, next_index = _existing(connection, prefix)
        summary = DemoSummary(
            seed=seed,
            requested=count,
            before=before,
            after=before,
            offices=len(offices),
            categories=len(categories),
            staff=len(staff),
            accounts=[(a.username, a.role, a.password) for a in ACCOUNTS if people.host_accounts or a.staff],
            host_accounts=people.host_accounts,
        )
        missing = count - next_index
        if missing > 0:
            say(f"Loading {missing:,} demo reports (seed {seed}) ...")
            setting = Setting(
                seed=seed,
                start=next_index,
                count=missing,
                first_id=writer.first_id(),
                now=now,
                tz=tz,
                area=Area(ext.settings.area),
                categories=categories,
                operators=[staff["operatore"].id, staff["operatore2"].id],
                manager=staff["responsabile"].id,
                urp_office=offices["urp"].id,
                urp_name=offices["urp"].name,
                technicians=_technicians(staff, offices),
                names={m.id: m.display_name for m in staff.values()},
                citizen_user_id=people.citizen,
                sequences=_sequences(connection),
                answer_states=states,
            )
            factory = ReportFactory(setting)
            done = 0
            # Row triggers would update the map's cluster cells for every report: one rebuild is cheaper.
            cells_paused = map_cells.pause_triggers(connection)
            writer.start()
            try:
                chunks = factory.chunks(chunk_size)
                for chunk in prefetched(chunks, name="citizencare-demo") if writer.overlap else chunks:
                    writer.write(chunk)
                    done += len(chunk.reports)
                    say(f"  {done:>9,} / {missing:,} reports  ({perf_counter() - started:.1f} s)")
            finally:
                writer.close()
            if factory.duplicates:
                connection.execute(
                    sa.text("UPDATE cc_reports SET duplicates_count = duplicates_count + :n WHERE id = :id"),
                    [{"id": k, "n": v} for k, v in factory.duplicates.items()],
                )
            _store_sequences(session, setting.sequences)
            if cells_paused:
                map_cells.resume_triggers(connection)
            writer.finish()
            summary.after = before + missing
            summary.events = factory.totals["events"]
            summary.messages = factory.totals["messages"]
            summary.contacts = factory.totals["contacts"]
            summary.supports = factory.totals["supports"]
            summary.answers = factory.totals["answers"]
        summary.notices = ensure_demo_notices(session, now, default_language=languages()[0])
        session.commit()
    except BaseException:
        session.rollback()
        raise
    summary.seconds = perf_counter() - started
    if refresh and summary.added:
        say("Analysing the tables and building the dashboard summary ...")
        # The loader rebuilt the map cells itself (or their triggers kept them exact).
        summary.after_load = refresh_after_bulk_load(session, timezone=tz, districts=ext.settings.districts)
    return summary


# -- catalogue and people ----------------------------------------------------


def _import_catalogue(session: Session) -> tuple[dict[str, Office], list[CategoryRef]]:
    """Offices and categories from ``catalogues/demo.yaml``, through the catalogue import (not committed)."""
    offices_known, categories_known = catalogue_codes(session)
    catalogue = parse_catalogue(
        load(DEMO_FILE.read_bytes()),
        languages=state().settings.languages,
        known_offices=offices_known,
        known_categories=categories_known,
    )
    apply_import(session, catalogue, source=DEMO_FILE.name)
    session.flush()
    offices = {
        o.code: o
        for o in session.scalars(sa.select(Office).where(Office.code.in_([c for c, _, _ in OFFICES])))
    }
    codes = [c.code for c in CATEGORIES]
    existing = {c.code: c for c in session.scalars(sa.select(Category).where(Category.code.in_(codes)))}
    return offices, [
        CategoryRef(demo, existing[demo.code].id, offices[demo.office].id, offices[demo.office].name)
        for demo in CATEGORIES
    ]


@dataclass
class People:
    #: Staff rows by username.
    staff: dict[str, StaffMember]
    #: The demo citizen's host user id, when the host makes accounts.
    citizen: str | None
    host_accounts: bool


def _upsert_accounts(session: Session, offices: dict[str, Office]) -> People:
    """Host accounts through the host's user_factory, if any, and staff rows by user id."""
    factory = state().user_factory
    people = People({}, None, factory is not None)
    for account in ACCOUNTS:
        user_id = (
            str(factory(account.username, account.display_name, account.email, account.password))
            if factory is not None
            else f"demo:{account.username}"
        )
        if account.role == "citizen":
            people.citizen = user_id if factory is not None else None
        else:
            people.staff[account.username] = _upsert_staff(session, account, user_id, offices)
    session.flush()
    return people


def _upsert_staff(
    session: Session, account: Account, user_id: str, offices: dict[str, Office]
) -> StaffMember:
    member = session.scalar(sa.select(StaffMember).where(StaffMember.user_id == user_id))
    if member is None:
        member = StaffMember(user_id=user_id)
        session.add(member)
    member.display_name = account.display_name
    member.email = account.email
    member.role = account.role
    member.locale = "it"
    member.active = True
    member.offices = [offices[code] for code in account.offices]
    return member


def _technicians(staff: dict[str, StaffMember], offices: dict[str, Office]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for account in ACCOUNTS:
        if account.role == "technician":
            for code in account.offices:
                out.setdefault(offices[code].id, []).append(staff[account.username].id)
    return out


# -- what is already there ----------------------------------------------------


def _existing(connection: sa.Connection, prefix: str) -> tuple[int, int]:
    """How many demo reports of this seed exist, and the first index not yet used."""
    row = connection.execute(
        sa.text(
            "SELECT count(*), max(CAST(substr(submission_token, :start) AS INTEGER)) "
            "FROM cc_reports WHERE submission_token LIKE :pattern"
        ),
        {"start": len(prefix) + 1, "pattern": prefix + "%"},
    ).one()
    return int(row[0]), (int(row[1]) + 1 if row[1] is not None else 0)


def _sequences(connection: sa.Connection) -> dict[int, int]:
    """Year -> last sequence used in public ids, from the counters and from the reports themselves."""
    out: dict[int, int] = {}
    for name, value in connection.execute(
        sa.text("SELECT name, value FROM cc_counters WHERE name LIKE :p"), {"p": COUNTER_PREFIX + "%"}
    ):
        try:
            out[int(name[len(COUNTER_PREFIX) :])] = int(value)
        except ValueError:
            continue
    for year, highest in connection.execute(
        sa.text(
            "SELECT substr(public_id, 1, 4), max(public_id) FROM cc_reports GROUP BY substr(public_id, 1, 4)"
        )
    ):
        try:
            y, n = int(year), int(highest.split("-", 1)[1])
        except (ValueError, IndexError):
            continue
        out[y] = max(out.get(y, 0), n)
    return out


def _store_sequences(session: Session, sequences: dict[int, int]) -> None:
    for year, value in sequences.items():
        name = f"{COUNTER_PREFIX}{year}"
        counter = session.get(Counter, name)
        if counter is None:
            session.add(Counter(name=name, value=value))
        elif counter.value < value:
            counter.value = value
    session.flush()
