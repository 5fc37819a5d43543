"""The example site reads any extension setting from the environment, typed like its default."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import request

from example_site import create_app
from example_site.config import from_environment
from example_site.extensions import db


def test_extension_settings_from_the_environment() -> None:
    config = from_environment(
        {
            "CITIZENCARE_SHOW_FLASHES": "1",
            "CITIZENCARE_QUEUE_PAGE_SIZE": "20",
            "CITIZENCARE_MUNICIPALITY_NAME": "Comune di Prova",
            "CITIZENCARE_DISTRICTS": '[{"name": "Centro", "bbox": [11.33, 44.48, 11.36, 44.50]}]',
            "CITIZENCARE_AREA": "null",
            "CITIZENCARE_PHOTO_DIR": "/srv/photos",
            # Not settings: the test and benchmark URLs share the prefix.
            "CITIZENCARE_TEST_POSTGRES_URL": "postgresql://x",
        }
    )
    assert config == {
        "CITIZENCARE_SHOW_FLASHES": True,
        "CITIZENCARE_QUEUE_PAGE_SIZE": 20,
        "CITIZENCARE_MUNICIPALITY_NAME": "Comune di Prova",
        "CITIZENCARE_DISTRICTS": [{"name": "Centro", "bbox": [11.33, 44.48, 11.36, 44.50]}],
        "CITIZENCARE_AREA": None,
        "CITIZENCARE_PHOTO_DIR": "/srv/photos",
    }


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CITIZENCARE_SHOW_FLASHES", "maybe"),
        ("CITIZENCARE_QUEUE_PAGE_SIZE", "many"),
        ("CITIZENCARE_AREA", "{"),
    ],
)
def test_bad_values_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        from_environment({variable: value})


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(tmp_path: Path) -> None:
    assert from_environment({"TRUSTED_PROXIES": "1"}) == {"SITE_TRUSTED_PROXIES": 1}
    for bad in ("one", "-1", "6"):
        with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
            from_environment({"TRUSTED_PROXIES": bad})
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    seen: dict[str, str | None] = {}
    for proxies in (0, 1):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SITE_TRUSTED_PROXIES": proxies})

        @app.get("/_address")
        def address() -> str:
            return f"{request.remote_addr} {request.scheme}"

        answer = app.test_client().get(
            "/_address",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        seen[str(proxies)] = answer.get_data(as_text=True)
        with app.app_context():
            db.engine.dispose()
    # Without it the proxy's loopback address would stand for every citizen.
    assert seen == {"0": "127.0.0.1 http", "1": "203.0.113.7 https"}
