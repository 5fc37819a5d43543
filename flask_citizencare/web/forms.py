"""The base of every form of ours: the rules of :mod:`flask_citizencare.parsing` on every field.

A field added to any form gets them without asking: text without control
characters (line breaks only where the field is a text area), whole numbers an
integer column can hold (32 bits on PostgreSQL), dates within :data:`~flask_citizencare.parsing.MIN_DATE`
and :data:`~flask_citizencare.parsing.MAX_DATE`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FileField, IntegerField, MultipleFileField, TextAreaField
from wtforms.validators import StopValidation

from ..i18n import lazy_gettext as _l
from ..parsing import InputError, check_int, check_text, date_in_range

Validator = Callable[[Any, Field], None]


def _clean_text(multiline: bool) -> Validator:
    def validator(form: Any, field: Field) -> None:
        for value in field.raw_data or ():
            if isinstance(value, str):
                try:
                    check_text(value, multiline=multiline)
                except InputError as error:
                    raise StopValidation(error.message) from None

    return validator


def _bounded_int(form: Any, field: Field) -> None:
    if field.data is not None and not check_int(field.data):
        raise StopValidation(_l("Enter a whole number."))


def _sane_date(form: Any, field: Field) -> None:
    if isinstance(field.data, date):
        try:
            date_in_range(field.data)
        except InputError as error:
            raise StopValidation(error.message) from None


def guards_for(field: Field) -> list[Validator]:
    """The validators every field of its kind gets."""
    if isinstance(field, (FileField, MultipleFileField)):
        return []
    guards = [_clean_text(multiline=isinstance(field, TextAreaField))]
    if isinstance(field, IntegerField):
        guards.append(_bounded_int)
    guards.append(_sane_date)
    return guards


class CitizenCareForm(FlaskForm):
    """``FlaskForm`` with the guards of :func:`guards_for` run after each field's own validators."""

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        extra: dict[str, list[Any]] = {name: list(v) for name, v in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            extra.setdefault(name, []).extend(guards_for(field))
        return bool(super().validate(extra))
