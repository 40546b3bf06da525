"""A 2027 conference of Ninh Bình on today's two-level map, beside the 2022 one on the old map:
commune chairs register, the return and the board have no district level."""

from __future__ import annotations

import pytest

from bridgeops.conference.models import Conference
from bridgeops.extensions import db
from bridgeops.units import service as units
from tests.conftest import bearer
from tests.registration.helpers import point_body

SLUG = "ninhbinh-2027"


@pytest.fixture
def ninh_binh(runner) -> Conference:
    result = runner.invoke(args=["demo", "--map", "2025"])
    assert result.exit_code == 0, result.output
    assert SLUG in result.output and "chủ tịch xã, phường" in result.output
    return db.session.scalar(db.select(Conference).where(Conference.slug == SLUG))


def _chair_links(runner) -> dict[str, tuple[str, str]]:
    """unit key → (unit name, token), from `links issue`."""
    result = runner.invoke(args=["links", "issue", "--conference", SLUG])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.strip().splitlines()]
    return {code: (name, url.rsplit("/", 1)[-1]) for code, name, url in lines}


def test_both_demos_live_side_by_side_each_on_its_map(client, demo, ninh_binh, officer_token):
    old = client.get("/api/v1/conferences/namdinh-2022", headers=bearer(officer_token))
    new = client.get(f"/api/v1/conferences/{SLUG}", headers=bearer(officer_token))
    assert (old.get_json()["map"], old.get_json()["host_unit_code"]) == ("2023", "36")
    assert (new.get_json()["map"], new.get_json()["host_unit_code"]) == ("2025", "202537")
    assert {c["code"]: c["levels"] for c in new.get_json()["categories"]}["bch"] == ["commune"]
    assert units.get_unit("36").name == "Tỉnh Nam Định"
    assert [s["starts_at"][:10] for s in new.get_json()["sessions"]] == [
        "2027-04-20",
        "2027-04-21",
        "2027-04-22",
    ]


def test_links_issue_prints_one_line_per_commune(runner, ninh_binh):
    links = _chair_links(runner)
    assert len(links) == 129
    communes = {u.code for u in units.children("202537")}
    assert set(links) == communes
    assert links["202513366"][0] == "Phường Hà Nam"


def test_commune_chairs_register_and_the_return_and_board_have_no_district_level(
    client, runner, ninh_binh, officer, officer_token
):
    links = _chair_links(runner)
    ha_nam, ha_nam_token = links["202513366"]
    _, phu_ly_token = links["202513285"]
    # A chair gives her commune's GSO code (or its key); the conference's map says which unit.
    created = client.post(
        f"/api/v1/conferences/{SLUG}/points",
        headers=bearer(ha_nam_token),
        json=point_body("13366", counts={"bch": 11, "chi_hoi_truong": 20}),
    )
    assert created.status_code == 201, created.get_json()
    point = created.get_json()
    assert (point["unit"]["code"], point["unit"]["name"], point["level"]) == ("202513366", ha_nam, "commune")
    confirmed = client.post(
        f"/api/v1/points/{point['id']}/confirm",
        headers=bearer(ha_nam_token) | {"If-Match": created.headers["ETag"]},
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    other = client.post(
        f"/api/v1/conferences/{SLUG}/points",
        headers=bearer(phu_ly_token),
        json=point_body("202513285", counts={"bch": 7}),
    )
    assert other.status_code == 201, other.get_json()
    not_hers = client.post(
        f"/api/v1/conferences/{SLUG}/points", headers=bearer(phu_ly_token), json=point_body("13291")
    )
    assert not_hers.status_code == 403

    ret = client.get(f"/api/v1/conferences/{SLUG}/return", headers=bearer(officer_token))
    body = ret.get_json()
    assert ret.status_code == 200
    assert [level["level"] for level in body["levels"]] == ["province", "commune"]
    assert "district" not in {d["level"] for d in body["districts"]}
    assert body["totals"]["registered"]["counts"]["bch"] == 18
    assert body["totals"]["confirmed"]["counts"]["chi_hoi_truong"] == 20
    csv = client.get(f"/api/v1/conferences/{SLUG}/return?format=csv", headers=bearer(officer_token)).get_data(
        as_text=True
    )
    assert ha_nam in csv and "huyện" not in csv.lower()
    # People and TW read the GSO code of the unit's own map, not its key.
    assert ",37,Tỉnh Ninh Bình," in csv
    assert ",13366,Phường Hà Nam," in csv and "202513366" not in csv

    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    dashboard = client.get(f"/conferences/{SLUG}/return").get_data(as_text=True)
    assert "127 xã, phường chưa đăng ký" in dashboard and "Phường Phù Vân" in dashboard
    board = client.get(f"/conferences/{SLUG}/board")
    page = board.get_data(as_text=True)
    assert board.status_code == 200
    assert "Theo huyện cũ" in page and "Thành phố Phủ Lý (cũ)" in page
    assert "Cấp huyện" not in page
    status = client.get(f"/api/v1/conferences/{SLUG}/status", headers=bearer(officer_token))
    assert {p["unit"]["code"] for p in status.get_json()["points"]} >= {"202513366", "202513285"}


def test_commune_points_relay_through_the_province_point(client, runner, ninh_binh):
    from bridgeops.health.service import default_upstreams
    from bridgeops.registration.service import create_point_record, point_for_unit

    commune = create_point_record(ninh_binh, units.get_unit("13366", "2025"), venue="Hội trường")
    db.session.commit()
    province = point_for_unit(ninh_binh, "202537")
    assert default_upstreams(ninh_binh.id)[commune.id] == province.id


def test_a_national_board_on_the_2025_map_has_one_row_per_province(runner, officer):
    from bridgeops.accounts.access import Principal
    from bridgeops.core.time import utcnow
    from bridgeops.health.board import build_board
    from bridgeops.registration.service import create_point_record

    runner.invoke(args=["units", "import", "--map", "2025"])
    runner.invoke(args=["units", "import", "--province", "36"])  # the old map stays beside it
    national = Conference(slug="toanquoc-2027", title="Hội nghị toàn quốc", unit_map="2025")
    db.session.add(national)
    db.session.flush()
    provinces = units.children(None, "2025")
    assert len(provinces) == 34
    for province in provinces:
        create_point_record(national, province)
        create_point_record(national, units.children(province.code, "2025")[0])
    db.session.commit()

    board = build_board(Principal(kind="officer", user=officer), national, utcnow())
    assert board.area_level == "province"
    assert len(board.districts) == 34
    assert {row.name for row in board.districts} == {p.name for p in provinces}
    assert "Tỉnh Nam Định" not in {row.name for row in board.districts}
    assert board.summary.total == 68


def test_a_commune_chair_opens_her_link_and_registers_her_commune_on_the_form(client, runner, ninh_binh):
    name, token = _chair_links(runner)["202513285"]
    opened = client.get(f"/c/{token}", follow_redirects=True)
    assert opened.status_code == 200 and name in opened.get_data(as_text=True)
    form = client.get(f"/conferences/{SLUG}/points/new?unit=202513285")
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and name in page
    assert "Ủy viên BCH Hội LHPN xã, phường, đặc khu" in page  # the commune's categories
    assert "Ủy viên BCH Hội LHPN tỉnh" not in page
