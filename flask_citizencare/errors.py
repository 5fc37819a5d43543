"""Exceptions the extension raises on purpose."""

from __future__ import annotations

import click


class ConfigurationError(click.ClickException):
    """The host's set-up is wrong; the message says what to do.

    It derives from :class:`click.ClickException` so that ``flask ...``
    commands print it as one ``Error: ...`` line instead of a traceback; outside
    the CLI it is an ordinary exception raised by ``init_app``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return self.message
