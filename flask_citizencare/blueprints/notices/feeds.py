"""The notices as feeds: RSS 2.0 and Atom of the published notices, iCalendar of the planned works.

Built with feedgen and icalendar (well-kept, and they escape and fold what
they write). Texts follow the request's language; nothing about reporters or
staff is in them (the author is the municipality). Like the other public data
they are the same for everybody and carry an ETag of their body.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import current_app, make_response, request, url_for
from flask.typing import ResponseReturnValue
from icalendar import Calendar, Event
from werkzeug.wrappers import Response

from ...context import db_session
from ...domain.markdown import render as markdown
from ...i18n import current_language
from ...i18n import gettext as _
from ...labels import notice_kind_label, notice_status_label
from ...models import ServiceNotice
from ...models.base import utcnow
from ...queries.notices import feed_notices, planned_works
from ...web.caching import PUBLIC_DATA


def _data(body: bytes | str, mimetype: str) -> Response:
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = PUBLIC_DATA
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.add_etag()
    return response.make_conditional(request)


def _notice_url(notice: ServiceNotice) -> str:
    return url_for("citizencare.notices.notice", notice_id=notice.id, _external=True)


def _feed(kind: str) -> FeedGenerator:
    language = current_language()
    municipality = current_app.config["CITIZENCARE_MUNICIPALITY_NAME"]
    notices = feed_notices(db_session())
    feed = FeedGenerator()
    feed.id(url_for("citizencare.notices.index", _external=True))
    feed.title(_("Service notices — %(municipality)s", municipality=municipality))
    feed.subtitle(_("Incidents and planned works affecting the municipality's services."))
    feed.author({"name": municipality})
    feed.link(href=url_for("citizencare.notices.index", _external=True), rel="alternate")
    feed.link(href=url_for(f"citizencare.notices.feed_{kind}", _external=True), rel="self")
    feed.language(language)
    feed.updated(max((n.updated_at for n in notices), default=None) or utcnow())
    for notice in reversed(notices):  # feedgen puts each new entry first
        entry = feed.add_entry()
        entry.id(_notice_url(notice))
        entry.guid(_notice_url(notice), permalink=True)
        entry.title(f"{notice.title_in(language)} — {notice_status_label(notice.status)}")
        entry.link(href=_notice_url(notice))
        entry.category(term=notice.kind, label=notice_kind_label(notice.kind))
        entry.published(notice.published_at or notice.created_at)
        entry.updated(notice.updated_at)
        entry.content(_entry_html(notice, language), type="html")
        entry.description(_entry_html(notice, language))
    return feed


def _entry_html(notice: ServiceNotice, language: str) -> str:
    """The body and the latest step's news, as sanitised HTML."""
    parts = [str(markdown(notice.body_in(language)))]
    latest = notice.updates[-1] if notice.updates else None
    if latest is not None and latest.body_in(language):
        parts.append(
            f"<p><strong>{notice_status_label(latest.status)}</strong></p>"
            + str(markdown(latest.body_in(language)))
        )
    return "\n".join(parts)


def feed_rss() -> ResponseReturnValue:
    return _data(_feed("rss").rss_str(pretty=True), "application/rss+xml")


def feed_atom() -> ResponseReturnValue:
    return _data(_feed("atom").atom_str(pretty=True), "application/atom+xml")


#: iCalendar's STATUS of each step of planned works.
_ICS_STATUS = {
    "scheduled": "CONFIRMED",
    "in_progress": "CONFIRMED",
    "completed": "CONFIRMED",
    "cancelled": "CANCELLED",
}


def planned_ics() -> ResponseReturnValue:
    """``/status/planned.ics``: the planned works (not over, or over in the last 90 days) as events."""
    language = current_language()
    municipality = current_app.config["CITIZENCARE_MUNICIPALITY_NAME"]
    calendar = Calendar()
    calendar.add("prodid", "-//flask-citizencare//service notices//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Planned works — %(municipality)s", municipality=municipality))
    host = request.host.split(":")[0] or "localhost"
    for notice in planned_works(db_session()):
        event = Event()
        event.add("uid", f"notice-{notice.id}@{host}")
        event.add("dtstamp", _utc(notice.updated_at))
        event.add("last-modified", _utc(notice.updated_at))
        event.add("sequence", notice.version)
        event.add("dtstart", _utc(notice.starts_at))
        end = notice.ends_at or notice.ended_at
        if end is not None and end > notice.starts_at:
            event.add("dtend", _utc(end))
        event.add("summary", notice.title_in(language))
        event.add("description", f"{notice_status_label(notice.status)}\n\n{notice.body_in(language)}")
        event.add("status", _ICS_STATUS.get(notice.status, "CONFIRMED"))
        event.add("url", _notice_url(notice))
        if notice.districts:
            event.add("location", ", ".join(notice.districts))
        if notice.categories:
            event.add("categories", [c.label(language) for c in notice.categories])
        calendar.add_component(event)
    return _data(calendar.to_ical(), "text/calendar")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
