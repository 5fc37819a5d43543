"""The layout check, once per app: its report kept in the app's state and logged once.

:mod:`.layout` says what the host's layout offers; this module decides when to
look (at start-up if the layout is found, else on the first request) and keeps
the answer for our templates' ``cc_layout_lacks``.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app

from ..context import state
from ..web.layout import LayoutReport, layout_report
from ..web.layout_assets import blocked_assets, blocked_message

log = logging.getLogger("flask_citizencare.web.layout")


def check_layout(app: Flask, *, at_start_up: bool = False) -> LayoutReport | None:
    """Inspect the layout once per app, log what is wrong, keep the report in the app's state.

    At start-up a layout that cannot be found yet is left for the first request
    (returns None): the host may register the blueprint that holds it later.
    """
    app_state = state(app)
    if app_state.layout is not None:
        return app_state.layout
    report = layout_report(app)
    if at_start_up and report.not_found:
        return None
    app_state.layout = report
    message = report.message()
    if message is not None:
        level = logging.ERROR if report.problem is not None or report.lacks("content") else logging.WARNING
        log.log(level, message)
    blocked = blocked_message(report.template, blocked_assets(app.config, report.external))
    if blocked is not None:
        log.warning(blocked)
    return report


def checked_before_request() -> None:
    """``before_request`` of our blueprint: the deferred check, on the first request."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    check_layout(app)


def layout_lacks(block: str) -> bool:
    """``cc_layout_lacks('head')`` in templates: the host's layout has no such block."""
    report = check_layout(current_app._get_current_object())  # type: ignore[attr-defined]
    return report is not None and report.lacks(block)
