"""One schema for the form and the API: Vietnamese messages per field, never a 500."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgeops.extensions import db
from tests.conftest import bearer
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, point_body

POINTS = "/api/v1/conferences/namdinh-2022/points"


def _create(client, token, body):
    return client.post(POINTS, json=body, headers=bearer(token))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"counts": {"bch": -1}}, "counts.bch", "lớn hơn hoặc bằng 0"),
        ({"counts": {"bch": "mười"}}, "counts.bch", "số nguyên"),
        ({"counts": {"bch": 2.5}}, "counts.bch", "số nguyên"),
        ({"counts": {"bch": True}}, "counts.bch", "số nguyên"),
        ({"counts": {"bch": 10**30}}, "counts.bch", "nhỏ hơn hoặc bằng 100000"),
        ({"counts": {"bch_tinh": 3}}, "counts", "không áp dụng cho điểm cầu cấp huyện"),
        ({"counts": {"khong_co": 3}}, "counts", "không áp dụng"),
        ({"counts": [1, 2]}, "counts", "đối tượng"),
        (
            {"capacity": 10, "counts": {"bch": 8, "chuyen_trach": 5}},
            "counts",
            "vượt quá sức chứa phòng họp (10 chỗ)",
        ),
        ({"capacity": "nhiều"}, "capacity", "số nguyên"),
        ({"capacity": 0}, "capacity", "lớn hơn hoặc bằng 1"),
        (
            {"technicians": [{"name": "A", "phone": "12345"}]},
            "technicians.0.phone",
            "Số điện thoại không hợp lệ",
        ),
        (
            {"technicians": [{"name": "A", "email": "khong-phai-email"}]},
            "technicians.0.email",
            "Email không hợp lệ",
        ),
        (
            {"technicians": [{"name": "   ", "phone": "0912345678"}]},
            "technicians.0.name",
            "Không được để trống",
        ),
        ({"technicians": [{"name": "A"}]}, "technicians.0", "điện thoại hoặc email"),
        ({"technicians": "Nguyễn Văn A"}, "technicians", "danh sách"),
        ({"probe": {"target": "ftp://10.0.0.1"}}, "probe.target", "http(s)://"),
        ({"probe": {"target": "tcp://10.0.0.1"}}, "probe.target", "cần có cổng"),
        ({"probe": {"target": "tcp://10.0.0.1:99999"}}, "probe.target", "http(s)://"),
        ({"probe": {"target": "javascript:alert(1)"}}, "probe.target", "http(s)://"),
        ({"unit": "99999"}, "unit", "Không có đơn vị này"),
        ({"unit": "abc"}, "unit", "định dạng"),
        ({"colour": "đỏ"}, "colour", "không được hỗ trợ"),
    ],
)
def test_bad_input_gets_a_vietnamese_message_on_its_field(
    client, demo, officer_token, changes, field, message
):
    response = _create(client, officer_token, {**point_body(MY_LOC), **changes})
    assert response.status_code == 422, response.get_data(as_text=True)
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["status"] == 422 and problem["title"] == "Dữ liệu không hợp lệ"
    assert message in problem["errors"][field], problem["errors"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'"chu"', "application/json"),
        (b"null", "application/json"),
        ('{"venue": "' + "x" * 5000 + '"}', "application/json"),
        (b'{"capacity": 1e400}', "application/json"),
        (b'{"capacity": ' + b"9" * 5000 + b"}", "application/json"),
    ],
)
def test_junk_bodies_are_422_never_500(client, demo, officer_token, data, content_type):
    response = client.post(POINTS, data=data, content_type=content_type, headers=bearer(officer_token))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["errors"]


def test_a_body_that_is_not_json_is_a_415_never_ignored(client, demo, officer_token):
    response = client.post(
        POINTS,
        data=b"venue=x",
        content_type="application/x-www-form-urlencoded",
        headers=bearer(officer_token),
    )
    assert response.status_code == 415 and response.mimetype == "application/problem+json"


def test_phones_emails_and_names_are_normalised(client, demo, officer_token):
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Thị Hoa ")
    body = point_body(
        MY_LOC,
        name=unicodedata.normalize("NFD", " Điểm cầu  Mỹ Lộc "),
        technicians=[
            {"name": decomposed, "phone": "0912.345.678", "email": "Hoa@Example.VN"},
            {"name": "B", "phone": "+84 228 3849 123"},
        ],
    )
    point = _create(client, officer_token, body).get_json()
    assert point["name"] == unicodedata.normalize("NFC", "Điểm cầu Mỹ Lộc")
    first, second = point["technicians"]
    assert first == {
        "name": unicodedata.normalize("NFC", "Nguyễn Thị Hoa"),
        "phone": "+84912345678",
        "email": "Hoa@example.vn",
    }
    assert second["phone"] == "+842283849123" and second["email"] == ""


def test_patch_is_checked_against_the_whole_point(client, demo, officer_token):
    created = _create(client, officer_token, point_body(MY_LOC, capacity=20)).get_json()
    response = client.patch(
        f"/api/v1/points/{created['id']}",
        json={"counts": {"bch": 25}},
        headers={**bearer(officer_token), "If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert "vượt quá sức chứa" in response.get_json()["errors"]["counts"]
    moved = client.patch(
        f"/api/v1/points/{created['id']}",
        json={"unit": "359"},
        headers={**bearer(officer_token), "If-Match": '"1"'},
    )
    assert moved.status_code == 422 and "Không thể đổi đơn vị" in moved.get_json()["errors"]["unit"]


def test_second_point_on_a_unit_is_409(client, demo, officer_token):
    assert _create(client, officer_token, point_body(MY_LOC)).status_code == 201
    again = _create(client, officer_token, point_body(MY_LOC))
    assert again.status_code == 409 and "đã có điểm cầu" in again.get_json()["detail"]


def test_form_shows_the_message_next_to_the_field_and_keeps_the_input(app, demo):
    chair = app.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    response = chair.post(
        f"/conferences/namdinh-2022/points/new?unit={MY_LOC}",
        data={
            "venue": "Hội trường",
            "capacity": "10",
            "count_bch": "8",
            "count_chuyen_trach": "5",
            "technician_rows": "2",
            "technician_0_name": "",
            "technician_0_phone": "",
            "technician_0_email": "",
            "technician_1_name": "Lan",
            "technician_1_phone": "999",
            "technician_1_email": "",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-technicians-1-phone">Số điện thoại không hợp lệ' in page
    assert 'id="error-counts">Tổng số đại biểu (13) vượt quá sức chứa' in page
    assert 'value="Hội trường"' in page and 'name="technician_1_phone" type="tel" value="999"' in page


def test_form_adds_technician_rows_without_javascript(app, demo):
    chair = app.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    page = chair.post(
        f"/conferences/namdinh-2022/points/new?unit={MY_LOC}",
        data={"technician_rows": "2", "technician_0_name": "Lan", "add_technician": "1"},
    ).get_data(as_text=True)
    assert 'name="technician_2_name"' in page and 'value="Lan"' in page


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
point_like = st.fixed_dictionaries(
    {},
    optional={
        "unit": json_values,
        "name": json_values,
        "venue": json_values,
        "capacity": json_values,
        "technicians": json_values,
        "probe": json_values,
        "counts": json_values,
        "upstream": json_values,
    },
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=point_like | json_values)
def test_random_json_never_causes_a_server_error(client, demo, officer_token, body):
    response = client.post(POINTS, json=body, headers=bearer(officer_token))
    assert response.status_code in (201, 403, 409, 422), response.get_data(as_text=True)
    db.session.rollback()
    point = client.patch("/api/v1/points/1", json=body, headers={**bearer(officer_token), "If-Match": "*"})
    assert point.status_code in (200, 409, 422), point.get_data(as_text=True)
