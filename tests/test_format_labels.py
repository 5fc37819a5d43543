"""B7/B8 of issue 16: durations in words, format locales, channel names, language menu, coordinate hint,
the dashboards' charts (a colour and a fill per series), phone tables and "open" against "open now"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask, render_template
from flask_babel import force_locale

from flask_citizencare.formatting import cc_date, cc_datetime, cc_duration, cc_number
from flask_citizencare.i18n import format_locale
from flask_citizencare.labels import CHANNELS, channel_label

from .staff import Team, client_for
from .test_dashboard import EN, Fixture, _table, local, reports  # noqa: F401 (the fixture)

CSS = Path(__file__).parent.parent / "flask_citizencare" / "static" / "citizencare" / "css"
MINUTE, HOUR = 60.0, 3600.0


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 minutes"),
        (29, "0 minutes"),
        (60, "1 minute"),
        (0.5 * HOUR, "30 minutes"),
        (HOUR, "1 hour"),
        (HOUR + MINUTE, "1 hour and 1 minute"),
        (2.9 * HOUR, "2 hours and 54 minutes"),
        (2 * HOUR, "2 hours"),
        (1234 * HOUR + 5 * MINUTE, "1,234 hours and 5 minutes"),
        (-2.9 * HOUR, "2 hours and 54 minutes"),  # overdue: the sentence says so, not the sign
        (-0.5 * HOUR, "30 minutes"),
    ],
)
def test_durations_in_words(app: Flask, seconds: float, words: str) -> None:
    with app.test_request_context(headers=EN):
        assert cc_duration(seconds) == words
        assert cc_duration(timedelta(seconds=seconds)) == words
        assert cc_duration(None) == ""


def test_case_page_writes_remaining_business_time_in_words(app: Flask, team: Team) -> None:
    from flask_citizencare.models import Report

    from .factories import create_report
    from .host import host_db

    with app.app_context():
        overdue = create_report(
            host_db.session,
            category=host_db.session.merge(team.potholes),
            office_id=team.roads.id,
            ack_due_at=datetime.now(UTC) - timedelta(days=20),
            due_at=datetime.now(UTC) - timedelta(days=20),
            channel="phone",
        )
        host_db.session.commit()
        report_id = host_db.session.get(Report, overdue.id).id
    html = client_for(app, team, "olga").get(
        f"/citizencare/staff/reports/{report_id}", headers=EN, follow_redirects=True
    )
    text = html.get_data(as_text=True)
    assert re.search(r"overdue by \d[\d,]* hours?( and \d+ minutes?)? of business time", text), text[:3000]
    assert "business hours" not in text
    assert "· Phone</dd>" in text


def test_english_dates_are_day_first_unless_configured(app: Flask) -> None:
    moment = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    with app.test_request_context(headers=EN):
        assert format_locale() == "en_GB"
        assert cc_date(moment, "short") == "03/12/2026"
        assert cc_date(moment) == "3 Dec 2026"
        assert cc_datetime(moment, "short").startswith("03/12/2026")
        assert cc_number(10000.5) == "10,000.5"
    app.config["CITIZENCARE_FORMAT_LOCALES"] = {}
    with app.test_request_context(headers=EN):
        assert format_locale() == "en"
        assert cc_date(moment, "short") == "12/3/26"
    app.config["CITIZENCARE_FORMAT_LOCALES"] = {"ca": "ca_ES", "en": "en_IE"}
    with app.test_request_context(headers={"Accept-Language": "ca"}):
        assert format_locale() == "ca_ES"
        assert cc_date(moment, "short") == "3/12/26"
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert format_locale() == "it"
        assert cc_date(moment, "short") == "03/12/26"


@pytest.mark.parametrize(
    ("language", "web", "phone"),
    [("en", "Web form", "Phone"), ("it", "Modulo web", "Telefono"), ("ca", "Formulari web", "Telèfon")],
)
def test_channel_labels_in_every_language(app: Flask, language: str, web: str, phone: str) -> None:
    with app.test_request_context(), force_locale(language):
        assert channel_label("web") == web
        assert channel_label("phone") == phone
        assert set(CHANNELS) == {"web", "email", "phone", "letter", "counter", "fax", "api"}
        assert channel_label("pigeon") == "pigeon"  # a channel of the future keeps its code


def test_queue_names_channels(app: Flask, team: Team) -> None:
    from .factories import create_report
    from .host import host_db

    with app.app_context():
        create_report(host_db.session, category=host_db.session.merge(team.potholes), channel="counter")
        host_db.session.commit()
    html = client_for(app, team, "olga").get("/citizencare/staff/", headers=EN).get_data(as_text=True)
    assert "· Counter</span>" in html
    assert "· counter</span>" not in html


def test_language_menu_names_each_language_in_itself(app: Flask) -> None:
    with app.test_request_context("/citizencare/new", headers=EN):
        html = render_template("citizencare/_language_menu.html")
    menu = re.search(r'<nav class="cc-languages".*?</nav>', html, re.S)
    assert menu, "language menu"
    links = re.findall(r'<a [^>]*lang="(\w+)"[^>]*>([^<]+)</a>', menu.group(0))
    assert links == [("it", "Italiano"), ("en", "English"), ("ca", "Català")]


def test_example_site_language_menu_shows_names() -> None:
    base = (Path(__file__).parent.parent / "example_site" / "templates" / "comune" / "base.html").read_text()
    menu = base[base.index('<nav class="site-languages"') :]
    menu = menu[: menu.index("</nav>")]
    assert "code|upper" not in menu
    assert 'lang="{{ code }}"' in menu and "language_names.get(code, code)" in menu


def test_coordinate_hint_uses_the_fields_decimal_point(client) -> None:  # type: ignore[no-untyped-def]
    for language in ("en", "it", "ca"):
        html = client.get("/citizencare/new", headers={"Accept-Language": language}).get_data(as_text=True)
        assert "44,4949" not in html and "11,3426" not in html, language
        assert "44.4949" in html and "11.3426" in html, language
    assert "Decimal degrees with a point, e.g. 44.4949" in client.get(
        "/citizencare/new", headers=EN
    ).get_data(as_text=True)


def _charts(html: str) -> dict[str, str]:
    """Each dashboard block's chart (a block without one is left out; the search stops at its end)."""
    block = r'<section class="cc-dashboard__block" id="(\w+)"(?:(?!</section>).)*?(<svg.*?</svg>)'
    return dict(re.findall(block, html, re.S))


def test_each_series_has_its_own_class_colour_and_fill(app: Flask, reports: Fixture) -> None:  # noqa: F811
    html = app.test_client().get("/citizencare/dashboard", headers=EN).get_data(as_text=True)
    charts = _charts(html)
    assert {"status", "trend", "times"} <= set(charts)
    for name, svg in charts.items():
        bars = re.findall(r"<rect [^>]*class=\"cc-chart__bar ([^\"]+)\"[^>]*>", svg)
        series = int(re.search(r'data-series="(\d)"', svg).group(1))  # type: ignore[union-attr]
        classes = {b for b in bars}
        assert classes == {f"cc-chart__bar--s{i}" for i in range(1, series + 1)}, name
        if series == 2:
            second = re.findall(r"<rect [^>]*cc-chart__bar--s2[^>]*>", svg)
            assert all(f'fill="url(#cc-hatch-{name})"' in r for r in second), name
            first = re.findall(r"<rect [^>]*cc-chart__bar--s1[^>]*>", svg)
            assert not any("fill=" in r for r in first), name
            assert svg.count('class="cc-chart__legend"') == 2, name
    css = (CSS / "dashboard.css").read_text()
    rules = dict(re.findall(r"(\.cc-chart__[\w-]+)\s*\{([^}]*)\}", css))
    assert "fill" not in rules[".cc-chart__bar--s2"]  # the pattern must win
    assert "cc-chart__bar {" not in css  # no rule for every series at once
    colour = re.compile(r"(?:fill|stroke):\s*(#[0-9a-f]{6})")
    assert colour.search(rules[".cc-chart__bar--s1"]).group(1) != colour.search(  # type: ignore[union-attr]
        rules[".cc-chart__hatch-line"]
    ).group(1)


def test_phone_tables_keep_their_header_row(app: Flask, reports: Fixture) -> None:  # noqa: F811
    html = app.test_client().get("/citizencare/dashboard", headers=EN).get_data(as_text=True)
    for table in re.findall(r'<table class="cc-table cc-dashboard__table".*?</table>', html, re.S):
        assert re.search(r'<thead><tr>(<th scope="col">[^<]+</th>)+</tr></thead>', table)
        assert '<th scope="row">' in table
    assert html.count('role="region" tabindex="0"') == html.count(
        '<table class="cc-table cc-dashboard__table"'
    )
    css = (CSS / "dashboard.css").read_text()
    phone = css[css.index("@media (max-width: 48rem)") :]
    assert ".cc-table.cc-dashboard__table thead { display: table-header-group; }" in phone
    assert "position: sticky" in phone


def test_open_and_open_now_on_the_staff_dashboard(app: Flask, team: Team, reports: Fixture) -> None:  # noqa: F811
    manager = client_for(app, team, "marco")
    # No period: "still open" and "open now" are the same number: one column.
    html = manager.get("/citizencare/staff/dashboard", headers=EN).get_data(as_text=True)
    header = _table(html, "offices")[0]
    assert "Still open" in header and "Open now, received at any time" not in header
    # Since yesterday: roads received E (open); it also has H (open, two days old) on its hands.
    since = (local(reports.now) - timedelta(days=1)).isoformat()
    html = manager.get(f"/citizencare/staff/dashboard?since={since}", headers=EN).get_data(as_text=True)
    rows = _table(html, "offices")
    header = rows[0]
    still, now = header.index("Still open"), header.index("Open now, received at any time")
    roads = next(row for row in rows[1:] if row[0] == "Manutenzione strade")
    assert (roads[still], roads[now]) == ("1", "2")
    technicians = _table(html, "technicians")[0]
    assert "Open now, received at any time" in technicians
