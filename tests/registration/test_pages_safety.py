"""Names are shown as text everywhere; every form needs its CSRF token."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, point_body

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_script_name_is_shown_as_text_on_every_page(app, client, demo, officer, officer_token):
    body = point_body(
        MY_LOC, name=SCRIPT, venue=SCRIPT, technicians=[{"name": SCRIPT, "phone": "0912345678"}]
    )
    point = client.post(
        "/api/v1/conferences/namdinh-2022/points", json=body, headers=bearer(officer_token)
    ).get_json()
    assert point["name"] == SCRIPT  # stored as typed, escaped when shown
    client.patch(
        f"/api/v1/points/{point['id']}",
        json={"venue": SCRIPT + "!"},
        headers={**bearer(officer_token), "If-Match": '"1"'},
    )

    # Officer first: the tests' shared app context would carry a login over to later requests.
    officer_client = app.test_client()
    officer_client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    pages = [
        officer_client.get("/conferences/namdinh-2022/points?q=my"),
        officer_client.get(f"/points/{point['id']}/history"),
    ]
    chair = app.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    pages += [
        chair.get("/conferences/namdinh-2022/registration"),
        chair.get("/conferences/namdinh-2022/points"),
        chair.get(f"/points/{point['id']}"),
    ]
    for page in pages:
        text = page.get_data(as_text=True)
        assert page.status_code == 200, (page.request.path, page.headers.get("Location"))
        assert SCRIPT not in text
    assert all(ESCAPED in p.get_data(as_text=True) for p in pages if p is not pages[2])


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_point_form_without_its_csrf_token_is_refused(app, demo, csrf_on):
    chair = app.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    form = chair.get(f"/conferences/namdinh-2022/points/new?unit={MY_LOC}").get_data(as_text=True)
    assert 'name="csrf_token"' in form
    response = chair.post(
        f"/conferences/namdinh-2022/points/new?unit={MY_LOC}",
        data={"venue": "Hội trường", "technician_rows": "2"},
    )
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)


def test_pages_need_no_javascript_and_load_only_local_scripts(app, demo):
    chair = app.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    picker = chair.get("/conferences/namdinh-2022/points/new").get_data(as_text=True)
    assert '<form method="get"' in picker and 'name="q"' in picker
    assert '<script src="/static/js/unit-picker.js"' in picker
    assert "<script>" not in picker and "onclick" not in picker
