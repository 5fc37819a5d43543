"""Privacy scan: no public route of the extension leaks a reporter or a hidden report.

The test walks ``app.url_map``, so a public route added later is covered
without touching this file, or makes it fail when it has a URL variable the
scan cannot fill: add a filler to :data:`FILLERS` (and so a test) with it.
Every answer is searched for every reporter's name, e-mail address, phone
number, host user id and tracking token, for the numbers and titles of
hidden and merged reports, for what citizens wrote privately (messages, the
text of a reply by mail that reopened a case, survey comments) and for the
keys of photos the public may not see (hidden by moderation, of hidden
reports, sent with a private message); an address holding one of those that
answers at all is a leak too. Links found in the answers (next pages, CSV
downloads, report pages, filters) are followed too.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from flask_citizencare.demo import load_demo
from flask_citizencare.domain.mail import reply_address
from flask_citizencare.models import Category, Message, Office, Photo, Report, ReporterContact, StaffMember
from flask_citizencare.models.reports import StatusEvent
from flask_citizencare.services.replies import ingest_message
from flask_citizencare.services.surveys import answer_survey

from .conftest import BOLOGNA
from .factories import create_notice
from .host import host_db
from .reporting import form_tokens, jpeg, post_report
from .smtp import REPLY_DOMAIN, REPLY_LOCAL, REPLY_SECRET

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEMO_REPORTS = 300
PREFIX = "/citizencare"
#: Public routes that carry a private token in their URL: the reporter's own pages, not the public's.
TOKEN_VARIABLES = {"token"}
#: Routes that are not data: the extension's own CSS, JavaScript and vendored libraries.
NOT_DATA = {"citizencare.static"}
#: URL variables whose values the scan takes from the links of the pages that list them (and the
#: scan then checks the route was reached): variable -> what lists them.
DISCOVERED = {"table": "the dashboard's links to its CSV tables"}
#: Routes whose query string only says where to go back to.
ONE_VISIT = {"citizencare.choose_language"}
#: Most answers one scan may ask for (the crawl follows links; this stops a runaway loop).
MAX_REQUESTS = 8000
#: Most pages followed through "next" links of one route.
MAX_PAGES = 40
#: The reporters the form gets: distinctive, so a leak cannot hide behind a coincidence.
FORM_REPORTERS = [
    {"name": "Ermenegilda Quartapelle", "email": "ermenegilda.q@example.net", "phone": "+39 340 918 2736"},
    {"name": "Tiburzio Vanvitelli", "email": "tibu.vanvi@example.net", "phone": "+39 328 555 7781"},
]
HIDDEN_TITLE = "Segnalazione riservata Zq81"
#: What citizens write privately (their start is what a leak of a shortened copy would show).
TRACKING_TEXT = "Informazione riservata Kx47: il cancello del cortile si apre con il codice 4471."
REOPEN_TEXT = "Risposta riservata Wm93: non è risolto, richiamatemi al numero di casa."
SURVEY_COMMENT = "Commento riservato Pj26: il tecnico è mio cognato."
PRIVATE_TEXTS = {
    "text added on the tracking page": TRACKING_TEXT,
    "text of a reply by mail that reopened a case": REOPEN_TEXT,
    "a survey comment": SURVEY_COMMENT,
}


def _filter_queries(categories: list[tuple[int, str]]) -> list[dict[str, str]]:
    """Query strings every parameterless public route is also asked with (filters, paging, clusters)."""
    lon0, lat0, lon1, lat1 = BOLOGNA
    mid_lon, mid_lat = (lon0 + lon1) / 2, (lat0 + lat1) / 2
    whole = f"{lon0},{lat0},{lon1},{lat1}"
    quarters = [
        f"{lon0},{lat0},{mid_lon},{mid_lat}",
        f"{mid_lon},{mid_lat},{lon1},{lat1}",
        f"{mid_lon - 0.01},{mid_lat - 0.01},{mid_lon + 0.01},{mid_lat + 0.01}",
    ]
    code = categories[0][1]
    queries: list[dict[str, str]] = [
        {"bbox": whole},
        *({"bbox": q} for q in quarters),
        {"bbox": whole, "cluster": "never"},
        {"bbox": whole, "cluster": "never", "limit": "50"},
        {"bbox": whole, "cluster": "always"},
        {"bbox": whole, "zoom": "18"},
        {"group": "open"},
        {"group": "closed"},
        {"status": "rejected"},
        {"kind": "proposal"},
        {"category": code},
        {"has_photo": "true"},
        {"since": "2000-01-01", "until": "2100-01-01"},
        {"limit": "50"},
        {"page": "2"},
        {"format": "csv"},
    ]
    # The "is it one of these?" lookup of the form: a category id and a point.
    queries += [{"category": str(cid), "lat": "44.4949", "lon": "11.3426"} for cid, _ in categories[:3]]
    return queries


def trie_pattern(words: list[str]) -> str:
    """One regex for many literal strings, nested by shared prefixes: one pass over a page."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return pattern(trie)


@dataclass
class Secrets:
    """What must never be found: each form of each value (raw, HTML- and JSON-escaped) and what it is."""

    forms: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    def add(self, what: str, value: str, *, digits: bool = False) -> None:
        forms = {
            value,
            str(escape(value)),
            html.escape(value),
            html.escape(value, quote=False),
            json.dumps(value)[1:-1],
        }
        if digits:
            only = re.sub(r"\D", "", value)
            forms |= {only, only.removeprefix("39")}
        for form in forms:
            if form:
                self.forms.setdefault(form, what)
        self._pattern = None

    def found(self, text: str) -> list[str]:
        if self._pattern is None:
            # Bounded so that 2026-000012 is not found inside 2026-0000123 (nor a phone in a longer number);
            # the longest match wins at each place, so a prefix cannot hide a longer secret.
            self._pattern = re.compile(rf"(?<![\w.-])({trie_pattern(list(self.forms))})(?![\w-])")
        return [self.forms[m.group(1)] for m in self._pattern.finditer(text) if m.group(1) in self.forms]


@dataclass
class Scan:
    client: FlaskClient
    app: Flask
    secrets: Secrets
    allowed: Callable[[str], str | None]
    seen: set[str] = field(default_factory=set)
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: "next" links met in JSON answers (the API's pages), all followed.
    next_pages: int = 0
    statuses: dict[str, list[int]] = field(default_factory=dict)
    queue: list[tuple[str, int]] = field(default_factory=list)

    def visit(self, url: str, depth: int = 0) -> None:
        endpoint = self.allowed(url)
        # The language links carry the page they return to; one visit per language is enough.
        key = urlsplit(url).path if endpoint in ONE_VISIT else url
        if endpoint is None or key in self.seen or len(self.seen) >= MAX_REQUESTS:
            return
        self.seen.add(key)
        try:
            response = self.client.get(url, headers={"Accept-Encoding": "gzip"})
        except Exception as error:  # reported with the rest; the scan goes on
            self.errors.append(f"{url}: {type(error).__name__}: {str(error)[:200]}")
            self.statuses.setdefault(endpoint, []).append(500)
            return
        data = response.get_data()
        response.close()
        if response.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="replace")
        self.statuses.setdefault(endpoint, []).append(response.status_code)
        # 501 is a deliberate answer (e.g. vector tiles on a database that cannot make them), not a crash.
        if response.status_code >= 500 and response.status_code != 501:
            self.errors.append(f"{url}: answered {response.status_code}")
        for what in self.secrets.found(text):
            self.leaks.append(f"{url}: {what}")
        if response.status_code < 400:
            # A private photo's address (or any address holding a secret) must not answer at all.
            for what in self.secrets.found(html.unescape(url)):
                self.leaks.append(f"{url} answered {response.status_code}: {what}")
        if response.status_code in (301, 302, 303, 307, 308):
            self.queue.append((response.headers["Location"], depth + 1))
        if depth < MAX_PAGES:
            self.queue.extend((link, depth + 1) for link in links(response.headers, text))
            self.next_pages += len(re.findall(r'"next"\s*:\s*"', text))

    def run(self, urls: list[str]) -> None:
        for url in urls:
            self.visit(url)
            while self.queue:
                link, depth = self.queue.pop()
                self.visit(link, depth)


def links(headers: Any, text: str) -> Iterator[str]:
    """Same-site links of an answer: HTML href/src, a Link header's targets, JSON "next"/"url" values."""
    for value in headers.get_all("Link"):
        yield from re.findall(r"<([^>]+)>", value)
    for href in re.findall(r'(?:href|src|action)="([^"]+)"', text):
        yield html.unescape(href)
    for _key, value in re.findall(r'"(next|url|href|previous|prev|csv|download)"\s*:\s*"([^"]+)"', text):
        yield value


#: Which step notes the public may read, in the test's own words: what staff wrote on a public step.
NOTE_SHOWN = sa.and_(
    StatusEvent.note.is_not(None), StatusEvent.public.is_(True), StatusEvent.actor_kind == "staff"
)


def public_text(session: Any) -> str:
    """Everything a public page may rightly show, to tell a coincidence from a leak."""
    public = sa.and_(Report.is_public.is_(True), Report.duplicate_of_id.is_(None))
    parts: list[str] = []
    for row in session.execute(
        sa.select(
            sa.func.coalesce(Report.public_title, Report.title),
            sa.func.coalesce(Report.public_description, Report.description),
            Report.address,
            Report.reject_reason,
        ).where(public)
    ):
        parts.extend(v for v in row if v)
    parts += session.scalars(
        sa.select(Message.body).join(Report).where(public, Message.visibility == "public")
    ).all()
    parts += session.scalars(sa.select(StatusEvent.note).join(Report).where(public, NOTE_SHOWN)).all()
    for category in session.scalars(sa.select(Category)):
        parts += [category.name, *category.names.values(), category.help_text or ""]
    parts += session.scalars(sa.select(Office.name)).all()
    parts += session.scalars(sa.select(StaffMember.display_name)).all()
    return "\n".join(p for p in parts if p)


def collect_secrets(session: Any) -> tuple[Secrets, dict[str, int]]:
    """Reporters' contacts and tokens, hidden and merged reports; the counts show the scan has teeth."""
    secrets = Secrets()
    shown = public_text(session)
    tally = {
        "names": 0,
        "emails": 0,
        "phones": 0,
        "user_ids": 0,
        "tokens": 0,
        "hidden_ids": 0,
        "hidden_titles": 0,
        "private_notes": 0,
    }
    for name, email, phone, user_id in session.execute(
        sa.select(ReporterContact.name, ReporterContact.email, ReporterContact.phone, ReporterContact.user_id)
    ):
        # A reporter called like a street of the city is not a leak when the street shows.
        if name and name not in shown:
            secrets.add(f"reporter name {name!r}", name)
            tally["names"] += 1
        if email:
            secrets.add(f"reporter e-mail {email!r}", email)
            tally["emails"] += 1
        if phone:
            secrets.add(f"reporter phone {phone!r}", phone, digits=True)
            tally["phones"] += 1
        if user_id and (len(user_id) >= 5 or not user_id.isdigit()):
            secrets.add(f"reporter user id {user_id!r}", user_id)
            tally["user_ids"] += 1
    for token in session.scalars(sa.select(Report.tracking_token)):
        secrets.add("a tracking token", token)
        tally["tokens"] += 1
    hidden = sa.or_(Report.is_public.is_(False), Report.duplicate_of_id.is_not(None))
    for public_id, title, public_title in session.execute(
        sa.select(Report.public_id, Report.title, Report.public_title).where(hidden)
    ):
        secrets.add(f"hidden report {public_id}", public_id)
        tally["hidden_ids"] += 1
        for text in {title, public_title} - {None}:
            if text not in shown:
                secrets.add(f"title of hidden report {public_id}: {text!r}", text)
                tally["hidden_titles"] += 1
    for body in session.scalars(sa.select(Message.body).where(Message.visibility != "public")):
        if len(body) >= 25 and body not in shown:
            secrets.add("a private message or internal note", body)
    # Notes the public timeline must not show (a citizen's, or on a step that is not public).
    for note in session.scalars(
        sa.select(StatusEvent.note).where(StatusEvent.note.is_not(None), ~NOTE_SHOWN)
    ):
        if len(note) >= 25 and note not in shown:
            secrets.add("a note that is not public", note)
            tally["private_notes"] += 1
    return secrets, tally


#: How to fill each URL variable of a public route, from the scene of the ``city`` fixture.
FILLERS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "public_id": lambda city: city["public_ids"],
    "key": lambda city: city["photos"],
    "code": lambda city: city["languages"],
    "rest": lambda city: ["reports", "nothing/here"],
    # Open311: both formats, every category as a service, public reports by number.
    "fmt": lambda city: ["json", "xml"],
    "service_code": lambda city: [code for _, code in city["categories"]],
    "service_request_id": lambda city: city["public_ids"],
    "notice_id": lambda city: city["notice_ids"],
}
#: Variables filled together: map tiles (z/x/y) over the municipality, from a whole-city zoom to a street.
GROUP_FILLERS: dict[frozenset[str], Callable[[dict[str, Any]], list[dict[str, str]]]] = {
    frozenset({"z", "x", "y"}): lambda city: tiles(BOLOGNA, zooms=(11, 13, 15)),
}
#: Routes opened with every value of their variables (every report page); others get a sample.
EVERY_VALUE = {"citizencare.public.report"}
SAMPLE = 8


def tiles(box: tuple[float, float, float, float], zooms: tuple[int, ...]) -> list[dict[str, str]]:
    """Web-Mercator tiles (as z/x/y strings) over ``box``: at most the four around its centre per zoom."""
    lon0, lat0, lon1, lat1 = box
    found = []
    for z in zooms:
        n = 2**z

        def tile(lon: float, lat: float, n: int = n) -> tuple[int, int]:
            y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
            return int((lon + 180) / 360 * n), int(y)

        cx, cy = tile((lon0 + lon1) / 2, (lat0 + lat1) / 2)
        (x0, y1), (x1, y0) = tile(lon0, lat0), tile(lon1, lat1)
        for x in range(max(x0, cx - 1), min(x1, cx + 1) + 1):
            for y in range(max(y0, cy - 1), min(y1, cy + 1) + 1):
                found.append({"z": str(z), "x": str(x), "y": str(y)})
    return found


def fill(rule: Rule, city: dict[str, Any]) -> list[dict[str, str]]:
    """Combinations of known values of the rule's variables."""
    combos: list[dict[str, str]] = [{}]
    if rule.arguments and rule.arguments <= DISCOVERED.keys():
        return []  # reached through links; the test fails if it never is
    names = set(rule.arguments)
    for group, group_filler in GROUP_FILLERS.items():
        if group <= names:
            combos = [{**combo, **values} for combo in combos for values in group_filler(city)]
            names -= group
    for name in sorted(names):
        if name not in FILLERS:
            pytest.fail(
                f"public route {rule.endpoint} ({rule.rule}) has the URL variable <{name}> that "
                f"tests/test_public_privacy.py cannot fill: add a filler for it to FILLERS"
            )
        values = FILLERS[name](city)
        if rule.endpoint not in EVERY_VALUE:
            values = values[:SAMPLE]
        combos = [{**combo, name: value} for combo in combos for value in values]
    return combos


def open311_queries(endpoint: str, url: str, city: dict[str, Any]) -> list[str]:
    """Open311's lists over everything: every public report with the extensions, a year of updates."""
    if endpoint == "citizencare.open311.requests":
        ids = ",".join(city["public_ids"][:1000])
        return [f"{url}?{urlencode({'service_request_id': ids, 'extensions': 'true'})}"]
    if endpoint == "citizencare.open311.updates":
        now = datetime.now(UTC).replace(microsecond=0)
        windows = [(now - timedelta(days=90 * (i + 1)), now - timedelta(days=90 * i)) for i in range(5)]
        return [
            f"{url}?{urlencode({'start_date': start.isoformat(), 'end_date': end.isoformat()})}"
            for start, end in windows
        ]
    return []


def public_rules(app: Flask) -> list[Rule]:
    """GET rules of the extension that the public may open: not staff, not token-bearing, not static."""
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("citizencare.") or rule.endpoint.startswith("citizencare.staff."):
            continue
        if rule.endpoint in NOT_DATA or "GET" not in (rule.methods or ()):
            continue
        if rule.arguments & TOKEN_VARIABLES:
            continue
        rules.append(rule)
    return sorted(rules, key=lambda r: r.rule)


def endpoint_filter(app: Flask) -> Callable[[str], str | None]:
    """The endpoint of a URL the scan should open, or None (other sites, staff, private links)."""
    adapter = app.url_map.bind("localhost")
    public = {rule.endpoint for rule in public_rules(app)}

    def allowed(url: str) -> str | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith(PREFIX):
            return None
        try:
            endpoint, _ = adapter.match(parts.path, method="GET")
        except HTTPException:
            return None
        return str(endpoint) if endpoint in public else None

    return allowed


def reply_by_mail(report_id: int, text: str) -> bytes:
    """The reporter's answer to one of our mails, with a photo attached."""
    message = EmailMessage()
    message["From"] = "Tiburzio Vanvitelli <tibu.vanvi@example.net>"
    message["To"] = reply_address(REPLY_LOCAL, report_id, REPLY_SECRET, REPLY_DOMAIN)
    message["Subject"] = "Re: la sua segnalazione è stata risolta"
    message["Message-ID"] = f"<privacy-scan.{report_id}@example.net>"
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 +0100"
    message.set_content(f"{text}\n\nTiburzio\n")
    message.add_attachment(jpeg(color="purple"), maintype="image", subtype="jpeg", filename="ancora.jpg")
    return message.as_bytes()


def add_on_tracking_page(client: FlaskClient, token: str, text: str) -> None:
    url = f"{PREFIX}/track/{token}"
    response = client.post(
        url,
        data={**form_tokens(client, url), "text": text, "photos": [(io.BytesIO(jpeg(color="red")), "x.jpg")]},
        content_type="multipart/form-data",
    )
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


#: Which photos the public may see, said here again in the test's own words (not the app's rule).
PHOTO_SHOWN = sa.and_(
    Photo.hidden.is_(False),
    Photo.message_id.is_(None),
    Report.is_public.is_(True),
    Report.duplicate_of_id.is_(None),
)


@pytest.fixture
def city(mail_app: Flask, client: FlaskClient) -> dict[str, Any]:
    """A few hundred demo reports (hidden and merged ones among them), form reports with photos,
    and what citizens sent privately: text and a photo on the tracking page, a reply by mail with a
    photo that reopened a resolved case, a survey comment."""
    app = mail_app
    with app.app_context():
        load_demo(DEMO_REPORTS, seed=7, now=NOW)
        session = host_db.session
        categories = [
            (c.id, c.code)
            for c in session.scalars(
                sa.select(Category).where(Category.active.is_(True)).order_by(Category.id)
            )
        ]
    for n, reporter in enumerate(FORM_REPORTERS):
        response = post_report(
            client,
            categories[0][0],
            photos=[(jpeg(color="green"), "buca.jpg"), (jpeg(color="blue"), "targa.jpg")],
            title=HIDDEN_TITLE if n else "Marciapiede rotto in via Zamboni",
            **reporter,
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with app.app_context():
        session = host_db.session
        form_reports = session.scalars(
            sa.select(Report)
            .join(ReporterContact)
            .where(ReporterContact.name.in_([r["name"] for r in FORM_REPORTERS]))
        ).all()
        for report in form_reports:
            report.is_public = report.title != HIDDEN_TITLE
        # An internal note, a private question's answer and a photo moderation hid, on a public report.
        public_form = next(r for r in form_reports if r.is_public)
        public_form.answers = {"private_detail": "Citofono Quartapelle, interno 4"}
        public_form.photos[1].hidden = True
        session.add(
            Message(
                report=public_form,
                visibility="internal",
                author_kind="system",
                body="Nota interna: il segnalante è un consigliere",
            )
        )
        session.commit()
        tracking_token = public_form.tracking_token
        public = sa.and_(Report.is_public.is_(True), Report.duplicate_of_id.is_(None))
        finished = session.scalars(
            sa.select(Report)
            .where(public, Report.status.in_(("resolved", "closed")), Report.resolver_id.is_not(None))
            .order_by(Report.id)
        ).all()
        reopened = next(r for r in finished if r.status == "resolved")
        surveyed = next(r for r in finished if r is not reopened)
        reopened_id, answered_at = reopened.id, reopened.resolved_at
        surveyed_id = surveyed.id
    add_on_tracking_page(client, tracking_token, TRACKING_TEXT)
    with app.test_request_context():
        assert answered_at is not None
        mail = reply_by_mail(reopened_id, REOPEN_TEXT)
        assert ingest_message(mail, now=answered_at + timedelta(hours=3)).status == "reopened"
        answer_survey(host_db.session.get(Report, surveyed_id), 2, 3, 1, SURVEY_COMMENT)  # type: ignore[arg-type]
    with app.app_context():
        session = host_db.session
        shown, hidden = [], []
        for photo, visible in session.execute(sa.select(Photo, PHOTO_SHOWN).join(Report).order_by(Photo.id)):
            (shown if visible else hidden).append(photo)
        assert any(p.message_id is not None for p in hidden) and any(p.hidden for p in hidden)
        # The photo route is opened with a sample: the photos the public may not see first.
        photos = [p.storage_key for p in hidden] + [
            k for p in shown for k in (p.thumbnail_key, p.storage_key)
        ]
        private_photos = [k for p in hidden for k in (p.storage_key, p.thumbnail_key)]
        public_ids = session.scalars(
            sa.select(Report.public_id).where(Report.is_public.is_(True), Report.duplicate_of_id.is_(None))
        ).all()
        hidden_ids = session.scalars(
            sa.select(Report.public_id).where(
                sa.or_(Report.is_public.is_(False), Report.duplicate_of_id.is_not(None))
            )
        ).all()
        secrets, tally = collect_secrets(session)
        secrets.add("a private answer", "Citofono Quartapelle, interno 4")
        for what, text in PRIVATE_TEXTS.items():
            secrets.add(what, text)
            secrets.add(what, text.split(":")[0])  # a shortened copy (a note) starts the same way
        for photo_key in private_photos:
            secrets.add("a photo the public may not see", photo_key)
        tally["private_photos"] = len(hidden)
        languages = list(app.config["CITIZENCARE_LANGUAGES"])
        notice = create_notice(session, categories=[session.get(Category, categories[0][0])])
        session.commit()
        notice_ids = [str(notice.id)]
    return {
        "categories": categories,
        "photos": photos,
        "private_photos": private_photos,
        "public_ids": list(public_ids),
        "hidden_ids": list(hidden_ids),
        "secrets": secrets,
        "tally": tally,
        "languages": languages,
        "notice_ids": notice_ids,
    }


def test_no_public_route_shows_personal_data_or_hidden_reports(
    app: Flask, client: FlaskClient, city: dict[str, Any]
) -> None:
    tally = city["tally"]
    # The data must give the scan something to find, or a leak would pass unnoticed.
    assert tally["names"] >= 50 and tally["emails"] >= 50 and tally["phones"] >= 20, tally
    assert tally["hidden_ids"] >= 3 and tally["hidden_titles"] >= 1, tally
    assert tally["private_notes"] >= 1 and tally["private_photos"] >= 4, tally

    rules = public_rules(app)
    assert {
        "citizencare.public.report",
        "citizencare.opendata.reports_csv",
        # The report feeds: scanned with every filter query below, like the API.
        "citizencare.feeds.reports_atom",
        "citizencare.feeds.reports_rss",
    } <= {r.endpoint for r in rules}
    urls: list[str] = []
    queries = _filter_queries(city["categories"])
    with app.test_request_context():
        for rule in rules:
            for values in fill(rule, city):
                built = rule.build(values, append_unknown=False)
                if built is None:  # values the rule's defaults refuse (e.g. a catch-all's own root)
                    continue
                url = built[1]
                urls.append(url)
                if not rule.arguments:
                    urls += [f"{url}?{urlencode(query)}" for query in queries]
                urls += open311_queries(rule.endpoint, url, city)

    scan = Scan(client, app, city["secrets"], endpoint_filter(app))
    scan.run(urls)

    problems = [f"LEAK {leak}" for leak in scan.leaks] + [f"FAILED {error}" for error in scan.errors]
    assert not problems, f"{len(scan.seen)} answers scanned:\n" + "\n".join(problems[:60])
    missing = {r.endpoint for r in rules} - set(scan.statuses)
    assert not missing, f"public routes the scan never reached ({len(scan.seen)} answers): {missing}"
    pages = scan.statuses["citizencare.public.report"]
    assert pages.count(200) >= len(city["public_ids"]), "every public report page must open"
    assert 200 in scan.statuses["citizencare.public.photo"], "a public photo must be served"
    if "citizencare.api.reports_geojson" in scan.statuses:
        assert scan.next_pages > 0, "the API's paging (cluster=never&limit=50) was never followed"
    for public_id in city["hidden_ids"]:
        response = client.get(f"{PREFIX}/reports/{public_id}")
        assert response.status_code == 404, public_id
        assert public_id not in response.get_data(as_text=True)
        for fmt in ("json", "xml"):
            answer = client.get(f"{PREFIX}/open311/v2/requests/{public_id}.{fmt}")
            assert answer.status_code == 404, public_id
    for key in city["private_photos"]:
        assert client.get(f"{PREFIX}/photos/{key}").status_code == 404, key
    assert len(scan.seen) < MAX_REQUESTS, "the scan hit its request cap: raise it or narrow the crawl"
