"""Real ``bridgeops scheduler`` processes for the kill and failover tests: a seeded outbox, the
environment pointing at a loopback SMTP server, and processes that are always stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from bridgeops import create_app
from bridgeops.demo import create_demo
from bridgeops.extensions import db
from tests.invites.conftest import districts, queue_invites, register_point

BRIDGEOPS = Path(sys.executable).with_name("bridgeops")
KEY = "kill-test-secret-key-kill-test-secret-key"
BASE_URL = "http://bridgeops.test"


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def seed_outbox(database_url: str, points: int) -> None:
    """The demo conference and ``points`` district points with one technician each, so every
    point's invites wait in the outbox; from another app, as the web process would."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": KEY, "BASE_URL": BASE_URL, "TESTING": True})
    with app.app_context():
        db.create_all()
        conference, _ = create_demo()
        db.session.commit()
        for number, unit in enumerate(districts(conference, points)):
            register_point(conference, unit, [(f"Kỹ thuật viên {number}", f"ktv{number}@nd.example.vn")])
        queue_invites()  # what the scheduler's outbox job does first
        db.session.remove()
        db.engine.dispose()


def scheduler_env(database_url: str, smtp_port: int, outbox_dir: Path, **settings: str) -> dict[str, str]:
    """The scheduler's environment: this database, the loopback SMTP server, and ``settings``
    (``BRIDGEOPS_`` names; a None value removes the setting)."""
    env = {
        **os.environ,
        "BRIDGEOPS_DATABASE_URL": database_url,
        "BRIDGEOPS_SMTP_HOST": "127.0.0.1",
        "BRIDGEOPS_SMTP_PORT": str(smtp_port),
        "BRIDGEOPS_SMTP_STARTTLS": "0",
        "BRIDGEOPS_SECRET_KEY": KEY,
        "BRIDGEOPS_BASE_URL": BASE_URL,
        "BRIDGEOPS_OUTBOX_DIR": str(outbox_dir),
    }
    for name, value in settings.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class Schedulers:
    """Scheduler processes started with one environment, each logging to its own file; on exit
    every one still running gets SIGTERM (SIGKILL after 15 s)."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env, self.log_dir = env, log_dir
        self.processes: dict[int, subprocess.Popen] = {}
        self._logs: list[IO[bytes]] = []

    def start(self) -> subprocess.Popen:
        log = (self.log_dir / f"scheduler-{len(self._logs)}.log").open("wb")
        self._logs.append(log)
        process = subprocess.Popen(
            [str(BRIDGEOPS), "scheduler"], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[process.pid] = process
        return process

    def kill(self, pid: int) -> None:
        """``kill -9`` one of ours, and reap it."""
        self.processes[pid].send_signal(signal.SIGKILL)
        self.processes[pid].wait(10)

    def output(self, index: int) -> str:
        """What the ``index``-th process started wrote."""
        return (self.log_dir / f"scheduler-{index}.log").read_text()

    def __enter__(self) -> Schedulers:
        return self

    def __exit__(self, *_exc: object) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self._logs:
            log.close()
