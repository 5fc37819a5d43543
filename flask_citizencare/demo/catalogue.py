"""The demo catalogue (``catalogues/demo.yaml``) as :mod:`.data` describes it.

``demo-data`` imports ``demo.yaml`` through the same service as
``catalogue import``; this module is how the file was made from
:data:`.data.OFFICES` and :data:`.data.CATEGORIES` (the reports' texts and
answers stay there), and a test checks that the two still agree. After
changing the data, write the file again::

    python -m flask_citizencare.demo.catalogue > flask_citizencare/catalogues/demo.yaml
"""

from __future__ import annotations

from pathlib import Path

from ..domain.catalogue_file import Catalogue, CategoryEntry, OfficeEntry, TemplateEntry, document, dump
from .data import CATEGORIES, OFFICES, TEMPLATES

#: Where the shipped catalogues are.
CATALOGUES = Path(__file__).resolve().parent.parent / "catalogues"
DEMO_FILE = CATALOGUES / "demo.yaml"
HEADER = (
    "# The demo catalogue (offices, categories and response templates of `flask citizencare demo-data`).\n"
    "# Made from flask_citizencare/demo/data.py: python -m flask_citizencare.demo.catalogue\n"
)


def demo_catalogue(default_language: str = "it") -> Catalogue:
    return Catalogue(
        offices=tuple(OfficeEntry(code=code, name=name, email=email) for code, name, email in OFFICES),
        categories=tuple(
            CategoryEntry(
                code=demo.code,
                group=demo.group,
                names={default_language: demo.name, **demo.names},
                help={default_language: demo.help_text, **demo.help_texts},
                kinds=demo.kinds,
                supports_threshold=demo.supports_threshold,
                needs_location=demo.needs_location,
                office=demo.office,
                position=position * 10,
                questions=tuple(dict(q) for q in demo.questions),
            )
            for position, demo in enumerate(CATEGORIES, start=1)
        ),
        templates=tuple(
            TemplateEntry(
                code=code, title=title, body=body, language=language, category=category, status=status
            )
            for code, title, body, language, category, status in TEMPLATES
        ),
    )


def demo_yaml(languages: tuple[str, ...] = ("it", "en", "ca")) -> str:
    content = document(demo_catalogue(languages[0]), languages)
    # Offices, categories and response templates: the demo leaves routing, levels and calendar alone.
    for name in ("routing", "service_levels", "calendar"):
        del content[name]
    return HEADER + dump(content)


if __name__ == "__main__":  # pragma: no cover
    print(demo_yaml(), end="")
