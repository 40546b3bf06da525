"""BridgeOps's own outbound HTTP (issue 14, row 9): the return to TW and the alert webhook
follow no redirect, speak https outside loopback, and never log or store a URL's secrets."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bridgeops.core.outbound import InsecureURL, check_outbound_url, redact_url
from bridgeops.extensions import db
from bridgeops.health.alerts import post_webhook
from bridgeops.returns import service
from bridgeops.returns.models import SubmissionAttempt
from tests.conftest import bearer

BASE = "/api/v1/conferences/namdinh-2022/return"


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, status: int, location: str = ""):
        super().__init__(("127.0.0.1", 0), Handler)
        self.status, self.location, self.posts = status, location, []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/returns"


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:  # noqa: N802
        self.server.posts.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(self.server.status)
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def listeners() -> Iterator[callable]:
    started: list[Recorder] = []

    def start(status: int, location: str = "") -> Recorder:
        server = Recorder(status, location)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def test_a_redirect_from_tw_is_not_followed_nor_counted_as_accepted(
    app, client, demo, officer_token, listeners, monkeypatch
):
    elsewhere = listeners(201)
    tw = listeners(307, elsewhere.url)
    monkeypatch.setitem(app.config, "TW_RETURN_URL", tw.url + "?token=s3cret")
    snapshot = client.post(f"{BASE}/snapshots", headers=bearer(officer_token)).get_json()
    response = client.post(
        f"{BASE}/snapshots/{snapshot['id']}/submit", json={}, headers=bearer(officer_token)
    )
    assert response.status_code == 502
    assert len(tw.posts) == 1 and elsewhere.posts == []  # the return went nowhere else
    db.session.expire_all()
    attempts = db.session.scalars(db.select(SubmissionAttempt)).all()
    assert [a.status_code for a in attempts] == [307]
    assert all("s3cret" not in a.url for a in attempts)
    assert service.get_snapshot(demo, snapshot["id"]).accepted_at is None


def test_the_webhook_follows_no_redirect_and_logs_no_token(listeners, caplog):
    elsewhere = listeners(200)
    hook = listeners(307, elsewhere.url)
    with caplog.at_level(logging.WARNING, logger="bridgeops.health"):
        assert post_webhook(hook.url + "?token=s3cret", {"alerts": []}) is False
    assert len(hook.posts) == 1 and elsewhere.posts == []
    assert "s3cret" not in caplog.text and "/returns" in caplog.text


def test_plain_http_is_refused_outside_loopback(listeners, caplog):
    with pytest.raises(InsecureURL):
        check_outbound_url("http://tw.example.vn/returns")
    assert check_outbound_url("https://tw.example.vn/returns")
    assert check_outbound_url("http://127.0.0.1:8080/returns")
    with caplog.at_level(logging.WARNING, logger="bridgeops.health"):
        assert post_webhook("http://hooks.example.vn/x?token=s3cret", {"alerts": []}) is False
    assert "s3cret" not in caplog.text
    assert redact_url("https://u:p@tw.example.vn:8443/r?token=1#x") == "https://tw.example.vn:8443/r"


def test_the_service_refuses_to_start_with_a_plain_http_tw_url(database_url):
    from bridgeops import create_app
    from bridgeops.ops.security import ConfigurationError

    with pytest.raises(ConfigurationError, match="BRIDGEOPS_TW_RETURN_URL"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "k",
                "DATABASE_URL": database_url,
                "TW_RETURN_URL": "http://tw.example.vn/returns?token=s3cret",
            }
        )
