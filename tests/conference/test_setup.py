"""Setting up a conference from nothing through the API and the CLI, and changing it later."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bridgeops.audit.models import AuditEvent
from bridgeops.conference import service
from bridgeops.extensions import db
from tests.conference.conftest import conference_body
from tests.conftest import bearer


def test_officer_creates_a_conference_through_the_api(client, demo, officer_token, body):
    response = client.post("/api/v1/conferences", json=body, headers=bearer(officer_token))
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith("/api/v1/conferences/namdinh-2027")
    created = response.get_json()
    assert created["map"] == "2023" and created["host_unit_code"] == "36"
    assert created["contact_phone"] == "+842283849123"
    assert [s["kind"] for s in created["sessions"]] == ["rehearsal", "session"]
    assert datetime.fromisoformat(created["sessions"][0]["starts_at"]) == datetime(
        2027, 3, 24, 1, 30, tzinfo=UTC
    )
    assert {c["code"]: c["levels"] for c in created["categories"]} == {
        "bch_tinh": ["province"],
        "hoi_vien": ["district", "commune"],
    }
    listed = client.get("/api/v1/conferences", headers=bearer(officer_token)).get_json()
    assert [c["slug"] for c in listed["items"]] == ["namdinh-2027", "namdinh-2022"]


def test_a_conference_without_categories_starts_with_the_plans_six(client, demo, officer_token, body):
    del body["categories"]
    response = client.post("/api/v1/conferences", json=body, headers=bearer(officer_token))
    assert response.status_code == 201
    assert [c["code"] for c in response.get_json()["categories"]] == [c.code for c in demo.categories]


def test_a_duplicate_slug_is_a_409_and_nothing_changes(client, demo, officer_token, body):
    body["slug"] = "namdinh-2022"
    response = client.post("/api/v1/conferences", json=body, headers=bearer(officer_token))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "namdinh-2022" in response.get_json()["detail"]
    assert len(service.list_conferences()) == 1
    assert service.get_conference("namdinh-2022").title == demo.title


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {
                "sessions": [
                    {
                        "kind": "session",
                        "title": "Ngày 1",
                        "starts_at": "2027-03-25T17:00:00+07:00",
                        "ends_at": "2027-03-25T08:00:00+07:00",
                    }
                ]
            },
            "sessions.0",
            "sau giờ bắt đầu",
        ),
        (
            {
                "sessions": [
                    {
                        "kind": "session",
                        "title": "Ngày 1",
                        "starts_at": "1927-03-25T08:00:00+07:00",
                        "ends_at": "1927-03-25T17:00:00+07:00",
                    }
                ]
            },
            "sessions.0",
            "2000–2099",
        ),
        (
            {
                "sessions": [
                    {
                        "kind": "session",
                        "title": "Cả tuần",
                        "starts_at": "2027-03-25T08:00:00+07:00",
                        "ends_at": "2027-03-30T17:00:00+07:00",
                    }
                ]
            },
            "sessions.0",
            "tối đa 24 giờ",
        ),
        ({"host_unit_code": "99"}, "host_unit_code", "Không có đơn vị hành chính"),
        ({"host_unit_code": "13633"}, "host_unit_code", "một tỉnh hoặc một huyện"),
        (
            {"categories": [{"code": "bch", "label": "BCH", "levels": []}]},
            "categories.0.levels",
            "ít nhất một cấp",
        ),
        ({"slug": "Nam Định 2027"}, "slug", "định dạng"),
        ({"timezone": "Asia/Hanoi_City"}, "timezone", "Múi giờ"),
        ({"contact_email": "khong-phai-email"}, "contact_email", "Email"),
    ],
)
def test_bad_set_up_is_a_422_naming_the_field_in_vietnamese(
    client, demo, officer_token, body, change, field, words
):
    response = client.post("/api/v1/conferences", json={**body, **change}, headers=bearer(officer_token))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert words in errors[field], errors
    assert len(service.list_conferences()) == 1


def test_only_officers_set_up_conferences(client, demo, body):
    from bridgeops.accounts import service as accounts

    chair = accounts.issue_grant("chair", conference_id=demo.id, unit_code="356")
    db.session.commit()
    response = client.post("/api/v1/conferences", json=body, headers=bearer(chair.token))
    assert response.status_code == 403
    assert client.get("/api/v1/conferences", headers=bearer(chair.token)).status_code == 403


def test_patch_changes_the_deadline_and_audits_it(client, demo, officer_token):
    response = client.patch(
        "/api/v1/conferences/namdinh-2022",
        headers=bearer(officer_token),
        json={"registration_closes_at": "2022-04-20T17:00:00+07:00", "contact_phone": "0912 345 678"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["contact_phone"] == "+84912345678"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.entity == "conference", AuditEvent.action == "update")
    )
    assert event.actor == "officer:officer@hoiphunu.test"
    assert event.before["registration_closes_at"] is None
    assert event.after["registration_closes_at"] == "2022-04-20T10:00:00+00:00"
    bad = client.patch(
        "/api/v1/conferences/namdinh-2022",
        headers=bearer(officer_token),
        json={"title": "", "slug": "doi-ma"},
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"title", "slug"}


def test_an_added_session_is_invited_to_every_technician(client, demo, officer_token):
    from bridgeops.mail.models import OutboxMessage
    from bridgeops.registration.service import bulk_create_points

    bulk_create_points(
        demo,
        [
            {
                "unit": "356",
                "venue": "Hội trường",
                "technicians": [{"name": "Nguyễn Thị Hòa", "email": "hoa@example.vn"}],
            },
            {
                "unit": "13633",
                "venue": "Nhà văn hóa",
                "technicians": [{"name": "Trần Văn Đức", "email": "duc@example.vn"}],
            },
        ],
        actor="system:test",
    )
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    response = client.post(
        "/api/v1/conferences/namdinh-2022/sessions",
        headers=bearer(officer_token),
        json={
            "kind": "session",
            "title": "Hội nghị – ngày thứ tư",
            "starts_at": "2022-04-30T08:00:00+07:00",
            "ends_at": "2022-04-30T11:00:00+07:00",
        },
    )
    assert response.status_code == 201, response.get_json()
    after = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert after - before == 2
    bad = client.post(
        "/api/v1/conferences/namdinh-2022/sessions",
        headers=bearer(officer_token),
        json={
            "kind": "session",
            "title": "Sai giờ",
            "starts_at": "2022-04-30T11:00:00+07:00",
            "ends_at": "2022-04-30T08:00:00+07:00",
        },
    )
    assert bad.status_code == 422


def test_cli_creates_a_conference_from_a_file(runner, demo, tmp_path):
    path = tmp_path / "hoi-nghi.json"
    path.write_text(json.dumps(conference_body("namdinh-2027-cli")), encoding="utf-8")
    result = runner.invoke(args=["conference", "create", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "namdinh-2027-cli"
    assert service.get_conference("namdinh-2027-cli").sessions[1].title == "Hội nghị – khai mạc"
    again = runner.invoke(args=["conference", "create", "--file", str(path)])
    assert again.exit_code != 0 and "namdinh-2027-cli" in again.output
    path.write_text(json.dumps(conference_body("khac", host_unit_code="99")), encoding="utf-8")
    bad = runner.invoke(args=["conference", "create", "--file", str(path)])
    assert bad.exit_code != 0 and "host_unit_code" in bad.output


def test_an_archived_conference_is_read_only(client, runner, demo, officer_token):
    result = runner.invoke(args=["conference", "archive", "namdinh-2022"])
    assert result.exit_code == 0, result.output
    assert (
        client.get("/api/v1/conferences/namdinh-2022", headers=bearer(officer_token)).get_json()["archived"]
        is True
    )
    patch = client.patch(
        "/api/v1/conferences/namdinh-2022", headers=bearer(officer_token), json={"title": "Tên mới"}
    )
    assert patch.status_code == 409 and "lưu trữ" in patch.get_json()["detail"]
    session_id = demo.sessions[0].id
    moved = client.patch(
        f"/api/v1/conferences/namdinh-2022/sessions/{session_id}",
        headers=bearer(officer_token),
        json={"title": "Đổi tên"},
    )
    assert moved.status_code == 409
    point = client.post(
        "/api/v1/conferences/namdinh-2022/points",
        headers=bearer(officer_token),
        json={"unit": "356", "venue": "Hội trường"},
    )
    assert point.status_code == 409
    assert service.get_conference("namdinh-2022").title == demo.title


def test_an_archived_conference_freezes_no_return_and_issues_no_links(client, runner, demo, officer_token):
    runner.invoke(args=["conference", "archive", "namdinh-2022"])
    snapshot = client.post("/api/v1/conferences/namdinh-2022/return/snapshots", headers=bearer(officer_token))
    assert snapshot.status_code == 409
    links = runner.invoke(args=["links", "issue", "--conference", "namdinh-2022"])
    assert links.exit_code != 0 and "lưu trữ" in links.output
    assert (
        client.get("/api/v1/conferences/namdinh-2022/return", headers=bearer(officer_token)).status_code
        == 200
    )
