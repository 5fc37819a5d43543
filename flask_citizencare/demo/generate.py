"""Rows of demo reports, their histories, reporters' contacts and supports.

One code path makes plain tuples (ids, strings, aware UTC datetimes, JSON
text, ``(lon, lat)`` points); the writers in :mod:`.writers` only change how
they reach the database. Everything is deterministic: the same seed, number
of reports and "now" give the same rows, except tracking tokens, which must
stay unguessable.

Each report's life is simulated from its creation to the end (acknowledge,
assign, escalate, suspend, resolve, reopen, close or reject), then cut at
"now": what has not happened yet is left out, so recent reports are still new
or in progress while old ones are resolved or closed, as in a real office.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from ..domain import geo
from ..models import Report
from .data import (
    BACKGROUND_WEIGHT,
    BOLOGNA_BBOX,
    BOLOGNA_CENTRE,
    CLOSINGS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    MOBILE_PREFIXES,
    NEIGHBOURHOODS,
    NOT_ACCEPTED_REASON,
    OTHER_NAMES,
    PROPOSAL_OUTCOMES,
    REJECT_REASONS,
    SUSPEND_REASONS,
    TEMPI,
    DemoCategory,
)

#: ``due_at`` (the queue's sort key) arrives with the SLA module: written when the model has it.
HAS_DUE_AT = "due_at" in Report.__table__.c
REPORT_COLUMNS: tuple[str, ...] = (
    "id", "public_id", "tracking_token", "submission_token", "kind", "category_id", "title",
    "description", "public_title", "public_description", "point", "address", "answers", "channel",
    "status", "priority", "level", "outcome", "office_id", "assignee_id", "resolver_id", "is_public",
    "moderated", "duplicate_of_id", "reject_reason", "supports_count", "duplicates_count",
    "received_at", "created_at", "updated_at", "acknowledged_at", "resolved_at", "closed_at",
    "suspended_at", "ack_due_at", "resolve_due_at", "sla_breached_at", "answered_at",
    "threshold_reached_at", "answer_due_at", "version",
) + (("due_at",) if HAS_DUE_AT else ())  # fmt: skip
EVENT_COLUMNS: tuple[str, ...] = (
    "report_id",
    "at",
    "action",
    "from_status",
    "to_status",
    "actor_kind",
    "actor_id",
    "note",
    "public",
    "data",
)
CONTACT_COLUMNS: tuple[str, ...] = (
    "report_id",
    "user_id",
    "name",
    "email",
    "phone",
    "locale",
    "consent_at",
    "erased_at",
)
MESSAGE_COLUMNS: tuple[str, ...] = (
    "report_id",
    "visibility",
    "author_kind",
    "author_id",
    "body",
    "source",
    "created_at",
)
SUPPORT_COLUMNS: tuple[str, ...] = ("report_id", "supporter", "created_at")
#: A proposal's published official answer (``cc_proposal_answers``), one per answered demo proposal.
ANSWER_COLUMNS: tuple[str, ...] = (
    "report_id",
    "state_id",
    "body",
    "reason",
    "implemented_on",
    "link",
    "author_id",
    "publisher_id",
    "created_at",
    "updated_at",
    "published_at",
)
#: The answer state each outcome of :data:`PROPOSAL_OUTCOMES` is published with (default states' codes).
OUTCOME_STATES = {"accepted": "accepted", "implemented": "implemented", "not_accepted": "not_accepted"}

#: Where each table's datetimes and the report's point sit in the rows.
REPORT_DATETIMES = tuple(i for i, c in enumerate(REPORT_COLUMNS) if c.endswith("_at"))
REPORT_POINT = REPORT_COLUMNS.index("point")
EVENT_DATETIMES = (EVENT_COLUMNS.index("at"),)
CONTACT_DATETIMES = (CONTACT_COLUMNS.index("consent_at"), CONTACT_COLUMNS.index("erased_at"))
MESSAGE_DATETIMES = (MESSAGE_COLUMNS.index("created_at"),)
ANSWER_DATETIMES = tuple(i for i, c in enumerate(ANSWER_COLUMNS) if c.endswith("_at"))
ANSWER_DATES = (ANSWER_COLUMNS.index("implemented_on"),)
SUPPORT_DATETIMES = (SUPPORT_COLUMNS.index("created_at"),)

SPAN_DAYS = 3 * 365
PROPOSAL_SHARE = 0.08
#: The answer term of a proposal that reached its threshold (CITIZENCARE_PROPOSAL_ANSWER_DAYS's default).
PROPOSAL_ANSWER_DAYS = 30
DAY = 86_400
HOUR = 3_600
MINUTE = 60

# Relative activity by local hour and weekday (Monday first): people report
# on their way to work and in the evening, less at night and at weekends.
HOUR_WEIGHTS = (
    0.2,
    0.1,
    0.08,
    0.06,
    0.06,
    0.1,
    0.3,
    0.7,
    1.2,
    1.6,
    1.7,
    1.6,
    1.3,
    1.0,
    1.1,
    1.2,
    1.2,
    1.2,
    1.3,
    1.1,
    0.9,
    0.8,
    0.6,
    0.4,
)
WEEKDAY_WEIGHTS = (1.2, 1.1, 1.05, 1.0, 0.95, 0.7, 0.6)

# Channels, as (channel, weight): offices take phone calls, letters and
# visitors only while open; around 70% of everything comes from the web.
CHANNELS_OPEN = (("web", 58), ("email", 12), ("phone", 16), ("counter", 7), ("letter", 3), ("api", 4))
CHANNELS_CLOSED = (("web", 84), ("email", 11), ("api", 5))
CHANNELS_PROPOSAL = (("web", 88), ("email", 6), ("counter", 4), ("letter", 2))
#: Acknowledgement times by channel (reference 002), in minutes of business time.
ACK_MINUTES = {"web": 30, "api": 30, "email": 45, "phone": 90, "counter": 30, "letter": 30}
#: How much longer than usual a fix takes, by priority.
PRIORITY_SPEED = {"urgent": 0.15, "high": 0.5, "normal": 1.0, "low": 1.6}
LOCALES = (("it", 92), ("en", 6), ("ca", 2))
BROWSERS = ("Firefox su Windows", "Chrome su Android", "Safari su iPhone", "Edge su Windows", "Chrome su Mac")


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


class Picker:
    """Weighted choice with a precomputed cumulative table (``Random.choices`` rebuilds it each call)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cum = _cumulative([w for _, w in pairs])
        self.total = self.cum[-1]

    def __call__(self, rng: Random) -> Any:
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


# -- where --------------------------------------------------------------------


class Area:
    """Where demo reports go: Bologna's neighbourhoods, inside the app's area.

    ``CITIZENCARE_AREA`` may be a bbox, a GeoJSON (Multi)Polygon or None
    (Bologna's bbox); points are checked with the product's own
    :class:`~flask_citizencare.domain.geo.Area`, so every demo point is one
    the report form would accept. An area that does not contain Bologna gets
    Bologna's pattern stretched onto its bbox: any municipality sees a
    plausible city (with Bologna's street names).
    """

    def __init__(self, area: geo.Area) -> None:
        self.area = area
        self.bbox: tuple[float, float, float, float] = self.area.bounds or BOLOGNA_BBOX
        self.mapped = not self.contains(*BOLOGNA_CENTRE)
        self._all_streets = sorted({s for n in NEIGHBOURHOODS for s in n.streets})
        pairs: list[tuple[Any, float]] = [(n, n.weight) for n in NEIGHBOURHOODS]
        pairs.append((None, BACKGROUND_WEIGHT))
        self._pick = Picker(pairs)

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 <= lon <= x1 and y0 <= lat <= y1 and self.area.contains(lon, lat)

    def _map(self, lon: float, lat: float) -> tuple[float, float]:
        if not self.mapped:
            return lon, lat
        bx0, by0, bx1, by1 = BOLOGNA_BBOX
        x0, y0, x1, y1 = self.bbox
        return (x0 + (lon - bx0) / (bx1 - bx0) * (x1 - x0), y0 + (lat - by0) / (by1 - by0) * (y1 - y0))

    def sample(self, rng: Random) -> tuple[float, float, str]:
        """``(lon, lat, street)`` of one report: near a neighbourhood's centre, or anywhere."""
        for _ in range(50):
            hood = self._pick(rng)
            if hood is None:
                x0, y0, x1, y1 = self.bbox
                lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
                street = rng.choice(self._all_streets)
            else:
                km = hood.spread_km
                lat = hood.lat + rng.gauss(0.0, km / 111.2)
                lon = hood.lon + rng.gauss(0.0, km / (111.32 * math.cos(math.radians(hood.lat))))
                lon, lat = self._map(lon, lat)
                street = rng.choice(hood.streets)
            lon, lat = round(lon, 6), round(lat, 6)
            if self.contains(lon, lat):
                return lon, lat, street
        # A thin or oddly shaped area: one point surely inside it.
        inside = self.area.geometry.representative_point() if self.area.geometry is not None else None
        if inside is not None and self.area.contains(round(inside.x, 6), round(inside.y, 6)):
            return round(inside.x, 6), round(inside.y, 6), rng.choice(self._all_streets)
        x0, y0, x1, y1 = self.bbox
        return (x0 + x1) / 2, (y0 + y1) / 2, rng.choice(self._all_streets)


# -- when ---------------------------------------------------------------------


class Clock:
    """Office hours (Mon-Fri 08-13 and 14-17, local time) for realistic delays.

    An approximation of the product's business calendar (Bologna's holidays,
    no pause while suspended, no per-category or per-channel policy): the
    real SLA clock belongs to the SLA module, and these due times are what a
    first cut of it would store. Works on integer timestamps with a
    precomputed table of the time zone's UTC offsets: ``zoneinfo`` on every
    call would be most of the generator's time.
    """

    def __init__(self, tz: ZoneInfo, start: int, end: int) -> None:
        self._changes: list[int] = []
        self._offsets: list[int] = []
        for t in range(start - DAY, end + 2 * DAY, HOUR):
            offset = datetime.fromtimestamp(t, tz).utcoffset()
            seconds = int(offset.total_seconds()) if offset is not None else 0
            if not self._offsets or self._offsets[-1] != seconds:
                self._changes.append(t)
                self._offsets.append(seconds)
        years = range(datetime.fromtimestamp(start, tz).year - 1, datetime.fromtimestamp(end, tz).year + 2)
        epoch = date(1970, 1, 1)
        # Bologna's calendar: national holidays and San Petronio (4 October).
        closed = holidays.country_holidays("IT", subdiv="BO", years=years)
        self._closed = {(day - epoch).days for day in closed}

    def offset(self, ts: int) -> int:
        """Local time minus UTC at ``ts``, in seconds."""
        return self._offsets[max(0, bisect_right(self._changes, ts) - 1)]

    def _at(self, day: int, seconds: int, offset: int) -> int:
        """The timestamp of local ``day`` (days since 1970-01-01) at ``seconds`` after midnight."""
        local = day * DAY + seconds
        return local - self.offset(local - offset)

    def working(self, day: int) -> bool:
        """Whether local ``day`` (days since 1970-01-01, a Thursday) is a working day."""
        return (day + 3) % 7 < 5 and day not in self._closed

    def _next_working(self, day: int) -> int:
        day += 1
        while not self.working(day):
            day += 1
        return day

    def next_open(self, ts: int) -> int:
        """``ts`` if the office is open then, else the next opening."""
        offset = self.offset(ts)
        day, sod = divmod(ts + offset, DAY)
        if self.working(day):
            if sod < 8 * HOUR:
                return self._at(day, 8 * HOUR, offset)
            if sod < 13 * HOUR or 14 * HOUR <= sod < 17 * HOUR:
                return ts
            if sod < 14 * HOUR:
                return self._at(day, 14 * HOUR, offset)
        return self._at(self._next_working(day), 8 * HOUR, offset)

    def add_working_days(self, ts: int, days: int) -> int:
        """The close (17:00) of the ``days``-th working day after the local day of ``ts``."""
        offset = self.offset(ts)
        day = (ts + offset) // DAY
        for _ in range(days):
            day = self._next_working(day)
        return self._at(day, 17 * HOUR, offset)

    def clock_start(self, ts: int) -> int:
        """When the SLA clock starts: a non-working day counts from 09:00 of the next working day."""
        offset = self.offset(ts)
        day = (ts + offset) // DAY
        if self.working(day):
            return self.next_open(ts)
        return self._at(self._next_working(day), 9 * HOUR, offset)

    def add(self, ts: int, seconds: float, *, sla: bool = False) -> int:
        """``seconds`` of office time after ``ts``."""
        t = self.clock_start(ts) if sla else self.next_open(ts)
        remaining = int(seconds)
        while True:
            sod = (t + self.offset(t)) % DAY
            room = (13 * HOUR if sod < 13 * HOUR else 17 * HOUR) - sod
            if remaining <= room:
                return t + remaining
            remaining -= room
            t = self.next_open(t + room)


def creation_times(rng: Random, now: int, count: int, clock: Clock) -> list[int]:
    """``count`` sorted creation times over the last three years.

    Sampled from an hour-by-hour density (growing use of the service, daily
    and weekly rhythm) by inverting its distribution function; sorting the
    uniform draws first gives sorted times, so ids and public ids follow time.
    """
    hours = SPAN_DAYS * 24
    start = now - hours * HOUR
    cum: list[float] = []
    total = 0.0
    for h in range(hours):
        t = start + h * HOUR
        day, sod = divmod(t + clock.offset(t), DAY)
        total += HOUR_WEIGHTS[sod // HOUR] * WEEKDAY_WEIGHTS[(day + 3) % 7] * (0.55 + 0.45 * h / hours)
        cum.append(total)
    draws = sorted(rng.random() for _ in range(count))
    times: list[int] = []
    for u in draws:
        x = u * total
        i = min(bisect_right(cum, x), hours - 1)
        previous = cum[i - 1] if i else 0.0
        times.append(min(now - 1, int(start + (i + (x - previous) / (cum[i] - previous)) * HOUR)))
    return times


# -- who ----------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRef:
    demo: DemoCategory
    id: int
    office_id: int
    office_name: str


@dataclass
class Setting:
    """What the generator needs from the database and the app."""

    seed: int
    #: Demo indexes ``start .. start + count - 1`` are made.
    start: int
    count: int
    first_id: int
    now: datetime
    tz: ZoneInfo
    area: Area
    categories: list[CategoryRef]
    operators: list[int]
    manager: int
    #: The front office's own office, for the cases it handles itself.
    urp_office: int
    urp_name: str
    #: Office id -> staff ids of its technicians.
    technicians: dict[int, list[int]]
    #: Staff id -> display name (event data names people, as the triage service does).
    names: dict[int, str]
    #: The demo citizen's host user id, when the host made the account.
    citizen_user_id: str | None
    #: Year -> last sequence number already used in public ids (updated as we go).
    sequences: dict[int, int]
    #: Answer state code -> id, for the published answers of answered proposals (none: no answers).
    answer_states: dict[str, int] = field(default_factory=dict)


@dataclass
class Chunk:
    reports: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    supports: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(slots=True)
class Step:
    """One planned step of a report's life; it happens only if ``at`` is not after now."""

    at: int
    action: str
    before: str
    after: str
    actor_kind: str
    actor: int | None
    note: str | None = None
    data: str = "{}"
    #: A message of the thread that goes with the step: (at, visibility, author kind, author id, body).
    message: tuple[int, str, str, int | None, str] | None = None
    #: Office and assignee an assignment or escalation sets.
    office: int | None = None
    assignee: int | None = None
    #: Shown on the public timeline (edits are not).
    public: bool = True
    #: What a moderation or classification changes.
    priority: str | None = None
    hide: bool = False
    redact: bool = False


@dataclass(slots=True)
class Recent:
    """A report others may duplicate: where it is and until when it is open."""

    id: int
    public_id: str
    created: int
    open_until: int
    point: tuple[float, float] | None
    street: str | None
    civico: str | None


def _slug(name: str) -> str:
    table = str.maketrans("àèéìòùüÀÈÉÌÒÙ", "aeeiouuAEEIOU", " '")
    return name.lower().translate(table)


def _utc(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _lognormal(rng: Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


NEVER = 2**62
DUPLICATE_SHARE = 0.035
LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"
ACKNOWLEDGED = "Segnalazione presa in carico dall'URP."
REOPENED = "Il cittadino segnala che il problema si è ripresentato."
REPLY_REOPEN = (
    "Il problema si è ripresentato: potete tornare a controllare?",
    "Non è stato risolto, la situazione è come prima.",
    "Dopo l'intervento il problema è tornato dopo pochi giorni.",
)
CLOSED = "Chiusa dopo il periodo di verifica."
ESCALATED = "Inoltrata al secondo livello: serve un sopralluogo tecnico."
RESUMED = "Lavorazione ripresa."


class ReportFactory:
    """Makes the rows of demo reports ``start .. start + count - 1`` of one seed."""

    def __init__(self, setting: Setting) -> None:
        self.s = setting
        # Demo data, not secrets (tracking tokens come from the secrets module).
        self.rng = Random(f"citizencare-demo:{setting.seed}:{setting.start}:{setting.count}")  # noqa: S311
        self.now = int(setting.now.timestamp())
        # Faster than Random.choice/randint (which draw bits in a loop), and as deterministic.
        rnd = self.rnd = self.rng.random
        self.pick: Callable[[Sequence[Any]], Any] = lambda seq: seq[int(rnd() * len(seq))]
        self.between: Callable[[int, int], int] = lambda a, b: a + int(rnd() * (b - a + 1))
        self.clock = Clock(setting.tz, self.now - SPAN_DAYS * DAY, self.now + 4 * 365 * DAY)
        self.proposal_category = next(c for c in setting.categories if c.demo.kinds == "proposal")
        issues = [c for c in setting.categories if c.demo.kinds != "proposal"]
        # One picker per month: potholes in winter, grass in spring, mosquitoes in summer.
        self.category_by_month = [
            Picker([(c, c.demo.weight * c.demo.season[m]) for c in issues]) for m in range(12)
        ]
        self.channels_open = Picker(CHANNELS_OPEN)
        self.channels_closed = Picker(CHANNELS_CLOSED)
        self.channels_proposal = Picker(CHANNELS_PROPOSAL)
        self.locales = Picker(LOCALES)
        self.recent: dict[int, deque[Recent]] = {c.id: deque(maxlen=40) for c in setting.categories}
        #: Master report id -> duplicates merged into it by this run.
        self.duplicates: dict[int, int] = {}
        self.totals = {"events": 0, "messages": 0, "contacts": 0, "supports": 0, "answers": 0}
        self.citizen_share = min(0.2, max(0.004, 12 / max(setting.count, 1)))

    def chunks(self, size: int) -> Iterator[Chunk]:
        s = self.s
        times = creation_times(self.rng, self.now, s.count, self.clock)
        chunk = Chunk()
        for offset, created in enumerate(times):
            self._report(chunk, s.start + offset, s.first_id + offset, created)
            if len(chunk.reports) >= size:
                yield chunk
                chunk = Chunk()
        if chunk.reports:
            yield chunk

    # -- one report -----------------------------------------------------------

    def _report(self, chunk: Chunk, index: int, report_id: int, created: int) -> None:
        s, rnd, pick, clock = self.s, self.rnd, self.pick, self.clock
        local = datetime.fromtimestamp(created, s.tz)
        office_hours = local.weekday() < 5 and (8 <= local.hour < 13 or 14 <= local.hour < 17)

        proposal = rnd() < PROPOSAL_SHARE
        category = self.proposal_category if proposal else self.category_by_month[local.month - 1](self.rng)
        demo = category.demo
        if proposal:
            channel = self.channels_proposal(self.rng) if office_hours else "web"
        else:
            channel = (self.channels_open if office_hours else self.channels_closed)(self.rng)
        if channel in ("phone", "counter"):
            received = created - self.between(2 * MINUTE, 15 * MINUTE)
        elif channel == "letter":  # registered by the records office on a working day before
            received = min(created - HOUR, self.clock.next_open(created - self.between(1 * DAY, 5 * DAY)))
        else:
            received = created
        op = pick(s.operators)
        triage = self._triage_time(channel, proposal, created)
        master = (
            self._master(category.id, created, triage) if not proposal and rnd() < DUPLICATE_SHARE else None
        )
        point, street, civico = self._place(demo, master)
        title, description, answers, plate = self._texts(demo, street, civico)

        # What the front office will decide when it triages it.
        x = rnd()
        decided = "normal"
        if x < demo.urgent:
            decided = "urgent"
        elif x < demo.urgent + demo.high:
            decided = "high"
        elif x > 0.9:
            decided = "low"

        plan, outcome = self._plan(category, proposal, channel, created, triage, op, decided, master, plate)

        # Cut at now; the columns follow from what happened, as the services would set them.
        now = self.now
        status = "new"
        priority = "normal"
        office_id: int | None = category.office_id  # the submission routes to the category's office
        assignee = resolver = None
        level = 1
        acknowledged_at = resolved_at = closed_at = suspended_at = answered_at = proposal_answered = None
        reject_reason = duplicate_of = public_description = None
        is_public, moderated = True, False
        previous = created
        applied = 0
        events = chunk.events
        for step in plan:
            at = max(step.at, previous + MINUTE) if applied else step.at
            if at > now:
                break
            previous = at
            applied += 1
            action = step.action
            status = step.after
            before = step.before or None
            events.append((report_id, _utc(at), action, before, status, step.actor_kind, step.actor,
                           step.note, step.public, step.data))  # fmt: skip
            if step.message is not None and step.message[0] <= at:
                m_at, visibility, author_kind, author_id, body = step.message
                source = "email" if channel == "email" and author_kind == "reporter" else "web"
                message = (report_id, visibility, author_kind, author_id, body, source, _utc(m_at))
                chunk.messages.append(message)
                self.totals["messages"] += 1
            if action == "acknowledge":
                acknowledged_at = at
            elif action in ("assign", "escalate"):
                office_id, assignee = step.office, step.assignee
                if action == "escalate":
                    level = 2
            elif action == "classify":
                priority = step.priority or priority
            elif action == "moderate":
                moderated = True
                if step.hide:
                    is_public = False
                if step.redact and plate:
                    public_description = description.replace(plate, "[targa omessa]")
            elif action == "suspend":
                suspended_at = at
            elif action == "resume":
                suspended_at = None
            elif action == "resolve":
                resolved_at = answered_at = at
                resolver = step.actor
            elif action == "reopen":
                # Back to whoever resolved it (reference 002); the resolution clock runs on.
                resolved_at = answered_at = None
                assignee, resolver = resolver, None
            elif action == "close":
                closed_at = at
            elif action == "answer_published":
                # The official answer, as the publish service writes it with the step: its time is
                # the proposal's answered_at (the first published answer's).
                proposal_answered = proposal_answered or at
                self._answer(chunk, report_id, step, at)
            elif action in ("reject", "merge"):
                answered_at = at
                reject_reason = step.note
                if master is not None and action == "merge":
                    duplicate_of = master.id
                    self.duplicates[master.id] = self.duplicates.get(master.id, 0) + 1
        self.totals["events"] += applied
        if proposal:
            outcome = (outcome if resolved_at is not None else "under_review") if acknowledged_at else None

        # Service levels, approximated on office hours (see Clock).
        ack_due = clock.add(received, ACK_MINUTES[channel] * MINUTE, sla=True)
        if proposal:
            resolve_due = received + 40 * DAY
        else:
            resolve_due = clock.add(received, (8 if level == 2 else 6) * HOUR, sla=True)
        first_touch = acknowledged_at or (answered_at if status == "rejected" else None)
        breaches = []
        if (first_touch is None and now > ack_due) or (first_touch is not None and first_touch > ack_due):
            breaches.append(ack_due)
        if (answered_at is None and now > resolve_due) or (
            answered_at is not None and answered_at > resolve_due
        ):
            breaches.append(resolve_due)
        sla_breached_at = min(breaches) if breaches else None

        # The public id: a sequence per year of receipt, as the submission service numbers them.
        year = datetime.fromtimestamp(received, UTC).year
        sequence = s.sequences.get(year, 0) + 1
        if sequence > 999_999:
            raise OverflowError(f"more than 999999 reports in {year}: public ids have six digits")
        s.sequences[year] = sequence
        public_id = f"{year}-{sequence:06d}"

        supports = 0
        threshold_reached = answer_due = None
        if proposal and acknowledged_at is not None:
            supports = int(self.rng.expovariate(1 / 8)) if rnd() < 0.93 else self.between(30, 150)
            last = min(now, created + 120 * DAY)
            times = sorted(self.between(created, last) for _ in range(supports))
            for j, at in enumerate(times):
                supporter = hashlib.sha256(f"demo:{s.seed}:{index}:{j}".encode()).hexdigest()[:40]
                chunk.supports.append((report_id, supporter, _utc(at)))
            self.totals["supports"] += supports
            # The threshold's support starts the answer term (working days, as the product counts it).
            threshold = category.demo.supports_threshold
            if threshold is not None and supports >= threshold:
                threshold_reached = times[threshold - 1]
                answer_due = self.clock.add_working_days(threshold_reached, PROPOSAL_ANSWER_DAYS)

        final = status in ("resolved", "closed")
        # The queue's next term: acknowledgement while new, resolution while worked, none otherwise.
        due = {"new": ack_due, "acknowledged": resolve_due, "in_progress": resolve_due}.get(status)
        # fmt: off
        row = (
            report_id, public_id, secrets.token_urlsafe(24), f"demo:{s.seed}:{index}",
            "proposal" if proposal else "issue", category.id, title[:200], description,
            None, public_description,
            point, address_of(street, civico), json.dumps(answers, ensure_ascii=False) if answers else "{}",
            channel, status, priority, level, outcome, office_id, assignee, resolver if final else None,
            is_public, moderated, duplicate_of, reject_reason, supports, 0,
            _utc(received), _utc(created), _utc(previous), _utc(acknowledged_at),
            _utc(resolved_at if final else None), _utc(closed_at),
            _utc(suspended_at if status == "suspended" else None),
            _utc(ack_due), _utc(resolve_due), _utc(sla_breached_at), _utc(proposal_answered),
            _utc(threshold_reached), _utc(answer_due), applied,
        )
        # fmt: on
        chunk.reports.append((*row, _utc(due)) if HAS_DUE_AT else row)

        if master is None and not proposal:
            open_until = next((p.at for p in plan if p.after in ("resolved", "rejected", "closed")), NEVER)
            self.recent[category.id].append(
                Recent(report_id, public_id, created, open_until, point, street, civico)
            )

        self._contact(chunk, report_id, channel, created, closed_at)

    def _triage_time(self, channel: str, proposal: bool, created: int) -> int:
        """When the front office first looks at it."""
        clock, rng = self.clock, self.rng
        if channel in ("phone", "counter"):
            return created + self.between(MINUTE, 5 * MINUTE)  # taken in charge while registering it
        if proposal:
            return clock.add(created, _lognormal(rng, 6 * HOUR, 0.8))
        triage = clock.add(created, max(MINUTE, _lognormal(rng, 25 * MINUTE, 1.0)))
        if self.rnd() < 0.1:  # a busy day at the front office
            triage = clock.add(triage, _lognormal(rng, 8 * HOUR, 0.8))
        if created > self.now - 3 * DAY and self.rnd() < 0.35:
            # The office is behind on the last days' reports, so the triage queue is not empty.
            triage = clock.add(triage, self.between(16, 40) * HOUR)
        return triage

    def _master(self, category_id: int, created: int, merged_at: int) -> Recent | None:
        """A recent report of the same category, still open when this one is merged into it."""
        candidates = [
            r
            for r in self.recent[category_id]
            if r.created >= created - 30 * DAY and r.open_until > merged_at
        ]
        return self.pick(candidates[-10:]) if candidates else None

    def _place(
        self, demo: DemoCategory, master: Recent | None
    ) -> tuple[tuple[float, float] | None, str | None, str | None]:
        if not demo.needs_location:
            return None, None, None
        if master is not None and master.point is not None:
            rng = self.rng
            near = (
                round(master.point[0] + rng.gauss(0, 0.00015), 6),
                round(master.point[1] + rng.gauss(0, 0.0001), 6),
            )
            return (near if self.s.area.contains(*near) else master.point), master.street, master.civico
        lon, lat, street = self.s.area.sample(self.rng)
        number = 1 + min(int(self.rng.expovariate(1 / 35)), 250)
        civico = f"{number}/{self.pick('ABC')}" if self.rnd() < 0.05 else str(number)
        return (lon, lat), street, civico

    def _texts(
        self, demo: DemoCategory, street: str | None, civico: str | None
    ) -> tuple[str, str, dict[str, str], str | None]:
        pick, rnd = self.pick, self.rnd
        variant = pick(demo.variants)
        words = {
            "via": street or "",
            "civico": civico or "",
            "tempo": pick(TEMPI),
            "cm": pick((5, 8, 10, 15, 20, 30)),
        }
        title = pick(variant.titles).format(**words)
        sentences = self.rng.sample(variant.details, min(len(variant.details), pick((1, 2, 2, 3))))
        closing = pick(CLOSINGS)
        description = " ".join(x.format(**words) for x in sentences) + (" " + closing if closing else "")
        answers: dict[str, str] = dict(variant.answers)
        plate = None
        if demo.code == "illuminazione" and rnd() < 0.45:
            answers["pole_number"] = f"{self.between(100, 29999):05d}"
        elif demo.code == "servizi-digitali" and rnd() < 0.5:
            answers["browser"] = pick(BROWSERS)
        elif demo.code == "veicoli-abbandonati" and rnd() < 0.6:
            plate = (
                pick(LETTERS) + pick(LETTERS) + f"{self.between(0, 999):03d}" + pick(LETTERS) + pick(LETTERS)
            )
            answers["plate"] = plate
            description += f" La targa è {plate}."
        return title, description, answers, plate

    def _plan(
        self,
        category: CategoryRef,
        proposal: bool,
        channel: str,
        created: int,
        triage: int,
        op: int,
        priority: str,
        master: Recent | None,
        plate: str | None,
    ) -> tuple[list[Step], str | None]:
        """The whole life of the report, as the services would write it.

        Only steps the lifecycle allows, from the state they start from, by
        someone whose role and relation to the case allow them (the first
        line acknowledges, assigns, escalates, rejects, reopens and closes;
        whoever the case is assigned to suspends and resolves). Moderation and
        classification are the non-public edit events the staff pages record.
        """
        s, rng, rnd, pick, clock, between = self.s, self.rng, self.rnd, self.pick, self.clock, self.between
        demo = category.demo
        submitter = {"web": ("citizen", None), "api": ("citizen", None), "email": ("system", None)}
        # Phone calls, visits and letters are registered by the operator who took them.
        kind, actor = submitter.get(channel, ("staff", op))
        plan = [Step(created, "submit", "", "new", kind, actor)]

        def edit(at: int, state: str, action: str, data: str, **effect: Any) -> None:
            plan.append(Step(at, action, state, state, "staff", op, None, data, public=False, **effect))

        if master is not None:
            note, data = f"Duplicato di {master.public_id}", f'{{"master": "{master.public_id}"}}'
            plan.append(Step(triage, "merge", "new", "rejected", "staff", op, note, data))
            return plan, None
        if rnd() < (0.04 if proposal else 0.05):
            reason = pick((REJECT_REASONS[3], REJECT_REASONS[5])) if proposal else pick(REJECT_REASONS)
            plan.append(Step(triage, "reject", "new", "rejected", "staff", op, reason))
            if reason in REJECT_REASONS[3:6] and rnd() < 0.7:  # off-topic or abusive: hidden
                hidden_at = triage + between(MINUTE, 5 * MINUTE)
                edit(hidden_at, "rejected", "moderate", '{"is_public": false}', hide=True)
            return plan, None
        plan.append(Step(triage, "acknowledge", "new", "acknowledged", "staff", op, ACKNOWLEDGED))
        t = triage
        if priority != "normal":
            t += between(MINUTE, 5 * MINUTE)
            change = f'{{"priority": ["normal", "{priority}"]}}'
            edit(t, "acknowledged", "classify", change, priority=priority)
        if plate is not None:
            t += between(MINUTE, 5 * MINUTE)
            edit(t, "acknowledged", "moderate", '{"public_description": "redacted"}', redact=True)
        elif rnd() < 0.03:
            t += between(MINUTE, 5 * MINUTE)
            edit(t, "acknowledged", "moderate", '{"is_public": false}', hide=True)

        if proposal:
            t = clock.next_open(t + between(1 * DAY, 5 * DAY))
            note = f"Proposta inoltrata per la valutazione: {category.office_name}."
            data = self._assignment_data(category.office_name, None)
            plan.append(Step(t, "assign", "acknowledged", "in_progress", "staff", s.manager, note, data,
                             office=category.office_id))  # fmt: skip
            if rnd() < 0.85:
                outcome, _, reply = _pick_outcome(rng)
                t = clock.next_open(t + int(_lognormal(rng, 45 * DAY, 0.7)))
                data, answer = f'{{"outcome": "{outcome}"}}', (t, "public", "staff", s.manager, reply)
                decision = Step(t, "resolve", "in_progress", "resolved", "staff", s.manager, None, data,
                                answer)  # fmt: skip
                plan.append(decision)
                code = OUTCOME_STATES.get(outcome)
                if code in s.answer_states:
                    # The official answer published with the decision (the same text as the reply).
                    published = f'{{"state": "{code}"}}'
                    plan.append(Step(t, "answer_published", "resolved", "resolved", "staff", s.manager, None,
                                     published, public=True))  # fmt: skip
                if rnd() < 0.5:
                    t += between(15 * DAY, 40 * DAY)
                    plan.append(Step(t, "close", "resolved", "closed", "staff", op, CLOSED))
                return plan, outcome
            return plan, None

        technicians = s.technicians.get(category.office_id, [])
        if rnd() < (0.5 if demo.code == "servizi-digitali" else 0.08) or not technicians:
            # The front office handles it itself: takes it into its own office and answers.
            t = clock.add(t, max(MINUTE, _lognormal(rng, 20 * MINUTE, 0.8)))
            data = self._assignment_data(s.urp_name, op)
            note = "Gestita direttamente dall'URP."
            plan.append(Step(t, "assign", "acknowledged", "in_progress", "staff", op, note, data,
                             office=s.urp_office, assignee=op))  # fmt: skip
            worker = op
        else:
            assignee = pick(technicians) if rnd() < 0.7 else None
            t = clock.add(t, max(MINUTE, _lognormal(rng, 50 * MINUTE, 1.0)))
            note = f"Assegnata all'ufficio {category.office_name}."
            data = self._assignment_data(category.office_name, assignee)
            plan.append(Step(t, "assign", "acknowledged", "in_progress", "staff", op, note, data,
                             office=category.office_id, assignee=assignee))  # fmt: skip
            # With nobody named, one of the office's technicians takes it up.
            worker = assignee if assignee is not None else pick(technicians)
        speed = PRIORITY_SPEED[priority]
        if worker != op and rnd() < 0.22:
            # Level 2: the first line hands it to a named technician for an inspection.
            t = clock.next_open(t + int(_lognormal(rng, 1 * DAY, 0.8)))
            data = self._assignment_data(category.office_name, worker)
            plan.append(Step(t, "escalate", "in_progress", "in_progress", "staff", op, ESCALATED, data,
                             office=category.office_id, assignee=worker))  # fmt: skip
            speed *= 1.5
        if rnd() < 0.02:
            t = clock.next_open(t + between(1 * DAY, 6 * DAY))
            plan.append(Step(t, "reject", "in_progress", "rejected", "staff", s.manager, REJECT_REASONS[-1]))
            return plan, None
        if rnd() < 0.3 or worker == op:
            fix = float(clock.add(t, _lognormal(rng, 3 * HOUR, 0.8)) - t)
        else:
            fix = _lognormal(rng, demo.fix_days * DAY * 1.4, 0.9) * speed
        if rnd() < 0.05:
            fix += rng.uniform(200, 700) * DAY  # the backlog nobody gets to
        if rnd() < 0.08:
            share = rnd()
            t = clock.next_open(t + int(fix * share) + MINUTE)
            reason = pick(SUSPEND_REASONS)
            plan.append(Step(t, "suspend", "in_progress", "suspended", "staff", worker, reason))
            t = clock.next_open(t + int(_lognormal(rng, 10 * DAY, 1.0)))
            plan.append(Step(t, "resume", "suspended", "in_progress", "staff", worker, RESUMED))
            fix *= 1 - share
        t = clock.next_open(t + int(fix) + MINUTE)
        reply = pick(demo.resolutions)
        answer = (t, "public", "staff", worker, reply)
        plan.append(Step(t, "resolve", "in_progress", "resolved", "staff", worker, None, "{}", answer))
        if rnd() < 0.03:
            # The citizen answers that it is not fixed: the first line reopens it for the same person.
            said = t + between(1 * DAY, 6 * DAY)
            t = clock.add(said, _lognormal(rng, 1 * HOUR, 0.8))
            complaint = (said, "private", "reporter", None, pick(REPLY_REOPEN))
            plan.append(Step(t, "reopen", "resolved", "in_progress", "staff", op, REOPENED, "{}", complaint))
            t = clock.next_open(t + int(_lognormal(rng, 3 * DAY, 0.8)))
            reply = pick(demo.resolutions)
            answer = (t, "public", "staff", worker, reply)
            plan.append(Step(t, "resolve", "in_progress", "resolved", "staff", worker, None, "{}", answer))
        if rnd() < 0.78:
            t += between(15 * DAY, 40 * DAY)
            plan.append(Step(t, "close", "resolved", "closed", "staff", op, CLOSED))
        return plan, None

    def _answer(self, chunk: Chunk, report_id: int, step: Step, at: int) -> None:
        """The published answer row of an ``answer_published`` step (state from its data)."""
        code = step.data.split('"state": "', 1)[1].split('"', 1)[0]
        outcome = next(o for o in PROPOSAL_OUTCOMES if OUTCOME_STATES[o[0]] == code)
        body = outcome[2]
        reason = NOT_ACCEPTED_REASON if outcome[0] == "not_accepted" else None
        done_on = datetime.fromtimestamp(at, self.s.tz).date() if outcome[0] == "implemented" else None
        when = _utc(at)
        chunk.answers.append(
            (report_id, self.s.answer_states[code], body, reason, done_on, None, step.actor, step.actor,
             when, when, when)
        )  # fmt: skip
        self.totals["answers"] += 1

    def _assignment_data(self, office: str, assignee: int | None) -> str:
        if assignee is None:
            return f'{{"office": {_json_string(office)}}}'
        return f'{{"office": {_json_string(office)}, "assignee": {_json_string(self.s.names[assignee])}}}'

    def _contact(
        self, chunk: Chunk, report_id: int, channel: str, created: int, closed_at: int | None
    ) -> None:
        s, rnd, pick, between = self.s, self.rnd, self.pick, self.between
        if channel == "api" and rnd() < 0.5:
            return  # apps that send no contact
        if s.citizen_user_id is not None and channel == "web" and rnd() < self.citizen_share:
            chunk.contacts.append(
                (
                    report_id,
                    s.citizen_user_id,
                    "Mario Rossi",
                    "cittadino@example.org",
                    None,
                    "it",
                    _utc(created),
                    None,
                )
            )
            self.totals["contacts"] += 1
            return
        if closed_at is not None and closed_at < self.now - 365 * DAY and rnd() < 0.02:
            # Erased on request (GDPR art. 17): the row stays, the person does not.
            erased = min(self.now, closed_at + between(DAY, 90 * DAY))
            chunk.contacts.append((report_id, None, None, None, None, None, _utc(created), _utc(erased)))
            self.totals["contacts"] += 1
            return
        if rnd() < 0.08:
            first, last = pick(OTHER_NAMES)
        else:
            first, last = pick(FIRST_NAMES), pick(LAST_NAMES)
        number = "" if rnd() < 0.5 else str(between(1, 99))
        email: str | None = f"{_slug(first)}.{_slug(last)}{number}@{pick(EMAIL_DOMAINS)}"
        phone: str | None = f"+39 {pick(MOBILE_PREFIXES)} {between(0, 999):03d} {between(0, 9999):04d}"
        name: str | None = f"{first} {last}"
        if channel in ("phone", "counter"):
            email = email if rnd() < 0.4 else None
        elif channel == "letter":
            phone = phone if rnd() < 0.3 else None
            email = None
        else:
            phone = phone if rnd() < 0.35 else None
            if rnd() < 0.15:
                name = None
        chunk.contacts.append(
            (report_id, None, name, email, phone, self.locales(self.rng), _utc(created), None)
        )
        self.totals["contacts"] += 1


def address_of(street: str | None, civico: str | None) -> str | None:
    return f"{street} {civico}" if street else None


def _pick_outcome(rng: Random) -> tuple[str, float, str]:
    x = rng.random()
    for outcome in PROPOSAL_OUTCOMES:
        x -= outcome[1]
        if x < 0:
            return outcome
    return PROPOSAL_OUTCOMES[-1]
