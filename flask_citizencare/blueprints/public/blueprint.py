"""URL rules of the public pages."""

from __future__ import annotations

from flask import Blueprint

from . import views

blueprint = Blueprint("public", __name__)
blueprint.add_url_rule("/", "index", views.index)
