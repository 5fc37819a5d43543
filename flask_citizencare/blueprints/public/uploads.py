"""Photos from a multipart form, through the pipeline; errors as messages for the form."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from flask import current_app
from werkzeug.datastructures import FileStorage

from ...i18n import gettext as _
from ...storage.photos import PhotoRejected, ProcessedPhoto, process_photo


def shown_filename(name: str | None) -> str:
    """The client's file name made harmless to echo: no control or bidi characters, short."""
    cleaned = "".join(ch for ch in (name or "") if unicodedata.category(ch)[0] != "C")
    return (cleaned[:60] + "…") if len(cleaned) > 60 else cleaned


def chosen_files(files: Sequence[FileStorage]) -> list[FileStorage]:
    """Browsers send one empty part when no file is chosen."""
    return [f for f in files if f and (f.filename or f.content_length)]


def process_uploads(files: Sequence[FileStorage], already: int = 0) -> tuple[list[ProcessedPhoto], list[str]]:
    """Process every uploaded photo; return the results and the error messages (all or nothing)."""
    config = current_app.config
    limit = config["CITIZENCARE_MAX_PHOTOS"]
    files = chosen_files(files)
    if already + len(files) > limit:
        return [], [_("You can attach at most %(limit)d photos.", limit=limit)]
    processed: list[ProcessedPhoto] = []
    errors: list[str] = []
    for number, upload in enumerate(files, start=1):
        data = upload.stream.read(config["CITIZENCARE_PHOTO_MAX_BYTES"] + 1)
        try:
            processed.append(
                process_photo(
                    data,
                    max_bytes=config["CITIZENCARE_PHOTO_MAX_BYTES"],
                    max_pixels=config["CITIZENCARE_PHOTO_MAX_PIXELS"],
                )
            )
        except PhotoRejected as rejected:
            errors.append(
                _(
                    "Photo %(number)d (%(name)s): %(reason)s",
                    number=number,
                    name=shown_filename(upload.filename),
                    reason=str(rejected.message),
                )
            )
    return ([] if errors else processed), errors
