"""The technician's page, the feeds, acknowledgement, the schedule page and the PATCH API."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import icalendar
import sqlalchemy as sa

from bridgeops.accounts import service as accounts
from bridgeops.extensions import db
from bridgeops.invites import links
from bridgeops.mail.models import OutboxMessage
from bridgeops.mail.service import render
from tests.conftest import bearer
from tests.factories import set_status
from tests.invites.conftest import queue_invites
from tests.invites.wire import assert_wire_rules


def technician_token(point, index: int = 0) -> str:
    token = links.technician_token(point.technicians[index])
    db.session.commit()
    return token


def test_the_invite_link_is_the_technicians_own_page(client, demo, three_points):
    message = db.session.scalar(
        sa.select(OutboxMessage)
        .where(OutboxMessage.recipient == "hoa@mylocs.example.vn")
        .order_by(OutboxMessage.id)
    )
    token = re.search(rb"/t/([A-Za-z0-9_-]{43})", render(message).replace(b"=\r\n", b"")).group(1)
    assert token.decode() == technician_token(three_points[0])
    page = client.get(f"/t/{token.decode()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert three_points[0].name in html and "Tổng duyệt kết nối" in html
    assert "08:30–11:30" in html and "Thứ Ba, 26/4/2022" in html
    assert f"/calendar/{token.decode()}.ics" in html and "webcal://" in html
    assert "Đã nhận lịch" in html


def test_acknowledging_is_shown_to_officers(client, demo, three_points, officer):
    token = technician_token(three_points[1], index=1)  # Lê Thị Lan
    response = client.post(f"/t/{token}/acknowledge")
    assert response.status_code == 303
    assert "Đã nhận lịch" in client.get(f"/t/{token}").get_data(as_text=True)
    lan = three_points[1].technicians[1]
    db.session.refresh(lan)
    assert lan.acknowledged_at is not None
    assert three_points[1].technicians[0].acknowledged_at is None
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get(f"/conferences/{demo.slug}/acknowledgements").get_data(as_text=True)
    assert page.count("Đã nhận</span>") == 1 and page.count("Chưa xác nhận</span>") == 3
    assert "Lê Thị Lan" in page and "Trần Văn Nam" in page


def test_the_acknowledgement_page_is_for_officers_only(client, demo):
    assert client.get(f"/conferences/{demo.slug}/acknowledgements").status_code == 302


def test_technician_feed_holds_her_points_sessions(client, demo, three_points):
    token = technician_token(three_points[0])
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    lines = assert_wire_rules(response.data, itip=False)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines and "X-PUBLISHED-TTL:PT1H" in lines
    assert any(line.startswith("X-WR-CALNAME:" + three_points[0].name) for line in lines)
    events = icalendar.Calendar.from_ical(response.data).events
    assert len(events) == 4
    assert {str(e["UID"]) for e in events} == {
        f"session-{s.uid_key}-point-{three_points[0].uid_key}@bridgeops.test" for s in demo.sessions
    }


def test_a_withdrawn_points_feed_shows_its_events_cancelled(client, demo, three_points):
    point = three_points[0]
    token = technician_token(point)
    set_status(point, "withdrawn")
    db.session.commit()
    queue_invites()
    events = icalendar.Calendar.from_ical(client.get(f"/calendar/{token}.ics").data).events
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
    assert {int(e["SEQUENCE"]) for e in events} == {1}  # the cancel's sequence


def test_chair_feed_holds_her_districts_points(client, demo, three_points):
    point = three_points[1]
    issued = accounts.issue_grant("chair", conference_id=demo.id, unit_code=point.unit_code)
    db.session.commit()
    response = client.get(f"/calendar/{issued.token}.ics")
    assert response.status_code == 200
    assert_wire_rules(response.data, itip=False)
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(response.data).events}
    assert uids == {f"session-{s.uid_key}-point-{point.uid_key}@bridgeops.test" for s in demo.sessions}


def test_officer_feed_holds_the_conference_sessions(client, demo, three_points, officer):
    from bridgeops.accounts import service as accounts

    feed_token = accounts.create_api_token(officer.email, feed=True).token  # not an API token
    db.session.commit()
    response = client.get(f"/calendar/{feed_token}.ics")
    assert response.status_code == 200
    assert_wire_rules(response.data, itip=False)
    events = icalendar.Calendar.from_ical(response.data).events
    assert [str(e["UID"]) for e in events] == [f"session-{s.uid_key}@bridgeops.test" for s in demo.sessions]
    assert "Số điểm cầu đã đăng ký: 4" in str(events[0]["DESCRIPTION"])


def test_unknown_tokens_get_404_problems_then_429(client):
    response = client.get("/calendar/khong-co-ma-nay.ics")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404
    statuses = [client.get(f"/calendar/sai-{n}.ics").status_code for n in range(40)]
    assert statuses.count(404) == 29 and statuses[-1] == 429
    assert client.get("/t/sai-ma").status_code == 429


def test_unknown_technician_link_is_404(client):
    assert client.get("/t/khong-co-ma-nay").status_code == 404
    assert client.post("/t/khong-co-ma-nay/acknowledge").status_code == 404


def test_patch_session_moves_it_and_queues_updates(client, demo, three_points, officer_token):
    rehearsal = demo.sessions[0]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    response = client.patch(
        f"/api/v1/conferences/{demo.slug}/sessions/{rehearsal.id}",
        headers=bearer(officer_token),
        json={"starts_at": "2022-04-26T09:00:00+07:00", "ends_at": "2022-04-26T12:00:00+07:00"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["sequence"] == 1
    assert datetime.fromisoformat(body["starts_at"]) == datetime.fromisoformat("2022-04-26T09:00:00+07:00")
    after = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert after - before == 4
    kinds = set(db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.id > before)))
    assert kinds == {"update"}


def test_patch_session_refuses_bad_input_and_non_officers(client, demo, three_points, officer_token):
    url = f"/api/v1/conferences/{demo.slug}/sessions/{demo.sessions[0].id}"
    bad = client.patch(url, headers=bearer(officer_token), json={"ends_at": "2022-04-26T07:00:00+07:00"})
    assert bad.status_code == 422 and "ends_at" in bad.get_json()["errors"]
    floating = client.patch(url, headers=bearer(officer_token), json={"starts_at": "2022-04-26T07:00"})
    assert floating.status_code == 422
    assert client.patch(url, json={"title": "x"}).status_code == 401
    chair = accounts.issue_grant("chair", conference_id=demo.id, unit_code=three_points[0].unit_code)
    db.session.commit()
    assert client.patch(url, headers=bearer(chair.token), json={"title": "x"}).status_code == 403
    missing = client.patch(
        f"/api/v1/conferences/{demo.slug}/sessions/9999", headers=bearer(officer_token), json={"title": "x"}
    )
    assert missing.status_code == 404


def test_schedule_page_changes_times_in_the_conference_zone(client, demo, three_points, officer):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get(f"/conferences/{demo.slug}/schedule").get_data(as_text=True)
    assert 'value="2022-04-26T08:30"' in page
    assert "Thứ Ba, 26/4/2022 lúc 08:30" in page  # the same time in words, in any browser
    day1 = demo.sessions[1]
    form = {"title": day1.title, "starts_at": "2022-04-27T07:30", "ends_at": "2022-04-27T17:00"}
    response = client.post(f"/conferences/{demo.slug}/sessions/{day1.id}", data=form)
    assert response.status_code == 303
    db.session.refresh(day1)
    assert day1.starts_at == datetime.fromisoformat("2022-04-27T07:30:00+07:00")
    assert day1.sequence == 1
    bad = client.post(
        f"/conferences/{demo.slug}/sessions/{day1.id}", data={**form, "ends_at": "2022-04-27T06:00"}
    )
    assert bad.status_code == 422
    assert "Giờ kết thúc phải sau giờ bắt đầu." in bad.get_data(as_text=True)
    assert "Thứ Tư, 27/4/2022 lúc 06:00" in bad.get_data(as_text=True)  # what she typed
    db.session.refresh(day1)
    assert day1.ends_at - day1.starts_at == timedelta(hours=9, minutes=30)


def test_the_acknowledge_button_needs_the_forms_csrf_token(app, client, demo, three_points):
    token = technician_token(three_points[0])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/t/{token}/acknowledge").status_code == 400
        page = client.get(f"/t/{token}").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(f"/t/{token}/acknowledge", data={"csrf_token": csrf}).status_code == 303
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert three_points[0].technicians[0].acknowledged_at is not None


def test_an_unchanged_feed_answers_304_and_a_change_gives_a_new_etag(client, demo, three_points):
    url = f"/calendar/{technician_token(three_points[0])}.ics"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    from bridgeops.conference import service as conferences

    conferences.update_session(demo.sessions[2], title="Hội nghị – ngày thứ hai (đổi phòng)")
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
