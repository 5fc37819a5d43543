"""``services`` and ``services/{service_code}`` (XML, JSON): what can be reported, and its questions.

A service is an active category; its definition lists the category's
questions on the form (:mod:`~flask_citizencare.domain.open311.service_definition`).
Names, descriptions and labels are in the language of ``locale`` (forced by
:func:`~.blueprint.dispatch`), else the client's.
"""

from __future__ import annotations

from typing import Any

from ...domain.open311 import service_definition
from ...domain.open311.documents import Document
from ...domain.questions import read_questions
from ...i18n import current_language, languages
from ...i18n import gettext as _
from ...models import Category
from ...queries.open311_services import active_service, active_services
from .discovery import JURISDICTION, LOCALE
from .endpoints import endpoint
from .errors import Open311Error

SERVICE_CODE = "The service's code (service_code of services)."


def unknown_service() -> Open311Error:
    """404 for a service code we do not offer (unknown, deactivated, too long)."""
    return Open311Error(
        404, "service_code: " + _("there is no service with this code."), parameter="service_code"
    )


def _service(category: Category, language: str, default: str) -> dict[str, Any]:
    questions = read_questions(category.questions or [], default)
    return service_definition.service(
        code=category.code,
        name=category.label(language),
        description=service_definition.texts_in(category.help_texts, language, category.help_text),
        metadata=service_definition.has_metadata(questions),
        keywords=category.keywords,
        group=category.group,
    )


@endpoint(
    "/services",
    name="services",
    summary="The services one can request: every active category, in the form's order.",
    params=(JURISDICTION, LOCALE),
    response="services",
    description=(
        "Every service is `realtime`: a request is filed while the client waits and its "
        "service_request_id answered at once. `metadata` is true when the service has questions "
        "(see its service definition)."
    ),
)
def services(fmt: str, args: dict[str, Any], key: Any) -> Document:
    language, default = current_language(), languages()[0]
    return Document(
        "services", [_service(category, language, default) for category in active_services()], item="service"
    )


@endpoint(
    "/services/<service_code>",
    name="service_definition",
    summary="A service's questions (its attributes), in the form's order.",
    params=(JURISDICTION, LOCALE),
    response="service_definition",
    path_params={"service_code": SERVICE_CODE},
)
def service(fmt: str, args: dict[str, Any], key: Any, service_code: str) -> Document:
    category = active_service(service_code)
    if category is None:
        raise unknown_service()
    default = languages()[0]
    questions = read_questions(category.questions or [], default)
    return Document(
        "service_definition",
        service_definition.definition(category.code, questions, current_language(), default),
    )
