"""A real gunicorn with deploy/gunicorn.conf.py on the test database."""

from __future__ import annotations

import json

import requests

from bridgeops.extensions import db
from tests.live_server import gunicorn


def test_gunicorn_with_the_deploy_config_serves_healthz_and_pages(database_url, demo):
    with gunicorn(database_url, BRIDGEOPS_ENV="production") as server:
        health = requests.get(server.url + "/healthz", timeout=10)
        login = requests.get(server.url + "/login", timeout=10)
    assert health.status_code == 200
    assert health.json()["database"] == "ok"
    assert login.status_code == 200
    assert "Đăng nhập cán bộ" in login.text
    assert "Secure" in login.headers["Set-Cookie"] and "HttpOnly" in login.headers["Set-Cookie"]
    assert "Booting worker" in server.log


def test_request_log_is_one_json_line_per_request_without_tokens(database_url, demo, officer_token):
    from bridgeops.accounts import service

    chair = service.issue_grant("chair", conference_id=demo.id, unit_code="356").token
    db.session.commit()
    with gunicorn(database_url, BRIDGEOPS_ACCESS_LOG="-") as server:
        requests.get(
            server.url + "/api/v1/units",
            timeout=10,
            headers={"Authorization": f"Bearer {officer_token}", "X-Request-ID": "req-42"},
        )
        requests.get(f"{server.url}/c/{chair}", timeout=10)
        requests.get(f"{server.url}/calendar/{chair}.ics?x={chair}", timeout=10)
        requests.get(f"{server.url}/t/{chair}/ack", timeout=10)
    log = server.log
    assert officer_token not in log and chair not in log
    lines = [
        json.loads(line)
        for line in log.splitlines()
        if line.startswith("{") and '"logger": "bridgeops.request"' in line
    ]
    api = next(line for line in lines if line["path"] == "/api/v1/units")
    assert api["request_id"] == "req-42" and api["status"] == 200 and api["method"] == "GET"
    assert isinstance(api["duration_ms"], float)
    assert {line["path"] for line in lines} >= {
        f"/c/{chair[:4]}…",
        f"/calendar/{chair[:4]}….ics",
        f"/t/{chair[:4]}…/ack",
    }
    # gunicorn's own access log (BRIDGEOPS_ACCESS_LOG) carries the request id and a cut path too.
    access = [json.loads(line) for line in log.splitlines() if line.startswith('{"request_id"')]
    assert {"request_id": "req-42", "path": "/api/v1/units"}.items() <= next(
        a for a in access if a["path"] == "/api/v1/units"
    ).items()
    assert f"/c/{chair[:4]}…" in {a["path"] for a in access}


def test_two_web_hosts_on_one_database_share_logins(database_url, officer, demo):
    import re

    browser = requests.Session()  # cookies are per host name, not per port: one "browser"
    with (
        gunicorn(database_url, BRIDGEOPS_WORKERS="1") as first,
        gunicorn(database_url, BRIDGEOPS_WORKERS="1") as second,
    ):
        form = browser.get(first.url + "/login", timeout=10).text
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]
        login = browser.post(
            first.url + "/login",
            timeout=10,
            allow_redirects=False,
            data={"csrf_token": csrf, "email": officer.email, "password": "mat-khau-123"},
        )
        home = browser.get(second.url + "/", timeout=10)
    assert login.status_code == 302
    assert officer.name in home.text and demo.title in home.text
