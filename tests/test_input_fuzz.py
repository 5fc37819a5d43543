"""Random and hostile input at every route of ours, as an admin: never a 5xx.

Nothing here is a hand list of parameters: the routes come from the app's URL
map, and the query arguments and form fields each route reads are discovered
by asking it once (the request's ``MultiDict`` records which names the view
and its WTForms form looked up). Hypothesis then throws random strings, huge
numbers, NULs and dates at the ends of the calendar at them, in the path too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask, Request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

from flask_citizencare.models import AnswerState, CannedReply, RoutingRuleRecord
from flask_citizencare.services.answer_states import ensure_default_states
from flask_citizencare.services.api_keys import create_key

from .factories import create_notice, create_photo, create_report
from .host import host_db
from .reporting import form_tokens
from .staff import Team, client_for

#: Names looked up in a request's query string or form, since the last clear().
SEEN: set[str] = set()


class RecordingMultiDict(ImmutableMultiDict[str, str]):
    def __contains__(self, key: object) -> bool:
        SEEN.add(str(key))
        return super().__contains__(key)

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        SEEN.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        SEEN.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key: str) -> Any:
        SEEN.add(key)
        return super().__getitem__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingMultiDict


HUGE = [
    str(2**31),
    str(2**63),
    str(2**64),
    "9" * 20,
    "-" + "9" * 20,
    "1" * 5000,
    "1.99999999999999999999",
    "1e309",
]
EDGES = ["0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "1900-01-01", "2999-12-31"]
NASTY = ["\x00", "a\x00b", "nan", "inf", "-1", "0", "", " ", "\u202e", "%00", "\r\n", "x" * 3000]
VALUES = st.one_of(
    st.sampled_from(HUGE + EDGES + NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def server_error(status: int) -> bool:
    """5xx but 501, which vector tiles answer on purpose on SpatiaLite."""
    return status >= 500 and status != 501


def _samples(app: Flask, team: Team) -> dict[str, str]:
    """A valid value for every path variable name our routes use."""
    with app.app_context():
        report = create_report(
            host_db.session, category=host_db.session.merge(team.potholes), is_public=True, status="new"
        )
        photo = create_photo(host_db.session, report)
        # A category with an extra question, for the questions screens and the report form.
        lamps = host_db.session.merge(team.lamps)
        lamps.questions = [
            {
                "key": "light_problem",
                "type": "singlevaluelist",
                "label": {"it": "Che cosa succede?"},
                "choices": [{"value": "spento", "label": {"it": "Spento"}}],
            },
            {"key": "height", "type": "number", "label": {"it": "Altezza"}},
            {"key": "since", "type": "datetime", "label": {"it": "Da quando"}},
            {
                "key": "parts",
                "type": "multivaluelist",
                "label": "Parti",
                "choices": [{"value": "palo", "label": "Palo"}],
            },
        ]
        template = CannedReply(code="fuzz", title="Fuzz", body="Testo {numero}", language="it")
        host_db.session.add(template)
        rule = RoutingRuleRecord(position=1, category_id=team.potholes.id, office_id=team.roads.id)
        host_db.session.add(rule)
        ensure_default_states(host_db.session())
        answer_state = host_db.session.scalars(sa.select(AnswerState)).first()
        assert answer_state is not None
        notice = create_notice(host_db.session, categories=[lamps])
        host_db.session.commit()
        api_key, _ = create_key(host_db.session(), "fuzz", can_post=True)
        return {
            "key_id": str(api_key.id),
            "fmt": "json",
            "service_code": team.lamps.code,
            "service_request_id": report.public_id,
            "report_id": str(report.id),
            "member_id": str(team.members["olga"].id),
            "office_id": str(team.roads.id),
            "category_id": str(team.lamps.id),
            "question_key": "light_problem",
            "change": "retire",
            "template_id": str(template.id),
            "rule_id": str(rule.id),
            "state_id": str(answer_state.id),
            "state_change": "up",
            "public_id": report.public_id,
            "token": report.tracking_token,
            "key": photo.storage_key,
            "action": "acknowledge",
            "table": "categories",
            "code": "en",
            "z": "3",
            "x": "1",
            "y": "1",
            "rest": "nothing-here",
            "filename": "citizencare.css",
            "notice_id": str(notice.id),
            "field": "category",
        }


def _routes(app: Flask) -> list[tuple[Rule, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("citizencare.") and not rule.endpoint.endswith("static"):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule, method))
    return found


def _path(rule: Rule, values: dict[str, str]) -> str:
    parts = []
    for is_dynamic, text in rule._trace:
        if is_dynamic:
            parts.append(quote(values[text], safe=""))
        elif text != "|":
            parts.append(text)
    return "".join(parts)


@pytest.fixture
def fuzz(app: Flask, team: Team) -> Iterator[dict[str, Any]]:
    app.request_class = RecordingRequest
    samples = _samples(app, team)
    client = client_for(app, team, "ada")
    csrf = form_tokens(client)["csrf_token"]
    routes = []
    for rule, method in _routes(app):
        missing = set(rule.arguments) - set(samples)
        assert not missing, f"{rule.rule}: add a valid sample for {missing} to this test"
        SEEN.clear()
        path = _path(rule, samples)
        response = client.open(path, method=method, data={"csrf_token": csrf} if method == "POST" else None)
        response.get_data()  # streamed exports run to their end inside their request context
        response.close()
        assert not server_error(response.status_code), (path, method)
        routes.append((rule, method, sorted(SEEN - {"csrf_token"})))
    assert len(routes) > 30
    # The queue and the report form are among what was discovered, with their fields.
    names = {rule.endpoint + " " + method: fields for rule, method, fields in routes}
    assert {"category", "received_from", "after"} <= set(names["citizencare.staff.queue GET"])
    assert {"title", "description", "lat"} <= set(names["citizencare.public.new_report POST"])
    yield {"client": client, "csrf": csrf, "routes": routes, "samples": samples}


@pytest.mark.slow
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_input_makes_a_server_error(fuzz: dict[str, Any], data: st.DataObject) -> None:
    rule, method, fields = data.draw(st.sampled_from(fuzz["routes"]), label="route")
    values = dict(fuzz["samples"])
    hostile_path = False
    for name in rule.arguments:
        if data.draw(st.booleans(), label=f"hostile {name}"):
            values[name] = data.draw(VALUES, label=name)
            hostile_path = True
    chosen = data.draw(st.lists(st.sampled_from(fields), unique=True), label="fields") if fields else []
    params = {name: data.draw(VALUES, label=name) for name in chosen}
    path = _path(rule, values)
    client = fuzz["client"]
    if method == "POST":
        response = client.post(path, data={**params, "csrf_token": fuzz["csrf"]})
    else:
        response = client.open(path, method=method, query_string=params)
    body = response.get_data().decode("utf-8", "replace")  # binary answers too (the PDF receipt)
    response.close()
    assert not server_error(response.status_code), (method, path, params, body[:500])
    # (A hostile path may match no rule at all: that 404 is the host's, not the API's.)
    if rule.endpoint.startswith("citizencare.api.") and response.status_code >= 400 and not hostile_path:
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/citizencare/nearby?category=99999999999999999999&lat=44.49&lon=11.34", 400),
        ("/citizencare/map?cursor=1.99999999999999999999", 400),
        ("/citizencare/reports?cursor=1.99999999999999999999", 400),
        ("/citizencare/reports?cursor=99999999999999999999", 400),
        ("/citizencare/reports?cursor=a%00b", 400),
        ("/citizencare/reports?category=99999999999999999999", 400),
        ("/citizencare/reports?status=a%00b", 400),
        ("/citizencare/staff/?category=99999999999999999999", 400),
        ("/citizencare/staff/?level=99999999999999999999", 400),
        ("/citizencare/staff/?received_to=9999-12-31", 400),
        ("/citizencare/staff/?received_from=0001-01-01", 400),
        ("/citizencare/staff/?q=a%00b", 400),
        ("/citizencare/staff/reports/99999999999999999999", 404),
        ("/citizencare/staff/cases/99999999999999999999", 404),
        ("/citizencare/staff/cases/2026-000001%00", 404),
        ("/citizencare/staff/admin/routing?category=99999999999999999999", 400),
        ("/citizencare/staff/admin/routing?category=1&lat=91&lon=11.3", 400),
        ("/citizencare/staff/admin/routing?category=1&district=%00", 400),
        ("/citizencare/staff/admin/routing/99999999999999999999", 404),
        ("/citizencare/staff/knowledge?q=buca&category=99999999999999999999", 400),
        ("/citizencare/reports/2026%00", 404),
        ("/citizencare/dashboard?since=0001-01-01", 400),
        ("/citizencare/opendata/reports.csv?until=9999-12-31", 400),
        ("/citizencare/staff/admin/categories/99999999999999999999/questions", 404),
        ("/citizencare/staff/admin/categories/99999999999999999999/preview?lang=en", 404),
        ("/citizencare/staff/admin/categories/1/questions/a%00b/edit", 404),
        ("/citizencare/staff/admin/categories/1/preview?lang=a%00b", 400),
    ],
)
def test_known_bad_inputs_are_4xx_in_the_users_language(
    app: Flask, team: Team, url: str, status: int
) -> None:
    client = client_for(app, team, "ada")
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == status, response.get_data(as_text=True)[:500]


def test_a_cursor_with_a_huge_id_starts_over(app: Flask, team: Team) -> None:
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps({"due": None, "id": 2**70}).encode()).decode().rstrip("=")
    response = client_for(app, team, "ada").get(f"/citizencare/staff/?after={cursor}")
    assert response.status_code == 200


def test_a_nul_in_a_form_is_a_400_and_the_api_answers_problem_json(app: Flask, team: Team) -> None:
    client = client_for(app, team, "ada")
    csrf = form_tokens(client)["csrf_token"]
    response = client.post(
        "/citizencare/staff/canned",
        data={"csrf_token": csrf, "title": "a\x00", "body": "b"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400 and "could not be understood" in response.get_data(as_text=True)
    api = client.get("/citizencare/api/reports.geojson?category=a%00")
    assert api.status_code == 400 and api.mimetype == "application/problem+json"
