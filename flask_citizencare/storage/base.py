"""The interface a photo store implements; hosts plug in their own (e.g. object storage)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Protocol, runtime_checkable


@runtime_checkable
class PhotoStore(Protocol):
    """Keys are opaque random strings chosen by the extension, never user input."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``; overwriting an existing key is an error."""

    def open(self, key: str) -> IO[bytes]:
        """Open the stored file for reading; raise ``FileNotFoundError`` if it is gone."""

    def delete(self, key: str) -> None:
        """Remove the file; a missing key is not an error."""

    def exists(self, key: str) -> bool: ...

    def keys(self) -> Iterator[str]:
        """Every stored key, for the orphan sweep."""
