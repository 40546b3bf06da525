"""The live board page, its refreshing fragment, and the status API's paging and scope."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa

from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.health import service
from bridgeops.health.models import PointHealth
from bridgeops.units.models import AdminUnit
from tests.conftest import bearer
from tests.factories import chair_token, make_point
from tests.health.conftest import DISTRICT, OTHER_DISTRICT, PROVINCE, communes_of, technician_token


def set_states(states: dict) -> None:
    """Put points into states directly (the sweep's rules are tested elsewhere)."""
    now = utcnow()
    service.ensure_state_rows(next(iter(states)).conference_id, now)
    for point, state in states.items():
        db.session.execute(
            sa.update(PointHealth)
            .where(PointHealth.point_id == point.id)
            .values(state=state, since=now - timedelta(minutes=12), reason="Cổng từ chối kết nối")
        )
    db.session.commit()


def build_tree(demo):
    province = make_point(demo, PROVINCE)
    district = make_point(demo, DISTRICT, technicians=(("Trần Thị Kỹ", "+84912000111", ""),))
    communes = [make_point(demo, code) for code in communes_of(DISTRICT, 4)]
    other = make_point(demo, OTHER_DISTRICT)
    other_communes = [make_point(demo, code) for code in communes_of(OTHER_DISTRICT, 2)]
    db.session.commit()
    set_states(
        {
            province: "up",
            district: "down",
            communes[0]: "unreachable",
            communes[1]: "unreachable",
            communes[2]: "up",
            communes[3]: "pending",
            other: "up",
            other_communes[0]: "up",
        }
    )
    return province, district, communes, other, other_communes


def login(client, officer):
    response = client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    assert response.status_code == 302


def test_officer_sees_counts_per_level_problems_first_and_the_tree(client, demo, officer):
    _, district, communes, _, _ = build_tree(demo)
    login(client, officer)
    page = client.get(f"/conferences/{demo.slug}/board").get_data(as_text=True)
    assert "4 / 9" in page  # province, one commune, the other district and one of its communes
    assert "Cấp tỉnh: <strong>1/1</strong>" in page
    assert "Cấp huyện: <strong>1/2</strong>" in page
    assert "Cấp xã: <strong>2/6</strong>" in page
    rows = re.findall(r'<tr class="state-(\w+)" data-point-id="(\d+)"', page)
    assert rows[0] == ("down", str(district.id))
    assert [state for state, _ in rows] == ["down", "unreachable", "unreachable", "pending"]
    assert "12 phút" in page and 'href="tel:+84912000111"' in page
    # A commune says its district (its province is the conference's own).
    row = re.search(rf'data-point-id="{communes[0].id}".*?</tr>', page, re.S).group(0)
    assert '<span class="area">, Huyện Mỹ Lộc</span>' in row and "Tỉnh" not in row
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count("<circle") == 9
    assert svg.count('data-state="unreachable"') == 2
    assert "Huyện Mỹ Lộc" in svg and "Huyện Vụ Bản" in svg


def test_board_refreshes_through_a_script_file_and_a_fragment(client, demo, officer):
    build_tree(demo)
    login(client, officer)
    page = client.get(f"/conferences/{demo.slug}/board").get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []  # CSP: no inline script
    assert "/static/js/board.js" in page
    source = re.search(r'data-src="([^"]+)"', page).group(1)
    fragment = client.get(source)
    assert fragment.status_code == 200
    assert fragment.headers["Cache-Control"] == "no-store"
    assert "<svg" in fragment.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    script = client.get("/static/js/board.js")
    assert script.status_code == 200 and b"setInterval" in script.data
    script.close()


def test_board_says_which_window_is_next_when_idle(client, demo, officer):
    rehearsal = next(s for s in demo.sessions if s.kind == "rehearsal")
    rehearsal.starts_at = utcnow() + timedelta(days=1)
    rehearsal.ends_at = rehearsal.starts_at + timedelta(hours=3)
    db.session.commit()
    login(client, officer)
    page = client.get(f"/conferences/{demo.slug}/board").get_data(as_text=True)
    assert "Chưa đến giờ theo dõi" in page and "Tổng duyệt kết nối" in page


def test_chair_sees_her_district_only_and_others_are_kept_out(client, demo):
    _, _, _, other, other_communes = build_tree(demo)
    chair = chair_token(demo, OTHER_DISTRICT)
    point = make_point(demo, DISTRICT)
    technician = technician_token(point)
    db.session.commit()
    page = client.get(f"/conferences/{demo.slug}/board", headers=bearer(chair))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "2 / 3" in text and "Mỹ Lộc" not in text
    assert "phạm vi: Huyện Vụ Bản" in text
    status = client.get(f"/api/v1/conferences/{demo.slug}/status", headers=bearer(chair))
    assert {p["id"] for p in status.get_json()["points"]} == {other.id, *[c.id for c in other_communes]}
    assert client.get(f"/conferences/{demo.slug}/board", headers=bearer(technician)).status_code == 403
    assert (
        client.get(f"/api/v1/conferences/{demo.slug}/status", headers=bearer(technician)).status_code == 403
    )
    anonymous = client.get(f"/conferences/{demo.slug}/board")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_status_api_pages_and_filters_points(client, demo, officer_token):
    build_tree(demo)
    url = f"/api/v1/conferences/{demo.slug}/status"
    first = client.get(url + "?per_page=3", headers=bearer(officer_token)).get_json()
    assert first["summary"] == {"up": 4, "down": 1, "pending": 1, "unknown": 1, "unreachable": 2, "total": 9}
    assert first["total"] == 9 and len(first["points"]) == 3
    assert set(first["points"][0]) >= {"id", "unit", "state", "since", "last_seen_at"}
    assert datetime.fromisoformat(first["points"][0]["since"]).tzinfo is not None
    last = client.get(url + "?per_page=3&page=3", headers=bearer(officer_token)).get_json()
    assert [p["state"] for p in last["points"]] == ["up"] * 3
    beyond = client.get(url + "?per_page=3&page=4", headers=bearer(officer_token)).get_json()
    assert beyond["points"] == [] and beyond["total"] == 9
    only = client.get(url + "?state=unreachable", headers=bearer(officer_token)).get_json()
    assert only["total"] == 2 and {p["state"] for p in only["points"]} == {"unreachable"}
    bad = client.get(url + "?per_page=5000", headers=bearer(officer_token))
    assert bad.status_code == 422 and "per_page" in bad.get_json()["errors"]
    missing = client.get("/api/v1/conferences/khong-co/status", headers=bearer(officer_token))
    assert missing.status_code == 404


def test_status_api_is_documented(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/conferences/{slug}/status" in doc["paths"]
    assert "/api/v1/heartbeat" in doc["paths"]


def test_the_refreshing_fragment_answers_401_instead_of_a_login_page(client, demo):
    response = client.get(f"/conferences/{demo.slug}/board/live")
    assert response.status_code == 401


def national_conference(demo):
    """A TW conference (no host unit) with points in Nam Định and Hà Nam."""
    from bridgeops.conference.models import Conference, ConferenceSession
    from bridgeops.units import service as units

    units.import_units(units.gso_rows(["35"]))
    conference = Conference(
        slug="tw-2022",
        title="Hội nghị toàn quốc",
        organizer="TW Hội",
        host_name="Trung ương Hội",
        host_unit_code=None,
        timezone="Asia/Ho_Chi_Minh",
    )
    db.session.add(conference)
    db.session.flush()
    db.session.add(
        ConferenceSession(
            conference=conference,
            kind="rehearsal",
            title="Tổng duyệt",
            starts_at=utcnow() - timedelta(minutes=5),
            ends_at=utcnow() + timedelta(hours=2),
        )
    )
    ha_nam_district = db.session.scalar(
        sa.select(AdminUnit.code).where(AdminUnit.parent_code == "35").order_by(AdminUnit.code).limit(1)
    )
    points = {
        "36": make_point(conference, PROVINCE),
        DISTRICT: make_point(conference, DISTRICT),
        "35": make_point(conference, "35"),
        ha_nam_district: make_point(conference, ha_nam_district),
    }
    db.session.commit()
    set_states(
        {points["36"]: "up", points[DISTRICT]: "down", points["35"]: "up", points[ha_nam_district]: "up"}
    )
    return conference


def test_a_national_board_lists_provinces_not_districts(client, demo, officer):
    conference = national_conference(demo)
    login(client, officer)
    page = client.get(f"/conferences/{conference.slug}/board").get_data(as_text=True)
    assert "<h2>Theo tỉnh</h2>" in page and "Theo huyện" not in page
    areas = re.findall(r'<tr data-district="(\w+)">(.*?)</tr>', page, re.S)
    assert [code for code, _ in areas] == ["36", "35"]  # Nam Định has a point down
    nam_dinh = dict(areas)["36"]
    assert "Nam Định" in nam_dinh and ">1/2<" in nam_dinh  # its province point up, Mỹ Lộc down
    assert ">2/2<" in dict(areas)["35"]
    # Nationally a problem says which province it is in.
    assert '<strong>Huyện Mỹ Lộc</strong></a><span class="area">, Tỉnh Nam Định</span>' in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count("<circle") == 4  # one node per province, its district as a dot
    assert "Nam Định" in svg and "Hà Nam" in svg


def test_past_the_row_limit_the_board_sums_up_the_calm_areas(client, demo, officer, monkeypatch):
    from bridgeops.health import board

    conference = national_conference(demo)
    monkeypatch.setattr(board, "MAX_AREA_ROWS", 1)
    login(client, officer)
    page = client.get(f"/conferences/{conference.slug}/board").get_data(as_text=True)
    assert re.findall(r'<tr data-district="(\w+)">', page) == ["36"]  # the one with a problem
    assert "và 1 tỉnh khác, ít sự cố hơn (2/2 điểm trực tuyến)." in page


def test_a_board_with_hundreds_of_areas_lists_the_troubled_ones_and_sums_up_the_rest():
    from bridgeops.health.board import MAX_AREA_ROWS, Board, DistrictRow, Tally, areas_to_show

    def area(n: int, down: int) -> DistrictRow:
        tally = Tally()
        tally.add("up", 10 - down)
        tally.add("down", down)
        return DistrictRow(f"{n:03d}", f"Huyện {n:03d}", tally)

    rows = [area(n, down=1 if n % 7 == 0 else 0) for n in range(300)]
    data = Board(
        conference=None,
        window=None,
        summary=Tally(),
        by_level=[],
        districts=rows,
        problems=[],
        problems_total=0,
        last_check_at=None,
        dots=None,
    )
    shown, hidden = areas_to_show(data)
    assert len(shown) == MAX_AREA_ROWS and len(hidden) == 300 - MAX_AREA_ROWS
    troubled = {r.code for r in rows if r.tally.counts["down"]}
    assert troubled <= {r.code for r in shown}  # all 43 with a point down are listed
    assert [r.code for r in shown[:43]] == sorted(troubled)  # troubled first, then by name
    assert [r.name for r in shown[43:]] == sorted(r.name for r in shown[43:])
    assert not any(r.tally.counts["down"] for r in hidden)
    few = Board(
        conference=None,
        window=None,
        summary=Tally(),
        by_level=[],
        districts=rows[:12],
        problems=[],
        problems_total=0,
        last_check_at=None,
        dots=None,
    )
    assert areas_to_show(few) == (sorted(rows[:12], key=lambda r: (-r.tally.problems, r.name)), [])


def test_every_problem_point_is_listed_a_page_at_a_time(client, demo, officer, monkeypatch):
    from bridgeops.health import views

    _, district, communes, _, _ = build_tree(demo)  # 1 down, 2 unreachable, 1 pending
    monkeypatch.setattr(views, "PROBLEMS_PER_PAGE", 2)
    login(client, officer)
    url = f"/conferences/{demo.slug}/board/problems"

    def listed(query: str = "") -> tuple[list[str], str]:
        page = client.get(url + query)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        return re.findall(r'<tr class="state-(\w+)" data-point-id="\d+"', text), text

    first, text = listed()
    assert first == ["down", "unreachable"] and "Trang 1/2 · 4 điểm" in text
    assert "Tất cả (4)" in text and "Mất kết nối (1)" in text and "Chập chờn (1)" in text
    assert listed("?page=2")[0] == ["unreachable", "pending"]
    assert listed("?page=99")[0] == ["unreachable", "pending"]  # past the end: the last page
    assert listed("?page=abc")[0] == first
    only_down, text = listed("?state=down")
    assert only_down == ["down"] and "Trang" not in text  # one page, no pager
    assert listed("?state=xyz")[0] == first  # an unknown state means all problems
    assert 'href="tel:+84912000111"' in listed("?state=down")[1]


def test_the_problem_list_keeps_to_the_viewers_scope(client, demo, officer):
    build_tree(demo)
    chair = chair_token(demo, OTHER_DISTRICT)  # its district and commune are up
    db.session.commit()
    url = f"/conferences/{demo.slug}/board/problems"
    assert client.get(url).status_code == 302  # to the login page
    text = client.get(url, headers=bearer(chair)).get_data(as_text=True)
    assert "Không có điểm cầu nào có sự cố." in text and "data-point-id" not in text
