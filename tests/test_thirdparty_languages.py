"""Languages in a host with its own Flask-Babel catalog and selector (:mod:`tests.thirdparty`).

Our catalog and the host's share msgids ("Messages", "Search", and the host's
Spanish catalog translates our "Report a problem" on purpose): neither may change
the other's strings, and our language menu must work with the host's selector.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from .thirdparty import add_user
from .thirdparty import get_locale as hosts_own_selector
from .thirdparty.fixtures import dispose_engines, migrated_app

HOST_SPANISH = ("Mensajes", "Buscar", "Publicar un problema del blog")


def logged_in(app: Flask, headers: dict[str, str] | None = None) -> FlaskClient:
    add_user(app, "susan", "susan@example.org")
    client = app.test_client()
    assert client.get("/login/susan", headers=headers).status_code == 302
    return client


def page(client: FlaskClient, path: str, **headers: str) -> tuple[str, str]:
    """The host's navbar and the content block of a page."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    navbar, content = html.split('id="host-content"')
    return navbar, content


def test_the_hosts_navbar_keeps_its_strings_on_our_italian_page(thirdparty_app: Flask) -> None:
    client = logged_in(thirdparty_app)
    assert client.get("/segnalazioni/language/it?next=/segnalazioni/mine").status_code == 302
    navbar, content = page(client, "/segnalazioni/mine")
    assert "<h1>Le mie segnalazioni</h1>" in content and "Segnala un problema" in content
    assert ">Messages<" in navbar and 'placeholder="Search"' in navbar
    assert "Messaggi" not in navbar and "Cerca" not in navbar


def test_the_hosts_spanish_never_reaches_our_page(thirdparty_app: Flask) -> None:
    client = logged_in(thirdparty_app)
    navbar, content = page(client, "/segnalazioni/mine", **{"Accept-Language": "es"})
    assert not [word for word in HOST_SPANISH if word in content]
    # We do not ship Spanish: our part speaks our default language, the host's stays Spanish.
    assert "<h1>Le mie segnalazioni</h1>" in content and "Segnala un problema" in content
    assert ">Mensajes<" in navbar and 'placeholder="Buscar"' in navbar
    host_navbar, host_content = page(client, "/index", **{"Accept-Language": "es"})
    assert ">Mensajes<" in host_navbar and "¡Hola, susan!" in host_content


def test_a_language_the_host_also_has_is_spoken_on_our_pages(thirdparty_app: Flask) -> None:
    client = logged_in(thirdparty_app)
    navbar, content = page(client, "/segnalazioni/mine", **{"Accept-Language": "en"})
    assert "<h1>My reports</h1>" in content and ">Messages<" in navbar


def test_the_chained_selector_lets_the_visitor_choose(thirdparty_app: Flask) -> None:
    client = logged_in(thirdparty_app)
    for code, heading in (("it", "Le mie segnalazioni"), ("ca", "Les meves incidències")):
        response = client.get(f"/segnalazioni/language/{code}?next=/segnalazioni/mine")
        assert response.status_code == 302 and response.headers["Location"] == "/segnalazioni/mine"
        html = client.get("/segnalazioni/mine", headers={"Accept-Language": "es"}).get_data(as_text=True)
        assert f"<h1>{heading}</h1>" in html
        # The host's Babel follows the choice too (its layout's <html lang> is its get_locale()).
        assert f'<html lang="{code}">' in html
        # It has no catalog for that language: its strings show in its source language.
        assert 'placeholder="Search"' in html
    client.get("/segnalazioni/language/en")
    assert "<h1>My reports</h1>" in client.get("/segnalazioni/mine").get_data(as_text=True)


def test_our_menu_works_even_where_the_host_did_not_chain_its_selector(thirdparty_app: Flask) -> None:
    thirdparty_app.extensions["babel"].locale_selector = hosts_own_selector
    client = logged_in(thirdparty_app)
    client.get("/segnalazioni/language/ca")
    html = client.get("/segnalazioni/mine", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "<h1>Les meves incidències</h1>" in html
    assert '<html lang="es">' in html and 'placeholder="Buscar"' in html


def test_a_language_we_do_not_offer_is_not_found(thirdparty_app: Flask) -> None:
    assert thirdparty_app.test_client().get("/segnalazioni/language/es").status_code == 404


def test_the_language_menu_can_be_included_in_a_host_page(thirdparty_app: Flask) -> None:
    @thirdparty_app.route("/with-menu")
    def with_menu() -> str:
        return render_template_string(
            '{% extends "base.html" %}{% block content %}'
            '{% include "citizencare/_language_menu.html" %}{% endblock %}'
        )

    client = thirdparty_app.test_client()
    navbar, content = page(client, "/with-menu", **{"Accept-Language": "es"})
    assert 'placeholder="Buscar"' in navbar
    assert 'aria-label="Lingua"' in content  # our default language: the host's "es" is not ours
    for code, name in (("it", "Italiano"), ("en", "English"), ("ca", "Català")):
        assert f'href="/segnalazioni/language/{code}?next=/with-menu"' in content
        assert f">{name}</a>" in content
    assert 'hreflang="it" aria-current="true"' in content

    client.get("/segnalazioni/language/ca?next=/with-menu")
    navbar, content = page(client, "/with-menu", **{"Accept-Language": "es"})
    assert 'aria-label="Idioma"' in content and 'hreflang="ca" aria-current="true"' in content
    assert 'placeholder="Search"' in navbar  # the host follows the choice; it has no Catalan


@pytest.mark.parametrize("path", ["/segnalazioni/new", "/segnalazioni/map", "/segnalazioni/"])
def test_our_content_says_its_language_in_a_host_page_in_another(thirdparty_app: Flask, path: str) -> None:
    """WCAG 3.1.2 (language of parts): the host's page is Spanish, our part of it Italian."""
    html = thirdparty_app.test_client().get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in html
    assert re.search(r'<div lang="it" class="cc-page[ "]', html)


def _host_catalog(folder: Path, language: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale=language, domain="citizencare")
    for msgid, text in messages.items():
        catalog.add(msgid, text)
    target = folder / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "citizencare.mo", "wb") as mo:
        write_mo(mo, catalog)


def test_a_hosts_own_catalog_rewords_our_strings_and_adds_a_language(
    new_database: str, tmp_path: Path
) -> None:
    folder = tmp_path / "host-translations"
    heading = "Report a problem or propose an improvement"
    _host_catalog(folder, "it", {heading: "Scrivi al Comune"})
    _host_catalog(folder, "es", {heading: "Escribe al Ayuntamiento"})
    app = migrated_app(
        new_database,
        tmp_path / "photos",
        CITIZENCARE_TRANSLATION_DIRECTORIES=[str(folder)],
        CITIZENCARE_LANGUAGES=("it", "en", "ca", "es"),
    )
    try:
        client = app.test_client()
        client.get("/segnalazioni/language/it")  # the host's own selector knows only en and es
        italian = client.get("/segnalazioni/new").get_data(as_text=True)
        assert "Scrivi al Comune" in italian and "Che cosa vuoi inviare?" in italian  # the rest is ours
        spanish = (
            app.test_client()
            .get("/segnalazioni/new", headers={"Accept-Language": "es"})
            .get_data(as_text=True)
        )
        assert "Escribe al Ayuntamiento" in spanish and '<div lang="es" class="cc-page' in spanish
        client.get("/segnalazioni/language/ca")
        catalan = client.get("/segnalazioni/new").get_data(as_text=True)
        assert heading not in catalan and "Escribe" not in catalan and "Scrivi al Comune" not in catalan
    finally:
        dispose_engines(app)
