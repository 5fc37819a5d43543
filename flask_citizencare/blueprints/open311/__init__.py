"""Open311 GeoReport v2, with FixMyStreet's updates extension (docs/open311.md)."""

from .blueprint import blueprint

__all__ = ["blueprint"]
