"""Photos in a folder on the server, outside any static folder."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .base import PhotoStore

# \A and \Z, not ^ and $: "$" also matches before a final newline.
_KEY = re.compile(r"\A[A-Za-z0-9_-]{16,80}\Z")
STAGING = ".staging"


class LocalPhotoStore:
    """Files under ``root/ab/abcdef...``; staged files under ``root/.staging/``.

    Staging and publishing are a write plus a hard link on the same file
    system, so a published file is always complete.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / self.relative_path(key)

    def relative_path(self, key: str) -> str:
        """Where a key's file lies under the root (``ab/abcdef...``); ``ValueError`` for a bad key.

        A key is letters, digits, ``_`` and ``-`` only, so the path can never leave the root:
        what a web server is told to send (X-Accel-Redirect, X-Sendfile) is built from it.
        """
        if not _KEY.match(key):
            raise ValueError(f"invalid storage key {key!r}")
        return f"{key[:2]}/{key}"

    def absolute_path(self, key: str) -> Path:
        """The published file of ``key`` as an absolute path (for X-Sendfile)."""
        return self.root.resolve() / self.relative_path(key)

    def _staged(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"invalid storage key {key!r}")
        return self.root / STAGING / key

    def stage(self, key: str, data: bytes, content_type: str) -> None:
        path = self._staged(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def publish(self, key: str) -> None:
        staged, final = self._staged(key), self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.link(staged, final)  # FileExistsError rather than overwrite
        staged.unlink()

    def discard(self, key: str) -> None:
        self._staged(key).unlink(missing_ok=True)

    def open(self, key: str) -> IO[bytes]:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and sub.name != STAGING:
                for file in sorted(sub.iterdir()):
                    if _KEY.match(file.name):
                        yield file.name

    def stale_staged(self, older_than_seconds: float) -> Iterator[str]:
        folder = self.root / STAGING
        if not folder.is_dir():
            return
        limit = time.time() - older_than_seconds
        for file in sorted(folder.iterdir()):
            if _KEY.match(file.name) and file.stat().st_mtime < limit:
                yield file.name


def photo_location(store: PhotoStore) -> str:
    """Where photos are kept, for people: the folder of the local store, else the store's class."""
    if isinstance(store, LocalPhotoStore):
        return str(store.root.resolve())
    return f"{type(store).__module__}.{type(store).__qualname__}"
