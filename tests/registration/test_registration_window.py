"""After registration_closes_at chairs read but do not change; officers change, marked late."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bridgeops.audit.models import AuditEvent
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from tests.conftest import bearer
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, commune_of, point_body

POINTS = "/api/v1/conferences/namdinh-2022/points"


@pytest.fixture
def closed(client, demo, officer_token):
    """A district point registered in time, then the window closes."""
    point = client.post(POINTS, json=point_body(MY_LOC), headers=bearer(officer_token)).get_json()
    demo.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return point


def test_chair_reads_but_cannot_change_confirm_create_or_withdraw_after_the_deadline(client, demo, closed):
    chair = bearer(chair_token(demo, MY_LOC))
    path = f"/api/v1/points/{closed['id']}"
    assert client.get(path, headers=chair).status_code == 200
    attempts = [
        client.patch(path, json={"venue": "Muộn"}, headers={**chair, "If-Match": '"1"'}),
        client.post(f"{path}/confirm", headers=chair),
        client.delete(path, headers=chair),
        client.post(POINTS, json=point_body(commune_of(MY_LOC)), headers=chair),
    ]
    for response in attempts:
        assert response.status_code == 409, response.get_data(as_text=True)
        assert "hết hạn đăng ký" in response.get_json()["detail"]
    assert client.get(path, headers=chair).get_json()["status"] == "draft"


def test_chair_form_is_read_only_after_the_deadline(app, demo, closed):
    chair = app.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    page = chair.get(f"/points/{closed['id']}").get_data(as_text=True)
    assert "Đã hết hạn đăng ký" in page
    assert ">Lưu</button>" not in page and "disabled" in page
    response = chair.post(f"/points/{closed['id']}/confirm", follow_redirects=True)
    assert "hết hạn đăng ký" in response.get_data(as_text=True)


def test_officer_may_still_change_and_the_change_is_marked_late(client, closed, officer_token):
    path = f"/api/v1/points/{closed['id']}"
    response = client.patch(
        path, json={"venue": "Đổi sau hạn"}, headers={**bearer(officer_token), "If-Match": '"1"'}
    )
    assert response.status_code == 200
    assert client.post(f"{path}/confirm", headers=bearer(officer_token)).status_code == 200
    late = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_id == closed["id"], AuditEvent.late.is_(True))
    ).all()
    assert sorted(late) == ["confirm", "update"]
