"""Proposals collected on paper (a neighbourhood assembly, a petition box): one CSV file, every row checked.

The rules a file must meet before anything is written, in plain Python:
:func:`parse_file` reads the whole file (it is small: :data:`MAX_BYTES`,
:data:`MAX_ROWS`) and returns every row it could read and every problem it
found, each a :class:`Problem` with the line, the column and a code (the
staff page words them in the staff member's language). One problem anywhere
and nothing is imported.

The file: UTF-8 (with or without the byte-order mark Excel writes), comma or
semicolon separated (Excel in Italy writes semicolons), a header row naming
the columns in English, Italian or Catalan (:data:`COLUMNS`). A file in another
encoding is not guessed into the database: the check says which one it looks
like (Windows-1252 or Latin-1, what Excel and older systems write) and the
staff choose it, or save the file as UTF-8.

Each row becomes a :class:`ProposalRow` with a *fingerprint* of what it
says (category, title, description, address): two rows saying the same are
reported as a duplicate within the file, and the service refuses a row whose
proposal was already imported (its ``submission_token`` is the fingerprint),
so uploading the same file twice imports nothing the second time.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from hashlib import blake2b
from typing import Any
from zoneinfo import ZoneInfo

from .geo import Area, LocationError, check_point
from .intake import received_at_problem
from .lifecycle import Channel, Kind

#: Biggest file taken (a 5,000-row file of long proposals fits); bigger is refused unread.
MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 5_000
#: The citizens' form's limits (a paper proposal is held to the same), and the contact columns'.
TITLE_MAX, DESCRIPTION_MAX, ADDRESS_MAX = 150, 5000, 300
NAME_MAX, EMAIL_MAX, PHONE_MAX = 200, 254, 40
NUMBER_MAX = 40
#: Channels a paper proposal may say it came by; the default is the first.
CHANNELS = (Channel.LETTER, Channel.COUNTER)
#: Encodings the staff may choose for a file that is not UTF-8, as Python's codecs name them.
ENCODINGS = ("utf-8", "cp1252", "latin-1")
#: ``submission_token`` of an imported proposal: this prefix and the row's fingerprint.
TOKEN_PREFIX = "paper:"  # noqa: S105 (not a secret)

#: Our column names, and the other names a header may use for them (lower case, no accents).
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("titolo", "titol", "title"),
    "description": ("descrizione", "testo", "descripcio", "description", "text"),
    "category": ("categoria", "codice categoria", "category", "category code"),
    "address": ("indirizzo", "luogo", "adreca", "address", "place"),
    "lat": ("latitudine", "lat", "latitude"),
    "lon": ("longitudine", "lon", "lng", "longitude"),
    "received_on": ("data", "ricevuta il", "data ricezione", "received", "received on", "date"),
    "name": ("nome", "autore", "nom", "name", "author"),
    "email": ("e-mail", "email", "mail", "correu"),
    "phone": ("telefono", "telefon", "phone", "telephone"),
    "channel": ("canale", "channel"),
}
REQUIRED = ("title", "description", "category")
#: Channel words of a row, as people write them.
CHANNEL_WORDS = {
    "letter": Channel.LETTER,
    "lettera": Channel.LETTER,
    "posta": Channel.LETTER,
    "carta": Channel.LETTER,
    "paper": Channel.LETTER,
    "counter": Channel.COUNTER,
    "taulell": Channel.COUNTER,
    "sportello": Channel.COUNTER,
    "urp": Channel.COUNTER,
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S")

_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (``line`` None: the whole file; ``column`` None: the whole row), and what.

    ``code`` names the rule (the staff page has a sentence for each);
    ``params`` fills it (``{"max": 150}``, ``{"value": "buche"}``).
    """

    code: str
    line: int | None = None
    column: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CategoryRule:
    """What the check must know of one of our categories."""

    code: str
    kinds: str
    needs_location: bool = False
    active: bool = True


@dataclass(frozen=True)
class ProposalRow:
    """One proposal ready to file: clean text, our category code, a UTC time or None (now)."""

    line: int
    title: str
    description: str
    category: str
    address: str | None
    lat: float | None
    lon: float | None
    received_at: datetime | None
    name: str | None
    email: str | None
    phone: str | None
    channel: Channel
    fingerprint: str

    @property
    def submission_token(self) -> str:
        return TOKEN_PREFIX + self.fingerprint


@dataclass
class ParsedFile:
    rows: list[ProposalRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Data rows in the file (blank lines not counted), readable or not.
    row_count: int = 0
    #: The encoding the text was read with, or the one a non-UTF-8 file looks like.
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def _plain(text: str) -> str:
    """A header cell as compared: lower case, no accents, single spaces, no BOM, no quotes."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", "")).encode("ascii", "ignore").decode()
    return _SPACES.sub(" ", text.replace("_", " ").strip().strip('"').lower())


_HEADER_NAMES = {alias: name for name, aliases in COLUMNS.items() for alias in (name, *aliases)}


def guess_encoding(data: bytes) -> str:
    """What a file that is not UTF-8 most likely is: ``cp1252`` (Excel on Windows) or ``latin-1``."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"  # bytes 0x81, 0x8d, 0x8f, 0x90, 0x9d: not Windows-1252
    return "cp1252"


def decode(data: bytes, encoding: str | None) -> tuple[str | None, list[Problem], str]:
    """The file's text, or None with the problem; and the encoding used (or guessed)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem("utf16")], "utf-16"
    chosen = encoding if encoding in ENCODINGS else "utf-8"
    try:
        text = data.decode("utf-8-sig" if chosen == "utf-8" else chosen)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        guessed = guess_encoding(data)
        return None, [Problem("not_utf8", line, params={"guess": guessed})], guessed
    return text, [], chosen


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _fingerprint(category: str, title: str, description: str, address: str | None) -> str:
    parts = (category, title, description, address or "")
    normal = "\x1f".join(_SPACES.sub(" ", p).strip().casefold() for p in parts)
    return blake2b(normal.encode(), digest_size=16).hexdigest()


class _RowReader:
    """The checks of one row; ``problems`` collects them, each with the line and the column."""

    def __init__(
        self, line: int, cells: Mapping[str, str], problems: list[Problem], header: Mapping[str, str]
    ):
        self.line = line
        self.cells = cells
        self.problems = problems
        self.header = header  # our name -> the file's own column name, for the messages
        self.failed = False

    def bad(self, name: str, code: str, **params: Any) -> None:
        self.failed = True
        self.problems.append(Problem(code, self.line, self.header.get(name, name), params))

    def text(self, name: str, limit: int, *, required: bool = False, one_line: bool = True) -> str | None:
        value = self.cells.get(name)
        if value is None:
            if required:
                self.bad(name, "required")
            return None
        if "\x00" in value:
            self.bad(name, "nul")
            return None
        value = value.strip()
        if one_line:
            value = _SPACES.sub(" ", value)
        if not value:
            if required:
                self.bad(name, "required")
            return None
        if len(value) > limit:
            self.bad(name, "too_long", max=limit, length=len(value))
            return None
        return value


def _parse_date(text: str, zone: ZoneInfo) -> datetime | None:
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=zone)
        except ValueError:
            pass
    for fmt in DATE_FORMATS:
        try:
            day: date = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return datetime.combine(day, time(0, 0), tzinfo=zone)
    return None


def parse_file(
    data: bytes,
    *,
    categories: Mapping[str, CategoryRule],
    area: Area,
    zone: ZoneInfo,
    now: datetime,
    backdate_days: int,
    encoding: str | None = None,
) -> ParsedFile:
    """Every row of the file and every problem; nothing of the file is trusted, nothing is written.

    ``categories`` by code (an unknown, inactive or issue-only one is a
    problem of its row); ``area`` the municipality's (a point outside it is
    a problem); ``now`` and ``backdate_days`` the intake's window for the date
    a row says it was received (:func:`~.intake.received_at_problem`: not in the
    future, not older than the window; an empty date is the time of the import).
    """
    result = ParsedFile()
    if len(data) > MAX_BYTES:
        result.problems.append(Problem("too_big", params={"max": MAX_BYTES}))
        return result
    if not data.strip():
        result.problems.append(Problem("empty"))
        return result
    text, problems, used = decode(data, encoding)
    result.encoding = used
    if text is None:
        result.problems.extend(problems)
        return result
    first_line = text.split("\n", 1)[0]
    result.delimiter = _delimiter(first_line)
    # csv reads NUL like any other character (Python 3.11+); each cell is checked below.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=result.delimiter, strict=False)
    try:
        header_cells = next(reader)
    except (StopIteration, csv.Error):
        result.problems.append(Problem("empty"))
        return result
    header: dict[str, str] = {}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header_cells):
        if "\x00" in cell:
            result.problems.append(Problem("nul", 1))
            return result
        plain = _plain(cell)
        if not plain:
            continue
        name = _HEADER_NAMES.get(plain)
        if name is None:
            unknown.append(cell.strip()[:60])
        elif name in positions:
            result.problems.append(Problem("duplicate_column", 1, cell.strip()[:60]))
        else:
            positions[name] = index
            header[name] = cell.strip().replace("\ufeff", "")[:60]
    missing = [name for name in REQUIRED if name not in positions]
    if unknown:
        result.problems.append(
            Problem("unknown_columns", 1, params={"columns": ", ".join(unknown), "known": ", ".join(COLUMNS)})
        )
    if missing:
        result.problems.append(Problem("missing_columns", 1, params={"columns": ", ".join(missing)}))
    if ("lat" in positions) != ("lon" in positions):
        result.problems.append(Problem("lat_lon_columns", 1))
    if result.problems:
        return result  # the rows cannot be read against a wrong header

    width = len(header_cells)
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            result.row_count += 1
            if result.row_count > MAX_ROWS:
                continue  # counted, not read: the file is refused as a whole below
            if len(cells) != width:
                result.problems.append(
                    Problem("field_count", line, params={"found": len(cells), "expected": width})
                )
                continue
            row = _RowReader(line, {n: cells[i] for n, i in positions.items()}, result.problems, header)
            parsed = _parse_row(
                row, categories=categories, area=area, zone=zone, now=now, backdate_days=backdate_days
            )
            if parsed is None:
                continue
            earlier = seen.get(parsed.fingerprint)
            if earlier is not None:
                result.problems.append(Problem("duplicate_row", line, params={"first": earlier}))
                continue
            seen[parsed.fingerprint] = line
            result.rows.append(parsed)
    except csv.Error as exc:
        result.problems.append(Problem("unreadable", reader.line_num, params={"reason": str(exc)[:200]}))
    if result.row_count > MAX_ROWS:
        result.rows.clear()
        result.problems[:] = [Problem("too_many_rows", params={"max": MAX_ROWS, "rows": result.row_count})]
    elif result.row_count == 0 and not result.problems:
        result.problems.append(Problem("no_rows"))
    return result


def _parse_row(
    row: _RowReader,
    *,
    categories: Mapping[str, CategoryRule],
    area: Area,
    zone: ZoneInfo,
    now: datetime,
    backdate_days: int,
) -> ProposalRow | None:
    title = row.text("title", TITLE_MAX, required=True)
    description = row.text("description", DESCRIPTION_MAX, required=True, one_line=False)
    code = row.text("category", 80, required=True)
    rule = categories.get(code) if code else None
    if code is not None:
        if rule is None:
            folded = code.casefold()
            rule = next((r for c, r in categories.items() if c.casefold() == folded), None)
        if rule is None or not rule.active:
            row.bad("category", "unknown_category", value=code)
            rule = None
        elif rule.kinds == Kind.ISSUE.value:
            row.bad("category", "issue_only_category", value=code)
            rule = None
    address = row.text("address", ADDRESS_MAX)
    lat = lon = None
    lat_text, lon_text = row.text("lat", NUMBER_MAX), row.text("lon", NUMBER_MAX)
    if lat_text is not None or lon_text is not None:
        if lat_text is None or lon_text is None:
            row.bad("lat", "lat_lon_together")
        else:
            try:
                lat, lon = float(lat_text.replace(",", ".")), float(lon_text.replace(",", "."))
                lat, lon = check_point(lat, lon, area)
            except ValueError as exc:
                reason = exc.code if isinstance(exc, LocationError) else "not_a_number"
                row.bad("lat", "bad_position", reason=reason, lat=lat_text, lon=lon_text)
                lat = lon = None
    if rule is not None and rule.needs_location and lat is None and address is None and not row.failed:
        row.bad("address", "location_missing", category=rule.code)

    received: datetime | None = None
    raw_date = row.text("received_on", NUMBER_MAX)
    if raw_date is not None:
        received = _parse_date(raw_date, zone)
        if received is None:
            row.bad("received_on", "bad_date", value=raw_date)
        else:
            problem = received_at_problem(received, now, backdate_days)
            if problem is not None:
                row.bad("received_on", f"date_{problem.value}", value=raw_date, days=backdate_days)
                received = None
    name = row.text("name", NAME_MAX)
    email = row.text("email", EMAIL_MAX)
    if email is not None:
        email = email.lower()
        if not _EMAIL.match(email):
            row.bad("email", "bad_email", value=email)
    phone = row.text("phone", PHONE_MAX)
    channel = CHANNELS[0]
    raw_channel = row.text("channel", NUMBER_MAX)
    if raw_channel is not None:
        found = CHANNEL_WORDS.get(_plain(raw_channel))
        if found is None:
            row.bad("channel", "bad_channel", value=raw_channel)
        else:
            channel = found
    if row.failed or title is None or description is None or rule is None:
        return None
    return ProposalRow(
        line=row.line,
        title=title,
        description=description,
        category=rule.code,
        address=address,
        lat=lat,
        lon=lon,
        received_at=received,
        name=name,
        email=email,
        phone=phone,
        channel=channel,
        fingerprint=_fingerprint(rule.code, title, description, address),
    )


__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "CategoryRule",
    "ParsedFile",
    "Problem",
    "ProposalRow",
    "decode",
    "guess_encoding",
    "parse_file",
]
