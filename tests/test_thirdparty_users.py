"""The host's users fill our forms: the ``user_info`` hook and its default."""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_login import FlaskLoginClient

from flask_citizencare import UserInfo, state
from flask_citizencare.context import HostHooks
from flask_citizencare.domain.lifecycle import Role
from flask_citizencare.models import ReporterContact, StaffMember
from flask_citizencare.services.staff import staff_member_for
from flask_citizencare.user_info import default_user_info

from . import thirdparty
from .factories import create_category, create_report
from .host import HostUser, host_db
from .reporting import page_tokens

NEW = "/segnalazioni/new"


def field_value(page: str, name: str) -> str:
    """The ``value`` of the ``<input name=...>`` in ``page`` ("" when it has none)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert tag, f"no input {name} in the page"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html_module.unescape(value.group(1)) if value else ""


def susan(app: Flask) -> FlaskClient:
    thirdparty.add_user(app, "susan", "susan@example.org")
    client = app.test_client()
    assert client.get("/login/susan").status_code == 302
    return client


def public_report_id(app: Flask) -> str:
    with app.app_context():
        session = app.extensions["citizencare"].db.session
        report = create_report(session, category=create_category(session), is_public=True)
        session.commit()
        return str(report.public_id)


@pytest.fixture
def hook(thirdparty_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[HostHooks]:
    """The host's module-level ``citizencare`` object, its ``user_info`` hook put back afterwards."""
    extension = state(thirdparty_app).hooks
    assert extension is thirdparty.citizencare.hooks
    monkeypatch.setattr(extension, "_user_info", None)
    yield extension


# -- the third-party host, users with username and email only, no hook: the default --------


def test_the_report_form_is_prefilled_from_username_and_email(thirdparty_app: Flask) -> None:
    page = susan(thirdparty_app).get(NEW).get_data(as_text=True)
    assert field_value(page, "name") == "susan"
    assert field_value(page, "email") == "susan@example.org"
    assert field_value(page, "phone") == ""


def test_the_follow_form_is_prefilled_with_the_users_email(thirdparty_app: Flask) -> None:
    number = public_report_id(thirdparty_app)
    page = susan(thirdparty_app).get(f"/segnalazioni/reports/{number}").get_data(as_text=True)
    assert field_value(page, "email") == "susan@example.org"


def test_anonymous_visitors_get_empty_fields(thirdparty_app: Flask) -> None:
    client = thirdparty_app.test_client()
    page = client.get(NEW).get_data(as_text=True)
    assert [field_value(page, f) for f in ("name", "email", "phone")] == ["", "", ""]
    number = public_report_id(thirdparty_app)
    page = client.get(f"/segnalazioni/reports/{number}").get_data(as_text=True)
    assert field_value(page, "email") == ""


def test_a_form_sent_back_with_errors_keeps_what_was_typed(thirdparty_app: Flask) -> None:
    client = susan(thirdparty_app)
    tokens = page_tokens(client.get(NEW).get_data(as_text=True))
    typed = {"name": "Susan Q. Public", "email": "other@example.org", "phone": ""}
    answer = client.post(NEW, data={**tokens, **typed, "title": "", "consent": "y"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert field_value(page, "name") == "Susan Q. Public"
    assert field_value(page, "email") == "other@example.org"
    assert field_value(page, "phone") == ""

    number = public_report_id(thirdparty_app)
    url = f"/segnalazioni/reports/{number}"
    tokens = page_tokens(client.get(url).get_data(as_text=True))
    answer = client.post(f"{url}/follow", data={**tokens, "email": "not an address"})
    assert answer.status_code == 400
    assert field_value(answer.get_data(as_text=True), "email") == "not an address"


def test_the_prefilled_report_reaches_the_contact(thirdparty_app: Flask) -> None:
    with thirdparty_app.app_context():
        session = thirdparty_app.extensions["citizencare"].db.session
        category_id = create_category(session).id
        session.commit()
    client = susan(thirdparty_app)
    page = client.get(NEW).get_data(as_text=True)
    data = {
        **page_tokens(page),
        "kind": "issue",
        "category": str(category_id),
        "title": "Lamp out",
        "description": "The street lamp in front of number 3 is out.",
        "lat": "44.4936",
        "lon": "11.3301",
        "name": field_value(page, "name"),
        "email": field_value(page, "email"),
        "consent": "y",
    }
    assert client.post(NEW, data=data).status_code == 303
    with thirdparty_app.app_context():
        session = thirdparty_app.extensions["citizencare"].db.session
        contact = session.scalars(sa.select(ReporterContact)).one()
        assert (contact.name, contact.email) == ("susan", "susan@example.org")


# -- a hook of the host's own -----------------------------------------------------------------


def test_the_hosts_hook_fills_name_email_and_phone(thirdparty_app: Flask, hook: HostHooks) -> None:
    seen: list[Any] = []

    @hook.user_info
    def info(user: Any) -> UserInfo:
        seen.append(user)
        return UserInfo(name=f"Ms {user.username.title()}", email="s.public@example.org", phone="+39 051 1")

    client = susan(thirdparty_app)
    page = client.get(NEW).get_data(as_text=True)
    assert field_value(page, "name") == "Ms Susan"
    assert field_value(page, "email") == "s.public@example.org"
    assert field_value(page, "phone") == "+39 051 1"
    assert isinstance(seen[0], thirdparty.User)
    number = public_report_id(thirdparty_app)
    page = client.get(f"/segnalazioni/reports/{number}").get_data(as_text=True)
    assert field_value(page, "email") == "s.public@example.org"


def test_a_hook_returning_none_means_nothing_is_known(thirdparty_app: Flask, hook: HostHooks) -> None:
    hook.user_info(lambda user: None)
    page = susan(thirdparty_app).get(NEW).get_data(as_text=True)
    assert [field_value(page, f) for f in ("name", "email", "phone")] == ["", "", ""]


def test_the_hook_is_not_asked_about_anonymous_visitors(thirdparty_app: Flask, hook: HostHooks) -> None:
    @hook.user_info
    def info(user: Any) -> UserInfo:
        raise AssertionError("asked about an anonymous visitor")

    assert thirdparty_app.test_client().get(NEW).status_code == 200


def test_a_hook_returning_something_else_is_a_clear_error(thirdparty_app: Flask, hook: HostHooks) -> None:
    hook.user_info(lambda user: {"name": "Susan"})
    client = susan(thirdparty_app)
    with pytest.raises(TypeError, match="UserInfo or None"):
        client.get(NEW)


# -- the locale, on a host that leaves the language to us (the minimal host) -----------------


@pytest.fixture
def host_user(app: Flask) -> Iterator[HostUser]:
    with app.app_context():
        user = HostUser(email="mario.rossi@example.org")
        host_db.session.add(user)
        host_db.session.commit()
        host_db.session.refresh(user)
        host_db.session.expunge(user)
    app.test_client_class = FlaskLoginClient
    yield user


def test_the_hooks_locale_picks_the_page_language(app: Flask, host_user: HostUser) -> None:
    client = app.test_client(user=host_user)
    english = "<title>Send a report"
    assert english not in client.get("/citizencare/new").get_data(as_text=True)  # Italian by default

    state(app).hooks.user_info(lambda user: UserInfo(locale="en_GB"))
    assert english in client.get("/citizencare/new").get_data(as_text=True)

    state(app).hooks.user_info(lambda user: UserInfo(locale="xx"))  # not offered: the default
    assert english not in client.get("/citizencare/new").get_data(as_text=True)


def test_a_new_staff_row_takes_the_name_email_and_locale(app: Flask) -> None:
    state(app).hooks.user_info(
        lambda user: UserInfo(name="Olga Operatrice", email="olga@comune.example", locale="ca")
    )
    user = SimpleNamespace(is_authenticated=True, get_id=lambda: "77")
    with app.app_context():
        member = staff_member_for(host_db.session, user, frozenset({Role.OPERATOR}))
        assert member is not None
        row = host_db.session.get(StaffMember, member.id)
        assert (row.display_name, row.email, row.locale) == ("Olga Operatrice", "olga@comune.example", "ca")


def test_a_new_staff_row_of_a_username_only_user(app: Flask) -> None:
    user = SimpleNamespace(is_authenticated=True, get_id=lambda: "78", username="bob")
    with app.app_context():
        member = staff_member_for(host_db.session, user, frozenset({Role.TECHNICIAN}))
        assert member is not None
        assert (member.display_name, member.email, member.locale) == ("bob", None, None)


# -- the default, attribute by attribute --------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({}, UserInfo()),
        ({"username": "susan", "email": "susan@example.org"}, UserInfo("susan", "susan@example.org")),
        ({"display_name": "Susan P.", "full_name": "Susan Public", "username": "s"}, UserInfo("Susan P.")),
        ({"full_name": "Susan Public", "name": "SP"}, UserInfo("Susan Public")),
        ({"name": "Susan", "username": "s"}, UserInfo("Susan")),
        ({"first_name": "Susan", "last_name": "Public", "username": "s"}, UserInfo("Susan Public")),
        ({"first_name": "Susan", "last_name": None}, UserInfo("Susan")),
        ({"display_name": "  ", "username": "susan"}, UserInfo("susan")),
        ({"email_address": "a@example.org", "mail": "b@example.org"}, UserInfo(email="a@example.org")),
        ({"mail": "b@example.org"}, UserInfo(email="b@example.org")),
        ({"phone": "051 1", "telephone": "051 2"}, UserInfo(phone="051 1")),
        ({"phone_number": "051 2"}, UserInfo(phone="051 2")),
        ({"telephone": "051 3"}, UserInfo(phone="051 3")),
        ({"locale": "ca", "language": "en"}, UserInfo(locale="ca")),
        ({"language": "en"}, UserInfo(locale="en")),
        ({"locale": None, "email": ""}, UserInfo()),
    ],
)
def test_the_default_reads_the_usual_attributes(attributes: dict[str, Any], expected: UserInfo) -> None:
    assert default_user_info(SimpleNamespace(**attributes)) == expected


def test_user_info_values_are_stripped_text() -> None:
    from babel import Locale

    info = UserInfo(name="  Susan ", email="", phone=None, locale=Locale("en", "GB"))  # type: ignore[arg-type]
    assert info == UserInfo(name="Susan", locale="en_GB")
