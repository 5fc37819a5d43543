"""Historical reports from another system: the mapping file, and every row of a CSV or GeoJSON file.

A municipality moving to citizen care brings its past cases as a CSV export
or a GeoJSON FeatureCollection, and a small YAML *mapping* saying which
column gives each of our fields and how its values translate (categories,
statuses, channels, dates in which format and time zone). Everything is
parsed here, in plain Python, before anything is written:

- :func:`parse_mapping` checks the mapping, each mistake with its path
  (``statuses.Chiusa``, ``columns.lat``);
- :func:`read_source` streams the file's rows (CSV line by line, GeoJSON
  feature by feature: never the whole file in memory), each with where it is
  (``line 4512``, ``feature 12``); an undeclared encoding, a NUL byte or a
  broken file stops it with a :class:`SourceError` naming the place;
- :class:`RowParser` turns a row into an :class:`ImportRecord` or the list of
  its problems (``line 4512, column stato: unknown status 'Chiusa?'``);
- :class:`Validation` collects the problems (the first 50 and how many in
  all) and finds external ids given twice, keeping 12 bytes per row.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import re
from array import array
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import blake2b
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .geo import Area, LocationError, check_point
from .lifecycle import TAKEN_IN_CHARGE, Channel, Status

#: The fields a mapping's ``columns`` may name, each with what it is.
FIELDS: dict[str, str] = {
    "external_id": "the case's id in the old system (kept, and never imported twice)",
    "title": "title (default: the start of the description)",
    "description": "the citizen's text",
    "category": "category, translated by 'categories'",
    "status": "state, translated by 'statuses'",
    "channel": "how it arrived, translated by 'channels'",
    "received_at": "when it was received (required)",
    "acknowledged_at": "when it was taken in charge (default: received)",
    "resolved_at": "when it was resolved, closed or rejected",
    "lat": "latitude (WGS84)",
    "lon": "longitude (WGS84)",
    "address": "address",
    "public": "shown to the public or not, translated by 'booleans'",
    "contact_name": "reporter's name (private)",
    "contact_email": "reporter's e-mail (private)",
    "contact_phone": "reporter's phone (private)",
    "answer": "the municipality's public answer",
    "reject_reason": "why it was rejected",
}
MAPPING_KEYS = (
    "version",
    "format",
    "encoding",
    "delimiter",
    "columns",
    "times",
    "categories",
    "statuses",
    "channels",
    "booleans",
    "defaults",
)
DEFAULT_KEYS = ("category", "status", "channel", "public", "reject_reason")
FORMATS = ("csv", "geojson")
#: Encodings a mapping may declare (by the names people write), as Python's codecs call them.
ENCODINGS = {
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-15": "iso-8859-15",
}
TRUE_WORDS = ("1", "true", "yes", "y", "si", "sì", "s", "x", "t", "vero", "sí")
FALSE_WORDS = ("0", "false", "no", "n", "f", "falso", "")
#: Column sizes of cc_reports / cc_reporter_contacts, and limits of our own.
TITLE_MAX, ADDRESS_MAX, DESCRIPTION_MAX, ANSWER_MAX = 200, 300, 20_000, 20_000
NAME_MAX, EMAIL_MAX, PHONE_MAX, EXTERNAL_ID_MAX = 200, 254, 40, 56
VALUE_MAX = 100_000
NUMBER_MAX = 40
#: The problems a refusal lists; the rest are counted.
SHOWN_PROBLEMS = 50
#: ``submission_token`` of an imported report: this prefix and its external id.
TOKEN_PREFIX = "import:"  # noqa: S105 (not a secret)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
AMBIGUOUS_HOUR = timedelta(hours=1)


class MappingError(ValueError):
    """The mapping cannot be used; ``problems`` lists every reason with its path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class SourceError(ValueError):
    """The file cannot be read any further (encoding, NUL byte, broken CSV or JSON, empty)."""


@dataclass(frozen=True)
class CategoryInfo:
    """What the parser must know of one of our categories."""

    code: str
    has_office: bool = True
    needs_location: bool = False
    kind: str = "issue"


@dataclass(frozen=True)
class ImportMapping:
    format: str | None
    encoding: str
    delimiter: str
    columns: Mapping[str, str]
    time_format: str
    timezone: ZoneInfo
    categories: Mapping[str, str]
    statuses: Mapping[str, Status]
    channels: Mapping[str, Channel]
    booleans: Mapping[str, bool]
    default_category: str | None = None
    default_status: Status | None = None
    default_channel: Channel = Channel.API
    default_public: bool = False
    default_reject_reason: str | None = None

    def format_for(self, name: str) -> str:
        """The file's format: declared, or from the file name's extension."""
        if self.format is not None:
            return self.format
        lower = name.lower()
        return "geojson" if lower.endswith((".geojson", ".json")) else "csv"


@dataclass(slots=True)
class ImportRecord:
    """One case, ready to write: our codes, aware UTC times, a point or none."""

    position: str
    external_id: str | None
    title: str
    description: str
    category: str
    kind: str
    status: Status
    channel: Channel
    received_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    lon: float | None
    lat: float | None
    address: str | None
    is_public: bool
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    answer: str | None
    reject_reason: str | None

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_email or self.contact_phone)


# -- the mapping --------------------------------------------------------------


def _text_map(value: Any, path: str, problems: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{path}: must be a mapping of source values to our values")
        return {}
    out: dict[str, str] = {}
    for key, target in value.items():
        if isinstance(key, bool):  # YAML reads an unquoted yes/no as a boolean
            key = "true" if key else "false"
        if not isinstance(key, str | int | float) or not isinstance(target, str) or not target:
            problems.append(f"{path}.{key}: must map a text to a text")
            continue
        out[str(key).strip().casefold()] = target
    return out


def parse_mapping(
    data: Any, *, categories: Collection[str] | None = None, default_timezone: str = "Europe/Rome"
) -> ImportMapping:
    """Check a mapping (the YAML document, already loaded) and return it; raise :class:`MappingError`.

    ``categories``: our category codes, to check the ones the mapping names.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise MappingError(["the mapping must be a YAML mapping (key: value)"])
    for key in data:
        if key not in MAPPING_KEYS:
            problems.append(f"{key}: unknown key (known: {', '.join(MAPPING_KEYS)})")
    if data.get("version", 1) != 1:
        problems.append("version: only version 1 is known")
    fmt = data.get("format")
    if fmt is not None and fmt not in FORMATS:
        problems.append(f"format: must be one of {', '.join(FORMATS)}")
        fmt = None
    encoding_name = str(data.get("encoding", "utf-8")).strip().lower()
    encoding = ENCODINGS.get(encoding_name)
    if encoding is None:
        problems.append(f"encoding: {encoding_name!r} is not supported (use one of {', '.join(ENCODINGS)})")
        encoding = "utf-8-sig"
    delimiter = data.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '\r\n"':
        problems.append("delimiter: must be one character, e.g. ',' or ';'")
        delimiter = ","

    columns: dict[str, str] = {}
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, Mapping) or not raw_columns:
        problems.append("columns: required, a mapping of our fields to the file's columns")
        raw_columns = {}
    for name, column in raw_columns.items():
        if name not in FIELDS:
            problems.append(f"columns.{name}: unknown field (known: {', '.join(FIELDS)})")
        elif not isinstance(column, str) or not column.strip() or "\x00" in column:
            problems.append(f"columns.{name}: must be a column name")
        else:
            columns[name] = column
    if raw_columns and "received_at" not in columns:
        problems.append("columns.received_at: required (when each case was received)")
    if raw_columns and "description" not in columns and "title" not in columns:
        problems.append("columns: needs a description or a title")
    if ("lat" in columns) != ("lon" in columns):
        problems.append("columns: lat and lon go together")

    times = data.get("times", {})
    time_format, zone_name = "iso", default_timezone
    if not isinstance(times, Mapping):
        problems.append("times: must be a mapping with format and timezone")
    else:
        for key in times:
            if key not in ("format", "timezone"):
                problems.append(f"times.{key}: unknown key (known: format, timezone)")
        time_format = times.get("format", "iso")
        if not isinstance(time_format, str) or not time_format:
            problems.append("times.format: 'iso' or a strftime format such as '%d/%m/%Y %H:%M'")
            time_format = "iso"
        zone_name = times.get("timezone", default_timezone)
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"times.timezone: unknown time zone {zone_name!r}")
        zone = ZoneInfo("UTC")

    known = set(categories) if categories is not None else None
    category_map = _text_map(data.get("categories"), "categories", problems)
    if known is not None:
        for source, code in category_map.items():
            if code not in known:
                problems.append(f"categories.{source}: {code!r} is not one of our category codes")
    status_map: dict[str, Status] = {}
    for source, target in _text_map(data.get("statuses"), "statuses", problems).items():
        try:
            status_map[source] = Status(target)
        except ValueError:
            problems.append(
                f"statuses.{source}: {target!r} is not a state (known: {', '.join(s.value for s in Status)})"
            )
    channel_map: dict[str, Channel] = {}
    for source, target in _text_map(data.get("channels"), "channels", problems).items():
        try:
            channel_map[source] = Channel(target)
        except ValueError:
            problems.append(f"channels.{source}: {target!r} is not a channel")
    booleans: dict[str, bool] = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    raw_booleans = data.get("booleans")
    if raw_booleans is not None:
        if not isinstance(raw_booleans, Mapping):
            problems.append("booleans: must map source values to true or false")
        else:
            for source, value in raw_booleans.items():
                if not isinstance(value, bool):
                    problems.append(f"booleans.{source}: must be true or false")
                else:
                    booleans[str(source).strip().casefold()] = value

    defaults = data.get("defaults", {})
    if not isinstance(defaults, Mapping):
        problems.append("defaults: must be a mapping")
        defaults = {}
    for key in defaults:
        if key not in DEFAULT_KEYS:
            problems.append(f"defaults.{key}: unknown key (known: {', '.join(DEFAULT_KEYS)})")
    default_category = defaults.get("category")
    if default_category is not None and (
        not isinstance(default_category, str) or (known is not None and default_category not in known)
    ):
        problems.append(f"defaults.category: {default_category!r} is not one of our category codes")
    default_status = None
    if defaults.get("status") is not None:
        try:
            default_status = Status(defaults["status"])
        except ValueError:
            problems.append(f"defaults.status: {defaults['status']!r} is not a state")
    default_channel = Channel.API
    if defaults.get("channel") is not None:
        try:
            default_channel = Channel(defaults["channel"])
        except ValueError:
            problems.append(f"defaults.channel: {defaults['channel']!r} is not a channel")
    default_public = defaults.get("public", False)
    if not isinstance(default_public, bool):
        problems.append("defaults.public: must be true or false")
        default_public = False
    reason = defaults.get("reject_reason")
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        problems.append("defaults.reject_reason: must be a text")
        reason = None
    if "category" not in columns and raw_columns and default_category is None:
        problems.append("columns.category: required unless defaults.category is given")
    if "status" not in columns and raw_columns and default_status is None:
        problems.append("columns.status: required unless defaults.status is given")
    rejecting = Status.REJECTED in status_map.values() or default_status is Status.REJECTED
    if rejecting and reason is None and "reject_reason" not in columns:
        problems.append(
            "defaults.reject_reason: required when a state maps to 'rejected' and no column gives the reason"
        )
    if problems:
        raise MappingError(problems)
    return ImportMapping(
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        columns=columns,
        time_format=time_format,
        timezone=zone,
        categories=category_map,
        statuses=status_map,
        channels=channel_map,
        booleans=booleans,
        default_category=default_category,
        default_status=default_status,
        default_channel=default_channel,
        default_public=default_public,
        default_reject_reason=reason.strip() if reason else None,
    )


# -- reading the file ---------------------------------------------------------


@dataclass
class Row:
    """One row of the source: where it is, and its values by column name."""

    position: str
    values: Mapping[str, Any]
    #: GeoJSON: the feature's geometry.
    geometry: Any = None


def _encoding_problem(
    place: str, exc: UnicodeDecodeError, mapping: ImportMapping, *, in_line: bool = True
) -> SourceError:
    byte = exc.object[exc.start : exc.start + 1].hex()
    where = f"byte 0x{byte} at character {exc.start + 1}" if in_line else f"byte 0x{byte}"
    declared = "UTF-8" if mapping.encoding == "utf-8-sig" else mapping.encoding
    hint = (
        " — the file is probably Latin-1 or Windows-1252: declare it with 'encoding: latin-1' "
        "(or cp1252) in the mapping"
        if mapping.encoding == "utf-8-sig"
        else ""
    )
    return SourceError(f"{place}: not valid {declared} text ({where}){hint}")


def _decoded_lines(stream: IO[bytes], mapping: ImportMapping) -> Iterator[str]:
    """The file's lines as text, checked one at a time (so an error names its line)."""
    decoder = codecs.getincrementaldecoder(mapping.encoding)("strict")
    for number, raw in enumerate(stream, start=1):
        try:
            text = decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise _encoding_problem(f"line {number}", exc, mapping) from None
        if "\x00" in text:
            raise SourceError(f"line {number}: contains a NUL byte (is it a binary or UTF-16 file?)")
        yield text
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise SourceError(f"the file ends in the middle of a character: {exc.reason}") from None


def _decoded_pieces(stream: IO[bytes], mapping: ImportMapping, size: int) -> Iterator[str]:
    """The file as text in pieces of about ``size`` bytes (a one-line GeoJSON has no lines to read by)."""
    decoder = codecs.getincrementaldecoder(mapping.encoding)("strict")
    offset = 0
    while True:
        raw = stream.read(size)
        try:
            text = decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            place = f"byte {offset + exc.start + 1}"
            raise _encoding_problem(place, exc, mapping, in_line=False) from None
        if "\x00" in text:
            nul = offset + raw.index(0) + 1
            raise SourceError(f"byte {nul}: contains a NUL byte (is it a binary or UTF-16 file?)")
        if not raw:
            return
        offset += len(raw)
        yield text


def _csv_rows(stream: IO[bytes], mapping: ImportMapping) -> Iterator[Row]:
    lines = _decoded_lines(stream, mapping)
    reader = csv.reader(lines, delimiter=mapping.delimiter, strict=False)
    try:
        header = next(reader, None)
        if header is None:
            raise SourceError("the file is empty")
        names = [h.strip() for h in header]
        missing = [
            f"columns.{name}: column {column!r} is not in the file's header"
            for name, column in mapping.columns.items()
            if column not in names
        ]
        if missing:
            raise SourceError("; ".join(missing) + f" (the header has: {', '.join(names)})")
        wanted = {column: names.index(column) for column in mapping.columns.values()}
        width = len(names)
        start = reader.line_num + 1
        rows = 0
        for cells in reader:
            position = f"line {start}"
            start = reader.line_num + 1
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line
            rows += 1
            if len(cells) != width:
                yield Row(position, {"": f"has {len(cells)} fields, the header {width}"})
                continue
            yield Row(position, {column: cells[i] for column, i in wanted.items()})
        if rows == 0:
            raise SourceError("the file has a header but no rows")
    except csv.Error as exc:
        raise SourceError(f"line {reader.line_num}: not readable as CSV: {exc}") from None


class _JsonStream:
    """Values of a JSON document read piece by piece: the features of a huge FeatureCollection."""

    CHUNK = 1 << 16
    #: No feature is this large; a broken document is not read to its end looking for one's end.
    MAX_VALUE = 16 << 20

    def __init__(self, stream: IO[bytes], mapping: ImportMapping) -> None:
        self.pieces = _decoded_pieces(stream, mapping, self.CHUNK)
        self.buffer = ""
        self.pos = 0
        self.decoder = json.JSONDecoder(parse_constant=self._constant)
        self.eof = False

    @staticmethod
    def _constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number")

    def _more(self) -> bool:
        if self.eof or len(self.buffer) - self.pos > self.MAX_VALUE:
            return False
        self.buffer = self.buffer[self.pos :]
        self.pos = 0
        piece = next(self.pieces, None)
        if piece is None:
            self.eof = True
            return False
        self.buffer += piece
        return True

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise SourceError(f"not a GeoJSON FeatureCollection: expected {char!r}")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue  # perhaps cut in the middle: read on
                raise SourceError(f"not valid JSON: {exc.msg}") from None
            except (ValueError, RecursionError) as exc:
                raise SourceError(f"not valid JSON: {exc}") from None
            if end >= len(self.buffer) and not self.eof and isinstance(value, int | float):
                if self._more():  # a number may go on in the next piece
                    continue
            self.pos = end
            return value


def _geojson_rows(stream: IO[bytes], mapping: ImportMapping) -> Iterator[Row]:
    reader = _JsonStream(stream, mapping)
    if reader.peek() == "":
        raise SourceError("the file is empty")
    reader.expect("{")
    seen_features = False
    number = 0
    first = True
    while reader.peek() != "}":
        if not first:
            reader.expect(",")
        first = False
        key = reader.value()
        reader.expect(":")
        if key != "features":
            value = reader.value()
            if key == "type" and value != "FeatureCollection":
                raise SourceError("not a GeoJSON FeatureCollection")
            continue
        seen_features = True
        reader.expect("[")
        while reader.peek() != "]":
            if number:
                reader.expect(",")
            number += 1
            feature = reader.value()
            position = f"feature {number}"
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                yield Row(position, {"": "is not a GeoJSON Feature"})
                continue
            properties = feature.get("properties") or {}
            if not isinstance(properties, dict):
                yield Row(position, {"": "its properties are not an object"})
                continue
            if number == 1:
                missing = [
                    f"columns.{name}: property {column!r} is not in the first feature"
                    for name, column in mapping.columns.items()
                    if column not in properties and name not in ("lat", "lon")
                ]
                if missing:
                    raise SourceError("; ".join(missing))
            yield Row(position, properties, feature.get("geometry"))
        reader.expect("]")
    if not seen_features:
        raise SourceError("not a GeoJSON FeatureCollection: no 'features'")
    if number == 0:
        raise SourceError("the file has no features")


def read_source(stream: IO[bytes], mapping: ImportMapping, fmt: str) -> Iterator[Row]:
    """The rows of a CSV or GeoJSON file, streamed; raises :class:`SourceError` where it cannot go on."""
    return _geojson_rows(stream, mapping) if fmt == "geojson" else _csv_rows(stream, mapping)


# -- one row ------------------------------------------------------------------


class RowProblems(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RowParser:
    """Turns rows into records, with the catalogue, the area and the clock it checks them against."""

    def __init__(
        self,
        mapping: ImportMapping,
        categories: Mapping[str, CategoryInfo],
        area: Area,
        now: datetime,
    ) -> None:
        self.mapping = mapping
        self.categories = categories
        self.area = area
        self.latest = now + timedelta(days=1)
        self.columns = mapping.columns
        self._parse_time = self._time_parser()
        #: The area's bounds when the area is its bounding box: a point inside needs no geometry test.
        self._box = _box_of(area)

    def _time_parser(self) -> Callable[[str], datetime]:
        fmt, zone = self.mapping.time_format, self.mapping.timezone
        fast = _fast_format(fmt)

        def parse(text: str) -> datetime:
            if fmt == "iso":
                value = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
            elif fast is not None:
                match = fast.fullmatch(text)
                if match is None:
                    raise ValueError(text)
                parts = match.groupdict()
                value = datetime(
                    int(parts["Y"]),
                    int(parts["m"]),
                    int(parts["d"]),
                    int(parts.get("H") or 0),
                    int(parts.get("M") or 0),
                    int(parts.get("S") or 0),
                )
            else:
                value = datetime.strptime(text, fmt)
            if value.tzinfo is None:
                value = value.replace(tzinfo=zone)
            return value.astimezone(UTC)

        return parse

    def _in_area(self, lat: float, lon: float) -> tuple[float, float]:
        if self._box is not None and math.isfinite(lat) and math.isfinite(lon):
            x0, y0, x1, y1 = self._box
            if x0 <= lon <= x1 and y0 <= lat <= y1:
                return lat, lon
        return check_point(lat, lon, self.area)

    def parse(self, row: Row) -> ImportRecord:
        """The record of ``row``, or :class:`RowProblems` with every problem of the row."""
        problems: list[str] = []
        where = row.position
        values = row.values
        if "" in values:
            raise RowProblems([f"{where}: {values['']}"])
        label = "property" if row.position.startswith("feature") else "column"
        #: Fields that already have a problem (one message per field is enough).
        failed: set[str] = set()

        def cell(name: str, limit: int = VALUE_MAX) -> str | None:
            column = self.columns.get(name)
            if column is None:
                return None
            value = values.get(column)
            if value is None:
                return None
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int | float):
                value = repr(value) if isinstance(value, float) else str(value)
            elif not isinstance(value, str):
                failed.add(name)
                problems.append(f"{where}, {label} {column}: must be a text or a number")
                return None
            value = value.strip()
            if "\x00" in value:
                failed.add(name)
                problems.append(f"{where}, {label} {column}: contains a NUL character")
                return None
            if len(value) > limit:
                failed.add(name)
                problems.append(f"{where}, {label} {column}: longer than {limit} characters")
                return None
            return value or None

        def bad(name: str, message: str) -> None:
            failed.add(name)
            problems.append(f"{where}, {label} {self.columns.get(name, name)}: {message}")

        external_id = cell("external_id", EXTERNAL_ID_MAX)
        if "external_id" in self.columns and external_id is None and not problems:
            bad("external_id", "empty (every row needs its id)")

        # category
        category_code: str | None = None
        raw = cell("category")
        if raw is not None:
            category_code = self.mapping.categories.get(raw.casefold())
            if category_code is None and raw in self.categories:
                category_code = raw
            if category_code is None:
                category_code = self.mapping.default_category
                if category_code is None:
                    bad("category", f"unknown category {raw!r} (add it to the mapping's 'categories')")
        else:
            category_code = self.mapping.default_category
            if category_code is None and "category" in self.columns:
                bad("category", "empty")
        info = self.categories.get(category_code) if category_code else None
        if category_code and info is None:
            bad("category", f"{category_code!r} is not one of our categories")

        # status
        status: Status | None = None
        raw = cell("status")
        if raw is not None:
            status = self.mapping.statuses.get(raw.casefold())
            if status is None:
                try:
                    status = Status(raw)
                except ValueError:
                    bad("status", f"unknown status {raw!r} (add it to the mapping's 'statuses')")
        else:
            status = self.mapping.default_status
            if status is None:
                bad("status", "empty")

        channel = self.mapping.default_channel
        raw = cell("channel")
        if raw is not None:
            mapped = self.mapping.channels.get(raw.casefold())
            if mapped is None:
                try:
                    mapped = Channel(raw.lower())
                except ValueError:
                    bad("channel", f"unknown channel {raw!r} (add it to the mapping's 'channels')")
            channel = mapped or channel

        def when(name: str) -> datetime | None:
            raw = cell(name, NUMBER_MAX)
            if raw is None:
                return None
            try:
                value = self._parse_time(raw)
            except (ValueError, OverflowError):
                fmt = self.mapping.time_format
                bad(name, f"bad date {raw!r} (expected {'ISO 8601' if fmt == 'iso' else fmt})")
                return None
            if value < EARLIEST or value > self.latest:
                bad(name, f"date {raw!r} out of range (1970 to today)")
                return None
            return value

        received = when("received_at")
        if received is None and "received_at" in self.columns and "received_at" not in failed:
            bad("received_at", "empty (when was it received?)")
        acknowledged = when("acknowledged_at")
        resolved = when("resolved_at")
        if received is not None:
            # Local times cannot tell the two passes of the hour that repeats when clocks go back:
            # a step up to an hour "before" the receipt is taken as at the receipt.
            if acknowledged is not None and acknowledged < received:
                if received - acknowledged > AMBIGUOUS_HOUR:
                    bad("acknowledged_at", "before the case was received")
                acknowledged = received
            if resolved is not None and resolved < received:
                if received - resolved > AMBIGUOUS_HOUR:
                    bad("resolved_at", "before the case was received")
                resolved = received
        if status in (Status.RESOLVED, Status.CLOSED) and resolved is None and "resolved_at" not in failed:
            bad("resolved_at", f"a {status.value} case needs the time it was resolved")
        if status is not None and status not in (Status.RESOLVED, Status.CLOSED, Status.REJECTED):
            resolved = None  # still open: a resolution time in the old system does not apply
        if status is Status.IN_PROGRESS and info is not None and not info.has_office:
            bad("status", f"'in_progress' needs an office, and category {info.code!r} has no default office")

        # where
        lon = lat = None
        lat_text, lon_text = cell("lat", NUMBER_MAX), cell("lon", NUMBER_MAX)
        if lat_text is not None or lon_text is not None:
            if lat_text is None or lon_text is None:
                bad("lat", "latitude and longitude go together")
            else:
                try:
                    lat, lon = float(lat_text.replace(",", ".")), float(lon_text.replace(",", "."))
                except ValueError:
                    bad("lat", f"not a coordinate: {lat_text!r}, {lon_text!r}")
        elif "lat" not in self.columns and row.geometry is not None:
            geometry = row.geometry
            coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (
                not isinstance(geometry, dict)
                or geometry.get("type") != "Point"
                or not isinstance(coordinates, list)
                or len(coordinates) < 2
                or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
            ):
                problems.append(f"{where}, geometry: must be a Point with two coordinates")
            else:
                lon, lat = float(coordinates[0]), float(coordinates[1])
        if lat is not None and lon is not None:
            try:
                lat, lon = self._in_area(lat, lon)
            except LocationError as exc:
                message = {
                    "not_finite": "not a finite number",
                    "out_of_range": "out of range (latitude -90..90, longitude -180..180)",
                    "outside_area": "outside the municipality's area",
                }[exc.code]
                if "lat" in self.columns:
                    bad("lat", f"position {lat}, {lon} {message}")
                else:
                    problems.append(f"{where}, geometry: position {lat}, {lon} {message}")
                lat = lon = None
        address = cell("address", ADDRESS_MAX)
        if address is not None:
            address = _SPACES.sub(" ", address)
        if info is not None and info.needs_location and lat is None and address is None and not problems:
            bad("lat", f"category {info.code!r} needs a position or an address")

        description = cell("description", DESCRIPTION_MAX)
        title = cell("title", VALUE_MAX)
        if title is not None:
            title = _SPACES.sub(" ", title)
            if len(title) > TITLE_MAX:
                title = title[: TITLE_MAX - 1].rstrip() + "…"
        if description is None and title is None:
            bad("description" if "description" in self.columns else "title", "no description nor title")
        description = description or title or ""
        if title is None:
            first = _SPACES.sub(" ", description.strip().splitlines()[0] if description.strip() else "")
            title = first if len(first) <= 80 else first[:79].rstrip() + "…"

        public = self.mapping.default_public
        raw = cell("public", NUMBER_MAX)
        if raw is not None:
            flag = self.mapping.booleans.get(raw.casefold())
            if flag is None:
                bad("public", f"{raw!r} is neither yes nor no (add it to the mapping's 'booleans')")
            else:
                public = flag
        name = cell("contact_name", NAME_MAX)
        email = cell("contact_email", EMAIL_MAX)
        if email is not None and not _EMAIL.match(email):
            bad("contact_email", f"not an e-mail address: {email!r}")
        phone = cell("contact_phone", PHONE_MAX)
        answer = cell("answer", ANSWER_MAX)
        reason = cell("reject_reason", DESCRIPTION_MAX)
        if status is Status.REJECTED:
            reason = reason or self.mapping.default_reject_reason
            if reason is None:
                bad("reject_reason", "a rejected case needs a reason")
        else:
            reason = None
        if problems:
            raise RowProblems(problems)
        assert status is not None and received is not None and info is not None
        if status in TAKEN_IN_CHARGE:
            acknowledged = acknowledged or received
            if resolved is not None and acknowledged > resolved:
                acknowledged = resolved
        else:
            acknowledged = None
        return ImportRecord(
            position=where,
            external_id=external_id,
            title=title,
            description=description,
            category=info.code,
            kind=info.kind,
            status=status,
            channel=channel,
            received_at=received,
            acknowledged_at=acknowledged,
            resolved_at=resolved,
            lon=lon,
            lat=lat,
            address=address,
            is_public=public,
            contact_name=name,
            contact_email=email,
            contact_phone=phone,
            answer=answer,
            reject_reason=reason,
        )


_DIRECTIVES = {
    "d": r"\d{1,2}",
    "m": r"\d{1,2}",
    "Y": r"\d{4}",
    "H": r"\d{1,2}",
    "M": r"\d{1,2}",
    "S": r"\d{1,2}",
}


def _fast_format(fmt: str) -> re.Pattern[str] | None:
    """A regular expression for a strftime format of only %d %m %Y %H %M %S (strptime is slow), else None."""
    if fmt == "iso":
        return None
    pattern, i, seen = [], 0, set()
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            directive = fmt[i + 1 : i + 2]
            if directive not in _DIRECTIVES or directive in seen:
                return None
            seen.add(directive)
            pattern.append(f"(?P<{directive}>{_DIRECTIVES[directive]})")
            i += 2
        else:
            pattern.append(r"\s+" if char == " " else re.escape(char))
            i += 1
    if not {"d", "m", "Y"} <= seen:
        return None
    return re.compile("".join(pattern))


def _box_of(area: Area) -> tuple[float, float, float, float] | None:
    bounds = area.bounds
    if bounds is None or area.geometry is None:
        return None
    x0, y0, x1, y1 = bounds
    return bounds if abs(area.geometry.area - (x1 - x0) * (y1 - y0)) < 1e-12 else None


# -- the whole file -----------------------------------------------------------


@dataclass
class Validation:
    """What a first reading found: rows, the first problems and how many, external ids given twice.

    Memory stays flat but for 12 bytes per row (a 64-bit hash of the
    external id and the row's number), to find the ids given twice.
    """

    rows: int = 0
    valid: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    _hashes: array[int] = field(default_factory=lambda: array("Q"))
    _numbers: array[int] = field(default_factory=lambda: array("I"))

    def problem(self, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(message)

    def add(self, record: ImportRecord) -> None:
        self.valid += 1
        self.by_status[record.status.value] = self.by_status.get(record.status.value, 0) + 1
        self.by_category[record.category] = self.by_category.get(record.category, 0) + 1
        if record.external_id is not None:
            digest = blake2b(record.external_id.encode(), digest_size=8).digest()
            self._hashes.append(int.from_bytes(digest, "little"))
            self._numbers.append(int(record.position.rsplit(" ", 1)[-1]))

    def finish(self, unit: str, column: str | None) -> None:
        """Add a problem for every external id given twice (``unit``: "line" or "feature")."""
        if len(self._hashes) < 2:
            return
        import numpy as np

        hashes = np.frombuffer(self._hashes, dtype=np.uint64)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        same = np.nonzero(ordered[1:] == ordered[:-1])[0]
        label = "property" if unit == "feature" else "column"
        for k in same.tolist():
            first, again = self._numbers[int(order[k])], self._numbers[int(order[k + 1])]
            self.problem(f"{unit} {again}, {label} {column}: the same id as {unit} {first}")

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


def token_for(external_id: str | None, source_sha256: str, position: str) -> str:
    """The ``submission_token`` of an imported report: its external id, or the file and row."""
    if external_id is not None:
        return TOKEN_PREFIX + external_id
    return f"{TOKEN_PREFIX}{source_sha256[:16]}:{position.split()[-1]}"


__all__ = [
    "FIELDS",
    "CategoryInfo",
    "ImportMapping",
    "ImportRecord",
    "MappingError",
    "Row",
    "RowParser",
    "RowProblems",
    "SourceError",
    "Validation",
    "parse_mapping",
    "read_source",
    "token_for",
]
