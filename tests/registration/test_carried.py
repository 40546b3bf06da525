"""A 2023-map network carried onto the 2025 map: the officer chooses which room stays where old
units merged, and places by hand the points that found no place."""

from __future__ import annotations

import pytest

from bridgeops.accounts.access import Principal
from bridgeops.conference.models import Conference
from bridgeops.core.validation import validate
from bridgeops.extensions import db
from bridgeops.registration import service
from bridgeops.registration.models import BridgePoint
from bridgeops.registration.schemas import PointIn
from bridgeops.units import service as units
from bridgeops.units.reform import place_units
from tests.registration.helpers import MY_LOC

#: Three wards of the city of Nam Định, all in the 2025 ward of Nam Định.
HA_LONG, VI_XUYEN, QUANG_TRUNG = "13633", "13642", "13645"


def _register(
    conference: Conference, principal: Principal, unit: str, venue: str, technician: str, phone: str
) -> BridgePoint:
    body = {
        "unit": unit,
        "venue": venue,
        "capacity": 40,
        "probe": {"target": "sip://10.0.0.9"},
        "technicians": [{"name": technician, "phone": phone, "email": "kt@example.vn"}],
    }
    return service.create_point(conference, validate(PointIn, body), principal).point


def copy_onto_2025(source: Conference, officer) -> Conference:
    """The conferences' copy onto the 2025 map, hosted by Ninh Bình (its GSO code there)."""
    from bridgeops.conference.copy import copy_conference
    from bridgeops.conference.schemas import CopyIn

    result = copy_conference(
        source,
        CopyIn.model_validate(
            {"slug": "ninhbinh-2027", "map": "2025", "host_unit_code": "37", "shift_days": 1826}
        ),
        actor=f"officer:{officer.email}",
    )
    db.session.commit()
    assert result.conference.host_unit_code == "202537"
    assert {code for code, _ in result.unplaced} == {MY_LOC}
    return result.conference


@pytest.fixture
def carried(client, demo, officer, runner):
    runner.invoke(args=["units", "import", "--map", "2025", "--province", "37"])
    principal = Principal(kind="officer", user=officer)
    _register(demo, principal, HA_LONG, "Hội trường phường Hạ Long", "Lê Thị Một", "0912000001")
    _register(demo, principal, VI_XUYEN, "Nhà văn hóa Vị Xuyên", "Phạm Thị Hai", "0912000002")
    _register(demo, principal, QUANG_TRUNG, "Phòng họp Quang Trung", "Vũ Thị Ba", "0912000003")
    _register(demo, principal, MY_LOC, "Hội trường huyện Mỹ Lộc", "Đỗ Thị Bốn", "0912000004")
    db.session.commit()
    copy = copy_onto_2025(demo, officer)
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    return copy


def _point(conference: Conference, unit_code: str) -> BridgePoint:
    db.session.expire_all()
    return service.point_for_unit(conference, unit_code)


def test_the_page_lists_the_rooms_competing_for_a_new_ward_and_the_unplaced_points(client, carried):
    new_code = place_units([HA_LONG], "2023", "2025").target[HA_LONG]
    assert units.get_unit(new_code).name == "Phường Nam Định"
    assert _point(carried, new_code).venue == "Hội trường phường Hạ Long"  # the lowest code

    page = client.get("/conferences/ninhbinh-2027/carried")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Phường Nam Định" in html
    for venue in ("Hội trường phường Hạ Long", "Nhà văn hóa Vị Xuyên", "Phòng họp Quang Trung"):
        assert venue in html
    assert "Phạm Thị Hai" in html and "0912 000 002" in html
    assert html.count("Đang giữ") == 1  # one merge: the province point has no rival
    assert "Huyện Mỹ Lộc" in html and "Cấp huyện đã bỏ" in html


def test_the_officer_chooses_another_room_and_it_is_the_one_that_stays(client, carried):
    new_code = place_units([HA_LONG], "2023", "2025").target[HA_LONG]
    source = service.point_for_unit(db.session.get(Conference, carried.copied_from_id), VI_XUYEN)
    response = client.post(
        "/conferences/ninhbinh-2027/carried", data={"unit": new_code, "point": source.id, "action": "choose"}
    )
    assert response.status_code == 302
    kept = _point(carried, new_code)
    assert kept.venue == "Nhà văn hóa Vị Xuyên"
    assert [(t.name, t.phone) for t in kept.technicians] == [("Phạm Thị Hai", "+84912000002")]
    html = client.get("/conferences/ninhbinh-2027/carried").get_data(as_text=True)
    assert html.index("Nhà văn hóa Vị Xuyên") < html.index("Đang giữ", html.index("Phường Nam Định"))


def test_an_unplaced_district_room_is_placed_by_hand_on_a_free_commune(client, carried):
    source = service.point_for_unit(db.session.get(Conference, carried.copied_from_id), MY_LOC)
    target = units.get_unit("13366", "2025")
    assert _point(carried, target.code) is None
    response = client.post(
        "/conferences/ninhbinh-2027/carried",
        data={"point": source.id, "unit": target.code, "action": "place"},
    )
    assert response.status_code == 302
    placed = _point(carried, target.code)
    assert placed.venue == "Hội trường huyện Mỹ Lộc" and placed.status == "draft"
    html = client.get("/conferences/ninhbinh-2027/carried").get_data(as_text=True)
    assert f"Đã chuyển sang {target.name}" in html


def test_a_bad_choice_is_refused_in_vietnamese_and_changes_nothing(client, carried):
    new_code = place_units([HA_LONG], "2023", "2025").target[HA_LONG]
    source = service.point_for_unit(db.session.get(Conference, carried.copied_from_id), MY_LOC)
    response = client.post(
        "/conferences/ninhbinh-2027/carried", data={"unit": new_code, "point": source.id, "action": "choose"}
    )
    assert response.status_code == 422
    assert "không nằm trong danh sách" in response.get_data(as_text=True)
    no_unit = client.post(
        "/conferences/ninhbinh-2027/carried", data={"point": source.id, "unit": "", "action": "place"}
    )
    assert no_unit.status_code == 422 and "Vui lòng chọn một đơn vị" in no_unit.get_data(as_text=True)
    assert _point(carried, new_code).venue == "Hội trường phường Hạ Long"


def test_a_conference_that_was_not_copied_has_no_such_page(client, carried, demo):
    assert client.get("/conferences/namdinh-2022/carried").status_code == 404


def test_the_chair_links_page_of_a_two_level_conference_speaks_of_communes(client, carried):
    html = client.get("/conferences/ninhbinh-2027/links").get_data(as_text=True)
    assert "Đường dẫn cho chủ tịch Hội cấp xã" in html and "Phường Hà Nam" in html
    assert "Điểm cầu chuyển sang" in html  # the copied conference links to its carried page
