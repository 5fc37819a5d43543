"""Photo storage: the pipeline that makes uploads safe, and where the results live."""

from .base import PhotoStore
from .local import LocalPhotoStore
from .photos import PhotoRejected, ProcessedPhoto, process_photo

__all__ = ["LocalPhotoStore", "PhotoRejected", "PhotoStore", "ProcessedPhoto", "process_photo"]
