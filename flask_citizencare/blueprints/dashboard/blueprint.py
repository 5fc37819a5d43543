"""URL rules: The public dashboard: how many requests, how fast they are handled."""

from __future__ import annotations

from flask import Blueprint

from . import views

blueprint = Blueprint("dashboard", __name__)
blueprint.add_url_rule("/dashboard", "index", views.public_dashboard)
blueprint.add_url_rule("/dashboard/<table>.csv", "table_csv", views.public_csv)
