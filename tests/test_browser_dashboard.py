"""The dashboards on a 390 px phone: chart text at least 12 px as drawn, two series in two colours,
tables with their header row, axe-core WCAG 2.1 AA clean."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import PHONE, LiveServer, log_in
from .test_browser_accessibility import site, violations  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

#: Every chart text's size as drawn: its CSS font size times the SVG's scale on the screen.
DRAWN_SIZES = """() => [...document.querySelectorAll('svg.cc-chart text')].map(
    t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
#: The computed fill of the first bar of each series, per chart (pattern fills as their url()).
FILLS = """() => [...document.querySelectorAll('svg.cc-chart')].map(svg => [1, 2].map(n => {
    const bar = svg.querySelector('rect.cc-chart__bar--s' + n);
    return bar ? getComputedStyle(bar).fill : null; }))"""
HATCH = """() => [...document.querySelectorAll('svg.cc-chart pattern line')].map(
    l => getComputedStyle(l).stroke)"""
HEADERS = """() => [...document.querySelectorAll('table.cc-dashboard__table thead th')].map(th => {
    const box = th.getBoundingClientRect();
    return getComputedStyle(th).display !== 'none' && box.height > 0; })"""


def check_dashboard(page: Any) -> None:
    sizes = page.evaluate(DRAWN_SIZES)
    assert sizes and min(sizes) >= 12, sizes
    fills = page.evaluate(FILLS)
    two = [pair for pair in fills if pair[1] is not None]
    assert two, fills
    for first, second in two:
        assert first.startswith("rgb(") and second.startswith("url("), (first, second)
    strokes = set(page.evaluate(HATCH))
    assert strokes and not any(first in strokes for first, _second in two), (strokes, two)
    headers = page.evaluate(HEADERS)
    assert headers and all(headers)
    wide = page.evaluate(
        "() => [...document.querySelectorAll('.cc-dashboard *')]"
        ".filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.cc-dashboard__table-wrap'))"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert wide == []
    assert violations(page) == []


def test_dashboards_on_a_phone(chromium: Any, site: tuple[LiveServer, dict[str, Any]]) -> None:  # noqa: F811
    server, _facts = site
    context = chromium.new_context(**PHONE, locale="it-IT")
    page = context.new_page()
    page.goto(server.url + "/segnalazioni/dashboard")
    check_dashboard(page)
    log_in(page, server, "responsabile", "password-marco")
    page.goto(server.url + "/segnalazioni/staff/dashboard")
    check_dashboard(page)
    context.close()
