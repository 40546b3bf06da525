"""A chair opens her link on a phone and registers her district and three communes."""

from __future__ import annotations

import re

import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, VU_BAN


def _form(unit_name: str, venue: str, counts: tuple[int, int, int]) -> dict:
    return {
        "venue": venue,
        "capacity": "80",
        "probe_target": "",
        "count_bch": str(counts[0]),
        "count_chuyen_trach": str(counts[1]),
        "count_chi_hoi_truong": str(counts[2]),
        "technician_rows": "2",
        "technician_0_name": f"Kỹ thuật {unit_name}",
        "technician_0_phone": "0912 345 678",
        "technician_0_email": "kythuat@example.vn",
        "technician_1_name": "",
        "technician_1_phone": "",
        "technician_1_email": "",
    }


def test_chair_registers_district_and_three_communes_through_the_forms(client, demo):
    token = chair_token(demo, MY_LOC)
    home = client.get(f"/c/{token}", follow_redirects=True)
    text = home.get_data(as_text=True)
    assert home.status_code == 200 and "Điểm cầu Huyện Mỹ Lộc" in text
    assert "Chưa đăng ký" in text

    # The picker searches without diacritics and only inside her district.
    picker = client.get("/conferences/namdinh-2022/points/new?q=my tien").get_data(as_text=True)
    assert "Mỹ Tiến" in picker and "Vụ Bản" not in picker
    full = client.get("/conferences/namdinh-2022/points/new").get_data(as_text=True)
    units = re.findall(r'points/new\?unit=(\d+)"', full)
    assert MY_LOC in units and len(units) >= 4

    for code in [MY_LOC, *[u for u in units if u != MY_LOC][:3]]:
        response = client.post(
            f"/conferences/namdinh-2022/points/new?unit={code}",
            data=_form(code, f"Hội trường {code}", (5, 2, 10)),
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200, page
        assert "/t/" in page  # the technician link, shown once

    points = db.session.scalars(sa.select(BridgePoint).order_by(BridgePoint.id)).all()
    registered = [p for p in points if p.unit_code != "36"]
    assert len(registered) == 4
    assert all(p.total_delegates == 17 and p.district_code == MY_LOC for p in registered)
    district_point = next(p for p in registered if p.unit_code == MY_LOC)
    assert all(p.upstream_point_id == district_point.id for p in registered if p is not district_point)
    assert registered[0].technicians[0].phone == "+84912345678"

    confirm = client.post(
        f"/points/{district_point.id}/confirm",
        data={"version": str(district_point.version)},
        follow_redirects=True,
    )
    assert "Đã xác nhận điểm cầu" in confirm.get_data(as_text=True)
    home = client.get("/conferences/namdinh-2022/registration").get_data(as_text=True)
    assert "Đã xác nhận" in home and "68" in home  # 4 × 17 delegates


def test_another_chair_cannot_see_or_touch_them(client, app, demo):
    client.get(f"/c/{chair_token(demo, MY_LOC)}")
    response = client.post(
        f"/conferences/namdinh-2022/points/new?unit={MY_LOC}", data=_form("x", "Hội trường", (1, 1, 1))
    )
    assert response.status_code == 200
    point = db.session.scalar(sa.select(BridgePoint).where(BridgePoint.unit_code == MY_LOC))

    other = app.test_client()
    other.get(f"/c/{chair_token(demo, VU_BAN)}")
    assert other.get(f"/points/{point.id}").status_code == 404
    assert other.post(f"/points/{point.id}", data=_form("x", "Đổi", (0, 0, 0))).status_code == 404
    listing = other.get("/conferences/namdinh-2022/points").get_data(as_text=True)
    assert "Mỹ Lộc" not in listing
    assert other.get(f"/conferences/namdinh-2022/points/new?unit={MY_LOC}").status_code == 403


def test_officer_sees_all_points_with_totals(client, demo, officer):
    chair = client.application.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    chair.post(
        f"/conferences/namdinh-2022/points/new?unit={MY_LOC}", data=_form("x", "Hội trường", (3, 2, 1))
    )
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get("/conferences/namdinh-2022/points").get_data(as_text=True)
    assert "Điểm cầu Huyện Mỹ Lộc" in page and "Điểm cầu Tỉnh Nam Định" in page
    assert re.search(r'class="value">2</div><div class="label">điểm cầu', page)
    assert re.search(r'class="value">6</div><div class="label">đại biểu', page)
    filtered = client.get("/conferences/namdinh-2022/points?level=province").get_data(as_text=True)
    assert "Điểm cầu Huyện Mỹ Lộc" not in filtered and "Điểm cầu Tỉnh Nam Định" in filtered
