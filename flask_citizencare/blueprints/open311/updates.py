"""FixMyStreet's updates extension: ``servicerequestupdates.{xml,json}`` GET and POST.

GET lists the public steps of public cases between ``start_date`` and
``end_date`` (:mod:`~...queries.open311_updates`; statuses mapped as
:mod:`~...domain.open311.statuses` says). Without ``end_date`` the window
ends now; without ``start_date`` it starts 24 hours before its end; a window
longer than 90 days is refused (400), so one call never scans the whole
history. Beyond 1,000 updates, the oldest 1,000 are answered: ask again from
the last one's ``updated_datetime``.

POST adds a citizen's update to a case the key's client filed, as the
reporter's message (:mod:`~...services.open311_updates`). ``status`` is
taken (one of FixMyStreet's) and ignored: a client does not change our state;
writing on a resolved case reopens it as the tracking page does.
``updated_datetime`` is ignored too: the message is dated on arrival.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ...context import db_session, state
from ...domain.open311.documents import Document
from ...domain.open311.statuses import UpdateStatus
from ...i18n import gettext as _
from ...models import ApiKey
from ...models.base import utcnow
from ...queries.open311_updates import updates_between
from ...services.open311_updates import UpdateRefused, post_update
from .discovery import JURISDICTION
from .endpoints import KeyUse, endpoint
from .errors import Open311Error, bad_parameter
from .filing import idempotency_key_header
from .params import Param, moment, text, word

#: The longest window one call may ask for.
WINDOW_MAX = timedelta(days=90)
DEFAULT_WINDOW = timedelta(hours=24)


def _status_word(value: str, param: Param) -> str:
    value = word(value, param).upper()
    if value not in {status.value for status in UpdateStatus}:
        raise bad_parameter(param.name, _("use one of %(allowed)s.", allowed=", ".join(UpdateStatus)))
    return value


@endpoint(
    "/servicerequestupdates",
    name="updates",
    summary="The public updates of requests in a time window (FixMyStreet's extension).",
    params=(
        JURISDICTION,
        Param("api_key", word, {"type": "string"}, "An API key (optional)."),
        Param("start_date", moment, {"type": "string", "format": "date-time"}, "From (default: end - 24 h)."),
        Param("end_date", moment, {"type": "string", "format": "date-time"}, "Until (default: now)."),
    ),
    response="updates",
)
def updates(fmt: str, args: dict[str, Any], key: ApiKey | None) -> Document:
    end = args["end_date"] or utcnow()
    start = args["start_date"] or end - DEFAULT_WINDOW
    if start > end:
        raise bad_parameter("start_date", _("start_date must come before end_date."))
    if end - start > WINDOW_MAX:
        raise bad_parameter("end_date", _("ask for at most %(days)d days at a time.", days=WINDOW_MAX.days))
    zone = state().settings.zone
    return Document(
        "service_request_updates",
        [
            {
                "update_id": update.update_id,
                "service_request_id": update.service_request_id,
                "status": update.status.value,
                "updated_datetime": update.at.astimezone(zone),
                "description": update.description,
                "media_url": None,
            }
            for update in updates_between(db_session(), start, end)
        ],
        item="request_update",
    )


def _form(name: str, parser: Any, description: str, **more: Any) -> Param:
    return Param(name, parser, {"type": "string"}, description, location="form", **more)


@endpoint(
    "/servicerequestupdates",
    "POST",
    name="create_update",
    summary="Add the citizen's update to a request your key filed (FixMyStreet's extension).",
    params=(
        JURISDICTION,
        _form("api_key", word, "Your API key (one that may file).", required=True),
        _form("service_request_id", word, "The request's number.", required=True),
        _form("description", text, "What the citizen adds.", required=True, maximum=4000),
        _form("updated_datetime", moment, "When the citizen wrote it (ignored: dated on arrival)."),
        _form("status", _status_word, "The citizen's view, OPEN or CLOSED (ignored)."),
        _form("email", word, "The citizen's e-mail address (ignored: the reporter's is kept).", maximum=254),
        _form("first_name", word, "Ignored.", maximum=100),
        _form("last_name", word, "Ignored.", maximum=100),
        _form("media_url", word, "Ignored (never fetched).", maximum=2000),
        _form("account_id", word, "Ignored."),
        _form("update_id", word, "Your own id of the update (ignored)."),
    ),
    key=KeyUse.POST,
    response="update_created",
)
def create_update(fmt: str, args: dict[str, Any], key: ApiKey | None) -> Document:
    assert key is not None  # KeyUse.POST: dispatch refused the request otherwise
    idempotency_key = idempotency_key_header()
    try:
        message = post_update(key.id, args["service_request_id"], args["description"], idempotency_key)
    except UpdateRefused as refused:
        if refused.code == "unknown":
            raise Open311Error(404, _("service_request_id: there is no such request.")) from None
        raise Open311Error(
            403, _("service_request_id: your key may update only the requests it filed.")
        ) from None
    return Document("service_request_updates", [{"update_id": f"m{message.id}"}], item="request_update")
