"""Service notices for the public: the status page, each notice, their feeds and subscriptions."""

from .blueprint import blueprint

__all__ = ["blueprint"]
