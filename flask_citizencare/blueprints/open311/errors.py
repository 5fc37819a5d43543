"""The one refusal of the Open311 API: a status and what was wrong, in the client's language."""

from __future__ import annotations


class Open311Error(Exception):
    """Answered as the spec's error document (``<errors>`` / ``[{"code", "description"}]``).

    404 unknown service, request or token; 403 missing, bad or revoked key;
    400 anything else the client can fix. ``parameter`` names what to fix.
    """

    def __init__(self, status: int, description: str, parameter: str | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameter = parameter


def bad_parameter(name: str, description: str) -> Open311Error:
    """400 naming the parameter: ``lat: give a latitude from -90 to 90``."""
    return Open311Error(400, f"{name}: {description}", parameter=name)
