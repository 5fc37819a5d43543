"""The public list of proposals (issue 12): orders, filters, keyset pages, hidden counts, privacy.

Every order is walked page by page through the "next page" links and must
visit each public proposal exactly once, in its order; the random order keeps
its shuffle across pages (the seed travels in the links) and another seed
gives another order. Hostile parameters get a 400 naming them, like /reports.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import AnswerState, ProposalAnswer, Report
from flask_citizencare.queries import proposals_list as pl

from .factories import create_category, create_report
from .host import host_db

LIST = "/citizencare/proposals"
NOW = datetime.now(UTC).replace(microsecond=0)
DISTRICTS = [
    {"name": "Navile", "bbox": (11.33, 44.50, 11.40, 44.54)},
    {"name": "Santo Stefano", "bbox": (11.35, 44.47, 11.40, 44.495)},
]
EN = {"Accept-Language": "en"}


def get(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def items(page: str) -> list[str]:
    """The public ids of the cards, in order."""
    block = page.split('id="cc-report-items"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<span class="cc-report-list__id">([^<]+)</span>', block)


def next_link(page: str) -> str | None:
    match = re.search(r'id="cc-load-more" href="([^"]+)" rel="next"', page)
    return html.unescape(match.group(1)) if match else None


def walk(client: FlaskClient, url: str) -> tuple[list[str], int]:
    """Every card's id following the next-page links from ``url``; and how many pages."""
    seen: list[str] = []
    pages = 0
    link: str | None = url
    while link:
        page = get(client, link)
        seen += items(page)
        pages += 1
        link = next_link(page)
        assert pages < 50
    return seen, pages


def card(page: str, public_id: str) -> str:
    start = page.index(f'data-proposal="{public_id}"')
    return page[start : page.index("</li>", start)]


@pytest.fixture
def town(app: Flask) -> dict[str, Any]:
    """Public proposals (supported, answered, drafts), plus hidden, merged proposals and an issue."""
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    with app.app_context():
        session = host_db.session
        session.execute(sa.delete(AnswerState))  # the migration's default states, replaced by these
        parks = create_category(session, code="parchi", name="Parchi", names={"en": "Parks"}, kinds="both")
        roads = create_category(
            session, code="strade", name="Strade", names={"en": "Roads"}, kinds="proposal"
        )
        create_category(session, code="rifiuti", name="Rifiuti", kinds="issue")
        accepted = AnswerState(
            code="accepted",
            name="Accolta",
            names={"en": "Accepted"},
            colour="#00703c",
            meaning="accepted",
            position=1,
        )
        refused = AnswerState(
            code="not_accepted",
            name="Non accolta",
            names={"en": "Not accepted"},
            colour="#a61919",
            meaning="not_accepted",
            needs_reason=True,
            position=2,
        )
        old = AnswerState(
            code="retired", name="Vecchio", colour="#123456", meaning="under_review", position=3, active=False
        )
        session.add_all([accepted, refused, old])
        session.flush()
        facts: dict[str, Any] = {"states": {"accepted": accepted.id, "not_accepted": refused.id}}

        def proposal(key: str, days: int, supports: int = 0, **fields: Any) -> Report:
            made = create_report(
                session,
                kind="proposal",
                category=fields.pop("category", parks),
                created_at=NOW - timedelta(days=days, minutes=len(facts)),
                supports_count=supports,
                title=f"Proposta {key}",
                **fields,
            )
            facts[key] = made.public_id
            return made

        def answer(report: Report, state: AnswerState, days_ago: float, published: bool = True) -> None:
            session.add(
                ProposalAnswer(
                    report_id=report.id,
                    state_id=state.id,
                    body="Risposta",
                    published_at=NOW - timedelta(days=days_ago) if published else None,
                )
            )

        # Navile (north), in the parks.
        p = proposal(
            "popular",
            10,
            120,
            lon=11.36,
            lat=44.52,
            contact={"name": "Mario Segreto", "email": "mario@privato.example"},
        )
        answer(p, refused, 5)
        answer(p, accepted, 2)  # the newest published answer is the current one
        p.answered_at = NOW - timedelta(days=5)
        p = proposal("draft", 3, 40, lon=11.36, lat=44.52)
        answer(p, accepted, 0, published=False)  # a draft: still awaiting an answer
        # Santo Stefano, on the roads.
        p = proposal("refused", 20, 40, category=roads, lon=11.37, lat=44.48)
        answer(p, refused, 1)
        p.answered_at = NOW - timedelta(days=1)
        proposal("fresh", 0, 0, category=roads, lon=11.37, lat=44.48, address="Via Santo Stefano 3")
        proposal("elsewhere", 30, 7, lon=11.30, lat=44.45)
        for i in range(7):
            proposal(f"more{i}", 40 + i, i % 3)
        # Never listed.
        proposal("hidden", 1, 999, is_public=False)
        master = proposal("master", 50, 1)
        proposal("merged", 1, 500, duplicate_of_id=master.id, status="rejected", reject_reason="Doppia")
        create_report(session, category=parks, title="Buca", supports_count=0)
        session.commit()
        facts["listed"] = sorted(
            k for k in facts if k not in {"states", "hidden", "merged"} and isinstance(facts[k], str)
        )
        return facts


def ids(facts: dict[str, Any], *keys: str) -> list[str]:
    return [facts[k] for k in keys]


def test_newest_first_pages_visit_each_proposal_once(
    client: FlaskClient, town: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pl, "PAGE_SIZE", 4)
    seen, pages = walk(client, LIST)
    assert pages == 4
    assert seen[:3] == ids(town, "fresh", "draft", "popular")
    assert sorted(seen) == sorted(town[k] for k in town["listed"])
    assert len(seen) == len(set(seen))


def test_each_order(client: FlaskClient, town: dict[str, Any]) -> None:
    supported = items(get(client, LIST + "?sort=supported"))
    # A tie (40 each): the newer row (higher id) first.
    assert supported[:4] == ids(town, "popular", "refused", "draft", "elsewhere")
    answered = items(get(client, LIST + "?sort=answered"))
    assert answered[:2] == ids(town, "refused", "popular")
    assert set(answered[2:]) == {town[k] for k in town["listed"]} - set(answered[:2])


def test_random_order_is_stable_across_pages(
    client: FlaskClient, town: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pl, "PAGE_SIZE", 3)
    first = get(client, LIST + "?sort=random")
    link = next_link(first)
    assert link is not None
    seed = parse_qs(urlsplit(link).query)["seed"][0]
    seen, pages = walk(client, LIST + f"?sort=random&seed={seed}")
    assert pages == 5
    assert len(seen) == len(set(seen)) == len(town["listed"])
    assert seen[:3] == items(first)
    again, _ = walk(client, LIST + f"?sort=random&seed={seed}")
    assert again == seen
    other, _ = walk(client, LIST + "?sort=random&seed=987654321")
    assert sorted(other) == sorted(seen) and other != seen
    # A cursor of one shuffle is no position in another.
    foreign = link.replace(f"seed={seed}", "seed=987654321")
    assert "damaged" in get(client, foreign, 400)


def test_filters(client: FlaskClient, town: dict[str, Any]) -> None:
    assert sorted(items(get(client, LIST + "?category=strade"))) == sorted(ids(town, "refused", "fresh"))
    assert sorted(items(get(client, LIST + "?district=Navile"))) == sorted(ids(town, "popular", "draft"))
    assert sorted(items(get(client, LIST + "?district=Santo+Stefano"))) == sorted(
        ids(town, "refused", "fresh")
    )
    assert items(get(client, LIST + "?bbox=11.29,44.44,11.31,44.46")) == ids(town, "elsewhere")
    assert items(get(client, LIST + "?state=accepted")) == ids(town, "popular")  # not the draft
    assert items(get(client, LIST + "?state=not_accepted")) == ids(town, "refused")  # not the superseded
    assert sorted(items(get(client, LIST + "?answered=true"))) == sorted(ids(town, "popular", "refused"))
    awaiting = items(get(client, LIST + "?answered=false"))
    assert town["draft"] in awaiting and town["popular"] not in awaiting
    assert items(get(client, LIST + "?category=parchi&answered=true&district=Navile")) == ids(town, "popular")


def test_cards(client: FlaskClient, town: dict[str, Any]) -> None:
    page = get(client, LIST)
    popular = card(page, town["popular"])
    assert "Proposta popular" in popular and "Parks" in popular and "Navile" in popular
    assert 'data-supports="120"' in popular
    assert 'data-state="accepted"' in popular and "Accepted" in popular and 'fill="#00703c"' in popular
    assert "Filed 10 days ago" in popular
    draft = card(page, town["draft"])
    assert 'data-state=""' in draft and "Awaiting answer" in draft
    fresh = card(page, town["fresh"])
    assert "Filed today" in fresh and "Santo Stefano" in fresh
    assert "elsewhere" in page and "Via" not in card(page, town["elsewhere"])


def test_private_and_hidden_never_shown(client: FlaskClient, town: dict[str, Any]) -> None:
    for sort in pl.SORTS:
        page = get(client, LIST + f"?sort={sort}")
        for key in ("hidden", "merged", "master"):
            if key == "master":
                continue
            assert town[key] not in page
        assert "Segreto" not in page and "privato.example" not in page and "Buca" not in page
        assert "Risposta" not in page


def test_hidden_counts_until_answered(app: Flask, client: FlaskClient, town: dict[str, Any]) -> None:
    app.config["CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED"] = True
    page = get(client, LIST)
    assert 'data-supports="120"' in card(page, town["popular"])  # answered: shown
    assert 'data-supports="hidden"' in card(page, town["draft"])
    assert ">40<" not in card(page, town["draft"])
    assert "sort=supported" not in page
    assert "sort" in get(client, LIST + "?sort=supported", 400)


@pytest.mark.parametrize(
    "query",
    [
        "sort=loudest",
        "sort=newest&sort=random",
        "seed=0&sort=random",
        "seed=99999999999999999999999&sort=random",
        "seed=12ab&sort=random",
        "category=nope",
        "category=rifiuti",
        "district=Atlantide",
        "state=retired",
        "state=%00",
        "answered=maybe",
        "bbox=1,2,3",
        "bbox=nan,44,11,45",
        "cursor=forged",
        "district=Navile%00",
        "category=" + "x" * 3000,
    ],
)
def test_hostile_parameters_are_refused(client: FlaskClient, town: dict[str, Any], query: str) -> None:
    page = get(client, LIST + "?" + query, 400)
    if "%00" in query:
        return  # refused before any view by the app's check of every request (a NUL byte)
    assert "The filters could not be applied" in page
    assert 'href="/citizencare/proposals"' in page


def test_cursor_of_another_order_is_refused(
    client: FlaskClient, town: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pl, "PAGE_SIZE", 3)
    link = next_link(get(client, LIST + "?sort=supported"))
    assert link is not None
    assert "damaged" in get(client, link.replace("sort=supported", "sort=answered"), 400)
    assert "damaged" in get(client, link.replace("sort=supported&", ""), 400)


def test_no_javascript_form_and_links(client: FlaskClient, town: dict[str, Any]) -> None:
    page = get(client, LIST + "?sort=supported&category=parchi")
    form = page.split('id="cc-list-filters"', 1)[1].split("</form>", 1)[0]
    assert 'method="get"' in page.split('id="cc-list-filters"', 1)[0][-200:]
    assert '<button type="submit"' in form
    assert 'name="sort" value="supported"' in form
    for name in ("answered", "category", "district", "state"):
        assert f'name="{name}"' in form
    assert "<script>" not in page  # no inline script (CSP)
    map_link = re.search(r'id="cc-tab-map"\s+href="([^"]+)"', page)
    assert map_link is not None
    assert "kind=proposal" in html.unescape(map_link.group(1))
    assert "category=parchi" in html.unescape(map_link.group(1))
    # The map page takes it: its filter shows proposals only.
    map_page = get(client, html.unescape(map_link.group(1)))
    assert re.search(r'value="proposal" id="cc-f-kind-proposal"\s*checked', map_page)


def test_feedback_widget_and_navigation(client: FlaskClient, town: dict[str, Any]) -> None:
    page = get(client, LIST)
    assert "cc-feedback" in page
    assert "<title>List of proposals" in page
    index = get(client, "/citizencare/")
    assert 'href="/citizencare/proposals"' in index


def test_navigation_entry(app: Flask) -> None:
    from flask_citizencare.blueprints.navigation import navigation

    with app.test_request_context("/citizencare/proposals", headers=EN):
        app.preprocess_request()
        entries = {e.key: e for e in navigation("public")}
    assert entries["proposals"].url == "/citizencare/proposals"
    assert entries["proposals"].here


def test_query_uses_the_partial_indexes(app: Flask, town: dict[str, Any]) -> None:
    """The order by supports and by answer read the partial indexes (EXPLAIN on both databases)."""
    with app.app_context():
        session = host_db.session
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            # Only an ordered index path can then answer: the index's predicate must be proven.
            session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            session.execute(sa.text("SET LOCAL enable_sort = off"))
        for sort, index in (
            ("supported", "ix_cc_reports_proposals_supports"),
            ("answered", "ix_cc_reports_proposals_answered"),
        ):
            f = pl.ProposalFilter(sort=sort)
            conditions = pl.filter_conditions(session, f, ())
            order = (
                [Report.supports_count.desc(), Report.id.desc()]
                if sort == "supported"
                else [Report.answered_at.desc(), Report.id.desc()]
            )
            extra = [] if sort == "supported" else [Report.answered_at.is_not(None)]
            query = sa.select(Report.id).where(*conditions, *extra).order_by(*order).limit(25)
            compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
            prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plan = " ".join(str(r) for r in session.execute(sa.text(prefix + str(compiled))).all())
            assert index in plan, plan
        session.rollback()


@pytest.mark.parametrize("sort", ["newest", "supported", "answered"])
@pytest.mark.parametrize("size", [1, 2, 5])
def test_keyset_pages_follow_the_order_without_gaps(
    client: FlaskClient, town: dict[str, Any], monkeypatch: pytest.MonkeyPatch, sort: str, size: int
) -> None:
    """Page by page (one card a page crosses from answered to awaiting ones) equals the one long page."""
    whole = items(get(client, LIST + f"?sort={sort}"))
    assert len(whole) == len(town["listed"])
    monkeypatch.setattr(pl, "PAGE_SIZE", size)
    seen, pages = walk(client, LIST + f"?sort={sort}")
    assert seen == whole
    assert pages == -(-len(whole) // size)


def test_a_page_links_the_same_addresses_at_every_visit(client: FlaskClient, town: dict[str, Any]) -> None:
    """No crawler trap: the random order's link carries no seed (the page picks one on arrival)."""
    first, second = get(client, LIST), get(client, LIST)
    links = re.findall(r'class="cc-proposals__sort[^"]*">|href="([^"]+)"', first)
    assert links == re.findall(r'class="cc-proposals__sort[^"]*">|href="([^"]+)"', second)
    assert 'href="/citizencare/proposals?sort=random"' in first
