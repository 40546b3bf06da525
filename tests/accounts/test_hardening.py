"""The penetration test's findings (issue 14), each replayed as an attack that now fails.

Rows 2 (probes), 7 (login throttling), 8 (upstream) and 9 (outbound HTTP) have their own
files; this one holds the key, the API's CSRF, sessions, tokens, bodies, the chair link in an
officer's browser and the smaller findings.
"""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface

from bridgeops import create_app
from bridgeops.accounts import service as accounts
from bridgeops.accounts.models import AccessGrant, User
from bridgeops.config import instance_secret_key
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.mail.transport import DirectoryTransport, Envelope
from bridgeops.ops.security import ConfigurationError
from bridgeops.registration.models import BridgePoint
from bridgeops.returns.models import ReturnSnapshot
from tests.conftest import bearer
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, commune_of, point_body

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mat-khau-123"


def login(client, email: str = "officer@hoiphunu.test", password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


# --- 1. The signing key ------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["prod", "Production", "staging", ""])
def test_unknown_environment_names_are_refused(database_url, env):
    if env == "":
        return  # unset falls back to development (tested below)
    with pytest.raises(ConfigurationError, match="BRIDGEOPS_ENV"):
        create_app({"ENV": env, "SECRET_KEY": "k" * 40, "DATABASE_URL": database_url})


def test_the_published_development_key_is_refused_everywhere(database_url):
    for env in ("development", "production"):
        with pytest.raises(ConfigurationError, match="published"):
            create_app(
                {
                    "ENV": env,
                    "SECRET_KEY": "dev-insecure-change-me",
                    "DATABASE_URL": database_url,
                    "TESTING": True,
                }
            )


def test_a_short_key_is_refused_even_in_production(database_url):
    with pytest.raises(ConfigurationError, match="shorter than 32"):
        create_app(
            {
                "ENV": "production",
                "SECRET_KEY": "abcde",
                "DATABASE_URL": database_url,
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            }
        )
    with pytest.raises(ConfigurationError, match="shorter than 32"):
        create_app({"SECRET_KEY": "abcde", "DATABASE_URL": database_url})


def test_without_a_key_one_is_generated_into_the_instance_folder_once(tmp_path):
    first = instance_secret_key(tmp_path)
    assert len(first) >= 60 and instance_secret_key(tmp_path) == first
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_a_session_forged_with_the_old_default_key_opens_nothing(app, client, officer):
    forger = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://"})
    forger.secret_key = "dev-insecure-change-me"  # what an attacker would sign with
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    forged = serializer.dumps(
        {"_user_id": f"{officer.id}:1", "_fresh": True, "login_at": utcnow().timestamp()}
    )
    client.set_cookie("session", forged)
    assert client.get("/outbox").status_code == 302  # to the login page


# --- 3. The API takes bearer tokens for writes, never a cookie ------------------------------


def test_a_cross_site_form_post_with_an_officer_cookie_changes_nothing(
    app, client, demo, officer, officer_token
):
    created = client.post(
        "/api/v1/conferences/namdinh-2022/points",
        json=point_body(commune_of(MY_LOC)),
        headers=bearer(officer_token),
    )
    point_id = created.get_json()["id"]
    assert login(client).status_code == 302
    evil = {"Origin": "http://evil.example"}
    freeze = client.post("/api/v1/conferences/namdinh-2022/return/snapshots", headers=evil, data={"x": "1"})
    confirm = client.post(f"/api/v1/points/{point_id}/confirm", headers=evil, data={"x": "1"})
    link = client.post(f"/api/v1/points/{point_id}/technician-link", headers=evil)
    assert [freeze.status_code, confirm.status_code, link.status_code] == [401, 401, 401]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReturnSnapshot)) == 0
    assert db.session.get(BridgePoint, point_id).status == "draft"
    # Reading with the cookie still works (the board's pages and a browser tab).
    assert client.get(f"/api/v1/points/{point_id}").status_code == 200


# --- 4. Sessions end at logout; officer sessions are short ----------------------------------


def test_the_cookie_of_a_logged_out_officer_no_longer_works(app, client, officer):
    login(client)
    stolen = session_cookie(client)
    assert client.get("/outbox").status_code == 200
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/outbox").status_code == 302


def test_an_officer_session_expires_after_the_officer_lifetime(app, client, officer):
    login(client)
    with client.session_transaction() as session:
        session["login_at"] = (utcnow() - timedelta(hours=13)).timestamp()
    assert client.get("/outbox").status_code == 302


def test_the_cookie_of_a_chair_who_left_no_longer_works(app, demo):
    token = chair_token(demo, MY_LOC)
    phone = app.test_client()
    assert phone.get(f"/c/{token}").status_code == 302
    stolen = session_cookie(phone)
    assert phone.get("/conferences/namdinh-2022/registration").status_code == 200
    phone.post("/c/leave")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/conferences/namdinh-2022/registration").status_code == 302
    again = app.test_client()  # the link itself still works
    assert again.get(f"/c/{token}").status_code == 302
    assert again.get("/conferences/namdinh-2022/registration").status_code == 200


# --- 5. Tokens: expiry, list, revoke, deactivate, feeds apart from the API -------------------


def test_an_expired_api_token_is_refused(client, demo, officer):
    issued = accounts.create_api_token(officer.email, days=1)
    db.session.commit()
    assert client.get("/api/v1/conferences/namdinh-2022", headers=bearer(issued.token)).status_code == 200
    issued.grant.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/conferences/namdinh-2022", headers=bearer(issued.token)).status_code == 401


def test_tokens_have_an_expiry_and_can_be_listed_and_revoked(runner, client, demo, officer):
    created = runner.invoke(args=["tokens", "create", "--email", officer.email, "--days", "7"])
    token = created.output.strip().splitlines()[-1]
    grant = db.session.scalar(sa.select(AccessGrant).where(AccessGrant.role == "api"))
    assert timedelta(days=6) < grant.expires_at - utcnow() <= timedelta(days=7)
    listed = runner.invoke(args=["tokens", "list"]).output
    assert f"{grant.id}\tapi\t{officer.email}" in listed and "live" in listed
    assert token not in listed
    assert runner.invoke(args=["tokens", "revoke", str(grant.id)]).exit_code == 0
    assert "revoked" in runner.invoke(args=["tokens", "list"]).output
    assert client.get("/api/v1/conferences/namdinh-2022", headers=bearer(token)).status_code == 401


def test_a_deactivated_officer_loses_login_session_and_tokens(
    app, runner, client, demo, officer, officer_token
):
    login(client)
    result = runner.invoke(args=["users", "deactivate", "--email", officer.email])
    assert result.exit_code == 0, result.output
    assert client.get("/outbox").status_code == 302
    assert login(app.test_client()).status_code == 401
    assert client.get("/api/v1/conferences/namdinh-2022", headers=bearer(officer_token)).status_code == 401


def test_an_api_token_is_not_a_calendar_feed_and_a_feed_token_is_not_an_api_token(
    runner, client, demo, officer, officer_token
):
    assert client.get(f"/calendar/{officer_token}.ics").status_code == 404
    output = runner.invoke(args=["tokens", "create", "--email", officer.email, "--feed"]).output
    feed_url = output.strip().splitlines()[-1]
    assert "/calendar/" in feed_url and feed_url.endswith(".ics")
    feed_token = feed_url.rsplit("/", 1)[-1].removesuffix(".ics")
    feed = client.get(f"/calendar/{feed_token}.ics")
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.data
    assert client.get("/api/v1/conferences/namdinh-2022", headers=bearer(feed_token)).status_code == 401


# --- 6. Bodies: deep nesting, lone surrogates, non-JSON --------------------------------------


def test_deeply_nested_json_is_a_400_even_unauthenticated(client, demo):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/v1/conferences/namdinh-2022/points", data=body, content_type="application/json"
    )
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_a_lone_surrogate_is_a_field_error(client, demo, officer_token):
    body = '{"unit": "' + commune_of(MY_LOC) + '", "venue": "\\ud800"}'
    before = db.session.scalar(sa.select(sa.func.count()).select_from(BridgePoint))
    response = client.post(
        "/api/v1/conferences/namdinh-2022/points",
        data=body,
        content_type="application/json",
        headers=bearer(officer_token),
    )
    assert response.status_code == 422 and "venue" in response.get_json()["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BridgePoint)) == before


def test_a_form_encoded_patch_is_a_415_and_changes_nothing(client, demo, officer_token):
    created = client.post(
        "/api/v1/conferences/namdinh-2022/points",
        json=point_body(commune_of(MY_LOC)),
        headers=bearer(officer_token),
    )
    point = created.get_json()
    response = client.patch(
        f"/api/v1/points/{point['id']}",
        data={"venue": "Khác"},
        headers={**bearer(officer_token), "If-Match": created.headers["ETag"]},
    )
    assert response.status_code == 415 and response.mimetype == "application/problem+json"
    db.session.expire_all()
    assert db.session.get(BridgePoint, point["id"]).venue == point["venue"]


# --- 10. A chair link in an officer's browser asks first ------------------------------------


def test_a_chair_link_asks_before_signing_an_officer_out(app, client, demo, officer):
    token = chair_token(demo, MY_LOC)
    login(client)
    ask = client.get(f"/c/{token}")
    assert ask.status_code == 200 and "đăng xuất tài khoản cán bộ" in ask.get_data(as_text=True)
    assert ask.headers["Cache-Control"] == "no-store"
    assert client.get("/outbox").status_code == 200  # still the officer
    switched = client.post(f"/c/{token}")
    assert switched.status_code == 302
    assert client.get("/outbox").status_code == 403  # now the chair


# --- 11. Smaller findings ----------------------------------------------------------------------


def test_pages_with_one_time_links_are_not_cached(app, client, demo, officer):
    login(client)
    links = client.post("/conferences/namdinh-2022/links", data={"unit": MY_LOC})
    assert links.status_code == 200 and links.headers["Cache-Control"] == "no-store"
    created = client.post(
        f"/conferences/namdinh-2022/points/new?unit={commune_of(MY_LOC)}",
        data={
            "venue": "Hội trường",
            "capacity": "50",
            "count_bch": "4",
            "technician_rows": "1",
            "technician_0_name": "Kỹ thuật viên",
            "technician_0_phone": "0912345678",
            "technician_0_email": "",
        },
    )
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    technician_url = [line for line in created.get_data(as_text=True).split('"') if "/t/" in line][0]
    page = app.test_client().get(technician_url.split("bridgeops.test", 1)[-1])
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def test_the_plain_http_server_logs_tokens_cut_too():
    conf = (ROOT / "deploy" / "nginx-bridgeops.conf").read_text(encoding="utf-8")
    port_80 = conf.split("listen 80;", 1)[1].split("server {", 1)[0]
    assert "access_log /var/log/nginx/bridgeops.access.log bridgeops_json;" in port_80


def test_outbox_files_are_readable_by_the_service_only(tmp_path):
    transport = DirectoryTransport(tmp_path / "outbox")
    transport.send(Envelope(7, "a@example.vn", "b@example.vn", b"Subject: t\n\nhttp://x/t/TOKEN"))
    assert stat.S_IMODE(os.stat(tmp_path / "outbox" / "00000007.eml").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "outbox").st_mode) == 0o700


def test_a_chair_token_reads_only_its_own_conference(client, demo):
    from bridgeops.conference.models import Conference

    other = Conference(
        slug="khac-2023",
        title="Hội nghị khác",
        organizer="TW",
        host_name="Tỉnh khác",
        timezone="Asia/Ho_Chi_Minh",
    )
    db.session.add(other)
    db.session.commit()
    token = chair_token(demo, MY_LOC)
    assert client.get("/api/v1/conferences/namdinh-2022", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/conferences/khac-2023", headers=bearer(token)).status_code == 403


def test_point_names_lose_bidi_overrides_and_zero_width_characters(client, demo, officer_token):
    body = point_body(commune_of(MY_LOC), name="Điểm\u202e cầu\u200b A\u2066")
    created = client.post("/api/v1/conferences/namdinh-2022/points", json=body, headers=bearer(officer_token))
    assert created.status_code == 201 and created.get_json()["name"] == "Điểm cầu A"


# --- Officer accounts: invite, roles, deactivate ------------------------------------------------


@pytest.fixture
def admin(app):
    user = accounts.create_user("admin@hoiphunu.test", "Quản Trị Viên", "admin", PASSWORD)
    db.session.commit()
    return user


def test_an_admin_invites_a_viewer_who_reads_but_cannot_change(app, client, demo, admin):
    login(client, admin.email)
    page = client.post(
        "/admin/users", data={"email": "lanhdao@hoiphunu.test", "name": "Lãnh Đạo", "role": "viewer"}
    )
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    url = next(part for part in page.get_data(as_text=True).split('"') if "/invite/" in part)
    path = url.split("bridgeops.test", 1)[-1]
    viewer = app.test_client()
    short = viewer.post(path, data={"password": "ngan", "password_again": "ngan"})
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.get_data(as_text=True)
    assert (
        viewer.post(
            path, data={"password": "mat-khau-lanh-dao", "password_again": "mat-khau-lanh-dao"}
        ).status_code
        == 303
    )
    assert viewer.get(path).status_code == 404  # the invitation works once
    assert login(viewer, "lanhdao@hoiphunu.test", "mat-khau-lanh-dao").status_code == 302
    assert viewer.get("/conferences/namdinh-2022/return").status_code == 200
    assert viewer.get("/conferences/namdinh-2022/points").status_code == 200
    assert viewer.post("/conferences/namdinh-2022/return/snapshots").status_code == 403
    assert viewer.post("/conferences/namdinh-2022/links", data={"unit": MY_LOC}).status_code == 403
    assert viewer.get("/admin/users").status_code == 403
    assert viewer.get("/outbox").status_code == 403  # mail holds live links
    assert viewer.post("/logout").status_code == 302


def test_invite_form_errors_are_shown_next_to_the_field(client, admin):
    login(client, admin.email)
    page = client.post("/admin/users", data={"email": "khong-hop-le", "name": "", "role": "x"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Email không hợp lệ." in text and "Vui lòng nhập họ tên." in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_an_admin_deactivates_an_officer_whose_session_ends(app, client, officer, admin):
    officer_client = app.test_client()
    login(officer_client)
    assert officer_client.get("/outbox").status_code == 200
    login(client, admin.email)
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "Cán bộ Đầu mối" in listing and "Cán bộ đầu mối" in listing
    assert client.post(f"/admin/users/{officer.id}/active", data={"active": "0"}).status_code == 303
    assert officer_client.get("/outbox").status_code == 302
    assert "Đã khóa" in client.get("/admin/users").get_data(as_text=True)


def test_officers_who_are_not_admins_cannot_manage_accounts(client, officer):
    login(client)
    assert client.get("/admin/users").status_code == 403
    assert (
        client.post("/admin/users", data={"email": "x@y.vn", "name": "X", "role": "admin"}).status_code == 403
    )
