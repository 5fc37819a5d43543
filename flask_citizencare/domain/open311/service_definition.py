"""A category as the Open311 spec shows it: its ``service`` item and its ``service_definition``.

Our question types are Open311's datatypes already; a ``note`` is shown and
takes no answer, so it is an attribute with ``variable`` false and datatype
``string``. Retired questions and choices are left out: they are off the form.
Dict keys are in the spec's element order (the XML writer keeps it).

Plain Python: no Flask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..keywords import keywords_line
from ..questions import LIST_TYPES, NOTE, STRING, Question, on_form

#: Longest service code we have (``Category.code``): a longer one is unknown without asking.
SERVICE_CODE_MAX = 64
#: We file a request while the client waits and answer its id at once (the spec's ``realtime``).
REALTIME = "realtime"


def keywords_text(keywords: Sequence[str] | None) -> str | None:
    """The spec's comma-separated ``keywords``, or None when there are none."""
    words = [word.strip() for word in keywords or () if isinstance(word, str) and word.strip()]
    return keywords_line(words) or None


def service(
    *,
    code: str,
    name: str,
    description: str | None,
    metadata: bool,
    keywords: Sequence[str] | None,
    group: str | None,
) -> dict[str, Any]:
    """One item of ``services``, its elements in the spec's order.

    ``type`` is always ``realtime``: a request is filed synchronously and its
    ``service_request_id`` answered at once (no token to look up later).
    """
    return {
        "service_code": code,
        "service_name": name,
        "description": description or None,
        "metadata": metadata,
        "type": REALTIME,
        "keywords": keywords_text(keywords),
        "group": group or None,
    }


def attribute(question: Question, order: int, language: str, default: str) -> dict[str, Any]:
    """One attribute of a service definition (``order`` counts from 1)."""
    help_text = question.help(language, default)
    item: dict[str, Any] = {
        "variable": question.type != NOTE,
        "code": question.key,
        "datatype": STRING if question.type == NOTE else question.type,
        "required": question.required and question.type != NOTE,
        "datatype_description": help_text.text if help_text is not None else None,
        "order": order,
        "description": question.label(language, default).text,
    }
    if question.type in LIST_TYPES:
        item["values"] = [
            {"key": choice.value, "name": choice.label(language, default).text}
            for choice in question.active_choices
        ]
    return item


def attributes(questions: Iterable[Question], language: str, default: str) -> list[dict[str, Any]]:
    """The attributes of the questions on the form, in form order."""
    return [
        attribute(question, order, language, default)
        for order, question in enumerate(on_form(questions), start=1)
    ]


def definition(code: str, questions: Iterable[Question], language: str, default: str) -> dict[str, Any]:
    """The ``service_definition`` of the service ``code``."""
    return {"service_code": code, "attributes": attributes(questions, language, default)}


def has_metadata(questions: Iterable[Question]) -> bool:
    """Whether the service has attributes to ask (the spec's ``metadata``)."""
    return bool(on_form(questions))


def texts_in(texts: Mapping[str, str] | None, language: str, fallback: str) -> str | None:
    """``texts[language]``, else ``fallback``; None when both are empty."""
    return (texts or {}).get(language) or fallback or None
