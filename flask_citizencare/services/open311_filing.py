"""Filing a request over Open311: the report, and the client's record of it, in one transaction.

The report goes through :func:`.reports.submit_report` like any other
citizen's (the API channel's service level, the "received" mail, the photo
pipeline); the :class:`~..models.ApiSubmission` naming the client, its token
and identifiers is added before the same commit. A client's
``Idempotency-Key`` becomes the report's ``submission_token``
(:func:`~..domain.open311.filing.submission_token`): the same key sent again,
even by two requests at the same instant, gets the first report and its
record, never a second report.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..context import db_session
from ..domain.open311.filing import TOKEN_MAX, submission_token
from ..models import ApiSubmission, Report
from ..storage.photos import ProcessedPhoto
from .reports import Submission, submit_report


@dataclass(frozen=True)
class Client:
    """Who files, and the identifiers it sends with the request (private, like a contact)."""

    api_key_id: int
    idempotency_key: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    media_url: str | None = None


def earlier_submission(session: Session, client: Client) -> ApiSubmission | None:
    """What the client filed before under the same ``Idempotency-Key``, if anything."""
    if client.idempotency_key is None:
        return None
    return session.scalar(
        sa.select(ApiSubmission).where(
            ApiSubmission.api_key_id == client.api_key_id,
            ApiSubmission.idempotency_key == client.idempotency_key,
        )
    )


def file_request(
    submission: Submission, client: Client, photos: Sequence[ProcessedPhoto] = ()
) -> ApiSubmission:
    """File ``submission`` for ``client``; commits. The earlier record when the key was seen.

    ``submission.submission_token`` is replaced: derived from the
    ``Idempotency-Key`` when there is one, random otherwise.
    """
    session = db_session()
    earlier = earlier_submission(session, client)
    if earlier is not None:
        return earlier
    token = (
        submission_token(client.api_key_id, client.idempotency_key)
        if client.idempotency_key is not None
        else "o311-" + secrets.token_urlsafe(32)
    )
    record = ApiSubmission(
        api_key_id=client.api_key_id,
        token=secrets.token_urlsafe(32)[:TOKEN_MAX],
        idempotency_key=client.idempotency_key,
        device_id=client.device_id,
        account_id=client.account_id,
        media_url=client.media_url,
    )

    def add_record(adding: Session, report: Report) -> None:
        record.report = report
        adding.add(record)

    report = submit_report(replace(submission, submission_token=token), photos, before_commit=add_record)
    if record.report is report and record.id is not None:
        return record
    found = session.scalar(sa.select(ApiSubmission).where(ApiSubmission.report_id == report.id))
    if found is None:  # pragma: no cover - the report and its record are committed together
        raise RuntimeError(f"report {report.public_id} has no API submission")
    return found


def submission_by_token(session: Session, token: str) -> ApiSubmission | None:
    """The record of ``tokens/{token}``; None for an unknown or impossible token."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return session.scalar(sa.select(ApiSubmission).where(ApiSubmission.token == token))
