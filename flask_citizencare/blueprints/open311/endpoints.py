"""The Open311 endpoints, declared once: the URL rules, the parsing and the OpenAPI description.

An endpoint module declares its views with :func:`endpoint`: the path
without its format suffix (``/requests``), the method, the parameters
(:class:`~.params.Param`), whether an API key is needed, and the OpenAPI
summary and response schema. :mod:`.blueprint` turns every declaration into
the rules ``<path>.xml`` and ``<path>.json`` and wraps its view in
:func:`dispatch`; :mod:`.openapi` describes the same list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .params import Param

#: Parameters every endpoint takes (the spec's ``jurisdiction_id``; our ``locale``).
View = Callable[..., Any]


class KeyUse(StrEnum):
    """What an endpoint asks of ``api_key``."""

    #: Not needed; a valid key given is counted under its own limit instead of the address's.
    OPTIONAL = "optional"
    #: Needed, and the key must be allowed to file (``apikey create --can-post``).
    POST = "post"


@dataclass(frozen=True)
class Endpoint:
    """One operation of the API (one path and method, both formats)."""

    name: str
    path: str
    method: str
    view: View
    summary: str
    params: tuple[Param, ...] = ()
    key: KeyUse = KeyUse.OPTIONAL
    #: The OpenAPI schema name of a successful answer (see :mod:`.openapi`).
    response: str = ""
    #: ``{name: description}`` of the path's variables (``<service_code>``).
    path_params: Mapping[str, str] = field(default_factory=dict)
    #: The body may be ``multipart/form-data`` (a photo in ``media``).
    multipart: bool = False
    #: Extra text for the OpenAPI description (the spec's rules, our extensions).
    description: str = ""


ENDPOINTS: list[Endpoint] = []


def endpoint(
    path: str,
    method: str = "GET",
    *,
    name: str,
    summary: str,
    params: Sequence[Param] = (),
    key: KeyUse = KeyUse.OPTIONAL,
    response: str = "",
    path_params: Mapping[str, str] | None = None,
    multipart: bool = False,
    description: str = "",
) -> Callable[[View], View]:
    """Declare ``view`` as the endpoint ``method path.{xml,json}``.

    The view is called as ``view(fmt=..., args=<parsed params>, key=<ApiKey or None>,
    **path_variables)`` and returns a :class:`~flask_citizencare.domain.open311.documents.Document`
    (or raises :class:`~.errors.Open311Error`).
    """

    def register(view: View) -> View:
        ENDPOINTS.append(
            Endpoint(
                name=name,
                path=path,
                method=method,
                view=view,
                summary=summary,
                params=tuple(params),
                key=key,
                response=response,
                path_params=dict(path_params or {}),
                multipart=multipart,
                description=description,
            )
        )
        return view

    return register
