"""Scheduler failover in seconds: ``kill -9`` the scheduler holding the lease, three times, while
it delivers to a real SMTP server on loopback; a standby takes the lease and the dead holder's
claims at once. Measured: seconds from each kill to the next delivery (target < 10 s) and
duplicates per crash (target ≤ 1). The outbox claims keep their default length (120 s): the
takeover must not wait for them.
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
from tests.conftest import TEST_DATABASE_URL, private_database
from tests.invites.conftest import districts, queue_invites, register_point
from tests.invites.test_scheduler_kill import KEY, wait_for
from tests.smtp_server import CollectingHandler, LoopbackController

BRIDGEOPS = Path(sys.executable).with_name("bridgeops")
POINTS, SESSIONS, CRASHES = 10, 4, 3  # every district of Nam Định


@pytest.fixture(params=["sqlite", "postgresql"])
def failover_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bridgeops.sqlite3'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("BRIDGEOPS_TEST_DATABASE_URL is not set")
    url, drop = private_database(TEST_DATABASE_URL, suffix="failover_")
    try:
        yield url
    finally:
        drop()


@pytest.mark.slow
def test_a_killed_scheduler_is_replaced_in_seconds_with_at_most_one_duplicate(failover_database, tmp_path):
    database_url = failover_database
    handler = CollectingHandler(delay=0.3)
    controller = LoopbackController(handler)
    controller.start()
    env = {
        **os.environ,
        "BRIDGEOPS_DATABASE_URL": database_url,
        "BRIDGEOPS_SMTP_HOST": "127.0.0.1",
        "BRIDGEOPS_SMTP_PORT": str(controller.port),
        "BRIDGEOPS_SMTP_STARTTLS": "0",
        "BRIDGEOPS_SMTP_TIMEOUT": "5",
        "BRIDGEOPS_SECRET_KEY": KEY,
        "BRIDGEOPS_BASE_URL": "http://bridgeops.test",
        "BRIDGEOPS_OUTBOX_DIR": str(tmp_path),
    }
    env.pop("BRIDGEOPS_OUTBOX_CLAIM_SECONDS", None)
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
        for number, unit in enumerate(districts(conference, POINTS)):
            register_point(conference, unit, [(f"Kỹ thuật viên {number}", f"ktv{number}@nd.test")])
        queue_invites()
        db.session.remove()
        db.engine.dispose()
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))

    def holder_pid() -> int | None:
        with engine.connect() as connection:
            holder = connection.execute(
                sa.text("SELECT holder FROM scheduler_lease WHERE name = 'scheduler'")
            ).scalar()
        return int(holder.split(":")[1]) if holder else None

    def sent() -> int:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT count(*) FROM outbox_message WHERE status = 'sent'")
            ).scalar()

    with engine.connect() as connection:
        total = connection.execute(sa.text("SELECT count(*) FROM outbox_message")).scalar()
    assert total == POINTS * SESSIONS
    logs, processes = [], {}

    def start() -> None:
        log = (tmp_path / f"scheduler-{len(logs)}.log").open("wb")
        logs.append(log)
        process = subprocess.Popen(
            [str(BRIDGEOPS), "scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        processes[process.pid] = process

    takeovers, duplicates_before = [], 0
    started = time.monotonic()
    try:
        start()
        start()  # the standby: waits on the lease
        for crash in range(CRASHES):
            goal = (crash + 1) * total // (CRASHES + 2)
            wait_for(lambda goal=goal: len(handler.received) >= goal, 120, "deliveries")
            pid = holder_pid()
            assert pid in processes, "the lease holder is one of ours"
            processes[pid].send_signal(signal.SIGKILL)
            processes[pid].wait(10)
            killed_at, received_at_kill = time.monotonic(), len(handler.received)
            start()  # systemd restarts it: it becomes the next standby
            wait_for(lambda n=received_at_kill: len(handler.received) > n, 60, "a delivery after the kill")
            takeovers.append(time.monotonic() - killed_at)
        wait_for(lambda: sent() == total, 180, "every message sent")
        drained = time.monotonic() - started
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
        controller.stop()
        engine.dispose()

    message_ids = Counter(r.message["Message-ID"] for r in handler.received)
    duplicates = sum(message_ids.values()) - len(message_ids)
    backend = failover_database.split(":")[0].split("+")[0]
    print(
        f"\n{backend}: takeovers {[round(t, 1) for t in takeovers]} s, "
        f"{duplicates} duplicates in {CRASHES} crashes, {total} mails in {drained:.1f} s"
    )
    assert len(message_ids) == total, "every message arrived"
    assert duplicates <= CRASHES - duplicates_before, "at most the one in flight per crash"
    assert max(takeovers) < 10, takeovers
