"""The back office of service notices over HTTP: drafts, publishing (managers only), steps, discarding,
bad input and stale forms, and the figures (mails per notice, subscribers) counted from real rows."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import to_shape

from flask_citizencare.models import (
    AuditEntry,
    NoticeUpdate,
    OutboxMail,
    ServiceNotice,
    Subscription,
    SubscriptionMail,
)
from flask_citizencare.services import notices as service
from flask_citizencare.services.notices import NoticeInput

from .host import host_db
from .staff import Team, actor_for
from .staff import client_for as staff_client

URL = "/citizencare/staff/notices"
EN = {"Accept-Language": "en"}
INSIDE = {
    "type": "Polygon",
    "coordinates": [[[11.34, 44.49], [11.35, 44.49], [11.35, 44.50], [11.34, 44.49]]],
}
OUTSIDE = {
    "type": "Polygon",
    "coordinates": [[[12.34, 45.49], [12.35, 45.49], [12.35, 45.50], [12.34, 45.49]]],
}
DISTRICTS = [{"name": "Navile", "bbox": (11.33, 44.50, 11.40, 44.55)}]


def client_for(app: Flask, team: Team, name: str) -> FlaskClient:
    """A logged-in client that asks for English on every request, so flashed messages are English too."""
    client = staff_client(app, team, name)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def csrf(client: FlaskClient, url: str = URL + "/new") -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="(?:[a-z]+-)?csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def form(token: str, **fields: Any) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "kind": "planned",
        "title_it": "Chiusura di via Indipendenza",
        "title_en": "Via Indipendenza closed",
        "title_ca": "",
        "body_it": "Lavori alla rete idrica.",
        "body_en": "Water main works.",
        "body_ca": "",
        "impact": "degraded",
        "starts_at": "2026-12-24T09:00",
        "ends_at": "2026-12-26T18:30",
        "services": "Parcheggi\nZTL\n",
        "area": json.dumps(INSIDE),
        **fields,
    }


def state(app: Flask) -> tuple[list[tuple[str, ...]], int, int]:
    """Every notice's columns, the number of steps and of audit entries."""
    with app.app_context():
        rows = [
            tuple(str(v) for v in row)
            for row in host_db.session.execute(
                sa.select(
                    ServiceNotice.id,
                    ServiceNotice.kind,
                    ServiceNotice.status,
                    ServiceNotice.title,
                    ServiceNotice.titles,
                    ServiceNotice.body,
                    ServiceNotice.starts_at,
                    ServiceNotice.ends_at,
                    ServiceNotice.services,
                    ServiceNotice.districts,
                    ServiceNotice.version,
                ).order_by(ServiceNotice.id)
            )
        ]
        steps = host_db.session.scalar(sa.select(sa.func.count()).select_from(NoticeUpdate)) or 0
        entries = host_db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0
        host_db.session.remove()
        return rows, steps, entries


def only_notice(app: Flask) -> ServiceNotice:
    with app.app_context():
        notice = host_db.session.scalars(sa.select(ServiceNotice)).one()
        notice.updates, notice.categories  # noqa: B018 (loaded before the session goes)
        host_db.session.expunge_all()
        host_db.session.remove()
        return notice


def create(app: Flask, team: Team, **changes: Any) -> int:
    """A draft written through the service (as Olga, the operator)."""
    values: dict[str, Any] = {
        "kind": "planned",
        "titles": {"it": "Lavori in piazza"},
        "bodies": {"it": "Rifacimento della pavimentazione."},
        "starts_at": datetime(2026, 12, 20, 8, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 22, 16, 0, tzinfo=UTC),
        **changes,
    }
    with app.test_request_context():
        notice_id = service.create_notice(actor_for(team, "olga"), NoticeInput(**values)).id
        host_db.session.remove()
    return notice_id


def test_an_operator_writes_a_draft_and_only_a_manager_publishes_it(app: Flask, team: Team) -> None:
    olga = client_for(app, team, "olga")
    assert olga.get(URL).status_code == 200
    new = olga.get(URL + "/new")
    assert new.status_code == 200 and 'id="cc-notice-area-map"' in text(new)
    saved = olga.post(
        URL + "/new", data={**form(csrf(olga)), "categories": [str(team.potholes.id)]}, follow_redirects=True
    )
    assert saved.status_code == 200, text(saved)
    assert "Notice Chiusura di via Indipendenza saved." in text(saved)
    notice = only_notice(app)
    assert (notice.status, notice.kind, notice.titles) == (
        "draft",
        "planned",
        {"en": "Via Indipendenza closed"},
    )
    # 09:00 on 24 December in Rome is 08:00 UTC; 18:30 on the 26th is 17:30 UTC.
    assert notice.starts_at == datetime(2026, 12, 24, 8, 0, tzinfo=UTC)
    assert notice.ends_at == datetime(2026, 12, 26, 17, 30, tzinfo=UTC)
    assert notice.services == ["Parcheggi", "ZTL"] and notice.area is not None
    assert [c.id for c in notice.categories] == [team.potholes.id]
    page_url = f"{URL}/{notice.id}"

    # The operator's page says who publishes, with no form to send.
    page = text(olga.get(page_url))
    assert "Only managers and administrators publish service notices" in page
    assert f"/notices/{notice.id}/publish" not in page
    before = state(app)
    token = csrf(olga, page_url)
    refused = olga.post(
        f"{page_url}/publish",
        data={
            "csrf_token": token,
            "publish-csrf_token": token,
            "publish-version": "1",
            "publish-status": "scheduled",
        },
    )
    assert refused.status_code == 403
    assert state(app) == before

    marco = client_for(app, team, "marco")
    page = text(marco.get(page_url))
    assert f"/notices/{notice.id}/publish" in page
    assert 'type="checkbox" id="publish-notify" checked disabled' in page
    token = csrf(marco, page_url)
    published = marco.post(
        f"{page_url}/publish",
        data={
            "publish-csrf_token": token,
            "publish-version": str(notice.version),
            "publish-status": "scheduled",
            "publish-body_it": "Lavori confermati.",
        },
        follow_redirects=True,
    )
    assert published.status_code == 200, text(published)
    assert "The notice is published." in text(published)
    notice = only_notice(app)
    assert notice.status == "scheduled" and notice.published_at is not None
    assert [(u.status, u.body, u.notify) for u in notice.updates] == [
        ("scheduled", "Lavori confermati.", True)
    ]
    listed = text(olga.get(URL + "?view=scheduled&kind=planned"))
    assert "Chiusura di via Indipendenza" in listed and "Scheduled" in listed
    assert "Chiusura di via Indipendenza" not in text(olga.get(URL + "?view=draft"))
    assert "Chiusura di via Indipendenza" not in text(olga.get(URL + "?kind=incident"))


def test_other_roles_are_refused_everywhere(app: Flask, team: Team) -> None:
    notice_id = create(app, team)
    for name in ("tina", "carla"):
        client = client_for(app, team, name)
        for url in (URL, URL + "/new", f"{URL}/{notice_id}", f"{URL}/{notice_id}/edit"):
            assert client.get(url).status_code == 403, (name, url)
        assert client.post(f"{URL}/{notice_id}/discard").status_code in (400, 403)
    assert 'href="/citizencare/staff/notices"' not in text(
        client_for(app, team, "tina").get("/citizencare/staff/")
    )
    assert 'href="/citizencare/staff/notices"' in text(
        client_for(app, team, "olga").get("/citizencare/staff/")
    )


def test_steps_are_posted_and_shown_as_the_timeline(app: Flask, team: Team) -> None:
    notice_id = create(app, team, kind="incident", ends_at=None, impact="interrupted")
    with app.test_request_context():
        service.publish_notice(actor_for(team, "marco"), notice_id, service.StepInput("investigating"))
        host_db.session.remove()
    olga = client_for(app, team, "olga")
    page_url = f"{URL}/{notice_id}"
    page = text(olga.get(page_url))
    # An incident being investigated: news only, or one of the next steps of its lifecycle.
    options = re.findall(r'<option value="([a-z_]+)"', page)
    assert options == ["investigating", "identified", "monitoring", "resolved"]
    token = csrf(olga, page_url)
    step = {
        "step-csrf_token": token,
        "step-version": "2",
        "step-status": "identified",
        "step-body_it": "Guasto trovato.",
    }
    assert olga.post(f"{page_url}/steps", data=step).status_code == 303
    posted = olga.post(
        f"{page_url}/steps",
        data={
            **step,
            "step-version": "3",
            "step-status": "monitoring",
            "step-body_en": "Fixed, watching.",
            "step-body_it": "Riparato.",
            "step-notify": "y",
        },
        follow_redirects=True,
    )
    assert posted.status_code == 200 and "The step is posted." in text(posted)
    # The same step without any news says nothing: refused, nothing added.
    before = state(app)
    empty = olga.post(
        f"{page_url}/steps",
        data={**step, "step-version": "4", "step-status": "monitoring", "step-body_it": ""},
    )
    assert empty.status_code == 400 and "Write the news in Italiano" in text(empty)
    assert state(app) == before
    wrong = olga.post(f"{page_url}/steps", data={**step, "step-version": "4", "step-status": "completed"})
    assert wrong.status_code == 400 and "Choose the notice's next step from the list." in text(wrong)
    assert state(app) == before
    done = olga.post(
        f"{page_url}/steps",
        data={**step, "step-version": "4", "step-status": "resolved", "step-body_it": "Risolto."},
    )
    assert done.status_code == 303
    notice = only_notice(app)
    assert [(u.status, u.notify) for u in notice.updates] == [
        ("investigating", True),
        ("identified", False),
        ("monitoring", True),
        ("resolved", True),  # the final step always tells the subscribers
    ]
    assert notice.status == "resolved" and notice.ended_at is not None
    page = text(olga.get(page_url))
    timeline = page[page.index('id="cc-notice-timeline"') :]
    assert [timeline.index(word) for word in ("Risolto.", "Riparato.", "Guasto trovato.")] == sorted(
        timeline.index(word) for word in ("Risolto.", "Riparato.", "Guasto trovato.")
    )
    assert f"/notices/{notice_id}/steps" not in page  # over: no more steps
    late = olga.post(f"{page_url}/steps", data={**step, "step-version": "5", "step-status": "resolved"})
    assert late.status_code == 409 and "This notice is over" in text(late)
    edit = olga.get(f"{page_url}/edit", follow_redirects=True)
    assert "This notice is over: it can no longer be changed." in text(edit)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": "2026-12-23T09:00"}, "The end must come after the start."),
        ({"ends_at": ""}, "Give the planned end of the works."),
        ({"starts_at": "24/12/2026 9:00"}, "Give the date and time as day, month, year, hours and minutes."),
        ({"starts_at": ""}, "Give the start as a date and time."),
        ({"starts_at": "0001-01-01T00:30"}, "Give a date between 1900 and 2999."),
        ({"area": json.dumps(OUTSIDE)}, "The affected area reaches outside the municipality"),
        ({"area": '{"type": "Polygon", "coordinates": [[[NaN, 1]]]}'}, "The affected area could not be read"),
        ({"districts": "Atlantide"}, "Choose the districts from the list."),
        ({"categories": "99999999999999999999"}, "Choose the categories from the list."),
        ({"categories": "2147483647"}, "Choose the categories from the list."),
        ({"title_it": ""}, "Give the notice a title in Italiano, the default language."),
        ({"title_it": "Titolo\x01"}, "Remove the control characters from this text."),
        ({"title_it": "x" * 201}, "A title can be at most 200 characters long."),
        ({"kind": "meteor"}, "Not a valid choice"),
        ({"services": "x" * 121}, "at most 120 characters"),
    ],
)
def test_bad_notices_are_refused_on_the_form_and_change_nothing(
    app: Flask, team: Team, changes: dict[str, Any], message: str
) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    olga = client_for(app, team, "olga")
    before = state(app)
    response = olga.post(URL + "/new", data=form(csrf(olga), **changes))
    assert response.status_code == 400
    page = text(response)
    assert message in page and 'class="cc-error-summary"' in page
    assert state(app) == before


def test_a_district_instead_of_a_drawing(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    olga = client_for(app, team, "olga")
    assert 'value="Navile"' in text(olga.get(URL + "/new"))
    assert olga.post(URL + "/new", data=form(csrf(olga), area="", districts="Navile")).status_code == 303
    notice = only_notice(app)
    assert notice.districts == ["Navile"] and notice.area is not None
    # Only the district: the GeoJSON field stays empty on the edit page, the district ticked.
    edit = olga.get(f"{URL}/{notice.id}/edit").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="area"[^>]*>\s*</textarea>', edit)
    assert re.search(r'value="Navile" checked', edit)
    # A drawing besides the district: the field shows the whole area, which saves unchanged.
    token = csrf(olga, f"{URL}/{notice.id}/edit")
    assert (
        olga.post(
            f"{URL}/{notice.id}/edit", data=form(token, version=str(notice.version), districts="Navile")
        ).status_code
        == 303
    )
    both = only_notice(app)
    edit = olga.get(f"{URL}/{notice.id}/edit").get_data(as_text=True)
    area = re.search(r'<textarea[^>]*name="area"[^>]*>\s*([^<]+)</textarea>', edit)
    assert area and "MultiPolygon" in html.unescape(area.group(1))
    saved = olga.post(
        f"{URL}/{notice.id}/edit",
        data=form(token, version=str(both.version), districts="Navile", area=html.unescape(area.group(1))),
    )
    assert saved.status_code == 303
    with app.app_context():
        again = host_db.session.get(ServiceNotice, notice.id)
        assert again is not None and to_shape(again.area).equals(to_shape(both.area))
        host_db.session.remove()


def test_publishing_without_the_default_language_text_says_so(app: Flask, team: Team) -> None:
    notice_id = create(app, team, bodies={"en": "English only"})
    marco = client_for(app, team, "marco")
    page_url = f"{URL}/{notice_id}"
    token = csrf(marco, page_url)
    before = state(app)
    response = marco.post(
        f"{page_url}/publish",
        data={"publish-csrf_token": token, "publish-version": "1", "publish-status": "scheduled"},
    )
    assert response.status_code == 400
    assert "Write what the notice says in Italiano, the default language, before publishing it." in text(
        response
    )
    assert state(app) == before
    wrong = marco.post(
        f"{page_url}/publish",
        data={"publish-csrf_token": token, "publish-version": "1", "publish-status": "investigating"},
    )
    assert wrong.status_code == 400 and state(app) == before  # planned works are not investigated


def test_a_stale_form_is_refused_with_a_message(app: Flask, team: Team) -> None:
    notice_id = create(app, team)
    olga, marco = client_for(app, team, "olga"), client_for(app, team, "marco")
    edit_url = f"{URL}/{notice_id}/edit"
    edit_page = olga.get(edit_url).get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in edit_page
    token = csrf(olga, edit_url)
    # Marco changes it meanwhile.
    assert (
        marco.post(edit_url, data=form(csrf(marco, edit_url), version="1", title_it="Di Marco")).status_code
        == 303
    )
    before = state(app)
    stale = olga.post(edit_url, data=form(token, version="1", title_it="Di Olga"))
    assert stale.status_code == 409
    assert "Someone else changed this notice meanwhile: look at it again." in text(stale)
    assert state(app) == before and "Di Marco" in str(before[0])
    missing = olga.post(edit_url, data=form(token, title_it="Di Olga"))
    assert missing.status_code == 400 and state(app) == before
    publish = marco.post(
        f"{URL}/{notice_id}/publish",
        data={
            "publish-csrf_token": csrf(marco, f"{URL}/{notice_id}"),
            "publish-version": "1",
            "publish-status": "scheduled",
            "publish-body_it": "x",
        },
    )
    assert publish.status_code == 409 and "Someone else changed this notice meanwhile" in text(publish)
    assert state(app) == before
    # The page shown again carries the current version: sent again, it works.
    again = re.search(r'name="publish-version" type="hidden" value="(\d+)"', publish.get_data(as_text=True))
    assert again and again.group(1) == "2"


def test_a_published_notice_keeps_its_kind(app: Flask, team: Team) -> None:
    notice_id = create(app, team)
    with app.test_request_context():
        service.publish_notice(actor_for(team, "marco"), notice_id, service.StepInput("scheduled"))
        host_db.session.remove()
    olga = client_for(app, team, "olga")
    edit_url = f"{URL}/{notice_id}/edit"
    page = text(olga.get(edit_url))
    assert "A published notice keeps its kind." in page and 'name="kind" value="planned"' in page
    changed = olga.post(
        edit_url, data=form(csrf(olga, edit_url), version="2", kind="incident", title_it="Nuovo titolo")
    )
    assert changed.status_code == 303
    notice = only_notice(app)
    assert (notice.kind, notice.title, notice.status) == ("planned", "Nuovo titolo", "scheduled")


def test_discarding_a_draft(app: Flask, team: Team) -> None:
    draft_id = create(app, team)
    olga = client_for(app, team, "olga")
    token = csrf(olga, f"{URL}/{draft_id}")
    assert olga.post(f"{URL}/{draft_id}/discard", data={"csrf_token": token}).status_code == 303
    assert state(app)[0] == []
    assert olga.post(f"{URL}/{draft_id}/discard", data={"csrf_token": token}).status_code == 404
    published_id = create(app, team)
    with app.test_request_context():
        service.publish_notice(actor_for(team, "marco"), published_id, service.StepInput("scheduled"))
        host_db.session.remove()
    before = state(app)
    refused = olga.post(f"{URL}/{published_id}/discard", data={"csrf_token": token})
    assert refused.status_code == 409 and "cannot be deleted" in text(refused)
    assert state(app) == before


@pytest.mark.parametrize(
    "path",
    [
        "/99999999999999999999",
        "/%00",
        "/0",
        "/-1",
        "/12345",
        "/99999999999999999999/edit",
        "/1%00/edit",
    ],
)
def test_bad_ids_are_not_found(app: Flask, team: Team, path: str) -> None:
    olga, marco = client_for(app, team, "olga"), client_for(app, team, "marco")
    assert olga.get(URL + path).status_code == 404
    token = csrf(marco)
    for action in ("publish", "steps", "discard"):
        assert (
            marco.post(f"{URL}{path.removesuffix('/edit')}/{action}", data={"csrf_token": token}).status_code
            == 404
        )


@pytest.mark.parametrize(
    "query", ["view=%00", "view=everything", "kind=meteor", "page=0", "page=99999999999999999999", "page=%00"]
)
def test_bad_list_filters_say_so(app: Flask, team: Team, query: str) -> None:
    response = client_for(app, team, "olga").get(f"{URL}?{query}")
    assert response.status_code == 400
    if "%00" not in query:  # NUL is refused before any view, on the site's own error page
        assert 'class="cc-error-summary"' in text(response)


def test_nul_in_a_field_changes_nothing(app: Flask, team: Team) -> None:
    olga = client_for(app, team, "olga")
    before = state(app)
    assert olga.post(URL + "/new", data=form(csrf(olga), title_it="Titolo\x00")).status_code == 400
    assert olga.post(URL + "/new", data=form(csrf(olga), area='{"type": "Polygon\x00"}')).status_code == 400
    assert state(app) == before


def test_every_form_needs_its_csrf_token(app: Flask, team: Team) -> None:
    notice_id = create(app, team)
    olga, marco = client_for(app, team, "olga"), client_for(app, team, "marco")
    before = state(app)
    assert (
        olga.post(URL + "/new", data={k: v for k, v in form("").items() if k != "csrf_token"}).status_code
        == 400
    )
    assert olga.post(f"{URL}/{notice_id}/edit", data=form("forged", version="1")).status_code == 400
    assert (
        marco.post(
            f"{URL}/{notice_id}/publish",
            data={"publish-version": "1", "publish-status": "scheduled", "publish-body_it": "x"},
        ).status_code
        == 400
    )
    assert olga.post(f"{URL}/{notice_id}/discard").status_code == 400
    assert state(app) == before
    with app.test_request_context():
        service.publish_notice(actor_for(team, "marco"), notice_id, service.StepInput("scheduled"))
        host_db.session.remove()
    before = state(app)
    assert (
        olga.post(
            f"{URL}/{notice_id}/steps",
            data={"step-version": "2", "step-status": "in_progress", "step-body_it": "x"},
        ).status_code
        == 400
    )
    assert state(app) == before


def _mail(
    session: Any, subscription: Subscription, notice_id: int, key: str, outbox_state: str | None
) -> None:
    outbox_id = None
    if outbox_state is not None:
        row = OutboxMail(
            message_id=f"<{key}.{subscription.id}@comune.example>",
            template="notice",
            recipient=subscription.email,
            locale="it",
            subject="Avviso",
            body_text="...",
            state=outbox_state,
        )
        session.add(row)
        session.flush()
        outbox_id = row.id
    session.add(
        SubscriptionMail(subscription_id=subscription.id, key=key, notice_id=notice_id, outbox_id=outbox_id)
    )


def test_the_figures_count_the_rows(app: Flask, team: Team) -> None:
    notice_id, other_id = create(app, team), create(app, team, titles={"it": "Altro avviso"})
    confirmed = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with app.app_context():
        session = host_db.session
        subscriptions = []
        for index, (topic, frequency, confirmed_at, unsubscribed_at) in enumerate(
            [
                ("notices", "instant", confirmed, None),
                ("notices", "instant", confirmed, None),
                ("notices", "instant", confirmed, None),
                ("notices", "instant", None, None),  # never confirmed
                ("notices", "instant", confirmed, confirmed + timedelta(days=1)),  # left
                ("reports", "daily", confirmed, None),
                ("reports", "weekly", confirmed, None),
                ("reports", "instant", confirmed, None),
                ("proposals", "weekly", confirmed, None),
            ]
        ):
            subscription = Subscription(
                email=f"person{index}@example.org",
                topic=topic,
                frequency=frequency,
                confirmed_at=confirmed_at,
                unsubscribed_at=unsubscribed_at,
            )
            session.add(subscription)
            subscriptions.append(subscription)
        session.flush()
        _mail(session, subscriptions[0], notice_id, "notice:a", "sent")
        _mail(session, subscriptions[1], notice_id, "notice:a", "sent")
        _mail(session, subscriptions[2], notice_id, "notice:a", "pending")
        _mail(session, subscriptions[0], notice_id, "notice:b", "dead")
        _mail(session, subscriptions[1], notice_id, "notice:b", None)  # its outbox row cleaned away
        _mail(session, subscriptions[0], other_id, "notice:c", "sent")
        session.commit()
        session.remove()
    olga = client_for(app, team, "olga")
    page = text(olga.get(f"{URL}/{notice_id}"))
    mails = re.search(r'<dd id="cc-notice-mails">(.*?)</dd>', page, re.S)
    assert mails is not None
    assert " ".join(mails.group(1).split()) == (
        "5 mails: 2 delivered, 1 waiting, 1 failed, 1 no longer in the outbox"
    )
    listed = text(olga.get(URL))
    rows = dict(re.findall(r'/notices/(\d+)">[^<]+</a></th>.*?<td>(\d+)</td>\s*</tr>', listed, re.S))
    assert rows == {str(notice_id): "5", str(other_id): "1"}

    def cell(topic: str, frequency: str) -> int:
        row = re.search(rf'<tr data-topic="{topic}">(.*?)</tr>', listed, re.S)
        assert row is not None
        found = re.search(rf'data-frequency="{frequency}">(\d+)<', row.group(1))
        assert found is not None
        return int(found.group(1))

    assert [cell("notices", f) for f in ("instant", "daily", "weekly", "total")] == [3, 0, 0, 3]
    assert [cell("reports", f) for f in ("instant", "daily", "weekly", "total")] == [1, 1, 1, 3]
    assert [cell("proposals", f) for f in ("instant", "daily", "weekly", "total")] == [0, 0, 1, 1]
    assert [cell("total", f) for f in ("instant", "daily", "weekly", "total")] == [4, 1, 2, 7]
    assert "Open rates are not tracked: our mails carry no tracking pixels." in listed
    assert "person0@example.org" not in listed and "person0@example.org" not in page
