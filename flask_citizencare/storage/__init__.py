"""Photo storage: where processed photos live (local folder by default)."""

from .base import PhotoStore
from .local import LocalPhotoStore

__all__ = ["LocalPhotoStore", "PhotoStore"]
