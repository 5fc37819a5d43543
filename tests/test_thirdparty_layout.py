"""Host layouts that lack our blocks (:mod:`flask_citizencare.web.layout`).

The third-party host's ``base.html`` defines only ``content``: our pages must
still carry their stylesheets and scripts (inside ``content``), and start-up
must say, once, which blocks are missing and what that means.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from jinja2 import TemplateNotFound

from flask_citizencare.config import SETTINGS
from flask_citizencare.web.layout import layout_report
from flask_citizencare.web.layout_assets import blocked_assets, external_assets

from .conftest import dispose
from .factories import create_report
from .host import make_host_app
from .thirdparty import create_app
from .thirdparty.fixtures import TEST_CONFIG

LOGGER = "flask_citizencare.web.layout"
NEW_ASSETS = (
    "vendor/leaflet/leaflet.css",
    "css/citizencare.css",
    "vendor/leaflet/leaflet.js",
    "js/report-form.js",
)
MAP_ASSETS = (
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "css/citizencare.css",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "js/map-page.js",
)


@pytest.fixture(autouse=True)
def layout_logger_enabled() -> Iterator[None]:
    """The stock Alembic ``env.py`` (``fileConfig``) disables every logger that exists when it runs.

    Any earlier in-process migration of the third-party host in this session has done so.
    """
    logger = logging.getLogger(LOGGER)
    disabled, logger.disabled = logger.disabled, False
    yield
    logger.disabled = disabled


def layout_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == LOGGER]


def asset_tags(html: str, prefix: str, asset: str) -> list[re.Match[str]]:
    """Every ``<link href>`` or ``<script src>`` of one of our static files."""
    url = re.escape(f"{prefix}/static/{asset}")
    return list(re.finditer(rf'<(?:link rel="stylesheet" href|script src)="{url}"', html))


def assert_inside_content(html: str, prefix: str, assets: tuple[str, ...], heading: str) -> None:
    """Each asset once, inside the host's content: stylesheets before our heading, scripts after it."""
    content_start = html.index('id="host-content"')
    content_end = html.index("bootstrap.bundle.min.js")  # the host's own script, after its content block
    heading_at = html.index(heading)
    for asset in assets:
        tags = asset_tags(html, prefix, asset)
        assert len(tags) == 1, (asset, len(tags))
        at = tags[0].start()
        assert content_start < at < content_end, asset
        if asset.endswith(".css"):
            assert at < heading_at, asset
        else:
            assert at > heading_at, asset


def test_our_pages_carry_their_css_and_js_inside_a_content_only_layout(thirdparty_app: Flask) -> None:
    db = thirdparty_app.extensions["citizencare"].db
    with thirdparty_app.app_context():
        report = create_report(db.session, title="Panchina rotta al parco")
        db.session.commit()
        public_id = report.public_id
    client = thirdparty_app.test_client()

    new = client.get("/segnalazioni/new")
    assert new.status_code == 200
    assert_inside_content(new.get_data(as_text=True), "/segnalazioni", NEW_ASSETS, "<h1>")

    map_page = client.get("/segnalazioni/map")
    assert map_page.status_code == 200
    assert_inside_content(map_page.get_data(as_text=True), "/segnalazioni", MAP_ASSETS, "<h1>")

    page = client.get(f"/segnalazioni/reports/{public_id}")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    assert "Panchina rotta al parco" in html
    assert_inside_content(html, "/segnalazioni", ("css/citizencare.css",), "<h1>")

    # The links are real: the files are served where they point.
    for asset in MAP_ASSETS + NEW_ASSETS:
        with client.get(f"/segnalazioni/static/{asset}") as response:
            assert response.status_code == 200, asset
    # The host's <head> and <title> are untouched: our title cannot go anywhere.
    head = new.get_data(as_text=True).split("</head>")[0]
    assert "citizencare" not in head and "<title>Welcome to Microblog</title>" in head


def test_start_up_warns_once_naming_the_missing_blocks(
    new_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        app = create_app(new_database, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"), **TEST_CONFIG)
        try:
            records = layout_records(caplog)
            assert len(records) == 1  # at start-up, before any request
            message = records[0].getMessage()
            assert records[0].levelno == logging.WARNING
            assert "'base.html'" in message
            for block in ("`head`", "`scripts`", "`title`"):
                assert block in message
            assert "`content`" not in message.split(":")[0]
            assert "{% block head %}{% endblock %}" in message and "README" in message
            client = app.test_client()
            for _ in range(2):
                assert client.get("/segnalazioni/privacy").status_code == 200
            assert len(layout_records(caplog)) == 1
        finally:
            dispose(app)
    report = app.extensions["citizencare"].layout
    assert report.missing == ("title", "head", "scripts")
    assert report.chain == ("base.html",)


def test_a_layout_with_every_block_gets_no_warning_and_our_assets_in_head(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        app = make_host_app(database_url, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"))
        try:
            html = app.test_client().get("/citizencare/new").get_data(as_text=True)
        finally:
            dispose(app)
    assert layout_records(caplog) == []
    assert app.extensions["citizencare"].layout.missing == ()
    head, body = html.split("</head>")
    footer = body.index("HOST SITE FOOTER")
    for asset in NEW_ASSETS:
        tags = asset_tags(html, "/citizencare", asset)
        assert len(tags) == 1, asset
        if asset.endswith(".css"):
            assert tags[0].start() < len(head), asset
        else:  # in the layout's scripts block, after its footer
            assert tags[0].start() > len(head) + footer, asset


def write_layouts(folder: Path) -> None:
    """A site layout that extends a skeleton; between them, every block but ``scripts``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "skeleton.html").write_text(
        "<!doctype html><html><head><title>{% block title %}{% endblock %} | Skeleton</title>"
        "{% block head %}{% endblock %}</head><body>{% block body %}{% endblock %}"
        '<script src="/skeleton.js"></script></body></html>'
    )
    (folder / "site.html").write_text(
        '{% extends "skeleton.html" %}'
        '{% block body %}<nav id="site-nav">SITE NAV</nav>'
        '<main id="site-main">{% block content %}{% endblock %}</main>{% endblock %}'
    )


def test_a_layout_that_extends_another_is_checked_through_the_chain(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_layouts(tmp_path / "templates")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        app = make_host_app(
            database_url,
            template_folder=tmp_path / "templates",
            CITIZENCARE_BASE_TEMPLATE="site.html",
            CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        )
        try:
            html = app.test_client().get("/citizencare/new").get_data(as_text=True)
        finally:
            dispose(app)
    report = app.extensions["citizencare"].layout
    assert report.chain == ("site.html", "skeleton.html")
    assert report.missing == ("scripts",)
    [record] = layout_records(caplog)
    assert "`scripts`" in record.getMessage() and "`head`" not in record.getMessage()
    head, body = html.split("</head>")
    main = body.split('<main id="site-main">')[1].split("</main>")[0]
    assert "— Comune di Prova | Skeleton</title>" in head  # our title, through the skeleton's block
    for asset in NEW_ASSETS:
        where = head if asset.endswith(".css") else main
        assert len(asset_tags(where, "/citizencare", asset)) == 1, asset
        assert len(asset_tags(html, "/citizencare", asset)) == 1, asset


def test_a_layout_found_only_after_start_up_is_checked_on_the_first_request(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "late" / "templates" / "late"
    folder.mkdir(parents=True)
    (folder / "layout.html").write_text(
        '<!doctype html><html><head><title>Late</title></head><body><div id="late">'
        "{% block content %}{% endblock %}</div></body></html>"
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        app = make_host_app(
            database_url,
            CITIZENCARE_BASE_TEMPLATE="late/layout.html",
            CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        )
        try:
            assert layout_records(caplog) == []  # not there yet: left for the first request
            assert app.extensions["citizencare"].layout is None
            # The host registers the blueprint that holds its layout after us.
            late_blueprint = Blueprint("late", __name__, template_folder=str(tmp_path / "late" / "templates"))
            app.register_blueprint(late_blueprint)
            html = app.test_client().get("/citizencare/new").get_data(as_text=True)
            app.test_client().get("/citizencare/privacy")
        finally:
            dispose(app)
    [record] = layout_records(caplog)
    assert "'late/layout.html'" in record.getMessage()
    late = html.split('<div id="late">')[1]
    for asset in NEW_ASSETS:
        assert len(asset_tags(late, "/citizencare", asset)) == 1, asset


def test_a_missing_layout_is_an_error_naming_it_on_the_first_request(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        app = make_host_app(
            database_url,
            CITIZENCARE_BASE_TEMPLATE="nowhere/layout.html",
            CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        )
        try:
            assert layout_records(caplog) == []
            with pytest.raises(TemplateNotFound):  # TESTING propagates what a browser sees as a 500
                app.test_client().get("/citizencare/privacy")
            with pytest.raises(TemplateNotFound):
                app.test_client().get("/citizencare/privacy")
        finally:
            dispose(app)
    [record] = layout_records(caplog)
    assert record.levelno == logging.ERROR
    message = record.getMessage()
    assert "CITIZENCARE_BASE_TEMPLATE 'nowhere/layout.html'" in message and "not found" in message


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"base.html": '{% extends "gone.html" %}'}, "the layout it extends, 'gone.html', is not found"),
        ({"base.html": "{% extends parent %}{% block content %}{% endblock %}"}, "computed template name"),
        ({"base.html": "{% block content %}"}, "does not parse"),
        ({"base.html": '{% extends "other.html" %}', "other.html": '{% extends "base.html" %}'}, "in a loop"),
    ],
)
def test_layouts_that_cannot_be_checked_say_why(tmp_path: Path, files: dict[str, str], problem: str) -> None:
    for name, source in files.items():
        (tmp_path / name).write_text(source)
    app = Flask(__name__, template_folder=str(tmp_path))
    app.config["CITIZENCARE_BASE_TEMPLATE"] = "base.html"
    report = layout_report(app)
    assert report.problem is not None and problem in report.problem
    assert report.missing == ()  # no fallback is guessed
    assert (report.message() or "").startswith("CITIZENCARE_BASE_TEMPLATE 'base.html': ")


def readme_layout_lines() -> list[str]:
    """The lines the README's "Layout" bullet tells a host to add, without their comments."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("- **Layout**:")[1].split("```jinja")[1].split("```")[0]
    return [line.split("{#")[0].strip() for line in block.strip().splitlines()]


def test_the_readme_lines_give_the_content_only_layout_our_title_and_assets_in_place(
    new_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from jinja2 import ChoiceLoader, FileSystemLoader

    from flask_citizencare.blueprints.layout_check import check_layout

    title, head, scripts = readme_layout_lines()
    original = (Path(__file__).parent / "thirdparty" / "templates" / "base.html").read_text()
    start, end = original.index("    {% if title %}"), original.index("{% endif %}") + len("{% endif %}")
    patched = original[:start] + title + original[end:]
    patched = patched.replace("</head>", head + "</head>").replace("</body>", scripts + "</body>")
    (tmp_path / "layout").mkdir()
    (tmp_path / "layout" / "base.html").write_text(patched)

    app = create_app(new_database, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"), **TEST_CONFIG)
    try:
        # The host's edited layout, as after a restart.
        app.jinja_loader = ChoiceLoader(  # type: ignore[method-assign,assignment]
            [FileSystemLoader(tmp_path / "layout"), FileSystemLoader(app.root_path + "/templates")]
        )
        app.extensions["citizencare"].layout = None
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            report = check_layout(app)
            html = app.test_client().get("/segnalazioni/privacy").get_data(as_text=True)
    finally:
        dispose(app)
    assert report is not None and report.missing == ()
    assert layout_records(caplog) == []
    head_html = html.split("</head>")[0]
    assert len(asset_tags(head_html, "/segnalazioni", "css/citizencare.css")) == 1
    assert len(asset_tags(html, "/segnalazioni", "css/citizencare.css")) == 1
    assert "Microblog" not in head_html.split("<title>")[1].split("</title>")[0]


def test_the_readmes_csp_line_lets_the_hosts_cdn_assets_load_on_our_pages(thirdparty_app: Flask) -> None:
    policy = thirdparty_app.test_client().get("/segnalazioni/new").headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "https://cdn.jsdelivr.net" in directives["style-src"]
    assert "https://cdn.jsdelivr.net" in directives["script-src"]
    assert layout_report(thirdparty_app).external == (
        ("style-src", "https://cdn.jsdelivr.net"),
        ("script-src", "https://cdn.jsdelivr.net"),
    )


def test_start_up_and_doctor_name_what_our_csp_would_block(
    new_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        app = create_app(new_database, CITIZENCARE_CSP={}, CITIZENCARE_PHOTO_DIR=str(tmp_path), **TEST_CONFIG)
    try:
        blocked = [
            r.getMessage() for r in layout_records(caplog) if "Content-Security-Policy" in r.getMessage()
        ]
        assert blocked == [
            "CITIZENCARE_BASE_TEMPLATE 'base.html' loads from other sites what our Content-Security-Policy "
            "blocks on our pages (style-src https://cdn.jsdelivr.net; script-src https://cdn.jsdelivr.net): "
            "allow them with CITIZENCARE_CSP={'style-src': ['https://cdn.jsdelivr.net'], "
            "'script-src': ['https://cdn.jsdelivr.net']}"
        ]
        doctor = app.test_cli_runner().invoke(args=["citizencare", "doctor"])
        assert doctor.exit_code == 1
        assert re.search(
            r"PROBLEM\s+layout\s+CITIZENCARE_BASE_TEMPLATE 'base.html' loads from", doctor.output
        )
    finally:
        dispose(app)


CDN = "https://cdn.jsdelivr.net"


@pytest.mark.parametrize(
    ("allowed", "blocked"),
    [
        ({"style-src": ["https:"], "script-src": ["https:"]}, []),
        ({"style-src": ["https://*.jsdelivr.net"], "script-src": "*"}, []),
        ({"script-src": [CDN]}, [("style-src", CDN)]),
        ({"style-src": [f"{CDN}.evil.example"]}, [("style-src", CDN), ("script-src", CDN)]),
    ],
)
def test_which_sources_allow_an_asset(allowed: dict[str, object], blocked: list[tuple[str, str]]) -> None:
    layout = (Path(__file__).parent / "thirdparty" / "templates" / "base.html").read_text(encoding="utf-8")
    assets = external_assets([layout, '<link rel="icon" href="https://x.example/i.png"><script>1</script>'])
    assert assets == [("style-src", CDN), ("script-src", CDN)]
    config = {f"CITIZENCARE_{name}": setting.default for name, setting in SETTINGS.items()}
    assert blocked_assets({**config, "CITIZENCARE_CSP": allowed}, assets) == blocked
