"""A NUL character anywhere in a request is a clear 422, never a database error (PostgreSQL
cannot store it; schemathesis found it in a rehearsal note)."""

from __future__ import annotations

from tests.conftest import bearer
from tests.registration.helpers import MY_LOC, point_body


def test_a_nul_in_a_json_body_is_a_422_naming_the_field(client, demo, officer_token):
    url = "/api/v1/conferences/namdinh-2022/points"
    before = client.get(url, headers=bearer(officer_token)).get_json()["total"]
    body = point_body(MY_LOC)
    body["venue"] = "Hội trường\x00"
    body["technicians"][0]["name"] = "Kỹ\x00"
    response = client.post(
        "/api/v1/conferences/namdinh-2022/points", json=body, headers=bearer(officer_token)
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert set(errors) == {"venue", "technicians.0.name"}
    assert errors["venue"] == "Không được chứa ký tự NUL (\\0)."
    assert client.get(url, headers=bearer(officer_token)).get_json()["total"] == before


def test_a_nul_in_a_query_is_a_422(client, demo, officer_token):
    response = client.get("/api/v1/conferences/namdinh-2022/points?q=M%00", headers=bearer(officer_token))
    assert response.status_code == 422 and "q" in response.get_json()["errors"]


def test_a_nul_in_a_form_gets_a_vietnamese_page_not_a_server_error(client, officer):
    response = client.post("/login", data={"email": officer.email + "\x00", "password": "mat-khau-123"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dữ liệu không hợp lệ" in page and "chứa ký tự NUL" in page and "<html" in page
