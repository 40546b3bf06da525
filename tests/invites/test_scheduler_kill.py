"""Killing the scheduler in the middle of delivery loses no message.

A real ``bridgeops scheduler`` process delivers to a slow SMTP server on loopback from a file
SQLite database; it is SIGKILLed half-way; two copies are started again (one must wait on the
lease) and the rest arrives. At-least-once: only the message in flight at the kill may arrive
twice, with the same Message-ID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridgeops import create_app
from bridgeops.extensions import db
from tests.invites.conftest import districts, queue_invites, register_point
from tests.smtp_server import CollectingHandler, LoopbackController

BRIDGEOPS = Path(sys.executable).with_name("bridgeops")

KEY = "kill-test-secret-key-kill-test-secret-key"


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_killing_the_scheduler_mid_delivery_loses_no_message(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bridgeops.sqlite3'}"
    handler = CollectingHandler(delay=0.25)
    controller = LoopbackController(handler)
    controller.start()
    env = {
        **os.environ,
        "BRIDGEOPS_DATABASE_URL": database_url,
        "BRIDGEOPS_SMTP_HOST": "127.0.0.1",
        "BRIDGEOPS_SMTP_PORT": str(controller.port),
        "BRIDGEOPS_SMTP_STARTTLS": "0",
        "BRIDGEOPS_SMTP_TIMEOUT": "1",
        "BRIDGEOPS_OUTBOX_CLAIM_SECONDS": "3",
        "BRIDGEOPS_SECRET_KEY": KEY,
        "BRIDGEOPS_BASE_URL": "http://bridgeops.test",
        "BRIDGEOPS_OUTBOX_DIR": str(tmp_path),
    }
    other = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": KEY,
            "BASE_URL": "http://bridgeops.test",
            "TESTING": True,
        }
    )
    with other.app_context():
        from bridgeops.conference.demo import create_demo

        db.create_all()
        conference, _ = create_demo()
        db.session.commit()
        for number, unit in enumerate(districts(conference, 8)):
            register_point(conference, unit, [(f"Kỹ thuật viên {number}", f"ktv{number}@nd.test")])
        queue_invites()
        db.session.remove()
        db.engine.dispose()
    engine = sa.create_engine(database_url)

    def statuses() -> Counter:
        with engine.connect() as connection:
            return Counter(
                dict(
                    connection.execute(
                        sa.text("SELECT status, count(*) FROM outbox_message GROUP BY status")
                    ).all()
                )
            )

    assert statuses() == Counter(pending=32)
    logs = [(tmp_path / f"scheduler-{n}.log").open("wb") for n in range(3)]  # noqa: SIM115
    processes = []
    try:
        first = subprocess.Popen(
            [str(BRIDGEOPS), "scheduler"], env=env, stdout=logs[0], stderr=subprocess.STDOUT
        )
        processes.append(first)
        wait_for(lambda: len(handler.received) >= 6, 60, "the first deliveries")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        at_kill = statuses()
        assert 0 < at_kill["pending"] < 32, at_kill  # killed in the middle

        for n in (1, 2):  # a second copy started by mistake must wait on the lease
            processes.append(
                subprocess.Popen(
                    [str(BRIDGEOPS), "scheduler"], env=env, stdout=logs[n], stderr=subprocess.STDOUT
                )
            )
        wait_for(lambda: statuses().get("sent") == 32, 120, "every message sent")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
        controller.stop()
        engine.dispose()

    message_ids = Counter(r.message["Message-ID"] for r in handler.received)
    assert len(message_ids) == 32, "every message arrived"
    assert sum(message_ids.values()) - 32 <= 1, "only the one in flight at the kill may repeat"
    with engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT count(DISTINCT dedupe_key) FROM outbox_message"))
        assert keys.scalar() == 32
    outputs = [(tmp_path / f"scheduler-{n}.log").read_text() for n in (1, 2)]
    assert all("Bộ lập lịch chạy" in out for out in outputs)
