"""Import proposals collected on paper: upload a CSV, check it (nothing written), then import it.

One page, two steps. "Check" is the dry run: every row's problems, in the
staff member's language. A clean file's check shows the proposals it would
file and an "Import" button that sends the same file back (carried in the
page when it is small, :data:`CARRY_MAX_BYTES`; a bigger one is chosen
again). Import checks the file once more and files it all or nothing.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import abort, g, render_template, request
from flask.typing import ResponseReturnValue
from wtforms import BooleanField, FileField, HiddenField, SelectChoice, SelectField
from wtforms.validators import Optional

from ...domain.proposal_import import COLUMNS, MAX_BYTES, MAX_ROWS, Problem
from ...i18n import current_language
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...services.errors import ActionRefused
from ...services.proposal_import import (
    ImportChecked,
    ProposalImportRefused,
    check_proposal_file,
    import_proposals,
)
from ...web.forms import CitizenCareForm
from ...web.requests import accepts_upload

#: A checked file up to this size comes back with the Import button (base64 in a hidden field,
#: within the form-field limit); a bigger one is chosen again.
CARRY_MAX_BYTES = 600 * 1024
ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
    "utf-16": "UTF-16",
}


class ProposalImportForm(CitizenCareForm):
    file = FileField(_l("CSV file"))
    encoding = SelectField(
        _l("Encoding of the file"),
        choices=[
            SelectChoice("utf-8", _l("UTF-8 (recommended)")),
            SelectChoice("cp1252", "Windows-1252"),
            SelectChoice("latin-1", "Latin-1 (ISO-8859-1)"),
        ],
        default="utf-8",
        validators=[Optional()],
    )
    mail_receipts = BooleanField(
        _l("Mail the number and tracking link to authors who gave an e-mail address")
    )
    content = HiddenField(validators=[Optional()])
    step = HiddenField(validators=[Optional()])


def problem_text(problem: Problem) -> str:
    """One problem as the staff read it."""
    p: dict[str, Any] = dict(problem.params)
    code = problem.code
    if code == "not_utf8":
        return _(
            "The file is not UTF-8 text: it looks like %(encoding)s. Choose that encoding below, "
            "or save the file as “CSV UTF-8” and upload it again.",
            encoding=ENCODING_LABELS.get(p.get("guess", ""), p.get("guess", "")),
        )
    texts = {
        "utf16": _("The file is UTF-16 text: save it as “CSV UTF-8” and upload it again."),
        "too_big": _(
            "The file is larger than %(max)d MB.", max=int(p.get("max", MAX_BYTES)) // (1024 * 1024)
        ),
        "empty": _("The file is empty."),
        "no_rows": _("The file has a header but no proposals."),
        "too_many_rows": _(
            "The file has %(rows)d proposals: at most %(max)d can be imported at once. Split it in parts.",
            rows=p.get("rows", 0),
            max=p.get("max", MAX_ROWS),
        ),
        "unknown_columns": _(
            "Unknown columns: %(columns)s. The columns can be: %(known)s.",
            columns=p.get("columns", ""),
            known=p.get("known", ""),
        ),
        "missing_columns": _("Missing columns: %(columns)s.", columns=p.get("columns", "")),
        "duplicate_column": _("This column appears twice."),
        "lat_lon_columns": _("Latitude and longitude go together: give both columns or neither."),
        "field_count": _(
            "The row has %(found)d fields, the header %(expected)d.",
            found=p.get("found", 0),
            expected=p.get("expected", 0),
        ),
        "unreadable": _("The row cannot be read as CSV."),
        "required": _("Empty: this column is required."),
        "nul": _("Contains a NUL character (is it a binary file?)."),
        "too_long": _(
            "Too long: %(length)d characters, at most %(max)d.",
            length=p.get("length", 0),
            max=p.get("max", 0),
        ),
        "unknown_category": _("Unknown category “%(value)s”: use a category code.", value=p.get("value", "")),
        "issue_only_category": _(
            "The category “%(value)s” takes only reports, not proposals.", value=p.get("value", "")
        ),
        "lat_lon_together": _("Latitude and longitude go together."),
        "bad_position": _(
            "Not a position in the municipality's area: %(lat)s, %(lon)s.",
            lat=p.get("lat", ""),
            lon=p.get("lon", ""),
        ),
        "location_missing": _("This category needs an address or a position."),
        "bad_date": _(
            "Not a date: “%(value)s” (write 2026-03-31 or 31/03/2026, optionally with the time).",
            value=p.get("value", ""),
        ),
        "date_future": _("The date “%(value)s” is in the future.", value=p.get("value", "")),
        "date_too_old": _(
            "The date “%(value)s” is older than %(days)d days: requests that old cannot be registered; "
            "leave the date empty to register it today.",
            value=p.get("value", ""),
            days=p.get("days", 0),
        ),
        "bad_email": _("Not an e-mail address."),
        "bad_channel": _("Unknown channel “%(value)s”: write letter or counter.", value=p.get("value", "")),
        "duplicate_row": _("The same proposal as line %(first)d.", first=p.get("first", 0)),
        "already_imported": _("Already imported as %(number)s.", number=p.get("number", "")),
    }
    return str(texts.get(code, code))


def _file_bytes(form: ProposalImportForm) -> bytes | None:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.stream.read(MAX_BYTES + 1)
        return data
    if form.content.data:
        try:
            return base64.b64decode(form.content.data, validate=True)
        except (binascii.Error, ValueError):
            return None
    return None


@accepts_upload(MAX_BYTES)
def proposal_import() -> ResponseReturnValue:
    actor = g.cc_actor
    if not actor.registers_requests:
        abort(403)
    form = ProposalImportForm()
    context: dict[str, Any] = {
        "form": form,
        "columns": list(COLUMNS),
        "max_rows": MAX_ROWS,
        "max_mb": MAX_BYTES // (1024 * 1024),
        "problem_text": problem_text,
    }
    if request.method == "GET":
        form.mail_receipts.data = True
        return render_template("citizencare/staff/proposal_import.html", **context)

    if not form.validate():
        context["error"] = _("The form was not complete: reload the page and try again.")
        return render_template("citizencare/staff/proposal_import.html", **context), 400
    data = _file_bytes(form)
    if data is None:
        context["error"] = _("Choose the CSV file to check.")
        return render_template("citizencare/staff/proposal_import.html", **context), 400
    encoding = form.encoding.data or "utf-8"
    try:
        if form.step.data == "import":
            created = import_proposals(
                actor,
                data,
                encoding=encoding,
                mail_receipts=bool(form.mail_receipts.data),
                language=current_language(),
            )
            context["created"] = created
            return render_template("citizencare/staff/proposal_import.html", **context)
        checked = check_proposal_file(actor, data, encoding=encoding)
    except ProposalImportRefused as refused:
        checked = refused.checked
    except ActionRefused as refusal:
        if refusal.status_code == 403:
            abort(403)
        context["error"] = refusal.message
        return render_template("citizencare/staff/proposal_import.html", **context), refusal.status_code
    context["checked"] = checked
    context["problems"] = _all_problems(checked)
    if checked.ok and len(data) <= CARRY_MAX_BYTES:
        form.content.data = base64.b64encode(data).decode("ascii")
    else:
        form.content.data = ""
    if checked.parsed.encoding in ("cp1252", "latin-1") and not checked.ok:
        form.encoding.data = checked.parsed.encoding  # offer what the file looks like
    return render_template("citizencare/staff/proposal_import.html", **context), 200 if checked.ok else 422


def _all_problems(checked: ImportChecked) -> list[Problem]:
    return sorted([*checked.parsed.problems, *checked.problems], key=lambda p: (p.line or 0, p.column or ""))
