"""The public list of proposals (``/proposals``), beside the map of proposals.

Thin: parse the query string with
:func:`~flask_citizencare.queries.proposals_list.parse_proposal_filter`, ask
:func:`~flask_citizencare.queries.proposals_list.list_proposals` for a page,
render the cards. Works without JavaScript: the filters are a GET form with a
submit button, the orders are links, "Load more proposals" is a plain link to
the next keyset page (``reports-list.js`` appends it in place, as on
``/reports``). A refused parameter gets a 400 naming it, with the first
page's link, like ``/reports``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from flask import make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ...context import state
from ...domain.supports import count_is_public
from ...formatting import local_time
from ...i18n import current_language
from ...i18n import gettext as _
from ...models import AnswerState
from ...queries.filters import FilterError
from ...queries.proposals_list import (
    PARAMETERS,
    SORTS,
    ListedProposal,
    ProposalFilter,
    answer_states,
    decode_cursor,
    list_proposals,
    parse_proposal_filter,
    proposal_categories,
    with_sort,
)
from ...queries.supports import counts_hidden_until_answered
from ...web.caching import public_page

_HEX = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Card:
    """A proposal as its card shows it (the hidden count already left out)."""

    proposal: ListedProposal
    category: str
    #: ``None`` while counts are hidden (``CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED``) and unanswered.
    supports: int | None
    state: AnswerState | None
    days: int

    @property
    def colour(self) -> str:
        """The state's colour for its swatch, if it is a ``#rrggbb`` (the badge's text says the state)."""
        colour = self.state.colour if self.state is not None else ""
        return colour if _HEX.fullmatch(colour or "") else "#5c6f82"


def sort_labels(supports_sortable: bool) -> list[tuple[str, str]]:
    labels = {
        "newest": _("Newest"),
        "supported": _("Most supported"),
        "answered": _("Recently answered"),
        "random": _("Random"),
    }
    return [(sort, labels[sort]) for sort in SORTS if sort != "supported" or supports_sortable]


def _chosen(args: Any) -> dict[str, str]:
    """The first value of each parameter as typed, to fill the form again (also when refused)."""
    return {name: (args.get(name) or "")[:200] for name in PARAMETERS}


def _args(proposal_filter: ProposalFilter) -> dict[str, Any]:
    return {**proposal_filter.query_args()}


def proposals_list() -> ResponseReturnValue:
    language = current_language()
    settings = state().settings
    hide = counts_hidden_until_answered()
    categories = proposal_categories()
    states = answer_states()
    by_id = {s.id: s for s in states}
    labels = {c.id: c.label(language) for c in categories}
    error: FilterError | None = None
    proposal_filter = ProposalFilter()
    cards: list[Card] = []
    next_cursor: str | None = None
    try:
        proposal_filter = parse_proposal_filter(
            request.args,
            area=settings.area,
            districts=settings.districts,
            category_codes=[c.code for c in categories],
            state_codes=[s.code for s in states if s.active],
            supports_sortable=not hide,
        )
        page = list_proposals(proposal_filter, decode_cursor(request.args.get("cursor"), proposal_filter))
        today = local_time(datetime.now(UTC)).date()
        for proposal in page.proposals:
            cards.append(
                Card(
                    proposal=proposal,
                    category=labels.get(proposal.category_id, ""),
                    supports=(
                        proposal.supports_count
                        if count_is_public(hide, proposal.answered_at is not None)
                        else None
                    ),
                    state=by_id.get(proposal.state_id) if proposal.state_id is not None else None,
                    days=max((today - local_time(proposal.created_at).date()).days, 0),
                )
            )
        next_cursor = page.next_cursor
    except FilterError as failure:
        error = failure
    keep: dict[str, Any] = {**proposal_filter.query_args()}
    map_args: dict[str, Any] = {**proposal_filter.map_args()}
    page_html = render_template(
        "citizencare/public/proposals.html",
        cards=cards,
        error=error,
        chosen=_chosen(request.args),
        proposal_filter=proposal_filter,
        hidden_counts=hide,
        next_url=url_for(".proposals", **keep, cursor=next_cursor) if next_cursor else None,
        first_url=url_for(".proposals", **keep) if request.args.get("cursor") else None,
        map_url=url_for("citizencare.map.index", **map_args),
        sorts=[
            (sort, label, url_for(".proposals", **_args(with_sort(proposal_filter, sort))))
            for sort, label in sort_labels(not hide)
        ],
        category_groups=[
            (group, [(c.code, c.label(language)) for c in members])
            for group, members in groupby(categories, key=lambda c: c.group)
        ],
        districts=[(d.name, d.name) for d in settings.districts],
        states=[(s.code, s.label(language)) for s in states if s.active],
        language=language,
    )
    return public_page(make_response(page_html, 400 if error is not None else 200))
