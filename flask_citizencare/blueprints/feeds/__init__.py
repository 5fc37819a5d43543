"""Atom and RSS feeds of the newest public reports, with the public map's filters (no subscription)."""

from .blueprint import blueprint

__all__ = ["blueprint"]
