"""The shared filters of the public outputs: parsing (pure) and their SQL on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import MultiDict

from flask_citizencare.domain.geo import Area
from flask_citizencare.models import Photo, Report
from flask_citizencare.queries.filter_sql import filter_conditions
from flask_citizencare.queries.filters import (
    FilterError,
    PublicFilter,
    parse_public_filter,
)

from .conftest import BOLOGNA
from .factories import create_category, create_report

AREA = Area.from_setting(BOLOGNA)
CODES = {"roads", "lights"}
ROME = ZoneInfo("Europe/Rome")


def parse(app: Flask, query: str, language: str = "en", **kwargs: object) -> PublicFilter:
    from urllib.parse import parse_qsl

    with app.test_request_context(headers={"Accept-Language": language}):
        args = MultiDict(parse_qsl(query, keep_blank_values=True))
        return parse_public_filter(args, area=AREA, category_codes=CODES, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def plain_app() -> Flask:
    """Flask-Babel with our catalogs and Accept-Language, without a database."""
    from flask import request
    from flask_babel import Babel

    from flask_citizencare.i18n import TRANSLATIONS

    app = Flask(__name__)
    app.config.update(BABEL_DEFAULT_LOCALE="it", BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS))
    Babel(app, locale_selector=lambda: request.accept_languages.best_match(["it", "en", "ca"]) or "it")
    return app


def test_empty_query_is_no_condition(plain_app: Flask) -> None:
    assert parse(plain_app, "") == PublicFilter()


def test_every_parameter_is_read(plain_app: Flask) -> None:
    found = parse(
        plain_app,
        "bbox=11.3,44.48,11.36,44.51&kind=issue&category=roads&category=lights&status=new,in_progress"
        "&since=2026-01-01&until=2026-02-01&has_photo=yes",
    )
    assert found == PublicFilter(
        bbox=(11.3, 44.48, 11.36, 44.51),
        kinds=("issue",),
        categories=("roads", "lights"),
        statuses=("new", "in_progress"),
        since=date(2026, 1, 1),
        until=date(2026, 2, 1),
        has_photo=True,
    )
    assert parse(plain_app, "&".join(f"{k}={v}" for k, v in found.query_args().items())) == found


def test_group_expands_and_intersects_statuses(plain_app: Flask) -> None:
    assert parse(plain_app, "group=closed").statuses == ("closed", "rejected", "resolved")
    assert parse(plain_app, "group=open&status=new,resolved").statuses == ("new",)
    # A status outside its group matches nothing rather than everything.
    assert parse(plain_app, "group=open&status=resolved").statuses == ("",)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("bbox=11.3,44.4,11.4", "bbox"),
        ("bbox=11.3,44.4,11.4,44.5,1", "bbox"),
        ("bbox=nan,44.4,11.4,44.5", "bbox"),
        ("bbox=11.3,44.4,inf,44.5", "bbox"),
        ("bbox=11.4,44.4,11.3,44.5", "bbox"),
        ("bbox=11.3,44.5,11.4,44.5", "bbox"),
        ("bbox=12.0,45.0,12.1,45.1", "bbox"),
        ("bbox=11.3,44.4,11.4,44.5);DROP TABLE cc_reports;--", "bbox"),
        ("bbox=200,44.4,201,44.5", "bbox"),
        ("kind=complaint", "kind"),
        ("category=roads,nope", "category"),
        ("group=all", "group"),
        ("group=open&group=closed", "group"),
        ("status=lost", "status"),
        ("since=yesterday", "since"),
        ("until=2026-02-30", "until"),
        ("since=2026-03-01&until=2026-02-01", "until"),
        ("has_photo=maybe", "has_photo"),
        ("category=" + "x" * 3000, "category"),
    ],
)
def test_bad_input_names_the_parameter(plain_app: Flask, query: str, parameter: str) -> None:
    with pytest.raises(FilterError) as raised:
        parse(plain_app, query)
    assert raised.value.parameter == parameter
    assert raised.value.message


def test_messages_are_translated(plain_app: Flask) -> None:
    messages = {}
    for language in ("it", "en", "ca"):
        with pytest.raises(FilterError) as raised:
            parse(plain_app, "kind=complaint", language=language)
        messages[language] = raised.value.message
    assert messages["en"].startswith("Unknown kind")
    assert len(set(messages.values())) == 3


def test_a_required_bbox_is_required(plain_app: Flask) -> None:
    with pytest.raises(FilterError) as raised:
        parse(plain_app, "kind=issue", require_bbox=True)
    assert raised.value.parameter == "bbox"


def test_conditions_select_only_matching_public_reports(app: Flask, db_session) -> None:  # type: ignore[no-untyped-def]
    roads = create_category(db_session, code="roads")
    lights = create_category(db_session, code="lights")
    jan = datetime(2026, 1, 10, 12, tzinfo=UTC)
    inside = create_report(db_session, category=roads, lon=11.34, lat=44.49, created_at=jan)
    lamp = create_report(db_session, category=lights, lon=11.35, lat=44.50, created_at=jan, status="new")
    far = create_report(db_session, category=roads, lon=11.42, lat=44.55, created_at=jan)
    hidden = create_report(db_session, category=roads, lon=11.34, lat=44.49, is_public=False, created_at=jan)
    late = create_report(
        db_session, category=roads, lon=11.34, lat=44.49, created_at=datetime(2026, 2, 1, 0, 30, tzinfo=UTC)
    )
    db_session.add(
        Photo(
            report=inside,
            storage_key="a",
            thumbnail_key="a-t",
            content_type="image/jpeg",
            width=1,
            height=1,
            size=1,
        )
    )
    db_session.add(
        Photo(
            report=lamp,
            storage_key="b",
            thumbnail_key="b-t",
            content_type="image/jpeg",
            width=1,
            height=1,
            size=1,
            hidden=True,
        )
    )
    db_session.flush()

    def ids(**fields: object) -> set[str]:
        conditions = filter_conditions(db_session, PublicFilter(**fields), ROME)  # type: ignore[arg-type]
        return set(db_session.scalars(sa.select(Report.public_id).where(*conditions)))

    everything = {inside.public_id, lamp.public_id, far.public_id, late.public_id}
    assert ids() == everything
    assert hidden.public_id not in ids(categories=("roads",), bbox=(11.33, 44.48, 11.36, 44.51))
    assert ids(bbox=(11.33, 44.48, 11.36, 44.51)) == {inside.public_id, lamp.public_id, late.public_id}
    assert ids(categories=("lights",)) == {lamp.public_id}
    assert ids(statuses=("new",)) == everything
    assert ids(statuses=("resolved",)) == set()
    assert ids(has_photo=True) == {inside.public_id}
    assert ids(has_photo=False) == everything - {inside.public_id}
    # 2026-02-01 00:30 UTC is 01:30 in Rome: on 1 February, not in January.
    assert ids(until=date(2026, 1, 31)) == everything - {late.public_id}
    assert ids(since=date(2026, 2, 1)) == {late.public_id}
