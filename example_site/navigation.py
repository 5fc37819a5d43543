"""The site's menu, in one place: the header, the footer and the home page read it.

An entry whose endpoint is not registered (a page the extension does not
have yet, or a blueprint the host turned off) is left out, so entries for
future pages can be listed here before they exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: Any
    #: Shown on the home page's service cards; entries without one are menu-only.
    description: Any = None
    #: Bootstrap Italia sprite icon of the card.
    icon: str = "it-note"
    #: Also "current" on the other pages of blueprints whose name starts with this
    #: (unless another entry is the page itself).
    section: str | None = None
    #: The home page's main button leads here.
    call_to_action: bool = False


MENU: tuple[Entry, ...] = (
    Entry(
        "citizencare.public.new_report",
        _l("Report a problem"),
        _l("Tell the municipality about a pothole, a broken street light, litter or anything else "
           "that needs fixing, or propose an improvement."),
        icon="it-map-marker-plus",
        call_to_action=True,
    ),
    Entry(
        "citizencare.public.index",
        _l("Reports"),
        _l("See the problems and proposals citizens have sent, and what the municipality has done."),
        icon="it-list",
        section="citizencare",
    ),
)


@dataclass(frozen=True)
class Link:
    url: str
    label: Any
    description: Any
    icon: str
    #: The page belongs to this entry (class "active").
    current: bool
    #: The page is this entry's own page (aria-current="page").
    here: bool
    call_to_action: bool


def menu() -> list[Link]:
    """The entries that exist on this app, with the current one marked."""
    entries = [entry for entry in MENU if entry.endpoint in current_app.view_functions]
    endpoint = request.endpoint if has_request_context() else None
    blueprint = (request.blueprint or "") if has_request_context() else ""
    exact = any(entry.endpoint == endpoint for entry in entries)
    links = []
    for entry in entries:
        here = entry.endpoint == endpoint
        in_section = not exact and bool(entry.section and blueprint.startswith(entry.section))
        links.append(
            Link(
                url=url_for(entry.endpoint),
                label=entry.label,
                description=entry.description,
                icon=entry.icon,
                current=here or in_section,
                here=here,
                call_to_action=entry.call_to_action,
            )
        )
    return links
