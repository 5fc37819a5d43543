"""The site's menu, in one place: the header, the footer and the home page read it.

The entries are the extension's (``cc_navigation()``, which knows the user: the
public pages for everybody, "my reports" once logged in, the staff area and its
dashboard for staff, the back office for managers and admins); the site adds
what its home page's service cards say about some of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from flask_citizencare.blueprints.navigation import navigation


@dataclass(frozen=True)
class Card:
    """What the home page's service card of an entry says."""

    description: Any
    #: Bootstrap Italia sprite icon of the card.
    icon: str = "it-note"
    #: The home page's main button leads here.
    call_to_action: bool = False


#: By the key of the extension's entry; entries without one are menu-only.
CARDS: dict[str, Card] = {
    "report": Card(
        _l(
            "Tell the municipality about a pothole, a broken street light, litter or anything else "
            "that needs fixing, or propose an improvement."
        ),
        icon="it-map-marker-plus",
        call_to_action=True,
    ),
    "reports": Card(
        _l("See the problems and proposals citizens have sent, and what the municipality has done."),
        icon="it-list",
    ),
}


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
    #: "public" or "staff".
    area: str
    key: str


def menu() -> list[Link]:
    """The extension's entries for the user of this request, with the current one marked."""
    links = []
    for entry in navigation():
        card = CARDS.get(entry.key)
        links.append(
            Link(
                url=entry.url,
                label=entry.label,
                description=card.description if card else None,
                icon=card.icon if card else "it-note",
                current=entry.current,
                here=entry.here,
                call_to_action=bool(card and card.call_to_action),
                area=entry.area,
                key=entry.key,
            )
        )
    return links
