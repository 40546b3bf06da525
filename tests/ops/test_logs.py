"""Request log lines: request ids, and paths with their tokens cut."""

from __future__ import annotations

import json
import logging
import re
import threading

import pytest

from bridgeops.ops.logs import JsonFormatter, redact_path

TOKEN = "Zq3v9Xk2Lm8Pn4Rt6Yw1Bc5Df7Gh0Jk2Lm4Np6Qr8S"  # the shape of token_urlsafe(32)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/c/{TOKEN}", "/c/Zq3v…"),
        (f"/t/{TOKEN}/ack", "/t/Zq3v…/ack"),
        (f"/calendar/{TOKEN}.ics", "/calendar/Zq3v….ics"),
        ("/c/ab", "/c/ab…"),
        (f"/api/v1/links/{TOKEN}", "/api/v1/links/Zq3v…"),
        ("/api/v1/conferences/namdinh-2022/points", "/api/v1/conferences/namdinh-2022/points"),
    ],
)
def test_paths_are_logged_without_tokens(path, logged):
    assert redact_path(path) == logged


def _request_lines(caplog) -> list[dict]:
    """This thread's request lines: a browser test's live server may still be serving a page's poll."""
    here = threading.get_ident()
    return [
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if r.name == "bridgeops.request" and r.thread == here
    ]


def test_a_sane_request_id_is_kept_and_a_hostile_one_replaced(client, caplog):
    with caplog.at_level(logging.INFO, logger="bridgeops.request"):
        kept = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a"})
        replaced = client.get("/healthz", headers={"X-Request-ID": "x" * 65})
    assert kept.headers["X-Request-ID"] == "nginx-4f2a"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])
    ids = [line["request_id"] for line in _request_lines(caplog)]
    assert ids == ["nginx-4f2a", replaced.headers["X-Request-ID"]]


def test_a_request_refused_by_csrf_is_logged_with_its_id(app, officer, caplog):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        with caplog.at_level(logging.INFO, logger="bridgeops.request"):
            response = app.test_client().post(
                "/login", data={"email": officer.email}, headers={"X-Request-ID": "csrf-1"}
            )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    (line,) = _request_lines(caplog)
    assert (line["request_id"], line["status"], line["method"]) == ("csrf-1", 400, "POST")
    assert line["duration_ms"] is not None


def test_the_authorization_header_is_never_logged(client, officer_token, caplog):
    with caplog.at_level(logging.DEBUG, logger="bridgeops"):
        client.get("/api/v1/units", headers={"Authorization": f"Bearer {officer_token}"})
        client.get(f"/c/{officer_token}")
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "/c/" in text and officer_token not in text


def test_an_unexpected_error_on_a_magic_link_logs_the_traceback_without_the_token(caplog):
    from bridgeops import create_app

    broken = create_app({"TESTING": False, "SECRET_KEY": "k" * 32, "DATABASE_URL": "sqlite://"})

    @broken.get("/c/<token>/explode")
    def explode(token: str):
        raise RuntimeError("boom")

    with caplog.at_level(logging.INFO, logger="bridgeops"):
        response = broken.test_client().get(f"/c/{TOKEN}/explode")
    assert response.status_code == 500
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "RuntimeError: boom" in text and "/c/Zq3v…/explode" in text
    assert TOKEN not in text
