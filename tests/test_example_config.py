"""The example site reads any extension setting from the environment, typed like its default."""

from __future__ import annotations

import pytest

from example_site.config import from_environment


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
