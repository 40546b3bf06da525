"""Submission to TW against real HTTP listeners on loopback."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bridgeops.core.time import format_datetime_vi, utcnow
from bridgeops.extensions import db
from bridgeops.returns import service
from bridgeops.returns.models import SubmissionAttempt
from tests.conftest import bearer

BASE = "/api/v1/conferences/namdinh-2022/return"


class FakeTW(ThreadingHTTPServer):
    """TW's receiving end: answers 503 ``failures`` times, then 201; deduplicates on the
    Idempotency-Key like a well-behaved receiver."""

    daemon_threads = True

    def __init__(self, failures: int, failure_status: int = 503):
        super().__init__(("127.0.0.1", 0), TWHandler)
        self.failures = failures
        self.failure_status = failure_status
        self.requests: list[dict] = []
        self.accepted: dict[str, str] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/returns"


class TWHandler(BaseHTTPRequestHandler):
    server: FakeTW

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers.get("Idempotency-Key", "")
        with self.server.lock:
            self.server.requests.append(
                {"at": time.monotonic(), "key": key, "body": body, "type": self.headers.get("Content-Type")}
            )
            if self.server.failures > 0:
                self.server.failures -= 1
                status = self.server.failure_status
                answer = {"error": "Hệ thống đang bận" if status == 503 else "Thiếu số liệu cấp xã"}
            elif key in self.server.accepted:
                status, answer = 200, {"receipt": self.server.accepted[key], "duplicate": True}
            else:
                receipt = f"TW-{len(self.server.accepted) + 1:04d}"
                self.server.accepted[key] = receipt
                status, answer = 201, {"receipt": receipt}
        payload = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args) -> None:
        pass


def serve(failures: int, failure_status: int = 503) -> Iterator[FakeTW]:
    server = FakeTW(failures, failure_status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def flaky_tw(app, monkeypatch) -> Iterator[FakeTW]:
    for server in serve(failures=3):
        monkeypatch.setitem(app.config, "TW_RETURN_URL", server.url)
        monkeypatch.setitem(app.config, "TW_RETURN_BACKOFF", 0.05)
        monkeypatch.setitem(app.config, "TW_RETURN_ATTEMPTS", 5)
        yield server


def test_submission_retries_after_503_with_backoff_and_records_every_attempt(flaky_tw, nam_dinh):
    snapshot = service.freeze(nam_dinh.conference, "officer:a@x.test")
    db.session.commit()
    outcome = service.submit(snapshot, "officer:a@x.test")
    db.session.commit()
    assert outcome.accepted and not outcome.already_accepted
    assert [a.status_code for a in outcome.attempts] == [503, 503, 503, 201]
    assert "TW-0001" in outcome.attempts[-1].response_excerpt
    assert "Hệ thống đang bận" in outcome.attempts[0].response_excerpt
    assert snapshot.accepted_at is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(SubmissionAttempt)) == 4

    arrivals = [r["at"] for r in flaky_tw.requests]
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2
    assert {r["key"] for r in flaky_tw.requests} == {snapshot.sha256}
    sent = json.loads(flaky_tw.requests[-1]["body"])
    assert sent["schema"] == "bridgeops.return/v1" and sent["sha256"] == snapshot.sha256
    hashed = {k: v for k, v in sent.items() if k not in ("sha256", "frozen_at", "frozen_by")}
    canonical = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == snapshot.sha256


def test_resubmitting_unchanged_content_is_harmless(flaky_tw, nam_dinh):
    first = service.freeze(nam_dinh.conference, "cli")
    db.session.commit()
    assert service.submit(first, "cli").accepted
    db.session.commit()
    requests_after_first = len(flaky_tw.requests)

    again = service.submit(first, "cli")
    same_content = service.freeze(nam_dinh.conference, "cli")
    db.session.commit()
    duplicate = service.submit(same_content, "cli")
    assert again.already_accepted and duplicate.already_accepted
    assert len(flaky_tw.requests) == requests_after_first  # nothing sent again

    forced = service.submit(first, "cli", force=True)
    assert forced.accepted and forced.attempts[-1].status_code == 200
    assert len(flaky_tw.accepted) == 1  # TW counted it once, thanks to the Idempotency-Key


def test_api_submits_a_snapshot_and_reports_the_attempts(client, flaky_tw, nam_dinh, officer_token):
    snapshot = client.post(f"{BASE}/snapshots", headers=bearer(officer_token)).get_json()
    response = client.post(f"{BASE}/snapshots/{snapshot['id']}/submit", headers=bearer(officer_token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["accepted"] and [a["status_code"] for a in body["attempts"]] == [503, 503, 503, 201]
    assert body["snapshot"]["accepted_at"] is not None
    detail = client.get(f"{BASE}/snapshots/{snapshot['id']}", headers=bearer(officer_token))
    assert len(detail.get_json()["attempts"]) == 4


def test_officer_submits_from_the_snapshot_page(client, flaky_tw, nam_dinh, officer):
    snapshot = service.freeze(nam_dinh.conference, "cli")
    db.session.commit()
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.post(
        f"/conferences/namdinh-2022/return/snapshots/{snapshot.id}/submit", follow_redirects=True
    ).get_data(as_text=True)
    assert "Trung ương đã nhận báo cáo." in page
    assert page.count("HTTP 503") == 3 and "HTTP 201" in page


def test_cli_submit_freezes_and_sends(runner, flaky_tw, nam_dinh):
    result = runner.invoke(args=["return", "submit", "--conference", "namdinh-2022"])
    assert result.exit_code == 0, result.output
    assert "Lần 4: HTTP 201" in result.output and "đã nhận" in result.output
    again = runner.invoke(args=["return", "submit", "--conference", "namdinh-2022"])
    assert again.exit_code == 0 and "không gửi lại" in again.output


def test_tw_that_never_answers_times_out_and_every_attempt_is_recorded(
    app, monkeypatch, nam_dinh, client, officer_token
):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes connections; nobody ever reads or answers
    try:
        monkeypatch.setitem(
            app.config, "TW_RETURN_URL", f"http://127.0.0.1:{silent.getsockname()[1]}/returns"
        )
        monkeypatch.setitem(app.config, "TW_RETURN_READ_TIMEOUT", 0.3)
        monkeypatch.setitem(app.config, "TW_RETURN_ATTEMPTS", 3)
        monkeypatch.setitem(app.config, "TW_RETURN_BACKOFF", 0.01)
        snapshot = service.freeze(nam_dinh.conference, "cli")
        db.session.commit()
        started = time.monotonic()
        response = client.post(f"{BASE}/snapshots/{snapshot.id}/submit", headers=bearer(officer_token))
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert response.status_code == 502
    assert "3 lần thử" in response.get_json()["detail"]
    attempts = db.session.scalars(db.select(SubmissionAttempt)).all()
    assert len(attempts) == 3
    assert all(a.status_code is None and "ReadTimeout" in a.error for a in attempts)
    assert all(250 <= a.duration_ms < 2000 for a in attempts)
    assert elapsed < 5
    db.session.refresh(snapshot)
    assert snapshot.accepted_at is None


def test_refused_connection_is_retried_then_recorded(app, monkeypatch, nam_dinh):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "TW_RETURN_URL", f"http://127.0.0.1:{port}/returns")
    monkeypatch.setitem(app.config, "TW_RETURN_ATTEMPTS", 2)
    monkeypatch.setitem(app.config, "TW_RETURN_BACKOFF", 0.01)
    snapshot = service.freeze(nam_dinh.conference, "cli")
    outcome = service.submit(snapshot, "cli")
    assert not outcome.accepted
    assert [a.error.split(":")[0] for a in outcome.attempts] == ["ConnectionError"] * 2


def test_submission_without_a_tw_url_is_a_409(client, nam_dinh, officer_token, app, monkeypatch):
    monkeypatch.setitem(app.config, "TW_RETURN_URL", "")
    snapshot = client.post(f"{BASE}/snapshots", headers=bearer(officer_token)).get_json()
    response = client.post(f"{BASE}/snapshots/{snapshot['id']}/submit", headers=bearer(officer_token))
    assert response.status_code == 409
    assert "BRIDGEOPS_TW_RETURN_URL" in response.get_json()["detail"]


def test_no_retry_starts_beyond_the_time_budget(app, monkeypatch, nam_dinh):
    for server in serve(failures=10):
        monkeypatch.setitem(app.config, "TW_RETURN_URL", server.url)
        monkeypatch.setitem(app.config, "TW_RETURN_ATTEMPTS", 10)
        monkeypatch.setitem(app.config, "TW_RETURN_BACKOFF", 0.1)
        monkeypatch.setitem(app.config, "TW_RETURN_BUDGET", 0.5)
        outcome = service.submit(service.freeze(nam_dinh.conference, "cli"), "cli")
        assert not outcome.accepted
        # Delays 0.1 + 0.2 fit in half a second; the next 0.4 would not.
        assert [a.status_code for a in outcome.attempts] == [503, 503, 503]


# --- The scheduler tries again --------------------------------------------------------------


def busy_tw(app, monkeypatch, failures: int, failure_status: int = 503) -> Iterator[FakeTW]:
    for server in serve(failures, failure_status):
        monkeypatch.setitem(app.config, "TW_RETURN_URL", server.url)
        monkeypatch.setitem(app.config, "TW_RETURN_ATTEMPTS", 2)
        monkeypatch.setitem(app.config, "TW_RETURN_BACKOFF", 0.01)
        yield server


def test_the_scheduler_tries_again_with_growing_waits_until_tw_takes_it(
    app, monkeypatch, nam_dinh, client, officer_token
):
    for tw in busy_tw(app, monkeypatch, failures=3):
        snapshot = service.freeze(nam_dinh.conference, "officer:a@x.test")
        db.session.commit()
        assert not service.submit(snapshot, "officer:a@x.test").accepted  # 503, 503
        db.session.commit()
        state = service.retry_state(snapshot)
        assert (state.state, state.runs) == ("waiting", 1)
        assert state.next_at == snapshot.attempts[-1].started_at + timedelta(minutes=5)
        detail = client.get(f"{BASE}/snapshots/{snapshot.id}", headers=bearer(officer_token))
        retry = detail.get_json()["retry"]
        assert (retry["state"], retry["runs"]) == ("waiting", 1)
        assert datetime.fromisoformat(retry["next_at"]) == state.next_at
        # Not before the wait is over.
        assert service.resubmit_due(now=state.next_at - timedelta(seconds=1)) == []
        assert len(tw.requests) == 2
        # One attempt per run, as the scheduler: still busy, so the next wait doubles.
        [outcome] = service.resubmit_due(now=state.next_at)
        db.session.rollback()  # what the run recorded is committed already
        assert [(a.status_code, a.actor) for a in outcome.attempts] == [(503, "scheduler")]
        assert len(snapshot.attempts) == 3
        state = service.retry_state(snapshot)
        assert (state.state, state.runs) == ("waiting", 2)
        assert state.next_at == snapshot.attempts[-1].started_at + timedelta(minutes=10)
        assert jobs_run_at(app, monkeypatch, state.next_at) == [(True, [(201, "scheduler")])]
        db.session.refresh(snapshot)
        assert snapshot.accepted_at is not None and service.retry_state(snapshot) is None
        assert service.resubmit_due(now=state.next_at + timedelta(days=1)) == []
        assert len(tw.requests) == 4 and len(tw.accepted) == 1


def jobs_run_at(app, monkeypatch, now) -> list:
    """The scheduler's own job (returns/jobs.py), run as if the clock said ``now``."""
    from bridgeops.returns import jobs
    from bridgeops.scheduler import collect_jobs, run_job

    outcomes: list = []
    real = service.resubmit_due

    def at_now(now_=None):
        done = real(now=now)
        # What the job did, read before it ends its session.
        outcomes.extend((o.accepted, [(a.status_code, a.actor) for a in o.attempts]) for o in done)
        return done

    monkeypatch.setattr(service, "resubmit_due", at_now)
    [spec] = [j for j in collect_jobs(app) if j.id == "return-resubmit"]
    assert spec.run is jobs.resubmit and spec.seconds == jobs.RESUBMIT_INTERVAL
    assert run_job(app, spec)
    monkeypatch.setattr(service, "resubmit_due", real)
    return outcomes


def test_a_refusal_waits_for_the_officer(app, monkeypatch, nam_dinh, client, officer):
    for tw in busy_tw(app, monkeypatch, failures=100, failure_status=422):
        snapshot = service.freeze(nam_dinh.conference, "officer:a@x.test")
        db.session.commit()
        outcome = service.submit(snapshot, "officer:a@x.test")
        db.session.commit()
        assert [a.status_code for a in outcome.attempts] == [422]  # not retried at all
        assert service.retry_state(snapshot).state == "refused"
        assert service.resubmit_due(now=utcnow() + timedelta(hours=2)) == []
        assert len(tw.requests) == 1
        client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
        page = client.get(f"/conferences/namdinh-2022/return/snapshots/{snapshot.id}")
        assert "Trung ương từ chối" in page.get_data(as_text=True)


def test_the_officer_is_told_when_the_next_try_is(app, monkeypatch, nam_dinh, client, officer):
    for _tw in busy_tw(app, monkeypatch, failures=100):
        snapshot = service.freeze(nam_dinh.conference, "cli")
        db.session.commit()
        client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
        page = client.post(
            f"/conferences/namdinh-2022/return/snapshots/{snapshot.id}/submit", follow_redirects=True
        ).get_data(as_text=True)
        db.session.expire_all()
        state = service.retry_state(db.session.get(type(snapshot), snapshot.id))
        at = format_datetime_vi(state.next_at, "Asia/Ho_Chi_Minh")
        assert f"Hệ thống sẽ tự gửi lại lúc {at}" in page  # the flash
        assert f"Hệ thống tự gửi lại lúc {at} (đã gửi 1 đợt)" in page  # the page's own line


def test_only_the_newest_submitted_snapshot_is_retried_and_only_for_a_day(app, monkeypatch, nam_dinh):
    for tw in busy_tw(app, monkeypatch, failures=100):
        older = service.freeze(nam_dinh.conference, "cli")
        db.session.commit()
        service.submit(older, "cli")
        newer = service.freeze(nam_dinh.conference, "cli")
        db.session.commit()
        service.submit(newer, "cli")
        db.session.commit()
        assert service.retry_state(older).state == "superseded"
        [outcome] = service.resubmit_due(now=utcnow() + timedelta(minutes=6))
        assert outcome.snapshot.id == newer.id
        db.session.commit()
        # A day after the first try, the scheduler stops and says so.
        first = newer.attempts[0]
        first.started_at = first.started_at - timedelta(days=1)
        db.session.commit()
        assert service.retry_state(newer).state == "gave_up"
        sent = len(tw.requests)
        assert service.resubmit_due(now=utcnow() + timedelta(hours=3)) == []
        assert len(tw.requests) == sent
        # The officer sends it again by hand: the scheduler's day starts over from there.
        service.submit(newer, "officer:a@x.test")
        db.session.commit()
        state = service.retry_state(newer)
        assert (state.state, state.runs) == ("waiting", 1)


class CutOffTW(BaseHTTPRequestHandler):
    """Promises a body it never finishes sending, then hangs up."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b'{"receipt": ')

    def log_message(self, *_args) -> None:
        pass


def test_an_answer_cut_off_midway_is_an_attempt_on_record_not_an_error(app, monkeypatch, nam_dinh):
    server = ThreadingHTTPServer(("127.0.0.1", 0), CutOffTW)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setitem(
            app.config, "TW_RETURN_URL", f"http://127.0.0.1:{server.server_address[1]}/returns"
        )
        monkeypatch.setitem(app.config, "TW_RETURN_ATTEMPTS", 2)
        monkeypatch.setitem(app.config, "TW_RETURN_BACKOFF", 0.01)
        snapshot = service.freeze(nam_dinh.conference, "cli")
        outcome = service.submit(snapshot, "cli")
    finally:
        server.shutdown()
        server.server_close()
    assert not outcome.accepted
    assert [a.error.split(":")[0] for a in outcome.attempts] == ["ChunkedEncodingError"] * 2
    assert service.retry_state(snapshot).state == "waiting"  # the scheduler will try again
