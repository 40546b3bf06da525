"""Issue #15: a chair finishes on her phone without calling anyone — her top card and steps, one
line per unit with a filter, "không tham gia", her own contact, "Lưu và xác nhận", one link per
technician with a ready message and a QR code, reminders, and pages in people's words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bridgeops.core.time import format_time_left_vi
from bridgeops.extensions import db
from bridgeops.mail.models import OutboxMessage
from bridgeops.registration.models import BridgePoint, ChairContact, UnitAbsence
from bridgeops.returns import service as returns
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, VU_BAN, commune_of

HOME = "/conferences/namdinh-2022/registration"


def _open(demo, client, unit=MY_LOC, *, days_left: int = 3, phone: str = "0228 3849 123"):
    demo.registration_closes_at = datetime.now(UTC) + timedelta(days=days_left)
    demo.contact_name, demo.contact_phone = "Nguyễn Thị Đầu Mối", phone
    db.session.commit()
    return client.get(f"/c/{chair_token(demo, unit)}", follow_redirects=True)


def _form(name: str, *, technicians=(("Kỹ thuật A", "0912 345 678", "a@example.vn"),), **extra):
    data = {
        "venue": "Hội trường UBND",
        "capacity": "80",
        "probe_target": "",
        "count_bch": "5",
        "count_chuyen_trach": "2",
        "count_chi_hoi_truong": "3",
        "technician_rows": str(len(technicians)),
    }
    for i, (t_name, phone, email) in enumerate(technicians):
        data |= {
            f"technician_{i}_name": t_name,
            f"technician_{i}_phone": phone,
            f"technician_{i}_email": email,
        }
    data.update(extra)
    return data


def test_time_left_reads_in_vietnamese():
    now = datetime(2022, 4, 20, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
    assert format_time_left_vi(now + timedelta(days=3), now) == "còn 3 ngày"
    assert format_time_left_vi(now + timedelta(hours=5), now) == "còn 5 giờ, hạn chót hôm nay"
    assert format_time_left_vi(now - timedelta(minutes=1), now) == "đã hết hạn"
    # 23:00 the same evening is "today", 01:00 the next morning is "còn 1 ngày".
    assert format_time_left_vi(now + timedelta(hours=18), now) == "còn 1 ngày"


def test_chair_home_has_the_conference_deadline_steps_and_a_number_to_call(client, demo):
    page = _open(demo, client).get_data(as_text=True)
    assert demo.title in page and "còn 3 ngày" in page
    assert 'href="tel:0228 3849 123"' in page and "Gọi Nguyễn Thị Đầu Mối" in page
    assert "Cho biết họ tên và số điện thoại của chị" in page
    # One line per unit: the district and its communes, each with what is left.
    lines = re.findall(r'<li class="unit-line" data-state="(\w+)"', page)
    assert len(lines) == 12 and set(lines) == {"todo"}


def test_chair_gives_her_name_and_phone_and_the_chasing_list_calls_her(client, demo):
    _open(demo, client)
    bad = client.post(f"{HOME}/chair", data={"name": "Lê Thị Hoa", "phone": "12"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Số điện thoại không hợp lệ" in text and 'value="Lê Thị Hoa"' in text
    good = client.post(
        f"{HOME}/chair", data={"name": "Lê Thị Hoa", "phone": "0903 111 222"}, follow_redirects=True
    )
    assert "Chủ tịch: Lê Thị Hoa · 0903 111 222" in good.get_data(as_text=True)
    chase = returns.chasing_list(demo, returns.rollup(demo))
    my_loc = next(i for i in chase if i.district.code == MY_LOC)
    assert [(p.name, p.e164, p.role) for p in my_loc.phones] == [("Lê Thị Hoa", "+84903111222", "chair")]


def test_a_commune_without_connection_is_marked_and_counted_as_done(client, demo):
    _open(demo, client)
    commune = commune_of(MY_LOC, 0)
    response = client.post(
        f"/conferences/namdinh-2022/units/{commune}/absence", data={"action": "absent"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "không tham gia" in page and "Không tham gia (không có kết nối)" in page
    done = client.get(f"{HOME}?show=done").get_data(as_text=True)
    assert len(re.findall(r'class="unit-line" data-state="done"', done)) == 1
    assert (
        returns.rollup(demo)
        .districts[[d.code for d in returns.rollup(demo).districts].index(MY_LOC)]
        .units_absent
        == 1
    )
    # Her own district cannot take no part, nor can another district's commune be touched.
    own = client.post(
        f"/conferences/namdinh-2022/units/{MY_LOC}/absence", data={"action": "absent"}, follow_redirects=True
    )
    assert "phải có điểm cầu" in own.get_data(as_text=True)
    assert (
        client.post(
            f"/conferences/namdinh-2022/units/{commune_of(VU_BAN)}/absence", data={"action": "absent"}
        ).status_code
        == 403
    )
    # Registering after all makes the commune take part again.
    client.post(f"/conferences/namdinh-2022/points/new?unit={commune}", data=_form("x"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitAbsence)) == 0


def test_save_and_confirm_is_one_step_and_says_what_is_missing(client, demo):
    _open(demo, client)
    created = client.post(
        f"/conferences/namdinh-2022/points/new?unit={MY_LOC}", data=_form("x", and_confirm="1")
    )
    assert created.status_code == 200 and "Đã đăng ký và xác nhận" in created.get_data(as_text=True)
    point = db.session.scalar(sa.select(BridgePoint).where(BridgePoint.unit_code == MY_LOC))
    assert point.status == "confirmed"

    commune = commune_of(MY_LOC, 1)
    no_venue = client.post(
        f"/conferences/namdinh-2022/points/new?unit={commune}", data=_form("x", venue="", and_confirm="1")
    )
    text = no_venue.get_data(as_text=True)
    assert "chưa xác nhận" in text and "phòng họp" in text
    draft = db.session.scalar(sa.select(BridgePoint).where(BridgePoint.unit_code == commune))
    assert draft.status == "draft"
    page = client.get(f"/points/{draft.id}").get_data(as_text=True)
    assert "Bước tiếp: Xác nhận" in page and "Lưu và xác nhận" in page
    # Edits typed on the page are saved and confirmed together, not dropped.
    done = client.post(
        f"/points/{draft.id}",
        data=_form("x", venue="Nhà văn hóa xã", version=str(draft.version), and_confirm="1"),
        follow_redirects=True,
    )
    db.session.expire_all()
    draft = db.session.get(BridgePoint, draft.id)
    assert draft.status == "confirmed" and draft.venue == "Nhà văn hóa xã"
    assert "Đã lưu và xác nhận" in done.get_data(as_text=True)


def test_each_technician_gets_her_own_link_that_names_her(client, demo):
    _open(demo, client)
    response = client.post(
        f"/conferences/namdinh-2022/points/new?unit={MY_LOC}",
        data=_form(
            "x",
            technicians=(
                ("Phạm Thị Mai", "0912 345 678", "mai@example.vn"),
                ("Vũ Văn Nam", "0987 654 321", ""),
            ),
        ),
    )
    page = response.get_data(as_text=True)
    urls = re.findall(r'value="(http[^"]+/t/[^"]+)"', page)
    assert len(urls) == 2 and urls[0] != urls[1]
    assert "Kỹ thuật viên Phạm Thị Mai" in page and "Kỹ thuật viên Vũ Văn Nam" in page
    assert "Vũ Văn Nam sẽ không nhận được lịch qua email" in page
    assert page.count("<svg") == 2 and "Sao chép tin nhắn Zalo" in page
    assert "Kính gửi đồng chí Vũ Văn Nam" in page
    for url, name in zip(urls, ("Phạm Thị Mai", "Vũ Văn Nam"), strict=True):
        token = url.rsplit("/", 1)[-1]
        assert name in client.get(f"/t/{token}").get_data(as_text=True)


def test_officer_reminds_the_late_ones_in_one_action(client, demo, officer):
    demo.registration_closes_at = datetime.now(UTC) + timedelta(days=2)
    db.session.add(
        ChairContact(
            conference_id=demo.id,
            unit_code=MY_LOC,
            name="Lê Thị Hoa",
            phone="+84903111222",
            email="hoa@example.vn",
        )
    )
    db.session.commit()
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    dashboard = client.get("/conferences/namdinh-2022/return").get_data(as_text=True)
    assert 'href="tel:+84903111222"' in dashboard and "0/11 xã" in dashboard
    page = client.post("/conferences/namdinh-2022/return/remind").get_data(as_text=True)
    mails = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [m.recipient for m in mails] == ["hoa@example.vn"]
    assert "Đã gửi thư tới hoa@example.vn" in page
    # The others get a ready message to send by hand.
    assert page.count("Sao chép tin nhắn") == 10
    assert "Huyện Vụ Bản còn 19 đơn vị chưa đăng ký điểm cầu" in page


def test_history_names_people_and_shows_no_raw_values(client, demo, officer):
    _open(demo, client)
    client.post(f"/conferences/namdinh-2022/points/new?unit={MY_LOC}", data=_form("x", and_confirm="1"))
    client.post("/c/leave")
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    point = db.session.scalar(sa.select(BridgePoint).where(BridgePoint.unit_code == MY_LOC))
    page = client.get(f"/points/{point.id}/history").get_data(as_text=True)
    assert "Chủ tịch Hội Huyện Mỹ Lộc" in page and "Đã xác nhận" in page
    for raw in ("chair:", "null", "draft", "confirmed", '{"', "technician:"):
        assert raw not in page.split("<main")[1], raw


def test_a_wrong_method_answers_in_vietnamese(client, demo):
    response = client.delete("/api/v1/heartbeat", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert "The method" not in response.get_data(as_text=True)
    assert "không nhận thao tác này" in response.get_json()["detail"]


def test_printed_return_is_addressed_numbered_and_signed(client, demo, officer):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get("/conferences/namdinh-2022/return/print").get_data(as_text=True)
    assert "- Đoàn Chủ tịch TW Hội LHPN Việt Nam;" in page and "Ban Tổ chức Trung ương" not in page
    assert "Số: ……/BC-HPN" in page and "TM. BAN THƯỜNG VỤ" in page
    demo.return_recipient, demo.return_signer_title = "Ban Tuyên giáo TW Hội LHPN Việt Nam", "Chủ tịch"
    demo.return_signer_name = "Nguyễn Thị Ký"
    db.session.commit()
    page = client.get("/conferences/namdinh-2022/return/print").get_data(as_text=True)
    assert "- Ban Tuyên giáo TW Hội LHPN Việt Nam;" in page
    assert "CHỦ TỊCH" in page and "Nguyễn Thị Ký" in page


def test_heartbeat_client_helps_in_vietnamese():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "heartbeat.py"
    shown = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "cách dùng:" in shown and "tùy chọn:" in shown and "phần cuối của đường dẫn" in shown
    assert "show this help" not in shown and "usage:" not in shown


def test_a_wrong_sign_off_value_is_explained_without_raw_values():
    import pytest

    from bridgeops.core.errors import ValidationFailed
    from bridgeops.core.validation import validate
    from bridgeops.health.schemas import RehearsalSignoffIn

    with pytest.raises(ValidationFailed) as refused:
        validate(RehearsalSignoffIn, {"audio": "tot", "video": "ok", "presentation": "ok"})
    assert refused.value.errors == {"audio": "Hãy chọn “Đạt” hoặc “Có vấn đề”."}


def test_officer_gives_the_chairs_phone_when_issuing_and_a_wrong_one_is_kept_and_explained(
    client, demo, officer
):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    wrong = client.post(
        "/conferences/namdinh-2022/links",
        data={"unit": MY_LOC, "action": "issue", "chair_name": "Lê Thị Hoa", "chair_phone": "0903"},
    )
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Số điện thoại không hợp lệ" in page
    assert page.count('value="0903"') == 1 and "/c/" not in page  # no link issued
    issued = client.post(
        "/conferences/namdinh-2022/links",
        data={"unit": MY_LOC, "action": "issue", "chair_name": "Lê Thị Hoa", "chair_phone": "0903 111 222"},
    ).get_data(as_text=True)
    assert "Kính gửi đồng chí Lê Thị Hoa Huyện Mỹ Lộc" in issued and issued.count("<svg") >= 2
    assert db.session.scalar(sa.select(ChairContact.phone)) == "+84903111222"
