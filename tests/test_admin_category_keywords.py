"""A category's Open311 keywords: kept on the administration screen, checked, audited, published."""

from __future__ import annotations

import pytest
from flask import Flask

from flask_citizencare.domain.keywords import KeywordsError, clean_keywords, split_keywords

from .open311 import API
from .staff import Team
from .test_admin_categories import EN, URL, category, client_for, csrf, entries, form, snapshot


def test_keywords_are_saved_audited_shown_and_published(app: Flask, team: Team) -> None:
    ada = client_for(app, team, "ada")
    url = f"{URL}/{team.potholes.id}"
    data = form(csrf(ada, url), code="potholes", name_it="Buche", keywords=" buca,asfalto, Buca ,, ")
    response = ada.post(url, data=data, headers=EN)
    assert response.status_code == 303, response.get_data(as_text=True)
    saved = category(app, "potholes")
    assert saved is not None and saved.keywords == ["buca", "asfalto"]
    [(action, changes, _actor)] = entries(app, team.potholes.id)
    assert action == "update" and changes["keywords"] == [None, ["buca", "asfalto"]]
    assert 'value="buca, asfalto"' in ada.get(url, headers=EN).get_data(as_text=True)
    services = app.test_client().get(f"{API}/services.json").get_json()
    assert {s["service_code"]: s["keywords"] for s in services}["potholes"] == "buca, asfalto"
    # Emptied: none again.
    ada.post(url, data=form(csrf(ada, url), code="potholes", name_it="Buche", keywords=""), headers=EN)
    emptied = category(app, "potholes")
    assert emptied is not None and emptied.keywords is None


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        (", ".join(f"parola{n}" for n in range(21)), "Give at most 20 keywords."),
        ("x" * 61, "A keyword can be at most 60 characters long."),
    ],
)
def test_bad_keywords_are_refused_and_nothing_is_written(
    app: Flask, team: Team, keywords: str, message: str
) -> None:
    ada = client_for(app, team, "ada")
    before = snapshot(app)
    response = ada.post(URL + "/new", data=form(csrf(ada, URL + "/new"), keywords=keywords), headers=EN)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before
    assert category(app, "verde") is None


def test_keyword_rules() -> None:
    assert split_keywords(" a , b,,c ") == ["a", "b", "c"]
    assert clean_keywords(["Lampione", " lampione ", "luce", ""]) == ("Lampione", "luce")
    for words, code in (([1], "not_text"), (["a,b"], "comma"), (["a\x01"], "control")):
        with pytest.raises(KeywordsError) as caught:
            clean_keywords(words)
        assert caught.value.code == code
