"""Canned replies: the operators' ready answers, their checks and their placeholders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from flask_citizencare.models import CannedReply, Category, Office
from flask_citizencare.services.canned import (
    create_canned,
    deactivate_canned,
    list_canned,
    render_canned,
    unknown_placeholders,
    update_canned,
)
from flask_citizencare.services.errors import InvalidInput, NotFound

from .factories import create_category, create_report


@pytest.fixture
def session(app: Flask, db_session: Session) -> Iterator[Session]:
    with app.test_request_context():
        yield db_session


@pytest.fixture
def lighting(session: Session) -> Category:
    return create_category(
        session, code="lighting", name="Illuminazione pubblica", names={"en": "Street lighting"}
    )


@pytest.fixture
def roads(session: Session) -> Category:
    return create_category(session, code="roads", name="Strade")


def titles(replies: list[CannedReply]) -> list[str]:
    return [reply.title for reply in replies]


def test_a_case_gets_the_general_replies_and_its_category_s_by_title(
    session: Session, lighting: Category, roads: Category
) -> None:
    create_canned(session, title="Presa in carico", body="Abbiamo preso in carico la segnalazione {numero}.")
    create_canned(session, title="grazie", body="Grazie della segnalazione.")
    create_canned(session, title="Lampada sostituita", body="Lampada sostituita.", category_id=lighting.id)
    create_canned(session, title="Buca chiusa", body="La buca è stata chiusa.", category_id=roads.id)
    create_canned(session, title="Thanks", body="Thank you for your report.", language="en")
    old = create_canned(session, title="Vecchia risposta", body="Non più usata.")
    deactivate_canned(session, old)

    assert titles(list_canned(session, category_id=lighting.id)) == [
        "grazie",
        "Lampada sostituita",
        "Presa in carico",
        "Thanks",
    ]
    assert titles(list_canned(session, category_id=lighting.id, language="it")) == [
        "grazie",
        "Lampada sostituita",
        "Presa in carico",
    ]
    assert titles(list_canned(session, category_id=roads.id, language="it")) == [
        "Buca chiusa",
        "grazie",
        "Presa in carico",
    ]
    assert titles(list_canned(session)) == ["grazie", "Presa in carico", "Thanks"]
    assert titles(list_canned(session, language="en")) == ["Thanks"]


def test_create_cleans_and_defaults(session: Session, lighting: Category) -> None:
    reply = create_canned(session, title="  Presa in carico  ", body="\n Testo \n", category_id=lighting.id)
    session.expire_all()
    stored = session.get(CannedReply, reply.id)
    assert stored is not None
    assert (stored.title, stored.body, stored.language, stored.active, stored.category_id) == (
        "Presa in carico",
        "Testo",
        "it",
        True,
        lighting.id,
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": None},
        {"body": ""},
        {"body": " \n "},
        {"body": "x" * 10_001},
        {"body": 42},
        {"language": "de"},
        {"language": ""},
        {"category_id": 999_999},
        {"category_id": True},
        {"category_id": "1"},
    ],
    ids=repr,
)
def test_bad_input_is_refused_and_nothing_changes(
    session: Session, lighting: Category, fields: dict[str, Any]
) -> None:
    valid: dict[str, Any] = {"title": "Titolo", "body": "Testo", "language": "it", "category_id": lighting.id}
    with pytest.raises(InvalidInput) as refused:
        create_canned(session, **{**valid, **fields})
    assert refused.value.message
    assert session.scalar(sa.select(sa.func.count()).select_from(CannedReply)) == 0

    reply = create_canned(session, **valid)
    with pytest.raises(InvalidInput):
        update_canned(session, reply, **{"title": "Nuovo titolo", **fields})
    session.expire_all()
    stored = session.get(CannedReply, reply.id)
    assert stored is not None and (stored.title, stored.body, stored.language) == ("Titolo", "Testo", "it")


def test_limits_are_inclusive(session: Session) -> None:
    reply = create_canned(session, title="x" * 200, body="y" * 10_000)
    assert len(reply.title) == 200 and len(reply.body) == 10_000
    assert create_canned(session, title="T", body="B", language="ca").language == "ca"


def test_language_must_be_one_the_site_offers(app: Flask, session: Session) -> None:
    app.config["CITIZENCARE_LANGUAGES"] = ("it", "de")
    assert create_canned(session, title="Danke", body="Danke!", language="de").language == "de"
    with pytest.raises(InvalidInput):
        create_canned(session, title="Thanks", body="Thanks!", language="en")


def test_update_changes_only_what_is_given(session: Session, lighting: Category, roads: Category) -> None:
    reply = create_canned(session, title="Titolo", body="Testo", category_id=lighting.id)
    update_canned(session, reply.id, body="Testo nuovo")
    session.expire_all()
    stored = session.get(CannedReply, reply.id)
    assert stored is not None
    assert (stored.title, stored.body, stored.category_id) == ("Titolo", "Testo nuovo", lighting.id)
    with pytest.raises(InvalidInput):
        update_canned(session, stored, language=None)  # type: ignore[arg-type]

    update_canned(session, stored, category_id=roads.id, language="en", title="Title")
    assert (stored.category_id, stored.language, stored.title) == (roads.id, "en", "Title")
    update_canned(session, stored, category_id=None)  # becomes a general reply
    assert stored.category_id is None

    deactivate_canned(session, stored.id)
    assert stored.active is False
    assert list_canned(session, language="en") == []
    update_canned(session, stored, active=True)
    assert titles(list_canned(session, language="en")) == ["Title"]


def test_unknown_reply_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        update_canned(session, 999_999, title="x")
    with pytest.raises(NotFound):
        deactivate_canned(session, 999_999)


def test_a_category_s_replies_go_with_it(session: Session, lighting: Category) -> None:
    create_canned(session, title="Lampada", body="Sostituita.", category_id=lighting.id)
    create_canned(session, title="Generale", body="Grazie.")
    session.delete(lighting)
    session.commit()
    assert titles(list(session.scalars(sa.select(CannedReply)))) == ["Generale"]


def test_render_fills_the_known_placeholders(session: Session, lighting: Category) -> None:
    report = create_report(session, category=lighting, address="Via Roma 12, Bologna")
    reply = create_canned(
        session,
        title="Presa in carico",
        body="La segnalazione {numero} ({categoria}) in {indirizzo} "
        "è presa in carico. Ref. {number}, {category}, {address}.",
    )
    text = render_canned(reply, report)
    assert text == (
        f"La segnalazione {report.public_id} (Illuminazione pubblica) in Via Roma 12, Bologna "
        f"è presa in carico. Ref. {report.public_id}, Illuminazione pubblica, Via Roma 12, Bologna."
    )
    english = create_canned(session, title="Taken", body="Report {number} ({category})", language="en")
    assert render_canned(english, report) == f"Report {report.public_id} (Street lighting)"
    assert render_canned(reply, report, language="en").startswith(
        f"La segnalazione {report.public_id} (Street lighting)"
    )


def test_render_is_not_a_template_language(session: Session, lighting: Category) -> None:
    sneaky = "{numero} {0} {report.tracking_token}"
    report = create_report(session, category=lighting, address=sneaky, point=None)
    body = (
        "{numero.__class__} {0} {} {{numero}} {NUMERO} {report.tracking_token} %(numero)s "
        "{indirizzo} {unknown} { numero } {numero"
    )
    reply = create_canned(session, title="Strana", body=body)
    text = render_canned(reply, report)
    assert text == (
        "{numero.__class__} {0} {} {" + report.public_id + "} {NUMERO} {report.tracking_token} %(numero)s "
        "{numero} {0} {report.tracking_token} {unknown} { numero } {numero"
    )
    assert report.tracking_token not in text

    report.address = None
    assert render_canned(create_canned(session, title="Vuoto", body="[{address}]"), report) == "[]"


def test_render_fills_state_office_and_due_date(session: Session, lighting: Category) -> None:
    office = Office(code="illuminazione", name="Ufficio illuminazione")
    session.add(office)
    due = datetime(2026, 5, 4, 10, tzinfo=UTC)
    report = create_report(
        session, category=lighting, status="acknowledged", acknowledged_at=due, office=office, due_at=due
    )
    reply = create_canned(session, title="Stato", body="{stato} / {ufficio} / {scadenza}")
    assert render_canned(reply, report) == "Presa in carico / Ufficio illuminazione / 4 maggio 2026"
    english = create_canned(session, title="State", body="{status} / {office} / {due}", language="en")
    assert render_canned(english, report) == "Taken in charge / Ufficio illuminazione / 4 May 2026"
    report.office, report.due_at = None, None
    session.flush()
    assert render_canned(english, report) == "Taken in charge /  / "


def test_unknown_placeholders_are_named() -> None:
    assert unknown_placeholders("{numero} {stato} {due} {nome} {report.token} { numero } {0} {}") == [
        "{nome}",
        "{report.token}",
        "{ numero }",
    ]
    assert unknown_placeholders("Nessun segnaposto: {} {0} {{numero}} va bene.") == []


def test_with_the_case_s_state_the_matching_templates_come_first(
    session: Session, lighting: Category
) -> None:
    create_canned(session, title="a generale", body="x")
    create_canned(session, title="b categoria", body="x", category_id=lighting.id)
    for title, category_id, status in (
        ("c stato", None, "new"),
        ("d categoria e stato", lighting.id, "new"),
        ("e altro stato", None, "resolved"),
    ):
        reply = create_canned(session, title=title, body="x", category_id=category_id)
        reply.status = status
    session.commit()
    assert titles(list_canned(session, category_id=lighting.id, status="new")) == [
        "d categoria e stato",
        "c stato",
        "b categoria",
        "a generale",
        "e altro stato",
    ]
    assert titles(list_canned(session, category_id=lighting.id)) == [
        "a generale",
        "b categoria",
        "c stato",
        "d categoria e stato",
        "e altro stato",
    ]
