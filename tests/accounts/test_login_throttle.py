"""Login throttling (issue 14, row 7): one limit shared by every process through Redis, the
same time for known and unknown emails, and no lock-out of the real officer by a guesser
elsewhere."""

from __future__ import annotations

import re
import statistics
import time
import uuid

import pytest
import requests

from tests.live_server import gunicorn

PASSWORD = "mat-khau-123"


def attempt(client, email: str, password: str, address: str):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_a_guesser_elsewhere_does_not_lock_the_real_officer_out(app, client, officer):
    statuses = [attempt(client, officer.email, f"sai-{i}", "10.0.0.66").status_code for i in range(25)]
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}
    # The guesser's address stays refused, even with the right password...
    assert attempt(client, officer.email, PASSWORD, "10.0.0.66").status_code == 429
    # ...while the officer, at her own desk, logs in.
    assert attempt(app.test_client(), officer.email, PASSWORD, "10.0.0.7").status_code == 302


def test_unknown_and_known_emails_take_the_same_time_to_refuse(client, officer):
    def timed(email: str, address: str) -> float:
        started = time.perf_counter()
        assert attempt(client, email, "sai-mat-khau", address).status_code == 401
        return time.perf_counter() - started

    known = statistics.median(timed(officer.email, f"10.1.0.{i}") for i in range(5))
    unknown = statistics.median(timed(f"khong-co-{i}@hoiphunu.test", f"10.2.0.{i}") for i in range(5))
    # Before the fix: 180-270 ms against 9-34 ms. Now both pay for one password hash.
    assert unknown > 0.6 * known and known > 0.6 * unknown, (known, unknown)


def test_two_worker_processes_share_one_login_limit_in_redis(database_url, officer):
    redis = pytest.importorskip("redis")
    store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        store.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"bridgeops-login-{uuid.uuid4().hex[:8]}"
    settings = {
        "BRIDGEOPS_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "BRIDGEOPS_RATELIMIT_KEY_PREFIX": prefix,
        "BRIDGEOPS_WORKERS": "2",
    }
    statuses = []
    try:
        with gunicorn(database_url, **settings) as server:
            for i in range(12):
                # A new connection and session each time, so attempts spread over both workers.
                with requests.Session() as browser:
                    page = browser.get(server.url + "/login", timeout=10).text
                    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
                    assert csrf, page[:500]
                    statuses.append(
                        browser.post(
                            server.url + "/login",
                            timeout=10,
                            allow_redirects=False,
                            data={"csrf_token": csrf[1], "email": officer.email, "password": f"sai-{i}"},
                        ).status_code
                    )
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
