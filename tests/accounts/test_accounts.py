from datetime import timedelta

import sqlalchemy as sa

from bridgeops.accounts import service
from bridgeops.accounts.models import AccessGrant, GrantRole, User
from bridgeops.accounts.tokens import hash_token
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from tests.conftest import bearer


def test_users_create_stores_a_hashed_password(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "An@HoiPhuNu.test",
            "--name",
            "Nguyễn Thị An",
            "--role",
            "officer",
            "--password",
            "bi-mat-123",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "an@hoiphunu.test"
    assert "bi-mat-123" not in user.password_hash


def test_users_create_refuses_a_short_password_and_a_duplicate(runner, officer):
    short = runner.invoke(args=["users", "create", "--email", "b@x.test", "--name", "B", "--password", "123"])
    assert short.exit_code != 0 and "8 ký tự" in short.output
    duplicate = runner.invoke(
        args=["users", "create", "--email", officer.email, "--name", "C", "--password", "mat-khau-123"]
    )
    assert duplicate.exit_code != 0 and "Đã có tài khoản" in duplicate.output


def test_token_printed_on_the_last_line_works_and_is_stored_hashed(runner, client, officer, demo):
    result = runner.invoke(args=["tokens", "create", "--email", officer.email])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    grant = db.session.scalar(sa.select(AccessGrant))
    assert grant.token_hash == hash_token(token) and token not in grant.token_hash
    assert client.get("/api/v1/conferences/namdinh-2022", headers=bearer(token)).status_code == 200


def test_a_wrong_or_revoked_token_is_refused(client, officer_token, demo):
    from bridgeops.accounts import service

    assert client.get("/api/v1/conferences/namdinh-2022", headers=bearer("not-a-token")).status_code == 401
    service.revoke_grant(service.find_grant(officer_token))
    db.session.commit()
    response = client.get("/api/v1/conferences/namdinh-2022", headers=bearer(officer_token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_officer_logs_in_and_out(client, officer, demo):
    page = client.get("/login")
    assert "Đăng nhập cán bộ" in page.get_data(as_text=True)
    response = client.post(
        "/login", data={"email": officer.email, "password": "mat-khau-123"}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Xin chào Cán bộ Đầu mối" in text and "namdinh-2022" in text
    response = client.post("/logout", follow_redirects=True)
    assert "Đã đăng xuất" in response.get_data(as_text=True)


def test_wrong_password_shows_a_vietnamese_message_next_to_the_field(client, officer):
    response = client.post("/login", data={"email": officer.email, "password": "sai"})
    assert response.status_code == 401
    assert "Email hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_repeated_failed_logins_are_throttled(client, officer):
    statuses = [
        client.post("/login", data={"email": officer.email, "password": "sai"}).status_code for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[-1] == 429
    # Even the right password waits until the window passes.
    assert client.post("/login", data={"email": officer.email, "password": "mat-khau-123"}).status_code == 429


def test_login_form_without_csrf_token_is_refused(app, officer):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/login", data={"email": officer.email, "password": "mat-khau-123"})
        assert response.status_code == 400
        assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
        assert "session" not in response.headers.get("Set-Cookie", "")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_grant_liveness_is_one_rule_in_python_and_in_sql(app):
    lasting = service.issue_grant(GrantRole.API, label="lasting").grant
    short = service.issue_grant(GrantRole.API, label="short", ttl=timedelta(hours=1)).grant
    revoked = service.issue_grant(GrantRole.API, label="revoked").grant
    service.revoke_grant(revoked)
    later = utcnow() + timedelta(hours=2)
    in_sql = set(db.session.scalars(sa.select(AccessGrant.label).where(AccessGrant.live_clause(later))))
    in_python = {g.label for g in (lasting, short, revoked) if g.live_at(later)}
    assert in_sql == in_python == {"lasting"}
    assert service.is_live(short) and not service.is_live(short, later)
    assert service.live_grant_by_id(revoked.id) is None
