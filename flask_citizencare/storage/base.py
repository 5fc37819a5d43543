"""The interface a photo store implements; hosts plug in their own (e.g. object storage)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Protocol, runtime_checkable


@runtime_checkable
class PhotoStore(Protocol):
    """Where processed photos live. Keys are random strings chosen by the extension.

    Writes are two-phase so that a report and its photos are committed together
    or not at all: ``stage`` before the database commit, then ``publish`` after
    it, or ``discard`` if it failed. What a crash leaves between the two phases
    is found by ``flask citizencare storage sweep``.
    """

    def stage(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` where readers cannot see it yet."""

    def publish(self, key: str) -> None:
        """Make a staged file readable under ``key``; never overwrite an existing one."""

    def discard(self, key: str) -> None:
        """Forget a staged file; a missing one is not an error."""

    def open(self, key: str) -> IO[bytes]:
        """Open a published file; raise ``FileNotFoundError`` if it is gone."""

    def delete(self, key: str) -> None:
        """Remove a published file; a missing key is not an error."""

    def exists(self, key: str) -> bool: ...

    def keys(self) -> Iterator[str]:
        """Every published key, for the orphan sweep."""

    def stale_staged(self, older_than_seconds: float) -> Iterator[str]:
        """Staged keys older than this: left by a crash between stage and publish."""
