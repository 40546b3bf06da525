"""A conference hosted by one district: its chair sees only her district, the return rolls up to
the district, and the board follows the host."""

from __future__ import annotations

from tests.conference.conftest import conference_body
from tests.conftest import bearer

MY_LOC = "358"


def _point(unit: str, email: str) -> dict:
    return {
        "unit": unit,
        "venue": "Nhà văn hóa",
        "counts": {"hoi_vien": 5},
        "technicians": [{"name": "Lê Thị Mai", "phone": "0912 345 678", "email": email}],
    }


def test_a_district_hosted_conference_stays_in_its_district(client, runner, demo, officer, officer_token):
    body = conference_body("myloc-2027", host_unit_code=MY_LOC, host_name="Hội LHPN huyện Mỹ Lộc")
    assert client.post("/api/v1/conferences", json=body, headers=bearer(officer_token)).status_code == 201

    links = runner.invoke(args=["links", "issue", "--conference", "myloc-2027"])
    assert links.exit_code == 0, links.output
    lines = links.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{MY_LOC}\tHuyện Mỹ Lộc\t")
    chair = bearer(lines[0].rsplit("/", 1)[1])

    for unit, email in ((MY_LOC, "ktv.myloc@example.vn"), ("13708", "ktv.thitran@example.vn")):
        response = client.post(
            "/api/v1/conferences/myloc-2027/points", headers=chair, json=_point(unit, email)
        )
        assert response.status_code == 201, response.get_json()
    elsewhere = client.post(
        "/api/v1/conferences/myloc-2027/points", headers=chair, json=_point("13633", "x@example.vn")
    )
    assert elsewhere.status_code in (403, 422)
    officer_elsewhere = client.post(
        "/api/v1/conferences/myloc-2027/points",
        headers=bearer(officer_token),
        json=_point("13633", "y@ex.vn"),
    )
    assert officer_elsewhere.status_code == 422
    assert "phạm vi hội nghị" in officer_elsewhere.get_json()["errors"]["unit"]

    listed = client.get("/api/v1/conferences/myloc-2027/points", headers=chair).get_json()
    assert sorted(p["unit"]["code"] for p in listed["items"]) == ["13708", MY_LOC]

    rollup = client.get("/api/v1/conferences/myloc-2027/return", headers=bearer(officer_token)).get_json()
    assert [d["code"] for d in rollup["districts"]] == [MY_LOC]
    assert rollup["districts"][0]["registered"]["delegates"] == 10
    assert rollup["totals"]["registered"]["points"] == 2

    status = client.get("/api/v1/conferences/myloc-2027/status", headers=chair)
    assert status.status_code == 200 and status.get_json()["total"] == 2
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    board = client.get("/conferences/myloc-2027/board")
    assert board.status_code == 200 and "Huyện Mỹ Lộc" in board.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "1/1 đơn vị đã đăng ký" in home


def test_the_chair_sees_the_contact_officers_phone(client, runner, demo, officer_token):
    body = conference_body("myloc-2027", host_unit_code=MY_LOC)
    assert client.post("/api/v1/conferences", json=body, headers=bearer(officer_token)).status_code == 201
    links = runner.invoke(args=["links", "issue", "--conference", "myloc-2027"])
    client.get("/c/" + links.output.strip().rsplit("/", 1)[1])
    page = client.get("/conferences/myloc-2027/registration").get_data(as_text=True)
    assert "Ban Tổ chức Hội LHPN tỉnh" in page
    assert 'href="tel:+842283849123"' in page and "0228 3849 123" in page
