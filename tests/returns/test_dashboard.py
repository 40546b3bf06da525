import re

import pytest

from bridgeops.accounts import service as accounts
from bridgeops.accounts.access import SESSION_GRANT_KEY, Principal
from bridgeops.extensions import db
from bridgeops.registration import chairs
from bridgeops.registration.service import point_for_unit
from bridgeops.returns import service
from tests.conftest import bearer
from tests.factories import make_point, set_status

PAGE = "/conferences/namdinh-2022/return"


def login(client, officer) -> None:
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})


def test_dashboard_shows_totals_at_a_glance_and_an_svg_chart(client, nam_dinh, officer):
    login(client, officer)
    response = client.get(PAGE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Điểm cầu đã xác nhận" in page and "Đại biểu đã xác nhận" in page
    stat_values = re.findall(r'<div class="value">([^<]+)</div>', page)
    assert str(nam_dinh.expected_confirmed) in stat_values and "3" in stat_values
    assert page.count("<svg") == 2 and "Huyện Hải Hậu" in page
    # CSP: no inline script or style (scripts only from files)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and 'style="' not in page
    assert "format=xlsx" in page


def test_chasing_list_shows_unconfirmed_district_with_tel_links(client, nam_dinh, officer):
    login(client, officer)
    page = client.get(PAGE).get_data(as_text=True)
    chasing = page.split('id="chasing"')[1].split("</section>")[0]
    assert "Huyện Vụ Bản" in chasing
    # No chair contact at Vụ Bản: the district point's technician is the number to call.
    assert 'href="tel:+84987654321"' in chasing
    assert "Thị trấn Gôi" in chasing and 'href="tel:+84911222333"' in chasing
    assert "Huyện Hải Hậu" in chasing and "Chưa đăng ký" in chasing
    # Confirmed with nothing in draft, but 2 of its 12 units: not done (issue #15).
    my_loc = chasing.split("Huyện Mỹ Lộc")[1].split("</li>")[0]
    assert "Đã xong 2/12 đơn vị" in my_loc and "1/11 xã" in my_loc


def test_chasing_list_prefers_the_chair_and_puts_unregistered_districts_first(nam_dinh):
    make_point(nam_dinh.conference, "359", chair=("Đỗ Thị Hoa", "+84903111222"))
    summary = service.rollup(nam_dinh.conference)
    chase = service.chasing_list(nam_dinh.conference, summary)
    vu_ban = next(i for i in chase if i.district.code == "359")
    assert [(p.role, p.e164) for p in vu_ban.phones] == [("chair", "+84903111222")]
    assert vu_ban.phones[0].display == "0903 111 222"
    assert vu_ban.units_missing == 19 - 2
    assert chase[0].district.units_registered == 0
    order = [i.district.code for i in chase]
    assert all(
        order.index(i.district.code) < order.index("359") for i in chase if i.district.units_registered == 0
    )


def test_chasing_list_is_empty_when_every_district_is_confirmed(two_level):
    set_status(point_for_unit(two_level, "91002"), "confirmed")
    # Xã Ba has no point yet: the province is still being chased.
    assert [i.district.code for i in service.chasing_list(two_level, service.rollup(two_level))] == ["91"]
    # Once Xã Ba is marked "không tham gia" (no connection) it counts as done, not missing.
    chairs.mark_absent(two_level, "91003", Principal(kind="officer"))
    db.session.flush()
    summary = service.rollup(two_level)
    assert summary.districts[0].units_absent == 1 and summary.districts[0].complete
    assert service.chasing_list(two_level, summary) == []


def test_dashboard_works_for_a_two_level_province(client, two_level, officer):
    login(client, officer)
    page = client.get("/conferences/haicap-2026/return").get_data(as_text=True)
    assert "Tỉnh Hai Cấp" in page and "3/4" in page


def test_anonymous_visitor_is_sent_to_login(client, nam_dinh):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/v1/conferences/namdinh-2022/return").status_code == 401


@pytest.mark.parametrize("role", ["chair", "technician"])
def test_chair_and_technician_are_refused_the_return(client, nam_dinh, role):
    point = point_for_unit(nam_dinh.conference, "359")
    issued = accounts.issue_grant(
        role,
        conference_id=nam_dinh.conference.id,
        unit_code="359" if role == "chair" else None,
        point_id=point.id if role == "technician" else None,
    )
    db.session.commit()
    api = "/api/v1/conferences/namdinh-2022/return"
    assert client.get(api, headers=bearer(issued.token)).status_code == 403
    assert client.get(f"{api}?format=xlsx", headers=bearer(issued.token)).status_code == 403
    assert client.post(f"{api}/snapshots", headers=bearer(issued.token)).status_code == 403
    with client.session_transaction() as browser_session:
        browser_session[SESSION_GRANT_KEY] = issued.grant.id
    for path in (PAGE, f"{PAGE}/print", f"{PAGE}/snapshots"):
        assert client.get(path).status_code == 403
    assert client.post(f"{PAGE}/snapshots").status_code == 403


def test_return_of_an_unknown_conference_is_404(client, nam_dinh, officer):
    login(client, officer)
    assert client.get("/conferences/khong-co/return").status_code == 404
