"""Our states as FixMyStreet's extended Open311 statuses (the ``servicerequestupdates`` extension).

GeoReport v2 knows only ``open`` and ``closed`` (:attr:`Status.open311
<flask_citizencare.domain.lifecycle.Status.open311>`); FixMyStreet's updates
carry a finer status. An update's status is the case's state *after* the step,
read with what the step says about it:

==================================================  ==============================
Our state after the step                            FixMyStreet status
==================================================  ==============================
``new``, ``acknowledged``                           ``OPEN``
``in_progress`` (its office one of ours)            ``IN_PROGRESS``
``in_progress`` with an external office             ``INTERNAL_REFERRAL``
``suspended`` (waiting: the work is planned)        ``ACTION_SCHEDULED``
``suspended`` with an external office               ``INTERNAL_REFERRAL``
``resolved``                                        ``FIXED``
``closed`` (it follows a resolution)                ``FIXED``
``rejected`` as a duplicate (merged)                ``DUPLICATE``
``rejected`` because it is another body's           ``NOT_COUNCILS_RESPONSIBILITY``
``rejected`` otherwise                              ``NO_FURTHER_ACTION``
==================================================  ==============================

Our rejections carry a free-text reason, not a code: "another body's" is a
case rejected while its office was an external one (the office it had been
sent to answered that it is theirs). ``CLOSED`` is answered for a closed case
whose state is not known (an imported one). Plain Python.
"""

from __future__ import annotations

from enum import StrEnum

from ..lifecycle import Status


class UpdateStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    ACTION_SCHEDULED = "ACTION_SCHEDULED"
    FIXED = "FIXED"
    CLOSED = "CLOSED"
    DUPLICATE = "DUPLICATE"
    NOT_COUNCILS_RESPONSIBILITY = "NOT_COUNCILS_RESPONSIBILITY"
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    INTERNAL_REFERRAL = "INTERNAL_REFERRAL"


def update_status(status: str, *, duplicate: bool = False, external_office: bool = False) -> UpdateStatus:
    """The FixMyStreet status of a step leaving the case in ``status`` (see the module's table).

    ``duplicate``: the step merged the case into another (``action == "merge"``).
    ``external_office``: the case's office at that step is another administration's.
    """
    try:
        state = Status(status)
    except ValueError:
        return UpdateStatus.CLOSED
    if state in (Status.NEW, Status.ACKNOWLEDGED):
        return UpdateStatus.OPEN
    if state in (Status.IN_PROGRESS, Status.SUSPENDED):
        if external_office:
            return UpdateStatus.INTERNAL_REFERRAL
        return UpdateStatus.IN_PROGRESS if state is Status.IN_PROGRESS else UpdateStatus.ACTION_SCHEDULED
    if state in (Status.RESOLVED, Status.CLOSED):
        return UpdateStatus.FIXED
    if duplicate:
        return UpdateStatus.DUPLICATE
    if external_office:
        return UpdateStatus.NOT_COUNCILS_RESPONSIBILITY
    return UpdateStatus.NO_FURTHER_ACTION
