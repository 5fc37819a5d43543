"""Similar proposals (issue 12): the query on both databases, the form's JSON, the page's related
section and the three-step form's list without JavaScript."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

import flask_citizencare
from flask_citizencare.models import Category, Report
from flask_citizencare.queries.similar_proposals import (
    PG_DOCUMENT,
    fts5_query,
    search_words,
    similar_proposals,
)

from .factories import create_category, create_report
from .host import host_db
from .test_report_steps import EN, accept_conditions, data_fields, page, post_data

SIMILAR = "/citizencare/proposals/similar"
NOW = datetime.now(UTC)

BENCHES = ("Nuove panchine nel parco Nord", "Servono più panchine e ombra per chi frequenta il parco Nord.")
TREES = ("Più alberi in via Roma", "Piantare alberi lungo via Roma darebbe ombra d'estate.")
BIKES = ("Pista ciclabile lungo via Emilia", "Una pista ciclabile protetta fino alla stazione.")


@pytest.fixture
def session(app: Flask, db_session: Session) -> Iterator[Session]:
    with app.test_request_context():
        yield db_session


@pytest.fixture
def parks(session: Session) -> Category:
    return create_category(session, code="parks", name="Verde pubblico", names={"en": "Parks", "ca": "Parcs"})


def proposal(session: Session, category: Category, text: tuple[str, str], **fields: Any) -> Report:
    title, description = text
    return create_report(
        session,
        category=category,
        kind="proposal",
        title=title,
        description=description,
        contact={"name": "Giulia Verdi", "email": "giulia.verdi@example.org"},
        **fields,
    )


def titles(found: list[Report]) -> list[str]:
    return [r.title for r in found]


def test_finds_the_similar_one_and_not_unrelated_ones(session: Session, parks: Category) -> None:
    benches = proposal(session, parks, BENCHES)
    proposal(session, parks, TREES)
    proposal(session, parks, BIKES)
    session.flush()

    found = similar_proposals("Panchine al parco Nord")
    assert [r.id for r in found] == [benches.id]
    assert found[0].category.code == "parks"  # loaded with it
    assert titles(similar_proposals("Alberi in via Roma")) == [TREES[0]]
    assert similar_proposals("Raccolta differenziata dei rifiuti") == []


def test_only_open_public_unanswered_unmerged_proposals(session: Session, parks: Category) -> None:
    keep = proposal(session, parks, BENCHES)
    master = proposal(session, parks, BENCHES)
    proposal(session, parks, BENCHES, status="resolved", resolved_at=NOW, acknowledged_at=NOW)
    proposal(session, parks, BENCHES, status="rejected", reject_reason="Fuori tema")
    proposal(session, parks, BENCHES, answered_at=NOW)
    proposal(session, parks, BENCHES, is_public=False)
    proposal(session, parks, BENCHES, status="rejected", reject_reason="Doppione", duplicate_of_id=master.id)
    create_report(session, category=parks, kind="issue", title=BENCHES[0], description=BENCHES[1])
    session.flush()

    found = similar_proposals(BENCHES[0])
    assert sorted(r.id for r in found) == sorted([keep.id, master.id])
    assert [r.id for r in similar_proposals(BENCHES[0], exclude_id=master.id)] == [keep.id]
    other = create_category(session, code="roads", name="Strade")
    assert similar_proposals(BENCHES[0], category_id=other.id) == []
    assert len(similar_proposals(BENCHES[0], category_id=parks.id)) == 2


def test_at_most_five_and_the_better_match_first(session: Session, parks: Category) -> None:
    for n in range(8):
        proposal(session, parks, (f"Panchine nel parco Nord {n}", "Servono panchine nel parco."))
    assert len(similar_proposals("Panchine nel parco Nord")) == 5
    assert len(similar_proposals("Panchine nel parco Nord", limit=3)) == 3

    loose = proposal(
        session, parks, ("Fontanella e panchine", "Una fontanella vicino alle panchine del parco.")
    )
    close = proposal(
        session,
        parks,
        ("Fontanella nel giardino Margherita", "Manca una fontanella nel giardino Margherita."),
    )
    session.flush()
    found = [r.id for r in similar_proposals("Fontanella nel giardino Margherita")]
    assert found[0] == close.id
    assert loose.id not in found[:1]


def test_redacted_text_is_not_searchable(session: Session, parks: Category) -> None:
    """Moderation replaced a name in the public text: typing the name does not find the proposal."""
    proposal(
        session,
        parks,
        ("Panchine per Mario Bianchini", "Mario Bianchini chiede panchine nel parco Nord."),
        public_title="Panchine nel parco",
        public_description="Un cittadino chiede panchine nel parco Nord.",
    )
    session.flush()
    assert similar_proposals("Mario Bianchini") == []
    assert titles(similar_proposals("Panchine nel parco Nord")) == ["Panchine per Mario Bianchini"]


HOSTILE = [
    "",
    "\x00",
    "pan\x00chine parco",
    "x" * 10_000,
    "parco " * 2_000,
    '"',
    '" OR "" AND',
    "* NEAR( title: parco",
    "NEAR(panchine parco, 2)",
    "title:panchine OR description:*",
    "^panchine -parco +nord",
    "!!! ??? ... ---",
    "'; DROP TABLE cc_reports; --",
    "panchine' OR 1=1 --",
    "%_%",
    "\ud800 parco",
    "\ue000 parco \ue001",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_never_fails(session: Session, parks: Category, text: str) -> None:
    proposal(session, parks, BENCHES)
    session.flush()
    found = similar_proposals(text, text)
    assert len(found) <= 5
    assert all(r.kind == "proposal" for r in found)
    assert session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_query_words_and_fts5_query() -> None:
    assert search_words("Le panchine del parco, a Nord!") == ["panchine", "parco", "nord"]
    assert search_words("the and amb per ... ?? 12") == []
    assert fts5_query(["panchine"]) == '"panchin"*'
    assert fts5_query(["via", 'a"b']) == '("via" AND "a""b")'
    assert fts5_query(["panchine", "parco", "nord"]).count(" OR ") == 2


def test_pg_document_is_the_index_expression() -> None:
    path = Path(flask_citizencare.__file__).parent / "migrations" / "versions" / "0011_proposals.py"
    spec = importlib.util.spec_from_file_location("cc_migration_0011", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.PG_DOCUMENT == PG_DOCUMENT


def test_postgres_can_use_the_trigram_index(
    app: Flask, session: Session, backend: str, parks: Category
) -> None:
    """PG_DOCUMENT and the literal kind match the partial trigram index, so the planner can use it.

    On a table this small the planner rather reads it, or walks another partial index: this leaves it
    only bitmap scans of indexes matching the condition. bench/similar_proposals.py shows it choosing
    the index by itself at 10^5 proposals.
    """
    if backend != "postgis":
        pytest.skip("PostgreSQL only")
    proposal(session, parks, BENCHES)
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    session.execute(sa.text("SET LOCAL enable_indexscan = off"))
    plan = "\n".join(
        row[0]
        for row in session.execute(
            sa.text(f"EXPLAIN SELECT id FROM cc_reports WHERE kind = 'proposal' AND {PG_DOCUMENT} %> :q"),
            {"q": "panchine parco"},
        )
    )
    assert "Bitmap Index Scan on ix_cc_reports_proposals_trgm" in plan, plan


# -- The form's JSON --------------------------------------------------------------------------


def commit_proposals(app: Flask, *texts: tuple[str, str], **fields: Any) -> list[str]:
    with app.app_context():
        category = create_category(
            host_db.session, code="parks", name="Verde pubblico", names={"en": "Parks", "ca": "Parcs"}
        )
        numbers = [
            proposal(host_db.session(), category, text, supports_count=7, **fields).public_id
            for text in texts
        ]
        host_db.session.commit()
        return numbers


def test_endpoint_answers_public_fields_only(app: Flask, client: FlaskClient) -> None:
    (number,) = commit_proposals(app, BENCHES)
    response = client.get(SIMILAR, query_string={"title": "Panchine parco Nord"}, headers=EN)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert "Accept-Language" in response.headers["Vary"] and response.headers.get("ETag")
    items = response.get_json()
    assert items == [
        {
            "public_id": number,
            "title": BENCHES[0],
            "url": f"/citizencare/reports/{number}#support",
            "category": "Parks",
            "supports_count": 7,
            "supports_label": "7 supports",
        }
    ]
    body = response.get_data(as_text=True)
    assert "giulia" not in body.lower() and "Verdi" not in body
    again = client.get(
        SIMILAR,
        query_string={"title": "Panchine parco Nord"},
        headers={**EN, "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_endpoint_hides_supports_when_configured(app: Flask, client: FlaskClient) -> None:
    commit_proposals(app, BENCHES)
    app.config["CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED"] = True
    (item,) = client.get(SIMILAR, query_string={"title": "Panchine parco Nord"}).get_json()
    assert "supports_count" not in item and "supports_label" not in item


def test_endpoint_short_title_and_bad_category(app: Flask, client: FlaskClient) -> None:
    commit_proposals(app, BENCHES)
    assert client.get(SIMILAR, query_string={"title": "pa"}).get_json() == []
    assert client.get(SIMILAR).get_json() == []
    bad = client.get(SIMILAR, query_string={"title": "Panchine parco", "category": "99999999999999999999"})
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "category"


@pytest.mark.parametrize(
    "text", [t for t in HOSTILE if "\ud800" not in t]
)  # no client sends a lone surrogate
def test_endpoint_hostile_text(app: Flask, client: FlaskClient, text: str) -> None:
    commit_proposals(app, BENCHES)
    response = client.get(SIMILAR, query_string={"title": text, "description": text})
    if "\x00" in text:  # refused for every address before any view (flask_citizencare.web.requests)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert isinstance(response.get_json(), list) and len(response.get_json()) <= 5


def test_endpoint_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_RATELIMIT_API_PER_IP"] = "3 per minute"
    statuses = [client.get(SIMILAR, query_string={"title": "Panchine"}).status_code for _ in range(6)]
    assert 429 in statuses, statuses


# -- Pages ------------------------------------------------------------------------------------


def test_related_section_on_a_proposal_page(app: Flask, client: FlaskClient) -> None:
    own, other, unrelated = commit_proposals(
        app, BENCHES, ("Panchine nuove al parco Nord", "Più panchine."), BIKES
    )
    html = client.get(f"/citizencare/reports/{own}", headers=EN).get_data(as_text=True)
    assert 'data-element="related-proposals"' in html
    section = html.split('data-element="related-proposals"', 1)[1]
    assert f"/citizencare/reports/{other}#support" in section
    assert f"/citizencare/reports/{own}#" not in section and unrelated not in section
    assert "Support it" in section and "giulia" not in section.lower()


def test_no_related_section_on_an_issue_page(app: Flask, client: FlaskClient) -> None:
    commit_proposals(app, BENCHES)
    with app.app_context():
        category = host_db.session.scalars(sa.select(Category)).first()
        issue = create_report(host_db.session(), category=category, title=BENCHES[0], description=BENCHES[1])
        host_db.session.commit()
        number = issue.public_id
    html = client.get(f"/citizencare/reports/{number}", headers=EN).get_data(as_text=True)
    assert "related-proposals" not in html


def test_form_has_the_live_region_and_script(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_REPORT_FLOW"] = "single"
    html = client.get("/citizencare/new?kind=proposal", headers=EN).get_data(as_text=True)
    assert 'id="cc-similar"' in html and 'aria-live="polite"' in html
    assert f'data-cc-similar-url="{SIMILAR}"' in html
    assert "js/similar-proposals.js" in html and "<script>" not in html


def test_steps_summary_lists_similar_proposals_without_javascript(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_REPORT_FLOW"] = "steps"
    (number,) = commit_proposals(app, BENCHES)
    with app.app_context():
        category_id = host_db.session.scalars(sa.select(Category.id)).one()
    accept_conditions(client)
    response = post_data(
        client,
        data_fields(
            category_id, kind="proposal", title="Panchine nel parco Nord", description="Più panchine."
        ),
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    html = page(client, "/citizencare/new/summary")
    assert 'data-element="similar-proposals"' in html
    assert f"/citizencare/reports/{number}#support" in html and "Support this instead" in html
    # The data step itself carries the script-driven box (empty until the script fills it).
    assert "data-cc-similar-list" in page(client, "/citizencare/new/data")


def test_steps_summary_lists_nothing_for_an_issue(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_REPORT_FLOW"] = "steps"
    commit_proposals(app, BENCHES)
    with app.app_context():
        category_id = host_db.session.scalars(sa.select(Category.id)).one()
    accept_conditions(client)
    post_data(client, data_fields(category_id, kind="issue", title="Panchine nel parco Nord"))
    assert 'data-element="similar-proposals"' not in page(client, "/citizencare/new/summary")


def test_endpoint_json_is_plain_list(app: Flask, client: FlaskClient) -> None:
    commit_proposals(app, BENCHES, TREES)
    body = client.get(SIMILAR, query_string={"title": "alberi via Roma"}).get_data(as_text=True)
    assert [item["title"] for item in json.loads(body)] == [TREES[0]]
