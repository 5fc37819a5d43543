"""The service sheet ("scheda servizio", AgID model C.SI.1.3) of the reporting service, at our index.

The page follows the Designers Italia municipal model: the sections in the
model's order, each with the ``data-element`` the government's validator
looks for, the page index (``page-index``) with the model's section names,
and the model's JSON-LD ``GovernmentService`` (``data-element="metatag"``).

Texts: ours, translated (Italian = the model's own wording where it has one);
a municipality replaces any section with ``CITIZENCARE_SERVICE_SHEET``, for
every language or by language (see docs/service-sheet.md). "Tempi e scadenze"
is written from the service levels and business calendar in force (the
configuration with the managers' stored changes), the contacts from the
``CITIZENCARE_URP_*`` settings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from babel.dates import get_day_names
from flask import current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from ...config import SERVICE_SHEET_SECTIONS
from ...domain.lifecycle import Channel
from ...domain.sla import BusinessCalendar, SlaPolicy
from ...i18n import current_language, languages, ngettext
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...services import sla

#: Our texts of each section (the Italian ones are the model's where it has them).
DEFAULT_TEXTS: Mapping[str, Any] = {
    "description": _l(
        "A service open to all citizens to report inefficiencies, breakdowns and problems found "
        "in the municipality's territory."
    ),
    "addressed": _l("Everybody, residents or not, can report an inefficiency in the municipality."),
    "extended_description": _l(
        "The service lets you report a problem to the municipal administration in detail. You can "
        "show where the problem is on a map or by its address, and attach photos. Reports are "
        "handled by the Public Relations Office (URP)."
    ),
    "how_to": _l(
        "Fill in the online form from your phone or computer: choose the kind of problem, show the "
        "place, describe what is wrong and add photos if you have them. You can also report it by "
        "phone, by e-mail or at the office's counter. Reports can only be about places within the "
        "municipality."
    ),
    "needed_intro": _l("To use the service, make sure you have:"),
    "needed": _l(
        "information about the kind of inefficiency and the place within the municipality;\n"
        "photos, if you have them;\n"
        "an e-mail address, if you want to receive the updates."
    ),
    "achieved": _l(
        "You get the number of your report and a private link to follow it at once; if you give "
        "an e-mail address you are told by e-mail when it is taken in charge, answered and "
        "resolved. The report is published on the map without your personal data."
    ),
    "costs": _l("The service is free."),
    "access": _l("Send a report online from your smartphone or computer."),
    "conditions": _l(
        "For the details of deadlines, requirements and other important information, read the "
        "terms and conditions of the service."
    ),
}
assert set(DEFAULT_TEXTS) == set(SERVICE_SHEET_SECTIONS)


def sheet_text(section: str, language: str | None = None) -> str:
    """The text of ``section`` in ``language``: the municipality's (CITIZENCARE_SERVICE_SHEET) or ours."""
    language = language or current_language()
    configured = current_app.config["CITIZENCARE_SERVICE_SHEET"].get(section)
    if isinstance(configured, str):
        return configured
    if isinstance(configured, Mapping) and configured.get(language):
        return str(configured[language])
    return str(DEFAULT_TEXTS[section])


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs (blank lines between them)."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# -- durations and hours in words ---------------------------------------------------------------------


def duration_words(value: timedelta, *, days: bool = False) -> str:
    """``30 minutes``, ``6 hours``, ``1 hour and 30 minutes``; with ``days``, whole days as ``7 days``.

    Business time (the terms counted in office hours) stays in hours: "1 day" of office hours would
    read as a calendar day.
    """
    minutes = int(value.total_seconds() // 60)
    if days and minutes >= 24 * 60 and minutes % (24 * 60) == 0:
        return ngettext("%(num)d day", "%(num)d days", minutes // (24 * 60))
    hours, minutes = divmod(minutes, 60)
    hours_text = ngettext("%(num)d hour", "%(num)d hours", hours) if hours else ""
    minutes_text = ngettext("%(num)d minute", "%(num)d minutes", minutes) if minutes else ""
    if hours_text and minutes_text:
        return _("%(hours)s and %(minutes)s", hours=hours_text, minutes=minutes_text)
    return hours_text or minutes_text or ngettext("%(num)d minute", "%(num)d minutes", 0)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def opening_hours(calendar: BusinessCalendar) -> str:
    """``Monday to Friday 08:00–13:00 and 14:00–17:00``: consecutive days with the same hours together."""
    names = get_day_names("wide", locale=current_language())
    groups: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
    for day in range(7):
        hours = tuple(calendar.hours[day])
        if not hours:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == hours:
            groups[-1] = (groups[-1][0], day, hours)
        else:
            groups.append((day, day, hours))
    parts = []
    for first, last, hours in groups:
        intervals = [f"{_clock(start)}–{_clock(end)}" for start, end in hours]
        times = (
            intervals[0]
            if len(intervals) == 1
            else _("%(first)s and %(last)s", first=", ".join(intervals[:-1]), last=intervals[-1])
        )
        days = (
            names[first]
            if first == last
            else _("%(first)s to %(last)s", first=names[first], last=names[last])
        )
        parts.append(_("%(days)s %(times)s", days=days, times=times))
    return "; ".join(parts)


@dataclass(frozen=True)
class Deadlines:
    """ "Tempi e scadenze": the paragraph and the list of the terms in force, in words."""

    intro: str
    items: list[str]


def deadlines(policy: SlaPolicy, calendar: BusinessCalendar, office: str) -> Deadlines:
    hours = opening_hours(calendar)
    if hours:
        intro = _(
            "The %(office)s counts its times in office hours: %(hours)s, holidays excepted.",
            office=office,
            hours=hours,
        )
    else:
        intro = _("The %(office)s counts its times in office hours.", office=office)
    items = [_("At once: the number of your report and a private link to follow it.")]
    ack = policy.acknowledgement
    if Channel.WEB in ack:
        others = [
            _("%(duration)s for those sent by e-mail", duration=duration_words(ack[Channel.EMAIL]))
            if Channel.EMAIL in ack
            else "",
            _("%(duration)s for those made by phone", duration=duration_words(ack[Channel.PHONE]))
            if Channel.PHONE in ack
            else "",
        ]
        others = [text for text in others if text]
        if others:
            items.append(
                _(
                    "Taken in charge: within %(duration)s of office hours for reports sent online, "
                    "%(others)s.",
                    duration=duration_words(ack[Channel.WEB]),
                    others=", ".join(others),
                )
            )
        else:
            items.append(
                _(
                    "Taken in charge: within %(duration)s of office hours for reports sent online.",
                    duration=duration_words(ack[Channel.WEB]),
                )
            )
    first, second = policy.resolution.get(1), policy.resolution.get(2)
    if first is not None and second is not None:
        items.append(
            _(
                "Answer and solution: within %(first)s of office hours when the office can deal "
                "with it directly, %(second)s when a technical office has to step in.",
                first=duration_words(first),
                second=duration_words(second),
            )
        )
    elif first is not None:
        items.append(_("Answer and solution: within %(first)s of office hours.", first=duration_words(first)))
    simple, complex_ = policy.ceiling_simple, policy.ceiling_complex
    if simple is not None and complex_ is not None:
        items.append(
            _(
                "In any case: within %(simple)s for simple requests and %(complex)s for complex ones.",
                simple=duration_words(simple, days=True),
                complex=duration_words(complex_, days=True),
            )
        )
    elif simple is not None:
        items.append(_("In any case: within %(simple)s.", simple=duration_words(simple, days=True)))
    return Deadlines(intro, items)


# -- contacts and the JSON-LD -----------------------------------------------------------------------


@dataclass(frozen=True)
class Office:
    """The office of the Contatti card (the URP), from the CITIZENCARE_URP_* settings."""

    name: str
    url: str | None
    street: str | None
    postal_code: str | None
    locality: str
    phone: str | None
    email: str | None
    hours: str

    @property
    def phone_link(self) -> str | None:
        if not self.phone:
            return None
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")


def urp_office(calendar: BusinessCalendar) -> Office:
    config = current_app.config
    return Office(
        name=config["CITIZENCARE_URP_NAME"] or _("Public Relations Office (URP)"),
        url=config["CITIZENCARE_URP_URL"],
        street=config["CITIZENCARE_URP_STREET_ADDRESS"],
        postal_code=config["CITIZENCARE_URP_POSTAL_CODE"],
        locality=config["CITIZENCARE_URP_LOCALITY"] or config["CITIZENCARE_MUNICIPALITY_NAME"],
        phone=config["CITIZENCARE_URP_PHONE"],
        email=config["CITIZENCARE_URP_EMAIL"],
        hours=opening_hours(calendar),
    )


def metatag(*, title: str, description: str, audience: str, office: Office) -> dict[str, Any]:
    """The model's JSON-LD of a service sheet (schema.org GovernmentService), as the validator reads it."""
    municipality = current_app.config["CITIZENCARE_MUNICIPALITY_NAME"]
    address: dict[str, Any] = {"@type": "PostalAddress", "addressLocality": office.locality}
    if office.street:
        address["streetAddress"] = office.street
    if office.postal_code:
        address["postalCode"] = office.postal_code
    location: dict[str, Any] = {"@type": "Place", "name": office.name, "address": address}
    channel: dict[str, Any] = {
        "@type": "ServiceChannel",
        "name": _("Online form"),
        "serviceUrl": url_for("citizencare.public.new_report", _external=True),
        "availableLanguage": list(languages()),
        "serviceLocation": location,
    }
    if office.phone:
        channel["servicePhone"] = {"@type": "ContactPoint", "telephone": office.phone}
    return {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": title,
        "description": description,
        "serviceType": title,
        "url": url_for("citizencare.public.index", _external=True),
        "serviceOperator": {"@type": "GovernmentOrganization", "name": municipality},
        "areaServed": {"@type": "AdministrativeArea", "name": municipality},
        "audience": {"@type": "Audience", "name": audience},
        "availableChannel": channel,
        "termsOfService": conditions_url(external=True),
        "isAccessibleForFree": True,
    }


def json_script(data: Mapping[str, Any]) -> Markup:
    """JSON for ``<script type="application/ld+json">``: ``<``, ``>``, ``&`` escaped, so no text ends it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 (no "<" is left in it: it cannot close the script or open a tag)


def conditions_url(*, external: bool = False) -> str:
    configured = current_app.config["CITIZENCARE_SERVICE_CONDITIONS_URL"]
    if configured:
        return str(configured)
    return url_for("citizencare.public.privacy", _external=external)


def list_url() -> str:
    """Where "See the reports" leads: the public map with its list of reports."""
    return url_for("citizencare.map.index")


def index() -> ResponseReturnValue:
    calendar = sla.calendar()
    office = urp_office(calendar)
    title = _("Reporting an inefficiency")
    texts = {section: sheet_text(section) for section in SERVICE_SHEET_SECTIONS}
    data = metatag(
        title=title,
        description=texts["description"],
        audience=_("Residents and non-residents of the municipality"),
        office=office,
    )
    page: dict[str, Sequence[str] | str] = {
        section: paragraphs(text) for section, text in texts.items() if section != "needed"
    }
    page["needed"] = lines(texts["needed"])
    return render_template(
        "citizencare/public/index.html",
        title=title,
        texts=page,
        deadlines=deadlines(sla.policy(), calendar, office.name),
        office=office,
        conditions_url=conditions_url(),
        list_url=list_url(),
        metatag=json_script(data),
    )
