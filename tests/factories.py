"""Builders of valid domain objects for tests (one place that knows the required fields)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from flask_citizencare.domain.notices.areas import as_multipolygon
from flask_citizencare.models import (
    Category,
    NoticeUpdate,
    Office,
    Photo,
    Report,
    ReporterContact,
    ServiceNotice,
    StatusEvent,
    Subscription,
)

_counter = iter(range(1, 10**9))


def create_office(session: Session, **fields: Any) -> Office:
    n = next(_counter)
    office = Office(**{"code": f"office-{n}", "name": f"Ufficio {n}", **fields})
    session.add(office)
    session.flush()
    return office


def create_category(session: Session, **fields: Any) -> Category:
    n = next(_counter)
    category = Category(**{"code": f"category-{n}", "name": f"Categoria {n}", "group": "Strade", **fields})
    session.add(category)
    session.flush()
    return category


def create_report(
    session: Session,
    *,
    category: Category | None = None,
    lon: float = 11.3426,
    lat: float = 44.4949,
    contact: dict[str, str] | None = None,
    **fields: Any,
) -> Report:
    n = next(_counter)
    now = datetime.now(UTC)
    report = Report(
        **{
            "public_id": f"{now.year}-{n:06d}",
            "tracking_token": secrets.token_urlsafe(24),
            "category": category or create_category(session),
            "title": f"Buca in via Prova {n}",
            "description": "Una buca profonda sulla carreggiata.",
            "point": from_shape(Point(lon, lat), srid=4326),
            **fields,
        }
    )
    report.events.append(StatusEvent(action="submit", to_status=report.status or "new", actor_kind="citizen"))
    if contact is not None:
        report.contact = ReporterContact(**contact)
    session.add(report)
    session.flush()
    return report


def create_photo(session: Session, report: Report, **fields: Any) -> Photo:
    """A stored photo's row (no file behind it: enough for listings and feeds)."""
    n = next(_counter)
    photo = Photo(
        **{
            "report": report,
            "storage_key": f"photo{n}{secrets.token_hex(8)}",
            "thumbnail_key": f"thumb{n}{secrets.token_hex(8)}",
            "content_type": "image/jpeg",
            "width": 1600,
            "height": 1200,
            "size": 100_000,
            **fields,
        }
    )
    session.add(photo)
    session.flush()
    return photo


def create_notice(session: Session, **fields: Any) -> ServiceNotice:
    """A published incident (status ``investigating``, one step) unless ``fields`` say otherwise."""
    n = next(_counter)
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "kind": "incident",
        "status": "investigating",
        "title": f"Avviso {n}",
        "body": "Stiamo verificando.",
        "starts_at": now,
        "published_at": now,
        **fields,
    }
    notice = ServiceNotice(**values)
    if notice.status != "draft":
        notice.updates.append(NoticeUpdate(status=notice.status, body="Pubblicato.", notify=True, at=now))
    session.add(notice)
    session.flush()
    return notice


def create_subscription(
    session: Session, *, area: BaseGeometry | None = None, confirmed: bool = True, **fields: Any
) -> Subscription:
    """A local-alerts subscription, confirmed an hour ago unless ``confirmed=False``; ``area`` is the
    polygon of its district or circle (as the subscription service stores it)."""
    n = next(_counter)
    values: dict[str, Any] = {
        "email": f"iscritto{n}@example.org",
        "locale": "it",
        "topic": "reports",
        "frequency": "instant",
        "confirmed_at": datetime.now(UTC) - timedelta(hours=1) if confirmed else None,
        **fields,
    }
    if area is not None:
        values["area"] = from_shape(as_multipolygon(area), srid=4326)
    subscription = Subscription(**values)
    session.add(subscription)
    session.flush()
    return subscription
