"""Production safety: secret key, cookie flags, headers, throttling of unknown tokens."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from bridgeops import create_app
from bridgeops.extensions import db
from bridgeops.ops.security import ConfigurationError
from tests.conftest import bearer
from tests.live_server import gunicorn, server_environment

BRIDGEOPS = Path(sys.executable).with_name("bridgeops")


def test_production_refuses_to_start_with_the_default_secret_key(database_url):
    with pytest.raises(ConfigurationError, match="BRIDGEOPS_SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": database_url})
    env = server_environment(database_url, BRIDGEOPS_ENV="production")
    del env["BRIDGEOPS_SECRET_KEY"]
    result = subprocess.run([str(BRIDGEOPS), "init-db"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "BRIDGEOPS_SECRET_KEY is not set" in result.stderr


def _login_cookie(app, officer) -> str:
    response = app.test_client().post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    assert response.status_code == 302
    return response.headers["Set-Cookie"]


def test_session_cookie_is_secure_httponly_and_lax_on_https(app, database_url, officer):
    https_app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "k",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "https://cau.hoiphunu.vn",
        }
    )
    try:
        cookie = _login_cookie(https_app, officer)
        page = https_app.test_client().get("/login")
    finally:
        with https_app.app_context():
            db.engine.dispose()
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_plain_http_development_cookie_is_httponly_without_secure_or_hsts(app, client, officer):
    cookie = _login_cookie(app, officer)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_pages_forbid_inline_script_framing_and_device_features(client):
    headers = client.get("/login").headers
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_unknown_tokens_are_throttled_per_address_but_valid_ones_are_not(client, officer_token):
    guesser = {"REMOTE_ADDR": "203.0.113.7"}
    statuses = [
        client.get("/api/v1/units", headers=bearer(f"guess-{i}"), environ_base=guesser).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429
    refused = client.get("/api/v1/units", headers=bearer("guess-again"), environ_base=guesser)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert refused.mimetype == "application/problem+json"
    # Valid tokens behind the same (NAT) address keep working, however many there are.
    assert all(
        client.get("/api/v1/units", headers=bearer(officer_token), environ_base=guesser).status_code == 200
        for _ in range(60)
    )
    # Another address is unaffected.
    other = {"REMOTE_ADDR": "203.0.113.8"}
    assert client.get("/api/v1/units", headers=bearer("typo"), environ_base=other).status_code == 401


def test_a_revoked_token_counts_as_a_failure(client, officer_token):
    from bridgeops.accounts import service

    service.revoke_grant(service.find_grant(officer_token))
    db.session.commit()
    statuses = [client.get("/api/v1/units", headers=bearer(officer_token)).status_code for _ in range(31)]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429


def test_unknown_magic_links_are_throttled(client):
    statuses = [client.get(f"/c/not-a-real-link-{i}").status_code for i in range(31)]
    assert 429 not in statuses[:30] and statuses[30] == 429
    assert "Quá nhiều" in client.get("/t/another-guess").get_data(as_text=True)


def test_two_web_hosts_share_the_token_failure_count_in_redis(database_url):
    redis = pytest.importorskip("redis")
    store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        store.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"bridgeops-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "BRIDGEOPS_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "BRIDGEOPS_RATELIMIT_KEY_PREFIX": prefix,
        "BRIDGEOPS_WORKERS": "1",
    }
    try:
        with gunicorn(database_url, **settings) as first, gunicorn(database_url, **settings) as second:
            statuses = [
                requests.get(
                    (first, second)[i % 2].url + "/api/v1/units", timeout=10, headers=bearer(f"guess-{i}")
                ).status_code
                for i in range(31)
            ]
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429


def test_https_login_form_passes_csrf_with_the_same_origin_referer(database_url, officer):
    import re

    https_app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "k",
            "BASE_URL": "https://cau.hoiphunu.vn",
            "PROXY_COUNT": 1,
        }
    )
    client = https_app.test_client()
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "cau.hoiphunu.vn",
        "X-Forwarded-For": "198.51.100.20",
    }
    try:
        page = client.get("/login", headers=forwarded)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))[1]
        # Browsers send a same-origin Referer under this policy; Flask-WTF requires one on HTTPS.
        assert page.headers["Referrer-Policy"] == "same-origin"
        response = client.post(
            "/login",
            headers={**forwarded, "Referer": "https://cau.hoiphunu.vn/login"},
            data={"csrf_token": csrf, "email": officer.email, "password": "mat-khau-123"},
        )
    finally:
        with https_app.app_context():
            db.engine.dispose()
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "https://cau.hoiphunu.vn/")


def test_behind_a_proxy_the_forwarded_client_address_is_throttled(database_url):
    proxied = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "k", "PROXY_COUNT": 1})
    client = proxied.test_client()
    try:
        guesses = [
            client.get(
                "/api/v1/units", headers={**bearer(f"g{i}"), "X-Forwarded-For": "198.51.100.9"}
            ).status_code
            for i in range(31)
        ]
        neighbour = client.get(
            "/api/v1/units", headers={**bearer("typo"), "X-Forwarded-For": "198.51.100.10"}
        )
    finally:
        with proxied.app_context():
            db.engine.dispose()
    assert guesses[-1] == 429
    assert neighbour.status_code == 401


def test_no_api_view_carries_a_flask_limiter_limit(app):
    """API calls skip Flask-Limiter (``ops.security._api_call``): a limit put on an API view
    would silently never apply, so none may be there. The login form's limits show the probe
    finds decorated limits where they are."""
    from flask_limiter.util import get_qualified_name

    from bridgeops.extensions import limiter

    def limits_of(endpoint: str) -> list:
        name = get_qualified_name(app.view_functions[endpoint])
        blueprint = endpoint.rpartition(".")[0] or None
        return [
            *limiter.limit_manager.decorated_limits(name),
            *(limiter.limit_manager.blueprint_limits(app, blueprint) if blueprint else []),
        ]

    assert limits_of("accounts.login")
    api = [endpoint for endpoint in app.view_functions if endpoint.startswith("api.")]
    assert len(api) > 20
    assert {endpoint: limits_of(endpoint) for endpoint in api if limits_of(endpoint)} == {}
    assert not limiter.limit_manager.default_limits  # nor a default, which would apply to the API


def test_api_calls_skip_the_limiter_and_pages_do_not(app):
    from bridgeops.ops.security import _api_call

    with app.test_request_context("/api/v1/conferences"):
        assert _api_call()
    with app.test_request_context("/login", method="POST"):
        assert not _api_call()


def test_a_response_that_sets_a_security_header_keeps_its_own(app):
    """The headers are defaults: a response's own value (in any case) is kept, not doubled."""
    from flask import Response

    from bridgeops.ops.security import _security_headers

    with app.test_request_context():
        response = _security_headers(Response(headers={"x-frame-options": "SAMEORIGIN"}))
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers


def test_a_request_without_the_session_cookie_opens_an_empty_session_unsigned(app, officer, monkeypatch):
    """An API call or a heartbeat carries no session cookie: its empty session comes without
    building the signing serializer (``CookieSessions``), while a signed-in officer's cookie
    is still read, and a forged one still gives nothing."""
    from flask.sessions import SecureCookieSessionInterface

    from bridgeops.ops.security import CookieSessions

    assert isinstance(app.session_interface, CookieSessions)
    name, _, value = _login_cookie(app, officer).split(";")[0].partition("=")
    assert name == app.config["SESSION_COOKIE_NAME"]
    built = []
    original = SecureCookieSessionInterface.get_signing_serializer

    def counting(self, flask_app):
        built.append(flask_app)
        return original(self, flask_app)

    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer", counting)
    anonymous = app.test_client().get("/api/v1/conferences")
    assert anonymous.status_code == 401 and "Set-Cookie" not in anonymous.headers
    assert built == []
    signed_in = app.test_client()
    signed_in.set_cookie(name, value)
    assert signed_in.get("/api/v1/conferences").status_code == 200
    assert built
    forged = app.test_client()
    forged.set_cookie(name, value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    assert forged.get("/api/v1/conferences").status_code == 401
