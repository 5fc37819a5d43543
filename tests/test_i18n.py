"""Languages: Italian by default, English and Catalan shipped and complete."""

from __future__ import annotations

import runpy
from datetime import UTC
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "flask_citizencare" / "translations"


@pytest.mark.parametrize(
    ("accept", "heading"),
    [
        (None, "Mappa delle segnalazioni"),
        ("it-IT,it;q=0.9", "Mappa delle segnalazioni"),
        ("en-GB,en;q=0.8", "Map of reports"),
        ("ca", "Mapa de les incidències"),
        ("de-DE", "Mappa delle segnalazioni"),
    ],
)
def test_accept_language_picks_the_language(client, accept: str | None, heading: str) -> None:  # type: ignore[no-untyped-def]
    headers = {"Accept-Language": accept} if accept else {}
    html = client.get("/citizencare/map", headers=headers).get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in html


def test_chosen_language_beats_accept_language(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/citizencare/language/ca?next=/citizencare/", headers={"Accept-Language": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/citizencare/"
    html = client.get("/citizencare/map", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Mapa de les incidències</h1>" in html


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)", "evil"]
)
def test_language_switch_never_redirects_off_site(client, target: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/citizencare/language/en", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/citizencare/"


def test_unknown_language_is_404(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/citizencare/language/xx").status_code == 404


def test_dates_use_the_language_and_the_municipality_time_zone(app: Flask) -> None:
    from datetime import datetime

    from flask_babel import force_locale

    from flask_citizencare.formatting import cc_datetime

    late_evening_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Rome
    with app.test_request_context():
        with force_locale("it"):
            assert cc_datetime(late_evening_utc, "d MMMM y HH:mm") == "2 marzo 2026 00:30"
        with force_locale("ca"):
            assert cc_datetime(late_evening_utc, "d MMMM y") == "2 de març 2026"


@pytest.mark.parametrize("language", ["it", "ca"])
def test_catalogs_are_complete(language: str) -> None:
    missing = runpy.run_path(str(ROOT / "scripts" / "update_translations.py"))["missing"]
    assert missing(language) == []


def test_template_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    """Every translatable string in the code is in the catalogs (run scripts/update_translations.py)."""
    fresh = tmp_path / "messages.pot"
    runpy.run_path(str(ROOT / "scripts" / "update_translations.py"))["extract"](fresh)
    with open(fresh, "rb") as fh:
        extracted = {m.id for m in read_po(fh) if m.id}
    with open(CATALOGS / "it" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalogued = {m.id for m in read_po(fh) if m.id}
    assert extracted - catalogued == set()
