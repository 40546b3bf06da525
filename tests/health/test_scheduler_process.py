"""One real run of the scheduler process: its probe job moves states in the database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from bridgeops.config import PROJECT_ROOT
from bridgeops.extensions import db
from tests.factories import make_point
from tests.health.conftest import DISTRICT, PROVINCE, closed_port, move_window_to_now, state_of


@pytest.mark.slow
def test_scheduler_process_probes_points_during_the_window(app, demo, database_url, http_peer, tmp_path):
    move_window_to_now(demo)
    up = make_point(demo, PROVINCE, target=http_peer)
    down = make_point(demo, DISTRICT, target=f"tcp://127.0.0.1:{closed_port()}")
    db.session.commit()
    env = {
        **os.environ,
        "BRIDGEOPS_DATABASE_URL": database_url,
        "BRIDGEOPS_PROBE_INTERVAL": "1",
        "BRIDGEOPS_PROBE_TIMEOUT": "0.5",
        "BRIDGEOPS_OUTBOX_DIR": str(tmp_path),
        "BRIDGEOPS_SECRET_KEY": "scheduler-process-test-secret-key-0123",
        "BRIDGEOPS_PROBE_ALLOW": "127.0.0.0/8",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (state_of(up), state_of(down)) != ("up", "down"):
            db.session.rollback()
            time.sleep(0.5)
        assert (state_of(up), state_of(down)) == ("up", "down")
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=20)
        db.session.rollback()
    assert "Traceback" not in errors
