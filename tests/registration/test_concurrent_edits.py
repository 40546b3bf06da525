"""Two people editing the same point never lose each other's change."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bridgeops.accounts.access import Principal
from bridgeops.core.errors import PreconditionFailed
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.registration import service
from bridgeops.registration.models import BridgePoint
from bridgeops.registration.schemas import PointIn
from tests.conftest import bearer
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, point_body

POINTS = "/api/v1/conferences/namdinh-2022/points"


@pytest.fixture
def point_id(client, demo, officer_token) -> int:
    response = client.post(POINTS, json=point_body(MY_LOC), headers=bearer(officer_token))
    assert response.status_code == 201
    return response.get_json()["id"]


def test_second_patch_with_the_old_etag_gets_412_and_the_first_change_survives(
    client, point_id, officer_token
):
    etag = client.get(f"/api/v1/points/{point_id}", headers=bearer(officer_token)).headers["ETag"]
    first = client.patch(
        f"/api/v1/points/{point_id}",
        json={"venue": "Phòng A"},
        headers={**bearer(officer_token), "If-Match": etag},
    )
    assert first.status_code == 200 and first.headers["ETag"] != etag
    second = client.patch(
        f"/api/v1/points/{point_id}",
        json={"capacity": 90},
        headers={**bearer(officer_token), "If-Match": etag},
    )
    assert second.status_code == 412
    assert second.mimetype == "application/problem+json"
    assert "người khác" in second.get_json()["detail"]
    again = client.patch(
        f"/api/v1/points/{point_id}",
        json={"capacity": 90},
        headers={**bearer(officer_token), "If-Match": first.headers["ETag"]},
    )
    assert again.status_code == 200
    body = again.get_json()
    assert body["venue"] == "Phòng A" and body["capacity"] == 90 and body["version"] == 3


def test_patch_without_if_match_is_refused_with_428(client, point_id, officer_token):
    response = client.patch(f"/api/v1/points/{point_id}", json={"venue": "X"}, headers=bearer(officer_token))
    assert response.status_code == 428
    assert "If-Match" in response.get_json()["detail"]


def test_a_writer_committing_between_read_and_write_is_caught(app, point_id, officer):
    point = db.session.get(BridgePoint, point_id)
    seen = point.version
    with Session(db.engine) as other:
        theirs = other.get(BridgePoint, point_id)
        theirs.venue, theirs.updated_at = "Phòng của người khác", utcnow()
        other.commit()
    with pytest.raises(PreconditionFailed):
        service.update_point(
            point, PointIn(venue="Phòng của tôi"), Principal(kind="officer", user=officer), seen
        )
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(BridgePoint, point_id).venue == "Phòng của người khác"


def test_form_with_a_stale_version_says_so_and_keeps_what_she_typed(
    app, client, point_id, demo, officer_token
):
    chair = app.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    form_page = chair.get(f"/points/{point_id}").get_data(as_text=True)
    assert 'name="version" value="1"' in form_page
    # Meanwhile the officer changes the venue through the API.
    client.patch(
        f"/api/v1/points/{point_id}",
        json={"venue": "Phòng do cán bộ sửa"},
        headers={**bearer(officer_token), "If-Match": '"1"'},
    )
    typed = {
        "version": "1",
        "venue": "Phòng chị chủ tịch gõ",
        "capacity": "70",
        "count_bch": "20",
        "technician_rows": "2",
        "technician_0_name": "Kỹ thuật",
        "technician_0_phone": "0912345678",
        "technician_0_email": "",
    }
    response = chair.post(f"/points/{point_id}", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "vừa được người khác thay đổi" in page
    assert 'value="Phòng chị chủ tịch gõ"' in page  # nothing she typed is lost
    assert "Phòng do cán bộ sửa" in page  # and she sees the current value
    assert 'name="version" value="2"' in page
    db.session.expire_all()
    assert db.session.get(BridgePoint, point_id).venue == "Phòng do cán bộ sửa"
    # Saving again, knowingly, applies her values over the current version.
    typed["version"] = "2"
    assert chair.post(f"/points/{point_id}", data=typed).status_code == 302
    db.session.expire_all()
    point = db.session.get(BridgePoint, point_id)
    assert point.venue == "Phòng chị chủ tịch gõ" and point.total_delegates == 20
