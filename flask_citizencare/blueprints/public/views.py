"""Public pages citizens see; thin: they read through queries and render."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from ...queries import recent_public_reports


def index() -> ResponseReturnValue:
    return render_template("citizencare/public/index.html", reports=recent_public_reports(limit=20))
