"""Embedding the extension in a host site: shape, hooks, templates, isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_citizencare import CitizenCare, ConfigurationError, signals, state
from flask_citizencare.config import SETTINGS
from flask_citizencare.context import HostHooks
from flask_citizencare.domain.lifecycle import Role

from .conftest import dispose, empty_tables
from .factories import create_report
from .host import HERE, host_db, make_host_app


def test_state_lives_in_app_extensions(app: Flask) -> None:
    cc = app.extensions["citizencare"]
    assert cc is state(app)
    assert isinstance(cc.hooks, HostHooks)
    assert cc.db is host_db
    assert cc.backend in {"spatialite", "postgis"}
    assert app.config["CITIZENCARE_URL_PREFIX"] == "/citizencare"
    assert all(
        app.config["CITIZENCARE_" + name] is not None or s.default is None for name, s in SETTINGS.items()
    )


def test_init_app_refuses_to_run_twice(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="already initialised"):
        CitizenCare(app, db=host_db)


def test_pages_render_inside_the_host_layout(app: Flask) -> None:
    with app.app_context():
        create_report(host_db.session, title="Lampione spento in via Roma")
        host_db.session.commit()
    response = app.test_client().get("/citizencare/map", headers={"Accept-Language": "it"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "HOST SITE HEADER" in html and "HOST SITE FOOTER" in html
    main = html.split('<main id="host-main">')[1].split("</main>")[0]
    assert "Lampione spento in via Roma" in main
    assert "Mappa delle segnalazioni" in main  # Italian by default
    assert html.index("<title>") < html.index("Comune di Prova") < html.index("| Host site")


def test_host_templates_override_ours(database_url: str) -> None:
    from jinja2 import ChoiceLoader, FileSystemLoader

    app = make_host_app(database_url)
    # The host's own templates/citizencare/ (here: one overridden page) come before ours.
    app.jinja_loader = ChoiceLoader(  # type: ignore[method-assign,assignment]
        [FileSystemLoader(HERE.parent / "host_override" / "templates"), FileSystemLoader(HERE / "templates")]
    )
    try:
        html = app.test_client().get("/citizencare/").get_data(as_text=True)
        assert '<p id="overridden">' in html and "HOST SITE HEADER" in html
    finally:
        dispose(app)


def test_static_files_are_served_under_the_prefix(app: Flask) -> None:
    with app.test_client().get("/citizencare/static/css/citizencare.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert b".cc-page" in response.get_data()


def test_role_loader_hook_maps_host_users(app: Flask) -> None:
    class Someone:
        is_authenticated = True
        roles = "operator citizen wizard"

    assert state(app).roles_for(Someone()) == {Role.OPERATOR, Role.CITIZEN}


def test_default_role_loader_reads_the_staff_table(database_url: str) -> None:
    from flask_citizencare.models import StaffMember

    db = SQLAlchemy()
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="test-only-key-for-a-bare-app")
    CitizenCare(app, db=db)

    class User:
        is_authenticated = True

        def __init__(self, user_id: str) -> None:
            self.user_id = user_id

        def get_id(self) -> str:
            return self.user_id

    try:
        with app.app_context():
            db.session.add(StaffMember(user_id="42", display_name="Anna", role="technician"))
            db.session.commit()
            assert state(app).roles_for(User("42")) == {Role.CITIZEN, Role.TECHNICIAN}
            assert state(app).roles_for(User("7")) == {Role.CITIZEN}
    finally:
        empty_tables(app)
        dispose(app)


def test_two_apps_in_one_process_do_not_leak(database_url: str, new_database: str, tmp_path: Path) -> None:
    """Different prefixes, databases and settings; data written in one is invisible in the other."""
    from flask_citizencare.database import migrate

    first = make_host_app(
        database_url, CITIZENCARE_URL_PREFIX="/segnalazioni", CITIZENCARE_MUNICIPALITY_NAME="Comune A"
    )
    second_db = SQLAlchemy()
    second = make_host_app(
        new_database,
        db=second_db,
        CITIZENCARE_URL_PREFIX="/reports",
        CITIZENCARE_MUNICIPALITY_NAME="Comune B",
    )
    try:
        migrate.upgrade(second)
        with first.app_context():
            create_report(host_db.session, title="Only in A")
            host_db.session.commit()
        with second.app_context():
            create_report(second_db.session, title="Only in B")
            second_db.session.commit()

        a = first.test_client().get("/segnalazioni/map").get_data(as_text=True)
        b = second.test_client().get("/reports/map").get_data(as_text=True)
        assert "Only in A" in a and "Only in B" not in a and "Comune A" in a
        assert "Only in B" in b and "Only in A" not in b and "Comune B" in b
        assert first.test_client().get("/reports/").status_code == 404
        assert second.test_client().get("/segnalazioni/").status_code == 404
        assert state(first).db is not state(second).db
    finally:
        empty_tables(first)
        dispose(first)
        dispose(second)


def test_blueprints_can_be_left_to_the_host(database_url: str) -> None:
    app = make_host_app(database_url, CITIZENCARE_REGISTER_BLUEPRINTS=False)
    try:
        assert "citizencare" not in app.blueprints
        assert app.test_client().get("/citizencare/").status_code == 404
    finally:
        dispose(app)


def test_every_signal_is_documented() -> None:
    assert len(signals.ALL) >= 15
    for signal in signals.ALL:
        assert signal.name.startswith("citizencare.")
        assert signal.__doc__ and len(signal.__doc__) > 15


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"CITIZENCARE_URL_PRFIX": "/x"}, "unknown setting CITIZENCARE_URL_PRFIX"),
        ({"CITIZENCARE_URL_PREFIX": "segnalazioni"}, "must start with '/'"),
        ({"CITIZENCARE_LANGUAGES": []}, "CITIZENCARE_LANGUAGES"),
        ({"CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS": "5000"}, "DASHBOARD_LIVE_MAX_REPORTS must be a whole"),
        ({"CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS": -1}, "DASHBOARD_LIVE_MAX_REPORTS must be a whole"),
    ],
)
def test_bad_settings_stop_start_up(database_url: str, config: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_host_app(database_url, **config)


def test_missing_flask_sqlalchemy_is_explained() -> None:
    app = Flask(__name__)
    with pytest.raises(ConfigurationError, match=r"CitizenCare\(app, db=db\)"):
        CitizenCare(app)
