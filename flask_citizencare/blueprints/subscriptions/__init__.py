"""Subscriptions by e-mail: service notices, local alerts, confirmation and unsubscribing."""

from .blueprint import blueprint

__all__ = ["blueprint"]
