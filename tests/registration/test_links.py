"""Chair links: the CLI, the session they open, revocation, expiry and guessing limits."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import g

from bridgeops.accounts.models import AccessGrant
from bridgeops.accounts.tokens import hash_token
from bridgeops.conference.models import Conference
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from tests.conftest import bearer
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, point_body

LINE = re.compile(r"^(\d+)\t([^\t]+)\thttp://bridgeops\.test/c/([A-Za-z0-9_-]{43})$")


def test_links_issue_prints_one_line_per_district(runner, demo):
    result = runner.invoke(args=["links", "issue", "--conference", "namdinh-2022"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    assert len(lines) == 10  # Thành phố Nam Định and nine huyện
    assert ("358", "Huyện Mỹ Lộc") in {(m[1], m[2]) for m in matches}
    tokens = [m[3] for m in matches]
    stored = set(db.session.scalars(sa.select(AccessGrant.token_hash)))
    assert {hash_token(t) for t in tokens} <= stored
    assert not any(t in stored for t in tokens)  # only the hash is kept


def test_links_issue_for_an_unknown_conference_fails_in_vietnamese(runner, demo):
    result = runner.invoke(args=["links", "issue", "--conference", "khong-co"])
    assert result.exit_code != 0 and "Không có hội nghị" in result.output


def test_links_issue_works_for_a_two_level_tree(runner, app, tmp_path):
    units = [
        {"code": "90", "name": "Tỉnh Mới", "kind": "tỉnh", "parent_code": ""},
        {"code": "90001", "name": "Phường Một", "kind": "phường", "parent_code": "90"},
        {"code": "90002", "name": "Xã Hai", "kind": "xã", "parent_code": "90"},
    ]
    path = tmp_path / "units.json"
    path.write_text(json.dumps(units, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["units", "import", "--file", str(path)]).exit_code == 0
    db.session.add(Conference(slug="moi-2026", title="Hội nghị", host_unit_code="90"))
    db.session.commit()
    result = runner.invoke(args=["links", "issue", "--conference", "moi-2026"])
    assert [line.split("\t")[:2] for line in result.output.strip().splitlines()] == [
        ["90001", "Phường Một"],
        ["90002", "Xã Hai"],
    ]


def test_reissuing_a_link_stops_the_old_one(client, demo):
    old = chair_token(demo, MY_LOC)
    new = chair_token(demo, MY_LOC)
    gone = client.get(f"/c/{old}")
    assert gone.status_code == 410 and "hết hiệu lực" in gone.get_data(as_text=True)
    assert client.get(f"/c/{new}").status_code == 302
    assert client.get("/api/v1/conferences/namdinh-2022/points", headers=bearer(old)).status_code == 401


def test_unknown_and_expired_links_get_friendly_pages(client, demo):
    unknown = client.get("/c/khong-phai-ma")
    assert unknown.status_code == 404 and "Không tìm thấy đường dẫn" in unknown.get_data(as_text=True)
    token = chair_token(demo, MY_LOC)
    grant = db.session.scalar(sa.select(AccessGrant).where(AccessGrant.token_hash == hash_token(token)))
    grant.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/c/{token}").status_code == 410


def test_chair_link_replaces_an_officer_login_in_that_browser_once_she_agrees(client, demo, officer):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    assert client.get("/conferences/namdinh-2022/links").status_code == 200
    token = chair_token(demo, MY_LOC)
    assert client.get(f"/c/{token}").status_code == 200  # asks first
    assert client.get("/conferences/namdinh-2022/links").status_code == 200
    client.post(f"/c/{token}")
    assert client.get("/conferences/namdinh-2022/links").status_code == 403
    assert client.get("/conferences/namdinh-2022/registration").status_code == 200


def test_revoking_on_the_officer_page_ends_the_chair_session(app, client, demo, officer):
    chair = app.test_client()
    chair.get(f"/c/{chair_token(demo, MY_LOC)}")
    assert chair.get("/conferences/namdinh-2022/registration").status_code == 200
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.post(
        "/conferences/namdinh-2022/links", data={"unit": MY_LOC, "action": "revoke"}, follow_redirects=True
    )
    assert "Đã thu hồi 1 đường dẫn của Huyện Mỹ Lộc" in page.get_data(as_text=True)
    g.pop("_login_user", None)  # the test's shared app context would carry the officer over
    response = chair.get("/conferences/namdinh-2022/registration")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_officer_page_shows_new_links_once(client, demo, officer):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    issued = client.post("/conferences/namdinh-2022/links", data={"unit": "all"}).get_data(as_text=True)
    assert len(re.findall(r'value="http://bridgeops.test/c/[A-Za-z0-9_-]{43}"', issued)) == 10
    later = client.get("/conferences/namdinh-2022/links").get_data(as_text=True)
    assert "/c/" not in later and "Còn hiệu lực" in later


def test_guessing_chair_links_is_throttled_per_address(client, demo):
    statuses = [client.get(f"/c/doan-{n}").status_code for n in range(32)]
    assert statuses[:30] == [404] * 30 and statuses[-1] == 429


def test_unknown_bearer_tokens_are_throttled_but_valid_ones_never(client, demo, officer_token):
    path = "/api/v1/conferences/namdinh-2022/points"
    statuses = [client.get(path, headers=bearer(f"sai-{n}")).status_code for n in range(32)]
    assert statuses[:30] == [401] * 30 and statuses[-1] == 429
    assert client.get(path, headers=bearer("sai-nua")).get_json()["status"] == 429
    # The same NAT address keeps working for every valid token, however many requests.
    assert all(client.get(path, headers=bearer(officer_token)).status_code == 200 for _ in range(200))


def test_technician_link_reissue_stops_the_old_link(client, demo, officer_token):
    created = client.post(
        "/api/v1/conferences/namdinh-2022/points", json=point_body(MY_LOC), headers=bearer(officer_token)
    ).get_json()
    old = created["technician_url"].rsplit("/", 1)[-1]
    path = f"/api/v1/points/{created['id']}"
    assert client.get(path, headers=bearer(old)).status_code == 200
    fresh = client.post(f"{path}/technician-link", headers=bearer(officer_token)).get_json()["url"]
    assert fresh.startswith("http://bridgeops.test/t/")
    assert client.get(path, headers=bearer(old)).status_code == 401
    assert client.get(path, headers=bearer(fresh.rsplit("/", 1)[-1])).status_code == 200


def test_chair_can_leave_her_session_on_a_shared_phone(client, demo):
    token = chair_token(demo, MY_LOC)
    home = client.get(f"/c/{token}", follow_redirects=True).get_data(as_text=True)
    assert "Thoát" in home
    left = client.post("/c/leave", follow_redirects=True)
    assert "Đã thoát" in left.get_data(as_text=True)
    assert client.get("/conferences/namdinh-2022/registration").status_code == 302
    assert client.get(f"/c/{token}").status_code == 302  # the link still opens it again
