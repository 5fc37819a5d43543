"""The AgID rating widget (C.SI.2.5/2.6): its structure on our pages, both posts, hostile input, figures."""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.domain.feedback import ANSWERS, NEGATIVE, POSITIVE
from flask_citizencare.models.feedback import PageRating

from .host import host_db
from .staff import Team, client_for

EN = {"Accept-Language": "en"}
JSON = {"Accept-Language": "en", "Accept": "application/json"}
INDEX = "/citizencare/"
TRACK_RULE = "/citizencare/track/<token>"


class Elements(HTMLParser):
    """Every element with a data-element: its tag, attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in {"input", "br", "img", "path"}:
            if "data-element" in attributes:
                self.found.append({"tag": tag, "attrs": attributes, "text": ""})
            return
        element = {"tag": tag, "attrs": attributes, "text": ""}
        if "data-element" in attributes:
            self.found.append(element)
        self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element in self._open:
            if "data-element" in element["attrs"]:
                element["text"] += data


def elements(html: str) -> list[dict[str, Any]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


def named(html: str, name: str) -> list[dict[str, Any]]:
    return [e for e in elements(html) if e["attrs"].get("data-element") == name]


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def widget_fields(client: FlaskClient, url: str = INDEX) -> dict[str, str]:
    html = client.get(url, headers=EN).get_data(as_text=True)
    page = re.search(r'<input type="hidden" name="page" value="([^"]*)"', html)
    assert page
    return {"csrf_token": csrf(html), "page": page.group(1).replace("&lt;", "<").replace("&gt;", ">")}


def rows(app: Flask) -> list[PageRating]:
    with app.app_context():
        return list(host_db.session.scalars(sa.select(PageRating).order_by(PageRating.id)))


def test_widget_has_the_model_structure_on_the_index(client: FlaskClient) -> None:
    html = client.get(INDEX, headers=EN).get_data(as_text=True)
    (feedback,) = named(html, "feedback")
    (title,) = named(html, "feedback-title")
    assert title["tag"] == "h2" and title["text"].strip() == "How clear is the information on this page?"
    for n in range(1, 6):
        (star,) = named(html, f"feedback-rate-{n}")
        assert star["tag"] == "label" and star["attrs"]["for"] == f"cc-star{n}"
        assert f'<input type="radio" id="cc-star{n}" name="rating" value="{n}"' in html
    (positive,) = named(html, "feedback-rating-positive")
    (negative,) = named(html, "feedback-rating-negative")
    assert "hidden" in positive["attrs"] and "hidden" in negative["attrs"]
    questions = [q["text"].strip() for q in named(html, "feedback-rating-question")]
    assert questions == ["What did you like best?", "Where did you have the most difficulty?"]
    answers = [a["text"].strip() for a in named(html, "feedback-rating-answer")]
    assert answers == [
        "The instructions were clear",
        "The instructions were complete",
        "I always understood that I was proceeding correctly",
        "I had no technical problems",
        "Other",
        "Sometimes the instructions were not clear",
        "Sometimes the instructions were not complete",
        "Sometimes I did not understand whether I was proceeding correctly",
        "I had technical problems",
        "Other",
    ]
    (text,) = named(html, "feedback-input-text")
    assert text["tag"] == "input" and text["attrs"]["maxlength"] == "200"
    assert "js/feedback.js" in html
    assert feedback["tag"] == "div"


@pytest.mark.parametrize(
    "url", [INDEX, "/citizencare/map", "/citizencare/dashboard", "/citizencare/opendata/"]
)
def test_every_public_page_carries_the_widget(client: FlaskClient, url: str) -> None:
    response = client.get(url, headers=EN)
    assert response.status_code == 200
    assert len(named(response.get_data(as_text=True), "feedback")) == 1


def test_an_error_page_of_a_known_rule_carries_it_too(client: FlaskClient) -> None:
    response = client.get("/citizencare/reports/2099-999999", headers=EN)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'name="page" value="/citizencare/reports/&lt;public_id&gt;"' in html


def test_staff_pages_do_not(app: Flask, team: Team) -> None:
    staff = client_for(app, team, "marco")
    for url in ("/citizencare/staff/", "/citizencare/staff/dashboard"):
        response = staff.get(url, headers=EN)
        assert response.status_code == 200, url
        assert not named(response.get_data(as_text=True), "feedback"), url


def test_the_page_is_the_path_template_not_the_url(app: Flask, client: FlaskClient) -> None:
    html = client.get("/citizencare/track/not-a-real-token-xyz?utm=1", headers=EN).get_data(as_text=True)
    assert 'name="page" value="/citizencare/track/&lt;token&gt;"' in html
    assert "not-a-real-token-xyz" not in re.search(r'name="page" value="([^"]*)"', html).group(1)  # type: ignore[union-attr]


def test_no_javascript_two_steps_store_one_row(app: Flask, client: FlaskClient) -> None:
    fields = widget_fields(client)
    first = client.post("/citizencare/feedback", data={**fields, "rating": "2", "step": "rate"}, headers=EN)
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    (negative,) = named(html, "feedback-rating-negative")
    (positive,) = named(html, "feedback-rating-positive")
    assert "hidden" not in negative["attrs"] and "hidden" in positive["attrs"]
    assert 'id="cc-star2" name="rating" value="2" class="cc-feedback__star-input" checked' in html
    assert rows(app) == []  # nothing stored before the block is sent
    second = client.post(
        "/citizencare/feedback",
        data={
            "csrf_token": csrf(html),
            "page": fields["page"],
            "rating": "2",
            "answer": "unclear",
            "comment": "Troppi passaggi",
            "step": "details",
        },
        headers=EN,
    )
    assert second.status_code == 201
    assert "Thank you, your feedback will help us improve the service!" in second.get_data(as_text=True)
    (row,) = rows(app)
    assert (row.page, row.rating, row.answer, row.comment, row.locale) == (
        "/citizencare/",
        2,
        "unclear",
        "Troppi passaggi",
        "en",
    )


def test_javascript_post_stores_at_once(app: Flask, client: FlaskClient) -> None:
    fields = widget_fields(client)
    fields["page"] = TRACK_RULE
    response = client.post(
        "/citizencare/feedback",
        data={**fields, "rating": "5", "answer": "clear", "comment": ""},
        headers=JSON,
    )
    assert response.status_code == 201
    assert response.get_json()["ok"] is True
    (row,) = rows(app)
    assert (row.page, row.rating, row.answer, row.comment) == (TRACK_RULE, 5, "clear", None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rating": "0"}, "Choose from 1 to 5 stars."),
        ({"rating": "6"}, "Choose from 1 to 5 stars."),
        ({"rating": "tre"}, "Choose from 1 to 5 stars."),
        ({"rating": ""}, "Choose from 1 to 5 stars."),
        ({"answer": "bribery"}, "Choose one of the answers offered."),
        ({"rating": "5", "answer": "unclear"}, "Choose one of the answers offered."),  # not of its block
        ({"comment": "x" * 201}, "Write at most 200 characters"),
        ({"page": "/citizencare/track/abc123"}, "This page cannot be rated."),
        ({"page": "/citizencare/staff/"}, "This page cannot be rated."),
        ({"page": "/citizencare/feedback"}, "This page cannot be rated."),
        ({"page": "https://evil.example/"}, "This page cannot be rated."),
    ],
)
def test_hostile_posts_get_a_clear_400_and_store_nothing(
    app: Flask, client: FlaskClient, change: dict[str, str], message: str
) -> None:
    fields = widget_fields(client)
    data = {**fields, "rating": "2", "answer": "lost", "comment": "ok", "step": "details", **change}
    for headers in (EN, JSON):
        response = client.post("/citizencare/feedback", data=data, headers=headers)
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert message in (response.get_json()["error"] if headers is JSON else body)
    assert rows(app) == []


def test_a_nul_byte_is_refused_before_the_view(app: Flask, client: FlaskClient) -> None:
    fields = widget_fields(client)
    data = {**fields, "rating": "2", "comment": "a\x00b", "step": "details"}
    for headers in (EN, JSON):
        assert client.post("/citizencare/feedback", data=data, headers=headers).status_code == 400
    assert rows(app) == []


def test_the_refusal_speaks_italian_by_default(client: FlaskClient) -> None:
    fields = widget_fields(client)
    response = client.post(
        "/citizencare/feedback", data={**fields, "rating": "9"}, headers={"Accept-Language": "it"}
    )
    assert response.status_code == 400
    assert 'lang="it"' in response.get_data(as_text=True)


def test_a_post_without_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    fields = widget_fields(client)
    response = client.post("/citizencare/feedback", data={"page": fields["page"], "rating": "4"}, headers=EN)
    assert response.status_code == 400
    assert "the form can only be sent from the page that showed it" in response.get_data(as_text=True)
    assert rows(app) == []


def test_ratings_are_limited_per_address(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_RATELIMIT_FEEDBACK_PER_IP"] = "2 per hour"
    fields = widget_fields(client)
    data = {**fields, "rating": "4"}
    assert client.post("/citizencare/feedback", data=data, headers=JSON).status_code == 201
    assert client.post("/citizencare/feedback", data=data, headers=JSON).status_code == 201
    refused = client.post("/citizencare/feedback", data=data, headers=EN)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert len(rows(app)) == 2


def _rate(app: Flask, client: FlaskClient) -> None:
    fields = widget_fields(client)
    for page, rating, answer, comment in (
        ("/citizencare/", 5, "clear", "Chiarissimo"),
        ("/citizencare/", 4, "complete", None),
        ("/citizencare/", 1, "technical_problems", "La mappa non si carica"),
        (TRACK_RULE, 3, None, None),
    ):
        data = {
            **fields,
            "page": page,
            "rating": str(rating),
            "answer": answer or "",
            "comment": comment or "",
        }
        assert client.post("/citizencare/feedback", data=data, headers=JSON).status_code == 201


def test_staff_dashboard_shows_the_figures_and_the_texts(app: Flask, client: FlaskClient, team: Team) -> None:
    _rate(app, client)
    html = (
        client_for(app, team, "marco").get("/citizencare/staff/dashboard", headers=EN).get_data(as_text=True)
    )
    section = html[html.index('id="cc-page-ratings"') :]
    assert "How clear our pages are" in section
    assert "/citizencare/track/&lt;token&gt;" in section
    assert "3.3" in section  # (5 + 4 + 1) / 3
    assert "La mappa non si carica" in section and "Chiarissimo" in section
    assert section.index("La mappa non si carica") < section.index("Chiarissimo")  # newest first
    assert "The instructions were clear" in section


def test_technicians_and_the_public_do_not_see_the_texts(app: Flask, client: FlaskClient, team: Team) -> None:
    _rate(app, client)
    technician = client_for(app, team, "tina").get("/citizencare/staff/dashboard", headers=EN)
    assert "La mappa non si carica" not in technician.get_data(as_text=True)
    for url in (
        "/citizencare/dashboard",
        "/citizencare/opendata/",
        "/citizencare/opendata/page-ratings.csv",
        "/citizencare/opendata/page-ratings.json",
    ):
        body = client.get(url, headers=EN).get_data(as_text=True)
        assert "La mappa non si carica" not in body and "Chiarissimo" not in body, url


def test_open_data_has_the_aggregates_only(app: Flask, client: FlaskClient) -> None:
    _rate(app, client)
    data = client.get("/citizencare/opendata/page-ratings.json", headers=EN).get_json()
    by_page = {item["page"]: item for item in data["pages"]}
    home = by_page["/citizencare/"]
    assert home["count"] == 3 and home["average"] == pytest.approx(3.33, abs=0.01)
    assert home["ratings"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert home["answers"]["clear"] == 1 and home["answers"]["technical_problems"] == 1
    assert set(home) == {"page", "count", "average", "ratings", "answers"}
    response = client.get("/citizencare/opendata/page-ratings.csv", headers=EN)
    assert response.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    track = next(row for row in table if row["page"] == TRACK_RULE)
    assert track["count"] == "1" and track["rating_3"] == "1" and track["answer_clear"] == "0"
    assert not any("comment" in name for name in table[0])
    index = client.get("/citizencare/opendata/", headers=EN).get_data(as_text=True)
    assert "page-ratings.csv" in index and "page-ratings.json" in index


def test_answer_codes_are_the_model_five_per_block() -> None:
    assert len(ANSWERS[POSITIVE]) == 5 and len(ANSWERS[NEGATIVE]) == 5


def test_the_italian_texts_are_the_model_ones(client: FlaskClient) -> None:
    """Italian is the default language, and the widget speaks the model's exact words."""
    page = html.unescape(client.get(INDEX).get_data(as_text=True))
    for text in (
        "Quanto sono chiare le informazioni su questa pagina?",
        "Dove hai incontrato le maggiori difficoltà?",
        "Quali sono stati gli aspetti che hai preferito?",
        "Le indicazioni erano chiare",
        "A volte non capivo se stavo procedendo correttamente",
        "Altro",
    ):
        assert text in page, text
    catalan = html.unescape(client.get(INDEX, headers={"Accept-Language": "ca"}).get_data(as_text=True))
    assert "Quanto sono chiare" not in catalan and 'data-element="feedback-title"' in catalan
