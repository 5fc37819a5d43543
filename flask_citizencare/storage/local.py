"""Photos in a folder on the server, outside any static folder."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .base import PhotoStore

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,80}$")
STAGING = ".staging"


class LocalPhotoStore:
    """Files under ``root/ab/abcdef...``; staged files under ``root/.staging/``.

    Staging and publishing are a write plus a hard link on the same file
    system, so a published file is always complete.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"invalid storage key {key!r}")
        return self.root / key[:2] / key

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
