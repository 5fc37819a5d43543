"""``flask --app tests.thirdparty.factory`` (the host's own ``flask db ...`` commands in tests)."""

from __future__ import annotations

import json
import os

from flask import Flask

from . import create_app as _create_app


def create_app() -> Flask:
    return _create_app(os.environ["TEST_DATABASE_URL"], **json.loads(os.environ.get("TEST_CONFIG", "{}")))
