"""The extension in a host that was not written for it (:mod:`tests.thirdparty`)."""

from __future__ import annotations

from flask import Flask

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
