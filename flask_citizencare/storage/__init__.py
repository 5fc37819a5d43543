"""Photo storage: the pipeline that makes uploads safe (:mod:`.photos`), and where the results live.

The package exports the store interface and the default store only, so that
importing a store does not import Pillow and the pipeline's messages.
"""

from .base import PhotoStore
from .local import LocalPhotoStore

__all__ = ["LocalPhotoStore", "PhotoStore"]
