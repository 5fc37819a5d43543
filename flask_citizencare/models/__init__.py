"""The extension's tables, all prefixed ``cc_`` and on their own metadata."""

from . import statistics as statistics  # the dashboards' summary tables, on the same metadata
from .api_clients import ApiKey, ApiSubmission
from .audit import AuditEntry
from .base import TABLE_PREFIX, Base
from .catalogue import CatalogueSetting, Category, Office, RoutingRuleRecord
from .drafts import ReportDraft
from .feedback import PageRating
from .imports import ReportImport
from .jobs import JobRun
from .map_cells import MapCell as MapCell  # the public map's cluster cells
from .notices import NoticeCategory, NoticeUpdate, ServiceNotice
from .outbox import OutboxMail
from .people import OfficeMember, ReporterContact, StaffMember
from .proposals import AnswerState, ProposalAnswer
from .reports import Counter, Follower, Photo, Report, StatusEvent, Support
from .subscriptions import Subscription, SubscriptionMail
from .suggestions import SuggestionModelRecord, SuggestionRecord
from .surveys import SurveyResponse
from .threads import CannedReply, Message

metadata = Base.metadata

__all__ = [
    "TABLE_PREFIX",
    "AnswerState",
    "ApiKey",
    "ApiSubmission",
    "AuditEntry",
    "Base",
    "CannedReply",
    "CatalogueSetting",
    "Category",
    "Counter",
    "Follower",
    "JobRun",
    "Message",
    "NoticeCategory",
    "NoticeUpdate",
    "Office",
    "OfficeMember",
    "OutboxMail",
    "PageRating",
    "Photo",
    "ProposalAnswer",
    "Report",
    "ReportDraft",
    "ReportImport",
    "ReporterContact",
    "RoutingRuleRecord",
    "ServiceNotice",
    "StaffMember",
    "StatusEvent",
    "Subscription",
    "SubscriptionMail",
    "SuggestionModelRecord",
    "SuggestionRecord",
    "Support",
    "SurveyResponse",
    "metadata",
]
