"""Issue #15, the technician's day: her page names her, says whether her point is up now and
which sessions are past, an acknowledgement older than the latest time change is "đã nhận lịch
cũ", and a page keeps the heartbeat going from the browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bridgeops.accounts import service as accounts
from bridgeops.conference import service as conferences
from bridgeops.extensions import db
from bridgeops.health import service as health
from bridgeops.registration import service as registration


def _link(demo, point, contact=None) -> str:
    issued = accounts.issue_grant(
        "technician", conference_id=demo.id, point_id=point.id, contact_id=contact.id if contact else None
    )
    db.session.commit()
    return f"/t/{issued.token}"


def test_her_page_names_her_says_if_her_point_is_up_and_which_sessions_are_past(client, demo, three_points):
    point = three_points[1]
    lan = point.technicians[1]
    path = _link(demo, point, lan)
    page = client.get(path).get_data(as_text=True)
    assert "Chào Lê Thị Lan" in page and "Chưa có tín hiệu" in page
    assert "Đã diễn ra" in page  # the plan's sessions were in 2022
    assert "giờ Việt Nam" in page and "Asia/Ho_Chi_Minh" not in page
    health.ensure_state_rows(demo.id, datetime.now(UTC))
    health.record_heartbeat(point.id, datetime.now(UTC))
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Máy phòng họp đang gửi tín hiệu" in page and "tín hiệu gần nhất" in page


def test_an_acknowledgement_before_a_time_change_is_for_the_old_schedule(client, demo, three_points, officer):
    point = three_points[0]
    contact = point.technicians[0]
    registration.acknowledge(contact)
    contact.acknowledged_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    path = _link(demo, point, contact)
    assert "Đã nhận lịch</span>" in client.get(path).get_data(as_text=True)

    session = demo.sessions[1]
    conferences.update_session(
        session, starts_at=session.starts_at + timedelta(hours=1), actor="officer:" + officer.email
    )
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Đã nhận lịch cũ" in page and 'value="' in page  # the button is back
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    officers = client.get("/conferences/namdinh-2022/acknowledgements").get_data(as_text=True)
    assert "Đã nhận lịch cũ" in officers


def test_the_keep_alive_page_carries_what_the_browser_needs_to_beat(client, demo, three_points):
    path = _link(demo, three_points[2])
    page = client.get(f"{path}/keep-alive").get_data(as_text=True)
    assert "Giữ trang này mở trong buổi họp" in page
    assert 'data-url="/api/v1/heartbeat"' in page and "js/heartbeat.js" in page
    assert client.get("/t/khong-co-ma-nay/keep-alive").status_code == 404
