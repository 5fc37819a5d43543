"""The extension in a host that was not written for it (:mod:`tests.thirdparty`)."""

from __future__ import annotations

from flask import Flask

from .reporting import page_tokens
from .thirdparty import add_user


def test_the_host_and_our_pages_both_work(thirdparty_app: Flask) -> None:
    client = thirdparty_app.test_client()
    assert client.get("/index").status_code == 200
    page = client.get("/segnalazioni/new")
    assert page.status_code == 200
    assert 'id="host-navbar"' in page.get_data(as_text=True)


def test_the_hosts_users_log_in(thirdparty_app: Flask) -> None:
    add_user(thirdparty_app, "susan", "susan@example.org")
    client = thirdparty_app.test_client()
    assert client.get("/login/susan").status_code == 302
    assert "Messages" in client.get("/index").get_data(as_text=True)


def test_a_flashed_message_shows_once_in_a_layout_that_shows_them(thirdparty_app: Flask) -> None:
    """The README's checklist sets CITIZENCARE_SHOW_FLASHES=False: the host's layout shows flashes."""
    user_id = add_user(thirdparty_app, "giulia", "giulia@comune.example.org")
    added = thirdparty_app.test_cli_runner().invoke(
        args=["citizencare", "staff", "add", str(user_id), "--role", "operator", "--name", "Giulia"]
    )
    assert added.exit_code == 0, added.output
    client = thirdparty_app.test_client()
    client.get("/login/giulia")
    client.get("/index")  # the host's own "welcome back" flash is shown and consumed here
    url = "/segnalazioni/staff/preferences"
    saved = client.post(
        url, data={**page_tokens(client.get(url).get_data(as_text=True)), "notify_replies": "y"}
    )
    assert saved.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert page.count("Preferences saved.") == 1, "shown by the host and by us"
    assert '<div class="alert alert-info" role="alert">Preferences saved.</div>' in page
