"""``flask --app tests.host.factory`` entry point, configured from the environment (for CLI tests)."""

from __future__ import annotations

import json
import os

from flask import Flask

from . import make_host_app


def create_app() -> Flask:
    return make_host_app(os.environ["TEST_DATABASE_URL"], **json.loads(os.environ.get("TEST_CONFIG", "{}")))
