"""Import proposals collected on paper: check the whole file, then file every row in one transaction.

:func:`check_proposal_file` is the dry run: the rules of
:mod:`..domain.proposal_import` against our catalogue, the municipality's
area and the intake's window for arrival dates, plus one look in the
database for rows imported before (a row's ``submission_token`` is the
fingerprint of what it says, so a second upload of the same file, or a row
copied into a later file, is reported with the number it already has).
It writes nothing.

:func:`import_proposals` runs the same check and, only when it found
nothing, files each row as the staff intake files a letter
(:func:`~.reports.check_registration`, :func:`~.reports.new_report`): public
number, routing, first event (the operator's, ``data.import = "paper"``),
due times from the date the row gives (or now), channel ``letter`` or
``counter``. All rows or none: one transaction. Letters and counter requests
get no "received" mail (reference 001); a row with an e-mail address gets
it when the staff ask for it (``mail_receipts``), with the tracking link,
since on paper the author could not be given one. The ``report_submitted``
signal is sent for each once committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from .. import signals
from ..access import Actor
from ..context import app_object, db_session, state
from ..domain.geo import LocationError
from ..domain.lifecycle import Kind
from ..domain.proposal_import import CategoryRule, ParsedFile, Problem, ProposalRow, parse_file
from ..i18n import gettext as _
from ..models import Category, Report
from ..models.base import utcnow
from . import auto_routing
from .errors import Forbidden, InvalidInput
from .mail import notify
from .reports import Submission, SubmissionRefused, check_registration, new_report, next_public_ids

#: Rows written per flush while importing (all in the one transaction).
FLUSH_EVERY = 250

__all__ = ["ImportChecked", "ProposalImportRefused", "check_proposal_file", "import_proposals"]


@dataclass
class ImportChecked:
    """The dry run's answer: the rows ready to file, and every problem (none: the file may be imported)."""

    parsed: ParsedFile
    #: Problems found in the database (rows imported before), after the file's own.
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows(self) -> list[ProposalRow]:
        return self.parsed.rows

    @property
    def ok(self) -> bool:
        return self.parsed.ok and not self.problems


class ProposalImportRefused(InvalidInput):
    """The file has problems; nothing was written. ``checked`` lists them."""

    def __init__(self, checked: ImportChecked) -> None:
        super().__init__(_("The file has problems: nothing was imported."))
        self.checked = checked


def _rules(categories: list[Category]) -> dict[str, CategoryRule]:
    return {c.code: CategoryRule(c.code, c.kinds, c.needs_location, c.active) for c in categories}


def check_proposal_file(
    actor: Actor, data: bytes, *, encoding: str | None = None, now: datetime | None = None
) -> ImportChecked:
    """The dry run: every row's problems, nothing written. ``Forbidden`` for roles without the intake."""
    if not actor.registers_requests:
        raise Forbidden(_("Your role does not allow registering requests."))
    session = db_session()
    settings = state().settings
    parsed = parse_file(
        data,
        categories=_rules(list(session.scalars(sa.select(Category)))),
        area=settings.area,
        zone=settings.zone,
        now=now or utcnow(),
        backdate_days=int(current_app.config["CITIZENCARE_INTAKE_BACKDATE_DAYS"]),
        encoding=encoding,
    )
    checked = ImportChecked(parsed)
    tokens = {row.submission_token: row for row in parsed.rows}
    found: dict[str, str] = {}
    items = list(tokens)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        query = sa.select(Report.submission_token, Report.public_id).where(Report.submission_token.in_(chunk))
        found.update((str(token), number) for token, number in session.execute(query))
    for token, number in sorted(found.items(), key=lambda item: tokens[item[0]].line):
        checked.problems.append(Problem("already_imported", tokens[token].line, params={"number": number}))
    return checked


def _submission(row: ProposalRow, category_id: int, language: str, now: datetime) -> Submission:
    return Submission(
        kind=Kind.PROPOSAL,
        category_id=category_id,
        title=row.title,
        description=row.description,
        submission_token=row.submission_token,
        lat=row.lat,
        lon=row.lon,
        address=row.address,
        contact_name=row.name,
        contact_email=row.email,
        contact_phone=row.phone,
        locale=language,
        channel=row.channel,
        received_at=row.received_at or now,
    )


def _numbers(session: Session, years: list[int]) -> Iterator[str]:
    """The public numbers of the rows, in file order, reserved one statement per year."""
    reserved = {year: iter(next_public_ids(session, year, years.count(year))) for year in sorted(set(years))}
    return (next(reserved[year]) for year in years)


def import_proposals(
    actor: Actor,
    data: bytes,
    *,
    encoding: str | None = None,
    mail_receipts: bool = False,
    language: str = "it",
) -> list[Report]:
    """File every row of a clean file as a proposal, all in one transaction; the reports, in file order.

    The file is checked again first (the catalogue may have changed since the
    dry run): with any problem nothing is written and
    :class:`ProposalImportRefused` carries the check. ``language`` is the
    authors' (their mails, if any): the staff member's page language.
    """
    now = utcnow()
    checked = check_proposal_file(actor, data, encoding=encoding, now=now)
    if not checked.ok:
        raise ProposalImportRefused(checked)
    session = db_session()
    ids = {code: category_id for code, category_id in session.execute(sa.select(Category.code, Category.id))}
    reports: list[Report] = []
    try:
        # One flush per FLUSH_EVERY rows, not one per query of each row: a unit of work per
        # row made a 5,000-row file several times slower.
        submissions = [_submission(row, ids[row.category], language, now) for row in checked.rows]
        for submission in submissions:
            check_registration(actor, submission)
        numbers = _numbers(session, [(s.received_at or now).year for s in submissions])
        with session.no_autoflush:
            for position, (row, submission) in enumerate(
                zip(checked.rows, submissions, strict=True), start=1
            ):
                report = new_report(
                    session, submission, registered_by=actor.staff, now=now, public_id=next(numbers)
                )
                report.events[0].data = {**report.events[0].data, "import": "paper"}
                if mail_receipts and row.email:
                    notify.queue_citizen_mail(session, report, "received")
                reports.append(report)
                if position % FLUSH_EVERY == 0:
                    session.flush()
        auto_routing.record(session)
        session.commit()
    except (SubmissionRefused, LocationError, sa.exc.IntegrityError):
        # Checked a moment ago: only a change at the same instant (a category closed, the same
        # file imported by someone else) gets here. Nothing stays.
        session.rollback()
        auto_routing.forget(session)
        raise InvalidInput(
            _("The catalogue or the proposals changed meanwhile: check the file again.")
        ) from None
    except BaseException:
        session.rollback()
        auto_routing.forget(session)
        raise
    for report in reports:
        signals.report_submitted.send(app_object(), report=report, event=report.events[0], actor=actor.staff)
    auto_routing.announce(session)
    return reports
