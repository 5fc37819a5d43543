"""Signals sent after every change of state, once its transaction has committed.

Connect to them from the host to update caches, push to other systems or log
audits elsewhere. Each is sent with the Flask app as sender and these keyword
arguments: ``report`` (the :class:`~flask_citizencare.models.Report`), ``event``
(the :class:`~flask_citizencare.models.StatusEvent` that recorded it, when there
is one) and ``actor`` (the :class:`~flask_citizencare.models.StaffMember` or
``None`` for citizens and the system).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

report_submitted = _signals.signal("citizencare.report-submitted", doc="A report or proposal was filed.")
report_acknowledged = _signals.signal(
    "citizencare.report-acknowledged",
    doc='A first-level operator took the case in charge ("presa in carico").',
)
report_assigned = _signals.signal(
    "citizencare.report-assigned", doc="The case was assigned to an office or technician."
)
report_escalated = _signals.signal(
    "citizencare.report-escalated", doc="The case moved from level 1 to level 2."
)
report_deescalated = _signals.signal("citizencare.report-deescalated", doc="The case went back to level 1.")
report_suspended = _signals.signal(
    "citizencare.report-suspended", doc="The case waits for someone else; its service-level clock is paused."
)
report_resumed = _signals.signal("citizencare.report-resumed", doc="A suspended case is worked again.")
report_resolved = _signals.signal("citizencare.report-resolved", doc="The case was answered or fixed.")
report_reopened = _signals.signal("citizencare.report-reopened", doc="A resolved case was reopened.")
report_rejected = _signals.signal("citizencare.report-rejected", doc="The case was refused, with a reason.")
report_closed = _signals.signal("citizencare.report-closed", doc="The case was archived.")
report_merged = _signals.signal(
    "citizencare.report-merged",
    doc="The case was merged into another as a duplicate (``master=`` is given too).",
)
report_updated = _signals.signal(
    "citizencare.report-updated",
    doc="Classification or moderation changed (category, priority, visibility, redaction); "
    "``changes=`` lists them.",
)
message_posted = _signals.signal(
    "citizencare.message-posted", doc="A message was added to a report's thread (``message=``)."
)
survey_answered = _signals.signal(
    "citizencare.survey-answered", doc="The reporter answered the satisfaction survey (``response=``)."
)
sla_breached = _signals.signal(
    "citizencare.sla-breached", doc="A due time passed without the expected step (``which=``)."
)
notice_published = _signals.signal(
    "citizencare.notice-published", doc="A service notice was published or updated (``notice=``)."
)
suggestion_accepted = _signals.signal(
    "citizencare.suggestion-accepted",
    doc="A suggested category or office was applied (``field=``, ``value_id=``, ``automatic=``).",
)

#: Every signal above, for documentation and for hosts that want to listen to all.
ALL = (
    report_submitted,
    report_acknowledged,
    report_assigned,
    report_escalated,
    report_deescalated,
    report_suspended,
    report_resumed,
    report_resolved,
    report_reopened,
    report_rejected,
    report_closed,
    report_merged,
    report_updated,
    message_posted,
    survey_answered,
    sla_breached,
    notice_published,
    suggestion_accepted,
)
