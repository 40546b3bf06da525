"""Every change is audited and announced; roll-up columns and upstream links stay right."""

from __future__ import annotations

import sqlalchemy as sa

from bridgeops.audit.models import AuditEvent
from bridgeops.events import point_changed
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from tests.conftest import bearer
from tests.registration.helpers import MY_LOC, commune_of, point_body

POINTS = "/api/v1/conferences/namdinh-2022/points"


def test_create_change_confirm_withdraw_and_link_are_audited_with_before_and_after(
    client, demo, officer, officer_token
):
    headers = bearer(officer_token)
    point = client.post(POINTS, json=point_body(MY_LOC), headers=headers).get_json()
    path = f"/api/v1/points/{point['id']}"
    client.patch(path, json={"venue": "Phòng mới"}, headers={**headers, "If-Match": '"1"'})
    client.post(f"{path}/confirm", headers=headers)
    client.post(f"{path}/technician-link", headers=headers)
    client.delete(path, headers=headers)
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.entity == "bridge_point", AuditEvent.entity_id == point["id"])
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "create",
        "issue_link",
        "update",
        "confirm",
        "issue_link",
        "withdraw",
    ]
    assert all(e.actor == f"officer:{officer.email}" for e in events)
    update = events[2]
    assert update.before["venue"] == "Hội trường UBND" and update.after["venue"] == "Phòng mới"
    assert events[-1].before["status"] == "confirmed" and events[-1].after["status"] == "withdrawn"

    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get(f"/points/{point['id']}/history").get_data(as_text=True)
    for label in ("Đăng ký", "Sửa", "Xác nhận", "Rút", "Cấp đường dẫn kỹ thuật viên", "Phòng mới"):
        assert label in page


def test_withdrawn_point_is_kept(client, demo, officer_token):
    point = client.post(POINTS, json=point_body(MY_LOC), headers=bearer(officer_token)).get_json()
    response = client.delete(f"/api/v1/points/{point['id']}", headers=bearer(officer_token))
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    kept = client.get(f"/api/v1/points/{point['id']}", headers=bearer(officer_token)).get_json()
    assert kept["status"] == "withdrawn" and kept["counts"] == {"bch": 12, "chuyen_trach": 3}
    listed = client.get(f"{POINTS}?status=withdrawn", headers=bearer(officer_token)).get_json()
    assert listed["total"] == 1


def test_point_changed_is_sent_after_each_change(client, demo, officer_token):
    received = []

    def receiver(point, created):
        received.append((point.id, created, point.status, point.version))

    point_changed.connect(receiver)
    try:
        point = client.post(POINTS, json=point_body(MY_LOC), headers=bearer(officer_token)).get_json()
        path = f"/api/v1/points/{point['id']}"
        client.patch(
            path,
            json={"technicians": [{"name": "Mới", "phone": "0987654321"}]},
            headers={**bearer(officer_token), "If-Match": '"1"'},
        )
        client.patch(path, json={}, headers={**bearer(officer_token), "If-Match": '"2"'})  # no change
        client.post(f"{path}/confirm", headers=bearer(officer_token))
    finally:
        point_changed.disconnect(receiver)
    assert received == [
        (point["id"], True, "draft", 1),
        (point["id"], False, "draft", 2),
        (point["id"], False, "confirmed", 3),
    ]


def test_rollup_columns_and_upstream_follow_the_tree(client, demo, officer_token):
    headers = bearer(officer_token)
    commune = commune_of(MY_LOC)
    early = client.post(
        POINTS, json=point_body(commune, counts={"bch": 4, "chi_hoi_truong": 6}), headers=headers
    ).get_json()
    district = client.post(POINTS, json=point_body(MY_LOC), headers=headers).get_json()
    db.session.expire_all()
    commune_point = db.session.get(BridgePoint, early["id"])
    district_point = db.session.get(BridgePoint, district["id"])
    province_point = db.session.scalar(sa.select(BridgePoint).where(BridgePoint.unit_code == "36"))
    assert (commune_point.district_code, commune_point.total_delegates) == (MY_LOC, 10)
    assert commune_point.upstream_point_id == district_point.id  # set when the district came
    assert district_point.upstream_point_id == province_point.id
    assert district_point.district_code == MY_LOC and district_point.level == "district"
    client.patch(
        f"/api/v1/points/{early['id']}", json={"counts": {"bch": 1}}, headers={**headers, "If-Match": '"1"'}
    )
    db.session.expire_all()
    assert db.session.get(BridgePoint, early["id"]).total_delegates == 1


def test_list_filters_and_pages(client, demo, officer_token):
    headers = bearer(officer_token)
    for index in range(3):
        client.post(POINTS, json=point_body(commune_of(MY_LOC, index)), headers=headers)
    page = client.get(f"{POINTS}?unit={MY_LOC}&level=commune&per_page=2&page=2", headers=headers).get_json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert client.get(f"{POINTS}?level=district", headers=headers).get_json()["total"] == 0
    bad = client.get(f"{POINTS}?level=thon&per_page=0", headers=headers)
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"level", "per_page"}


def test_create_answers_with_location_etag_and_the_contract_fields(client, demo, officer_token):
    response = client.post(POINTS, json=point_body(MY_LOC), headers=bearer(officer_token))
    body = response.get_json()
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/api/v1/points/{body['id']}")
    assert response.headers["ETag"] == '"1"'
    assert set(body) == {
        "id",
        "conference",
        "unit",
        "level",
        "name",
        "venue",
        "capacity",
        "status",
        "technicians",
        "probe",
        "counts",
        "total_delegates",
        "version",
        "created_at",
        "updated_at",
        "technician_url",
    }
    assert body["unit"] == {"code": MY_LOC, "name": "Huyện Mỹ Lộc", "level": "district"}
    read = client.get(response.headers["Location"], headers=bearer(officer_token))
    assert "technician_url" not in read.get_json() and read.headers["ETag"] == '"1"'
    assert read.get_json()["created_at"].endswith(("Z", "+00:00"))
