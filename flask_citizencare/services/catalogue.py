"""Import and export the catalogue (offices and categories) as a catalogue file.

An import creates what is new and updates what exists, matched by ``code``;
it never deletes: a category with reports must stay, and one missing from the
file is left as it is (deactivate it in the file with ``"active": false``).
The whole file goes in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain.catalogue_file import FORMAT, VERSION, Catalogue
from ..models import Category, Office

Row = TypeVar("Row", Office, Category)


@dataclass(frozen=True)
class ImportSummary:
    offices_created: int
    offices_updated: int
    categories_created: int
    categories_updated: int


def import_catalogue(session: Session, catalogue: Catalogue, *, commit: bool = True) -> ImportSummary:
    """Write ``catalogue`` (already parsed, see :func:`~..domain.catalogue_file.parse_catalogue`)."""
    offices = {o.code: o for o in session.scalars(sa.select(Office))}
    offices_created = 0
    for entry in catalogue.offices:
        office, created = _find_or_add(session, offices, Office, entry.code)
        offices_created += created
        office.name, office.email, office.active = entry.name, entry.email, entry.active
    session.flush()

    categories = {c.code: c for c in session.scalars(sa.select(Category))}
    categories_created = 0
    for item in catalogue.categories:
        category, created = _find_or_add(session, categories, Category, item.code)
        categories_created += created
        category.name = item.name
        category.group = item.group
        category.help_text = item.help_text
        category.names = dict(item.names)
        category.help_texts = dict(item.help_texts)
        category.kinds = item.kinds
        category.needs_location = item.needs_location
        category.questions = [dict(q) for q in item.questions]
        category.position = item.position
        category.active = item.active
        category.default_office = offices[item.office] if item.office else None
    summary = ImportSummary(
        offices_created=offices_created,
        offices_updated=len(catalogue.offices) - offices_created,
        categories_created=categories_created,
        categories_updated=len(catalogue.categories) - categories_created,
    )
    if commit:
        session.commit()
    else:
        session.flush()
    return summary


def _find_or_add(session: Session, existing: dict[str, Row], model: type[Row], code: str) -> tuple[Row, bool]:
    """The row of ``code`` among ``existing``, or a new one added to the session (and to ``existing``)."""
    row = existing.get(code)
    if row is not None:
        return row, False
    row = existing[code] = model(code=code)
    session.add(row)
    return row, True


def export_catalogue(session: Session) -> dict[str, Any]:
    """Every office and category, as a catalogue file that :func:`import_catalogue` takes back."""
    offices = session.scalars(sa.select(Office).order_by(Office.code)).all()
    categories = session.scalars(sa.select(Category).order_by(Category.position, Category.code)).all()
    return {
        "format": FORMAT,
        "version": VERSION,
        "offices": [{"code": o.code, "name": o.name, "email": o.email, "active": o.active} for o in offices],
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "office": c.default_office.code if c.default_office else None,
                "group": c.group,
                "help_text": c.help_text,
                "names": dict(c.names or {}),
                "help_texts": dict(c.help_texts or {}),
                "kinds": c.kinds,
                "needs_location": c.needs_location,
                "questions": list(c.questions or []),
                "position": c.position,
                "active": c.active,
            }
            for c in categories
        ],
    }
