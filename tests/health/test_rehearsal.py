"""Rehearsal sign-off: the technician through her link, the officer, and the matrix."""

from __future__ import annotations

import re

import sqlalchemy as sa

from bridgeops.audit.models import AuditEvent
from bridgeops.extensions import db
from bridgeops.health.models import RehearsalSignoff
from tests.conftest import bearer
from tests.factories import make_point
from tests.health.conftest import DISTRICT, OTHER_DISTRICT, PROVINCE, technician_token

ALL_OK = {"audio": "ok", "video": "ok", "presentation": "ok", "note": ""}


def test_technician_signs_off_through_her_link(client, demo):
    point = make_point(demo, DISTRICT)
    token = technician_token(point)
    db.session.commit()
    page = client.get(f"/t/{token}/rehearsal")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and point.name in text
    assert f"--token={token}" in text and "/downloads/heartbeat.py" in text
    saved = client.post(f"/t/{token}/rehearsal", data=ALL_OK)
    assert saved.status_code == 302
    assert "Đã lưu" in client.get(saved.headers["Location"]).get_data(as_text=True)
    signoff = db.session.get(RehearsalSignoff, point.id)
    assert signoff.passed and signoff.signed_by == f"technician:{point.id}"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "rehearsal_signoff"))


def test_a_problem_needs_a_note_shown_next_to_the_field(client, demo):
    point = make_point(demo, DISTRICT)
    token = technician_token(point)
    db.session.commit()
    refused = client.post(f"/t/{token}/rehearsal", data={**ALL_OK, "video": "problem"})
    assert refused.status_code == 422
    assert "Ghi rõ vấn đề" in refused.get_data(as_text=True)
    assert db.session.get(RehearsalSignoff, point.id) is None
    client.post(
        f"/t/{token}/rehearsal", data={**ALL_OK, "video": "problem", "note": "Hình bị giật khi trình chiếu"}
    )
    signoff = db.session.get(RehearsalSignoff, point.id)
    assert not signoff.passed and not signoff.video_ok and signoff.audio_ok


def test_unknown_technician_link_is_not_found(client, demo):
    assert client.get("/t/khong-hop-le/rehearsal").status_code == 404


def test_officer_sees_who_passed_and_signs_for_a_point(client, demo, officer, officer_token):
    passed = make_point(demo, PROVINCE)
    failed = make_point(demo, DISTRICT)
    missing = make_point(demo, OTHER_DISTRICT)
    db.session.commit()
    ok = client.put(f"/api/v1/points/{passed.id}/rehearsal", json=ALL_OK, headers=bearer(officer_token))
    assert ok.status_code == 200 and ok.get_json()["passed"] is True
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    form = client.post(
        f"/conferences/{demo.slug}/rehearsal/{failed.id}",
        data={**ALL_OK, "audio": "problem", "note": "Mất tiếng micro"},
    )
    assert form.status_code == 302
    matrix = client.get(f"/conferences/{demo.slug}/rehearsal").get_data(as_text=True)
    results = {
        int(pid): result for pid, result in re.findall(r'data-point-id="(\d+)" data-result="(\w+)"', matrix)
    }
    assert results == {passed.id: "passed", failed.id: "problem", missing.id: "missing"}
    assert "Mất tiếng micro" in matrix


def test_technician_signs_only_her_own_point_through_the_api(client, demo):
    own = make_point(demo, DISTRICT)
    other = make_point(demo, OTHER_DISTRICT)
    token = technician_token(own)
    db.session.commit()
    assert (
        client.put(f"/api/v1/points/{own.id}/rehearsal", json=ALL_OK, headers=bearer(token)).status_code
        == 200
    )
    assert (
        client.put(f"/api/v1/points/{other.id}/rehearsal", json=ALL_OK, headers=bearer(token)).status_code
        == 404
    )
    invalid = client.put(
        f"/api/v1/points/{own.id}/rehearsal", json={**ALL_OK, "audio": "problem"}, headers=bearer(token)
    )
    assert invalid.status_code == 422 and "note" in invalid.get_json()["errors"]


def test_the_heartbeat_client_can_be_downloaded(client):
    response = client.get("/downloads/heartbeat.py")
    assert response.status_code == 200
    assert b"urllib.request" in response.data
    response.close()
