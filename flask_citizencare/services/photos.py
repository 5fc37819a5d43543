"""Photos staged beside a database transaction: published after commit, discarded on failure."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Photo
from ..models.base import utcnow
from ..models.drafts import ReportDraft
from ..storage import PhotoStore
from ..storage.photos import ProcessedPhoto
from ..web.metrics import count_photo_store_error

log = logging.getLogger(__name__)


class PhotoStoreUnavailable(Exception):
    """The photo store refused to take a file; the change that carried it is rolled back."""


def new_key() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class StagedPhotos:
    store: PhotoStore
    keys: list[str] = field(default_factory=list)

    def add(self, processed: ProcessedPhoto, position: int) -> Photo:
        """Stage the two files of one photo and return its (unsaved) row."""
        photo = Photo(
            storage_key=new_key(),
            thumbnail_key=new_key(),
            content_type=processed.content_type,
            width=processed.width,
            height=processed.height,
            size=processed.size,
            position=position,
        )
        for key, data in ((photo.storage_key, processed.display), (photo.thumbnail_key, processed.thumbnail)):
            try:
                self.store.stage(key, data, processed.content_type)
            except OSError as exc:
                # Disk full, object store down: the whole submission fails, nothing is kept.
                log.exception("could not stage photo %s", key)
                count_photo_store_error("write")
                raise PhotoStoreUnavailable() from exc
            self.keys.append(key)
        return photo

    def add_all(self, photos: Sequence[ProcessedPhoto]) -> list[Photo]:
        return [self.add(photo, position) for position, photo in enumerate(photos)]


@contextmanager
def staged_photos(store: PhotoStore) -> Iterator[StagedPhotos]:
    """Stage inside the block; if it raises, discard. Call :func:`publish` after the commit."""
    staged = StagedPhotos(store)
    try:
        yield staged
    except BaseException:
        discard(staged)
        raise


def publish(staged: StagedPhotos) -> None:
    for key in staged.keys:
        try:
            staged.store.publish(key)
        except OSError:
            # The rows are committed and the file is staged: `storage sweep` publishes it.
            log.exception("could not publish photo %s", key)
            count_photo_store_error("publish")


def discard(staged: StagedPhotos) -> None:
    for key in staged.keys:
        staged.store.discard(key)


@dataclass
class SweepResult:
    removed_orphans: list[str] = field(default_factory=list)
    removed_staged: list[str] = field(default_factory=list)
    published_staged: list[str] = field(default_factory=list)
    missing: list[tuple[int, str]] = field(default_factory=list)


def sweep(
    store: PhotoStore, session: Session, *, staged_age_seconds: float = 3600, dry_run: bool = False
) -> SweepResult:
    """Remove files no row points to, and staged files a crash left; list rows whose file is gone.

    Staged files younger than ``staged_age_seconds`` may belong to a request in
    flight, so they are left alone; published files are only removed when no
    row names them.
    """
    result = SweepResult()
    known: dict[str, int] = {}
    for photo_id, display, thumb in session.execute(
        sa.select(Photo.id, Photo.storage_key, Photo.thumbnail_key)
    ):
        known[display] = photo_id
        known[thumb] = photo_id
    # The photos of a three-step draft not yet expired are stored under their final keys.
    draft_keys: set[str] = set()
    for items in session.scalars(sa.select(ReportDraft.photos).where(ReportDraft.expires_at > utcnow())):
        for item in items or []:
            draft_keys.update(k for k in (item.get("key"), item.get("thumbnail")) if isinstance(k, str))
    for key in list(store.keys()):
        if key not in known and key not in draft_keys:
            result.removed_orphans.append(key)
            if not dry_run:
                store.delete(key)
    for key in list(store.stale_staged(staged_age_seconds)):
        if key in known:
            # A committed photo whose publication failed after the commit: finish it, never lose it.
            result.published_staged.append(key)
            if not dry_run:
                store.publish(key)
            continue
        result.removed_staged.append(key)
        if not dry_run:
            store.discard(key)
    for key, photo_id in known.items():
        if not store.exists(key) and key not in result.published_staged:
            result.missing.append((photo_id, key))
    return result
