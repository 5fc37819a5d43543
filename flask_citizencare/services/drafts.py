"""Drafts of the three-step report form: created, updated, filed and cleaned here.

A draft keeps the form's fields (as typed) and its photos, processed once on
step 2 and stored under their final keys right away, so the summary shows them
and filing makes them the report's photos without processing them again
(:func:`~.reports.submit_report` with ``draft=``). Expired drafts and their
files go with :func:`purge_expired`, which ``flask citizencare storage sweep``
runs before it looks for orphan files (the keys of live drafts are not orphans).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..context import db_session, state
from ..models.base import utcnow
from ..models.drafts import ReportDraft
from ..models.reports import Report
from ..storage.photos import ProcessedPhoto
from .photos import PhotoStoreUnavailable, new_key
from .reports import Submission, submit_report

log = logging.getLogger(__name__)

#: The steps: 1 conditions, 2 data, 3 summary.
CONDITIONS, DATA, SUMMARY = 1, 2, 3


def _expiry(now: datetime) -> datetime:
    return now + timedelta(hours=int(current_app.config["CITIZENCARE_DRAFT_HOURS"]))


def live_draft(token: object) -> ReportDraft | None:
    """The draft of ``token`` if it exists and has not expired; anything else (forged, old) is None."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        return None
    draft = db_session().scalar(sa.select(ReportDraft).where(ReportDraft.token == token))
    if draft is None or draft.expires_at <= utcnow():
        return None
    return draft


def start_draft(data: dict[str, Any]) -> ReportDraft:
    """A new draft (step 1) holding ``data``, the fields known before the form (the link's prefill)."""
    now = utcnow()
    draft = ReportDraft(
        token=secrets.token_urlsafe(32),
        step=CONDITIONS,
        data=dict(data),
        photos=[],
        created_at=now,
        updated_at=now,
        expires_at=_expiry(now),
    )
    session = db_session()
    session.add(draft)
    session.commit()
    return draft


def update_draft(
    draft: ReportDraft,
    *,
    data: dict[str, Any] | None = None,
    step: int | None = None,
    photos: Sequence[ProcessedPhoto] = (),
) -> None:
    """Store the fields, the furthest step reached and new photos; every change extends the expiry.

    The photos are written to the store first; if the commit fails they are deleted again.
    """
    store = state().photo_store
    written: list[str] = []
    added: list[dict[str, Any]] = []
    try:
        for processed in photos:
            display_key, thumbnail_key = new_key(), new_key()
            item: dict[str, Any] = {
                "key": display_key,
                "thumbnail": thumbnail_key,
                "content_type": processed.content_type,
                "width": processed.width,
                "height": processed.height,
                "size": processed.size,
            }
            for key, content in ((display_key, processed.display), (thumbnail_key, processed.thumbnail)):
                store.stage(key, content, processed.content_type)
                written.append(key)
                store.publish(key)
            added.append(item)
    except OSError as exc:
        _delete_files(written)
        log.exception("could not store a draft photo")
        raise PhotoStoreUnavailable() from exc
    now = utcnow()
    if data is not None:
        draft.data = dict(data)
    if step is not None:
        draft.step = step
    if added:
        draft.photos = [*(draft.photos or []), *added]
    draft.updated_at = now
    draft.expires_at = _expiry(now)
    try:
        db_session().commit()
    except Exception:
        db_session().rollback()
        _delete_files(written)
        raise


def remove_photo(draft: ReportDraft, key: str) -> bool:
    """Take the photo whose display or thumbnail key is ``key`` off the draft and delete its files."""
    kept: list[dict[str, Any]] = []
    gone: list[dict[str, Any]] = []
    for item in draft.photos or []:
        (gone if key in (item.get("key"), item.get("thumbnail")) else kept).append(item)
    if not gone:
        return False
    draft.photos = kept
    draft.updated_at = utcnow()
    db_session().commit()
    _delete_files(k for item in gone for k in (item["key"], item["thumbnail"]))
    return True


def draft_photo_keys(draft: ReportDraft) -> set[str]:
    return {k for item in draft.photos or [] for k in (item.get("key"), item.get("thumbnail")) if k}


def file_draft(draft: ReportDraft, submission: Submission) -> Report:
    """File the report: the draft's photos become its photos, the draft goes, in one transaction."""
    return submit_report(submission, draft=draft)


def _delete_files(keys: Iterable[str]) -> None:
    store = state().photo_store
    for key in keys:
        try:
            store.delete(key)
        except OSError:
            log.exception("could not delete draft photo %s", key)  # `storage sweep` removes it later


def purge_expired(session: Session, *, now: datetime | None = None, dry_run: bool = False) -> list[str]:
    """Delete expired drafts and their photo files; return the files' keys."""
    moment = now or utcnow()
    expired = list(session.scalars(sa.select(ReportDraft).where(ReportDraft.expires_at <= moment)))
    keys = [k for draft in expired for k in sorted(draft_photo_keys(draft))]
    if dry_run:
        return keys
    for draft in expired:
        session.delete(draft)
    session.commit()
    _delete_files(keys)
    return keys
