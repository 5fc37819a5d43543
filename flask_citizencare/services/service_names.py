"""The free "affected services" names ("SUAP portal", "PagoPA payments") that notices list and
subscriptions filter on, read one way for both so a subscription matches what a notice wrote."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from ..parsing import InputError, check_text

#: Longest name of one service, and most services on one notice or subscription.
SERVICE_MAX = 120
SERVICES_MAX = 20


class NameProblem(StrEnum):
    NOT_TEXT = "not text"
    CONTROL = "control characters"
    TOO_LONG = "too long"
    TOO_MANY = "too many"


class ServiceNamesError(ValueError):
    def __init__(self, problem: NameProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def service_names(given: Sequence[object]) -> list[str]:
    """The names with their spaces collapsed, blanks dropped, each once whatever its case."""
    names: list[str] = []
    for value in given:
        if not isinstance(value, str):
            raise ServiceNamesError(NameProblem.NOT_TEXT)
        name = " ".join(value.split())
        if not name:
            continue
        try:
            check_text(name, multiline=False)
        except InputError:
            raise ServiceNamesError(NameProblem.CONTROL) from None
        if len(name) > SERVICE_MAX:
            raise ServiceNamesError(NameProblem.TOO_LONG)
        if name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    if len(names) > SERVICES_MAX:
        raise ServiceNamesError(NameProblem.TOO_MANY)
    return names
