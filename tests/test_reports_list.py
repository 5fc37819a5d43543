"""The public list of reports (B1) in the Designers Italia model's way, and the expected answer (B11).

Tabs Mappa / Elenco as links (so the same with and without JavaScript), each
item a link to its public page, "Carica altre segnalazioni" as a signed keyset
cursor visiting every report once and in order, the public filters, nothing
hidden or private; and "risposta prevista entro …" / "in ritardo" from the one
rule (:func:`~flask_citizencare.domain.sla.expected_answer`) on the list, the
public page and the tracking page.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy.orm import Session

from flask_citizencare.domain.sla import expected_answer
from flask_citizencare.formatting import cc_date
from flask_citizencare.queries.filters import PublicFilter
from flask_citizencare.queries.listing import PAGE_SIZE, decode_cursor, encode_cursor, listed_query

from .factories import create_category, create_office, create_report
from .host import host_db
from .reporting import post_report, submitted

LIST = "/citizencare/reports"
NOW = datetime.now(UTC).replace(microsecond=0)


def get(client: FlaskClient, url: str, status: int = 200, language: str = "en") -> str:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def items(page: str) -> list[str]:
    """The public ids of the list's items, in order."""
    block = page.split('id="cc-report-items"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<span class="cc-report-list__id">([^<]+)</span>', block)


def next_link(page: str) -> str | None:
    match = re.search(r'id="cc-load-more" href="([^"]+)" rel="next"', page)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def town(app: Flask) -> dict[str, Any]:
    """Open, late, finished, hidden, merged and private reports of two categories."""
    with app.app_context():
        session = host_db.session
        roads = create_category(session, code="strade", name="Strade", names={"en": "Roads"})
        lights = create_category(session, code="luce", name="Illuminazione", names={"en": "Lighting"})
        office = create_office(session)
        facts: dict[str, Any] = {}

        def report(key: str, days: int, **fields: Any) -> None:
            made = create_report(
                session, created_at=NOW - timedelta(days=days), **{"title": f"Titolo {key}", **fields}
            )
            facts[key] = made.public_id
            facts[key + "_token"] = made.tracking_token

        report(
            "due",
            1,
            category=roads,
            due_at=NOW + timedelta(hours=1),
            resolve_due_at=NOW + timedelta(days=5),
            contact={"name": "Mario Segreto", "email": "mario@privato.example", "phone": "+39 333 0000000"},
        )
        report(
            "late",
            2,
            category=lights,
            status="in_progress",
            office_id=office.id,
            acknowledged_at=NOW - timedelta(days=2),
            due_at=NOW - timedelta(days=1),
            resolve_due_at=NOW - timedelta(days=1),
        )
        report(
            "fixed",
            3,
            category=roads,
            status="resolved",
            acknowledged_at=NOW - timedelta(days=3),
            resolved_at=NOW - timedelta(days=1),
            resolve_due_at=NOW - timedelta(days=2),
        )
        report("idea", 4, category=lights, kind="proposal")
        report("hidden", 5, category=roads, is_public=False, title="Titolo nascosto")
        original = create_report(
            session, category=roads, created_at=NOW - timedelta(days=6), title="Titolo orig"
        )
        facts["original"] = original.public_id
        duplicate = create_report(
            session,
            category=roads,
            created_at=NOW - timedelta(hours=1),
            title="Doppione",
            duplicate_of_id=original.id,
            status="rejected",
            reject_reason="Doppione",
        )
        facts["duplicate"] = duplicate.public_id
        session.commit()
        return facts


def test_tabs_items_links_and_nothing_private(client: FlaskClient, town: dict[str, Any]) -> None:
    page = get(client, LIST)
    assert items(page) == [town[k] for k in ("due", "late", "fixed", "idea", "original")]
    # The tabs: links (no script needed), the current one marked; the map tab keeps the filters.
    assert re.search(
        r'class="nav-link active" aria-current="page" id="cc-tab-list"\s+href="/citizencare/reports"', page
    )
    assert re.search(r'class="nav-link" id="cc-tab-map"\s+href="/citizencare/map"', page)
    filtered = get(client, f"{LIST}?category=luce&group=open")
    assert 'href="/citizencare/map?category=luce&amp;group=open"' in filtered
    # Every item opens its public page.
    for key in ("due", "late", "fixed", "idea", "original"):
        assert f'<a href="/citizencare/reports/{town[key]}">Titolo ' in page
    for private in (
        town["hidden"], town["duplicate"], "Titolo nascosto", "Doppione",
        "Mario Segreto", "mario@privato.example", "333 0000000", town["due_token"],
    ):  # fmt: skip
        assert private not in page
    assert "Roads" in page and "Lighting" in page  # the category in the visitor's language
    # The script that loads more in place, and the way to report.
    assert 'src="/citizencare/static/js/reports-list.js"' in page
    assert 'href="/citizencare/new"' in page


def test_the_map_page_has_the_same_tabs(client: FlaskClient, town: dict[str, Any]) -> None:
    page = get(client, "/citizencare/map?kind=proposal&lat=44.5")
    assert re.search(r'class="nav-link active" aria-current="page" id="cc-tab-map"', page)
    assert 'id="cc-tab-list"\n      href="/citizencare/reports?kind=proposal"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=proposal", ["idea"]),
        ("category=luce", ["late", "idea"]),
        ("group=open", ["due", "late", "idea", "original"]),
        ("group=closed", ["fixed"]),
        ("status=in_progress", ["late"]),
        ("status=resolved&category=strade", ["fixed"]),
        ("category=strade&kind=issue&group=open", ["due", "original"]),
    ],
)
def test_filters(client: FlaskClient, town: dict[str, Any], query: str, expected: list[str]) -> None:
    page = get(client, f"{LIST}?{query}")
    assert items(page) == [town[key] for key in expected]


def test_form_keeps_the_filters(client: FlaskClient, town: dict[str, Any]) -> None:
    page = get(client, f"{LIST}?kind=issue&group=open&category=luce&status=new")
    assert 'value="issue" id="cc-l-kind-issue" checked' in page
    assert 'value="open" id="cc-l-group-open" checked' in page
    assert '<option value="luce" selected>' in page
    assert '<option value="new" selected>' in page


@pytest.mark.parametrize(
    "query",
    [
        "kind=problema",
        "category=nessuna",
        "group=forse",
        "status=finito",
        "status=a%00b",
        "category=" + "9" * 20,
        "cursor=abc",
        "cursor=" + "9" * 20,
        "cursor=1.99999999999999999999",
        "cursor=a%00b",
        "cursor=" + "x" * 3000,
    ],
)
def test_bad_input_is_a_400_with_a_way_back(client: FlaskClient, town: dict[str, Any], query: str) -> None:
    page = get(client, f"{LIST}?{query}", status=400)
    if "%00" in query:  # refused before any view by the request guard, with its own page
        assert "could not be understood" in page
        return
    assert 'id="cc-error-summary"' in page
    assert items(page) == []
    if query.startswith("cursor"):
        assert "This page link is damaged" in page and 'href="/citizencare/reports">Newest reports' in page


def test_a_cursor_of_another_list_is_refused(client: FlaskClient, app: Flask, town: dict[str, Any]) -> None:
    from flask_citizencare.queries import cursors

    with app.test_request_context():
        foreign = cursors.encode("staff queue", [NOW, 1])
        forged = cursors.encode("public list", [NOW, 2**70])
    get(client, f"{LIST}?cursor={foreign}", status=400)
    get(client, f"{LIST}?cursor={forged}", status=400)


def test_paging_visits_every_report_once_in_order(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        category = create_category(host_db.session, code="pagine")
        same_time = NOW - timedelta(days=3)
        made: list[tuple[datetime, int, str]] = []
        for n in range(2 * PAGE_SIZE + 3):
            # Some share a moment: the id breaks the tie, so none is skipped or repeated.
            created = same_time if 20 <= n < 35 else NOW - timedelta(minutes=n)
            report = create_report(host_db.session, category=category, created_at=created)
            made.append((created, report.id, report.public_id))
        create_report(host_db.session, category=category, is_public=False, created_at=same_time)
        host_db.session.commit()
    expected = [public_id for _, _, public_id in sorted(made, key=lambda r: (r[0], r[1]), reverse=True)]
    seen: list[str] = []
    url: str | None = f"{LIST}?category=pagine"
    pages = 0
    while url:
        page = get(client, url)
        seen.extend(items(page))
        pages += 1
        url = next_link(page)
        if url:
            assert "category=pagine" in url and "cursor=" in url  # the filters are kept
    assert pages == 3
    assert seen == expected


def test_the_list_query_reads_an_index(app: Flask, backend: str, town: dict[str, Any]) -> None:
    """Newest first by (created_at, id) from an index, and the next page by keyset, never OFFSET."""
    with app.test_request_context():
        session: Session = host_db.session
        cursor_text = encode_cursor(NOW, 10)
        query = listed_query(session, PublicFilter(), decode_cursor(cursor_text), NOW, PAGE_SIZE)
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        statement = str(compiled)
        assert not re.search(r"OFFSET (?!0\b)", statement.upper())  # SQLite writes LIMIT n OFFSET 0
        connection = session.connection()
        if backend == "postgis":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement))
            assert "ix_cc_reports_created_at" in plan, plan
        else:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement).all()
            plan = "\n".join(str(row[-1]) for row in rows)
            assert "SEARCH cc_reports USING INDEX ix_cc_reports_created_at (created_at<?)" in plan, plan
        session.rollback()


def test_expected_answer_on_the_list(client: FlaskClient, app: Flask, town: dict[str, Any]) -> None:
    page = get(client, LIST)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        due_date = cc_date(NOW + timedelta(days=5), "long")
        late_date = cc_date(NOW - timedelta(days=1), "long")
    assert f"Answer expected by {due_date}" in page
    assert f'Answer expected by {late_date}</time> <span class="cc-overdue">overdue</span>' in page
    # One "late", on the late one; the finished and the proposal without due times show none.
    assert page.count('class="cc-overdue">overdue<') == 1
    assert page.count("Answer expected by") == 2


def _section(page: str) -> str:
    return page.split('<div lang="', 1)[1]


def test_expected_answer_on_the_public_and_tracking_pages(
    client: FlaskClient, app: Flask, town: dict[str, Any]
) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        due_date = cc_date(NOW + timedelta(days=5), "long")
        late_date = cc_date(NOW - timedelta(days=1), "long")
    for url in (f"/citizencare/reports/{town['due']}", f"/citizencare/track/{town['due_token']}"):
        page = _section(get(client, url))
        assert f"Answer expected by {due_date}" in page, url
        assert 'class="cc-overdue"' not in page, url
    for url in (f"/citizencare/reports/{town['late']}", f"/citizencare/track/{town['late_token']}"):
        page = _section(get(client, url))
        assert f"Answer expected by {late_date}" in page and '<span class="cc-overdue">overdue</span>' in page
    for url in (f"/citizencare/reports/{town['fixed']}", f"/citizencare/track/{town['fixed_token']}"):
        page = _section(get(client, url))
        assert "Answer expected by" not in page and "data-cc-expected" not in page, url
    # The reporter of a hidden report sees it on their own page too.
    with app.app_context():
        hidden_token = host_db.session.scalar(
            sa.text("SELECT tracking_token FROM cc_reports WHERE public_id = :p"), {"p": town["hidden"]}
        )
    assert "Answer expected by" not in get(client, f"/citizencare/track/{hidden_token}")


def test_the_date_is_in_the_visitors_format(client: FlaskClient, app: Flask, town: dict[str, Any]) -> None:
    """Italian: "3 dicembre 2026" (the sentence itself lands with the catalogues at merge)."""
    page = get(client, LIST, language="it")
    moment = NOW + timedelta(days=5)
    with app.test_request_context(headers={"Accept-Language": "it"}), force_locale("it"):
        italian = cc_date(moment, "long")
    months = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
    assert italian.split()[1] in months.split()
    assert italian in page


@pytest.mark.parametrize(
    ("status", "resolve_due", "due", "expected_at", "late"),
    [
        ("new", None, 1, 1, False),  # only the acknowledgement term known yet
        ("new", 5, 1, 5, False),  # the resolution due time wins, as the API's expected_at
        ("in_progress", -1, -1, -1, True),
        ("acknowledged", 2, None, 2, False),
        ("suspended", None, None, None, False),  # paused, no term: nothing to promise
        ("suspended", -2, None, -2, True),  # the term passed before the pause
        ("resolved", 5, None, None, False),
        ("closed", -5, None, None, False),
        ("rejected", 5, 5, None, False),
        ("nonsense", 5, 5, None, False),
    ],
)
def test_one_rule_for_the_expected_answer(
    status: str, resolve_due: int | None, due: int | None, expected_at: int | None, late: bool
) -> None:
    def day(n: int | None) -> datetime | None:
        return None if n is None else NOW + timedelta(days=n)

    found = expected_answer(status, day(resolve_due), day(due), NOW)
    if expected_at is None:
        assert found is None
    else:
        assert found is not None and (found.at, found.late) == (day(expected_at), late)


def test_italian_sentence_elides_the_article(app: Flask) -> None:
    from flask_citizencare.blueprints.expected import _ITALIAN_ELISION

    assert _ITALIAN_ELISION.sub(r"l'\1 ", "Risposta prevista entro il 8 dicembre 2026") == (
        "Risposta prevista entro l'8 dicembre 2026"
    )
    assert (
        _ITALIAN_ELISION.sub(r"l'\1 ", "Risposta prevista entro il 11 marzo")
        == "Risposta prevista entro l'11 marzo"
    )
    for kept in ("entro il 3 dicembre", "entro il 18 maggio", "entro il 1° maggio"):
        assert _ITALIAN_ELISION.sub(r"l'\1 ", kept) == kept


def test_the_pages_and_the_api_agree_on_the_expected_moment(
    client: FlaskClient, town: dict[str, Any]
) -> None:
    """The moment in the pages' ``<time datetime>`` is the API's ``expected_at`` (both from one rule)."""
    response = client.get(
        "/citizencare/api/reports.geojson",
        query_string={"bbox": "11.23,44.42,11.43,44.56", "cluster": "never"},
    )
    by_id = {f["id"]: f["properties"] for f in response.get_json()["features"]}
    for key in ("due", "late"):
        api = datetime.fromisoformat(by_id[town[key]]["expected_at"].replace("Z", "+00:00"))
        for url in (LIST, f"/citizencare/reports/{town[key]}"):
            page = get(client, url)
            assert f'<time datetime="{api.isoformat()}">Answer expected by' in page, (key, url)


def test_the_confirmation_page_says_when_an_answer_is_due(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        category = create_category(host_db.session())
        host_db.session.commit()
        category_id = category.id
    answer = post_report(client, category_id)
    assert answer.status_code == 303
    report = submitted(app)
    assert report.due_at is not None
    page = client.get(answer.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "data-cc-expected" in page and "Answer expected by" in page
