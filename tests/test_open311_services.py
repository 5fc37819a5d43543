"""Open311 ``services`` and ``services/{code}``: both formats, the spec's schemas and order, languages,
what the form hides (inactive categories, retired questions and choices), 404s, ETag; both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy.orm import Session

from flask_citizencare.i18n import gettext as cc_gettext

from .conftest import BOLOGNA, dispose, empty_tables
from .factories import create_category
from .host import host_db, make_host_app
from .open311 import API, assert_in_order, child_names, validate, xml_root

SERVICE_ORDER = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_ORDER = [
    "variable", "code", "datatype", "required", "datatype_description", "order", "description", "values",
]  # fmt: skip

QUESTIONS: list[dict[str, Any]] = [
    {"key": "intro", "type": "note", "label": {"it": "Leggere prima", "en": "Read first"}},
    {
        "key": "pole_number",
        "type": "string",
        "label": {"it": "Numero del palo", "en": "Pole number", "ca": "Número del pal"},
        "help": {"it": "Scritto sul palo", "en": "Written on the pole"},
        "required": True,
    },
    {"key": "old_one", "type": "string", "label": {"it": "Vecchia domanda"}, "retired": True},
    {
        "key": "state",
        "type": "singlevaluelist",
        "label": {"it": "Stato", "en": "State"},
        "choices": [
            {"value": "spento", "label": {"it": "Spento", "en": "Off"}},
            {"value": "lampeggia", "label": {"it": "Lampeggia"}, "retired": True},
            {"value": "acceso", "label": {"it": "Acceso di giorno", "en": "On by day"}},
        ],
    },
    {
        "key": "sides",
        "type": "multivaluelist",
        "label": {"it": "Lati"},
        "choices": [{"value": "nord", "label": {"it": "Nord"}}, {"value": "sud", "label": {"it": "Sud"}}],
    },
    {"key": "height", "type": "number", "label": {"it": "Altezza"}},
    {"key": "seen_at", "type": "datetime", "label": {"it": "Visto alle"}},
    {"key": "details", "type": "text", "label": {"it": "Dettagli"}},
]


@pytest.fixture
def catalogue(db_session: Session) -> None:
    create_category(
        db_session,
        code="lights",
        name="Illuminazione",
        names={"en": "Street lights", "ca": "Enllumenat"},
        help_text="Lampioni spenti",
        help_texts={"en": "Street lights off"},
        group="Strade",
        position=2,
        questions=QUESTIONS,
        keywords=["lampione", "luce"],
    )
    create_category(db_session, code="holes", name="Buche", group="Strade", position=1)
    create_category(db_session, code="bins", name="Cassonetti", group="Ambiente", position=5, keywords=[])
    create_category(db_session, code="gone", name="Vecchia", group="Ambiente", active=False)
    create_category(
        db_session,
        code="retired-only",
        name="Solo ritirate",
        group="Verde",
        questions=[{"key": "x", "type": "string", "label": {"it": "X"}, "retired": True}],
    )
    db_session.commit()


def get(client: FlaskClient, path: str, **params: Any) -> Any:
    response = client.get(f"{API}{path}", query_string=params or None)
    assert response.status_code == 200, response.get_data(as_text=True)
    if path.endswith(".json"):
        assert response.mimetype == "application/json"
        return response.get_json()
    assert response.mimetype == "text/xml"
    return response.get_data()


def errors_of(client: FlaskClient, path: str, status: int, **params: Any) -> list[dict[str, Any]]:
    """The spec's error document, in both formats: ``[{"code", "description"}]``."""
    response = client.get(f"{API}{path}.json", query_string=params or None)
    assert response.status_code == status, response.get_data(as_text=True)
    document = response.get_json()
    assert [error["code"] for error in document] == [status]
    response = client.get(f"{API}{path}.xml", query_string=params or None)
    assert response.status_code == status
    root = xml_root(response.get_data(), "errors")
    assert child_names(root) == ["error"]
    assert child_names(root[0]) == ["code", "description"]
    assert root[0].findtext("code") == str(status)
    assert root[0].findtext("description") == document[0]["description"]
    return document  # type: ignore[no-any-return]


# -- services ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("catalogue")
def test_services_json_lists_the_active_categories_in_form_order(client: FlaskClient) -> None:
    data = get(client, "/services.json")
    validate(data, "services.json")
    # Groups in order (Ambiente, Strade, Verde), then positions within a group.
    assert [item["service_code"] for item in data] == ["bins", "holes", "lights", "retired-only"]
    lights = data[2]
    assert list(lights) == SERVICE_ORDER
    assert lights == {
        "service_code": "lights",
        "service_name": "Illuminazione",
        "description": "Lampioni spenti",
        "metadata": True,
        "type": "realtime",
        "keywords": "lampione, luce",
        "group": "Strade",
    }
    holes = data[1]
    assert holes["description"] is None
    assert holes["keywords"] is None
    assert holes["metadata"] is False
    assert data[0]["keywords"] is None  # an empty list
    assert data[3]["metadata"] is False  # only retired questions
    assert "gone" not in {item["service_code"] for item in data}


@pytest.mark.usefixtures("catalogue")
def test_services_in_the_language_of_locale(client: FlaskClient) -> None:
    english = {item["service_code"]: item for item in get(client, "/services.json", locale="en")}
    validate(list(english.values()), "services.json")
    assert english["lights"]["service_name"] == "Street lights"
    assert english["lights"]["description"] == "Street lights off"
    assert english["holes"]["service_name"] == "Buche"  # no English name: the default language's
    catalan = {item["service_code"]: item for item in get(client, "/services.json", locale="ca")}
    assert catalan["lights"]["service_name"] == "Enllumenat"
    assert catalan["lights"]["description"] == "Lampioni spenti"  # no Catalan help: Italian
    unknown = {item["service_code"]: item for item in get(client, "/services.json", locale="xx")}
    assert unknown["lights"]["service_name"] == "Illuminazione"


@pytest.mark.usefixtures("catalogue")
def test_services_xml_names_and_order(client: FlaskClient) -> None:
    root = xml_root(get(client, "/services.xml", locale="en"), "services")
    assert child_names(root) == ["service"] * 4
    assert [item.findtext("service_code") for item in root] == ["bins", "holes", "lights", "retired-only"]
    lights = root[2]
    assert child_names(lights) == SERVICE_ORDER
    assert_in_order(lights, SERVICE_ORDER)
    assert lights.findtext("service_name") == "Street lights"
    assert lights.findtext("metadata") == "true"
    assert lights.findtext("type") == "realtime"
    assert lights.findtext("keywords") == "lampione, luce"
    holes = root[1]
    assert holes.findtext("metadata") == "false"
    assert holes.find("description") is not None and holes.findtext("description") == ""


def test_no_services_is_an_empty_list(client: FlaskClient) -> None:
    data = get(client, "/services.json")
    assert data == []
    validate(data, "services.json")
    assert child_names(xml_root(get(client, "/services.xml"), "services")) == []


# -- service definition ------------------------------------------------------------------------------


@pytest.mark.usefixtures("catalogue")
def test_definition_json_lists_the_questions_on_the_form(client: FlaskClient) -> None:
    data = get(client, "/services/lights.json")
    validate(data, "service-definition.json")
    assert list(data) == ["service_code", "attributes"]
    assert data["service_code"] == "lights"
    attributes = data["attributes"]
    assert [a["code"] for a in attributes] == [
        "intro", "pole_number", "state", "sides", "height", "seen_at", "details",
    ]  # fmt: skip
    assert [a["order"] for a in attributes] == list(range(1, 8))
    note, pole, state, sides, height, seen_at, details = attributes
    assert note == {
        "variable": False,
        "code": "intro",
        "datatype": "string",
        "required": False,
        "datatype_description": None,
        "order": 1,
        "description": "Leggere prima",
    }
    assert list(pole) == ATTRIBUTE_ORDER[:-1]
    assert pole["variable"] is True
    assert pole["required"] is True
    assert pole["datatype_description"] == "Scritto sul palo"
    assert pole["description"] == "Numero del palo"
    assert list(state) == ATTRIBUTE_ORDER
    assert state["datatype"] == "singlevaluelist"
    assert state["values"] == [
        {"key": "spento", "name": "Spento"},
        {"key": "acceso", "name": "Acceso di giorno"},
    ]
    assert sides["datatype"] == "multivaluelist"
    assert sides["values"] == [{"key": "nord", "name": "Nord"}, {"key": "sud", "name": "Sud"}]
    assert [height["datatype"], seen_at["datatype"], details["datatype"]] == ["number", "datetime", "text"]
    assert "values" not in height


@pytest.mark.usefixtures("catalogue")
def test_definition_in_the_language_of_locale(client: FlaskClient) -> None:
    data = get(client, "/services/lights.json", locale="en")
    validate(data, "service-definition.json")
    by_code = {a["code"]: a for a in data["attributes"]}
    assert by_code["intro"]["description"] == "Read first"
    assert by_code["pole_number"]["description"] == "Pole number"
    assert by_code["pole_number"]["datatype_description"] == "Written on the pole"
    assert by_code["state"]["values"] == [
        {"key": "spento", "name": "Off"},
        {"key": "acceso", "name": "On by day"},
    ]
    assert by_code["sides"]["description"] == "Lati"  # no English label: the default language's
    catalan = {a["code"]: a for a in get(client, "/services/lights.json", locale="ca")["attributes"]}
    assert catalan["pole_number"]["description"] == "Número del pal"
    assert catalan["pole_number"]["datatype_description"] == "Scritto sul palo"


@pytest.mark.usefixtures("catalogue")
def test_definition_xml_names_and_order(client: FlaskClient) -> None:
    root = xml_root(get(client, "/services/lights.xml"), "service_definition")
    assert child_names(root) == ["service_code", "attributes"]
    assert root.findtext("service_code") == "lights"
    attributes = root.find("attributes")
    assert attributes is not None
    assert child_names(attributes) == ["attribute"] * 7
    note, pole, state = attributes[0], attributes[1], attributes[2]
    assert child_names(note) == ATTRIBUTE_ORDER[:-1]
    assert note.findtext("variable") == "false"
    assert note.findtext("datatype") == "string"
    assert pole.findtext("variable") == "true"
    assert pole.findtext("required") == "true"
    assert pole.findtext("order") == "2"
    assert child_names(state) == ATTRIBUTE_ORDER
    assert_in_order(state, ATTRIBUTE_ORDER)
    values = state.find("values")
    assert values is not None
    assert child_names(values) == ["value", "value"]
    assert [child_names(value) for value in values] == [["key", "name"]] * 2
    assert [value.findtext("key") for value in values] == ["spento", "acceso"]


@pytest.mark.usefixtures("catalogue")
def test_definition_without_questions_has_no_attributes(client: FlaskClient) -> None:
    for code in ("holes", "retired-only"):
        data = get(client, f"/services/{code}.json")
        validate(data, "service-definition.json")
        assert data == {"service_code": code, "attributes": []}
        root = xml_root(get(client, f"/services/{code}.xml"), "service_definition")
        assert child_names(root) == ["service_code", "attributes"]
        assert child_names(root[1]) == []


@pytest.mark.usefixtures("catalogue")
def test_unknown_inactive_or_too_long_code_is_404(app: Flask, client: FlaskClient) -> None:
    for code in ("nope", "gone", "x" * 65, "LIGHTS"):
        document = errors_of(client, f"/services/{code}", 404)
        assert document[0]["description"].startswith("service_code: ")
    english = errors_of(client, "/services/nope", 404, locale="en")
    italian = errors_of(client, "/services/nope", 404)
    assert english[0]["description"] == "service_code: there is no service with this code."
    with app.test_request_context(), force_locale("it"):
        expected = "service_code: " + cc_gettext("there is no service with this code.")
    assert italian[0]["description"] == expected


@pytest.mark.usefixtures("catalogue")
def test_etag_and_304(client: FlaskClient) -> None:
    for path in ("/services.json", "/services.xml", "/services/lights.json", "/services/lights.xml"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 200
        etag = response.headers["ETag"]
        again = client.get(f"{API}{path}", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.get_data() == b""
        english = client.get(f"{API}{path}", query_string={"locale": "en"}, headers={"If-None-Match": etag})
        assert english.status_code == 200  # another language, another body


def test_etag_changes_with_the_catalogue(client: FlaskClient, db_session: Session) -> None:
    category = create_category(db_session, code="lights", name="Illuminazione")
    db_session.commit()
    etag = client.get(f"{API}/services.json").headers["ETag"]
    category.keywords = ["lampione"]
    db_session.commit()
    response = client.get(f"{API}/services.json", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.get_json()[0]["keywords"] == "lampione"


@pytest.fixture
def jurisdiction_app(database_url: str, tmp_path: Any) -> Iterator[Flask]:
    app = make_host_app(
        database_url,
        CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        CITIZENCARE_AREA=BOLOGNA,
        CITIZENCARE_OPEN311_JURISDICTION="x",
    )
    yield app
    empty_tables(app)
    dispose(app)


def test_other_jurisdiction_is_404(jurisdiction_app: Flask) -> None:
    with jurisdiction_app.app_context():
        create_category(host_db.session, code="lights", name="Illuminazione")
        host_db.session.commit()
    client = jurisdiction_app.test_client()
    for path in ("/services", "/services/lights"):
        document = errors_of(client, path, 404, jurisdiction_id="y", locale="en")
        assert document[0]["description"].startswith("jurisdiction_id: ")
        assert json.dumps(document)
    assert get(client, "/services.json", jurisdiction_id="x")[0]["service_code"] == "lights"
    assert get(client, "/services/lights.json", jurisdiction_id="x")["service_code"] == "lights"
    assert get(client, "/services.json")[0]["service_code"] == "lights"  # not given: ours
