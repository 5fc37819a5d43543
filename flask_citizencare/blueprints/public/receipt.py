"""The receipt of a report as a PDF download, reached by the report's private tracking link."""

from __future__ import annotations

from flask import abort, current_app, make_response, url_for
from flask.typing import ResponseReturnValue

from ...queries.reports import tracked_report
from ...receipts import build_receipt, filename


def receipt(token: str) -> ResponseReturnValue:
    """``/track/<token>/receipt.pdf``: the same token check as the tracking page; 404 for any other."""
    report = tracked_report(token) or abort(404)
    tracking_url = url_for(".track", token=token, _external=True)
    pdf = build_receipt(report, tracking_url, current_app.config["CITIZENCARE_MUNICIPALITY_NAME"])
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(report)}"'
    # The reporter's own document, behind a secret link: no cache keeps it, not even the browser's.
    response.headers["Cache-Control"] = "private, no-store"
    return response
