"""Our templates translate with our domain, the host's with its own (:mod:`flask_citizencare.jinja_i18n`)."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from jinja2 import DictLoader, Environment

from flask_citizencare.jinja_i18n import rewrite

TEMPLATES = {
    "citizencare/t.html": (
        "{{ _('Messages') }}|{{ gettext('Search') }}"
        "|{{ ngettext('%(num)d case found', '%(num)d cases found', 2) }}|{{ thing._('Messages') }}"
    ),
    "host.html": "{{ _('Messages') }}|{{ gettext('Search') }}|{% block content %}{% endblock %}",
    "citizencare/page.html": "{% extends 'host.html' %}{% block content %}{{ _('Messages') }}{% endblock %}",
    "host_page.html": "{% include 'citizencare/t.html' %}/{{ _('Messages') }}",
    "citizencare/escaping.html": "{{ _('Hello %(name)s, 100%%', name='<b>') }}",
    "escaping.html": "{{ _('Hello %(name)s, 100%%', name='<b>') }}",
}

OURS = "Messaggi|Cerca|2 pratiche trovate|attribute Messages"


class Thing:
    def _(self, text: str) -> str:
        return f"attribute {text}"


def render(app: Flask, name: str) -> str:
    env = app.jinja_env.overlay(loader=DictLoader(TEMPLATES))
    with app.test_request_context(headers={"Accept-Language": "es"}), force_locale("es"):
        return env.get_template(name).render(thing=Thing())


def test_our_templates_use_our_catalog_and_attributes_keep_their_name(thirdparty_app: Flask) -> None:
    # The host speaks Spanish; we do not ship it, so ours is our default, Italian.
    assert render(thirdparty_app, "citizencare/t.html") == OURS


def test_host_templates_keep_the_hosts_catalog(thirdparty_app: Flask) -> None:
    assert render(thirdparty_app, "host.html") == "Mensajes|Buscar|"


def test_each_template_of_one_render_keeps_its_own_catalog(thirdparty_app: Flask) -> None:
    assert render(thirdparty_app, "citizencare/page.html") == "Mensajes|Buscar|Messaggi"
    assert render(thirdparty_app, "host_page.html") == OURS + "/Mensajes"


def test_variables_are_escaped_as_flask_babel_does(thirdparty_app: Flask) -> None:
    ours, hosts = render(thirdparty_app, "citizencare/escaping.html"), render(thirdparty_app, "escaping.html")
    assert ours == hosts == "Hello &lt;b&gt;, 100%"


def test_only_gettext_names_not_attributes_are_renamed() -> None:
    env = Environment(autoescape=True)
    source = (
        "{{ _('a') }}{{ x._('b') }}{{ ngettext('c', 'd', 1) }}{{ pgettext('e', 'f') }}{{ gettext }}{{ _x }}"
    )
    names = [token.value for token in rewrite(iter(env.lexer.tokenize(source))) if token.type == "name"]
    assert names == ["cc_gettext", "x", "_", "cc_ngettext", "cc_pgettext", "cc_gettext", "_x"]
