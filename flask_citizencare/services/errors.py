"""Why a use case refused to act. Views turn these into 4xx answers; nothing was changed."""

from __future__ import annotations


class ActionRefused(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ActionRefused):
    """Something the action needs is missing or wrong (a reason, an office...)."""

    status_code = 400


class Forbidden(ActionRefused):
    """This person may not do this, or not on this case."""

    status_code = 403


class NotFound(ActionRefused):
    """No such case, or not one this person may see (we do not say which)."""

    status_code = 404


class NotNow(ActionRefused):
    """The action does not apply to the case in its current state."""

    status_code = 409


class ChangedMeanwhile(ActionRefused):
    """Someone else changed the case since this person loaded it (optimistic lock)."""

    status_code = 409
