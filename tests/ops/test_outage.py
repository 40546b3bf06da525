"""A database outage looks like an outage: 503 with Retry-After, the chair's form kept, a few log
lines instead of a traceback per request, and service back by itself when the database is.

The database is a PostgreSQL server of the test's own (tests/pg_server.py), really stopped and
started under a real gunicorn.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from bridgeops import create_app
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from tests.conftest import bearer
from tests.factories import chair_token
from tests.live_server import gunicorn, server_environment
from tests.pg_server import pg_server  # noqa: F401  (fixture)
from tests.registration.helpers import MY_LOC

VENUE = "Phòng họp tầng 2 UBND huyện Mỹ Lộc"
BRIDGEOPS = Path(sys.executable).with_name("bridgeops")


def _seed(url: str) -> tuple[str, str]:
    """The demo conference on the own server; returns an officer token and a chair token."""
    from bridgeops.accounts import service as accounts
    from bridgeops.demo import create_demo

    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x", "BASE_URL": "http://127.0.0.1"}
    )
    with app.app_context():
        db.create_all()
        conference, _ = create_demo()
        accounts.create_user("officer@hoiphunu.test", "Cán bộ Đầu mối", "officer", "mat-khau-123")
        db.session.commit()
        officer = accounts.create_api_token("officer@hoiphunu.test").token
        db.session.commit()
        chair = chair_token(conference, MY_LOC)
        db.session.remove()
        db.engine.dispose()
    return officer, chair


def _log_lines(log: str) -> list[dict]:
    lines = []
    for line in log.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_a_database_outage_answers_503_keeps_the_form_and_recovers(pg_server, tmp_path):  # noqa: F811
    officer, chair = _seed(pg_server.url)
    scheduler_log = (tmp_path / "scheduler.log").open("wb")  # noqa: SIM115
    scheduler = subprocess.Popen(
        [str(BRIDGEOPS), "scheduler"],
        stdout=scheduler_log,
        stderr=subprocess.STDOUT,
        env=server_environment(pg_server.url, BRIDGEOPS_OUTBOX_DIR=str(tmp_path)),
    )
    try:
        _outage_under_gunicorn(pg_server, officer, chair)
        time.sleep(2)  # the scheduler's jobs ran against the database that came back
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(20)
        scheduler_log.close()
    # The scheduler lived through the outage and said so in lines, not tracebacks.
    output = (tmp_path / "scheduler.log").read_text()
    first = min((at for at in (output.find("Traceback"), output.find('"exception"')) if at >= 0), default=-1)
    assert first < 0, output[max(first - 500, 0) : first + 4000]  # the first traceback, not the log's end
    assert "lease renewal failed" in output or "job " in output


def _outage_under_gunicorn(server_pg, officer: str, chair: str) -> None:
    with gunicorn(server_pg.url, BRIDGEOPS_WORKERS="2") as server:
        phone = requests.Session()
        assert phone.get(f"{server.url}/c/{chair}").status_code == 200
        form = phone.get(f"{server.url}/conferences/namdinh-2022/points/new?unit={MY_LOC}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
        sent = {
            "csrf_token": csrf,
            "unit": MY_LOC,
            "version": "",
            "technician_rows": "1",
            "name": "",
            "venue": VENUE,
            "capacity": "80",
            "probe_target": "",
            "count_bch": "15",
            "technician_0_name": "Trần Văn Kỹ",
            "technician_0_phone": "0912345678",
            "technician_0_email": "ky@example.vn",
        }

        server_pg.stop()
        outage_started = time.monotonic()
        marker = len(server.output)
        api = requests.get(
            f"{server.url}/api/v1/conferences/namdinh-2022", headers=bearer(officer), timeout=30
        )
        assert api.status_code == 503
        assert api.headers["Content-Type"] == "application/problem+json"
        assert api.headers["Retry-After"] == "5"
        assert "tạm gián đoạn" in api.json()["title"]

        page = phone.post(
            f"{server.url}/conferences/namdinh-2022/points/new?unit={MY_LOC}", data=sent, timeout=30
        )
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert "hệ thống tạm gián đoạn, dữ liệu bạn nhập vẫn còn" in page.text.lower()
        assert VENUE in page.text and "Trần Văn Kỹ" in page.text
        kept = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        assert kept["venue"] == VENUE and kept["csrf_token"] == csrf

        health = requests.get(f"{server.url}/healthz", timeout=30)
        assert health.status_code == 503 and health.json()["database"] == "unreachable"
        for _ in range(40):
            response = requests.get(
                f"{server.url}/api/v1/conferences/namdinh-2022/points", headers=bearer(officer), timeout=30
            )
            assert response.status_code == 503
        outage_seconds = time.monotonic() - outage_started
        during = _log_lines("".join(server.output[marker:]))
        errors = [line for line in during if line.get("level") == "error"]
        assert not [line for line in during if "exception" in line]  # no traceback at all
        # One line per kind of failure per interval, not one per request (43 requests here).
        assert 1 <= len(errors) <= 2 * 2, errors  # ≤ 2 kinds in each of 2 workers
        print(
            f"\noutage: {len(errors)} error lines in {outage_seconds:.1f} s "
            f"({len(errors) / outage_seconds:.2f} lines/s) for 43 requests"
        )

        time.sleep(max(0.0, 3 - (time.monotonic() - outage_started)))  # the scheduler notices
        server_pg.start()
        restarted = time.monotonic()
        while requests.get(f"{server.url}/healthz", timeout=30).status_code != 200:
            assert time.monotonic() - restarted < 30, "no recovery within 30 s"
            time.sleep(0.05)
        print(f"recovery after the database came back: {time.monotonic() - restarted:.2f} s")

        # Sending the kept form again registers the point: nothing she typed was lost.
        again = phone.post(
            f"{server.url}/conferences/namdinh-2022/points/new?unit={MY_LOC}", data=kept, timeout=30
        )
        assert again.status_code == 200, again.text[:500]
    engine = sa.create_engine(server_pg.url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        venue = connection.execute(
            sa.select(BridgePoint.venue).where(BridgePoint.unit_code == MY_LOC)
        ).scalar_one()
    engine.dispose()
    assert venue == VENUE
