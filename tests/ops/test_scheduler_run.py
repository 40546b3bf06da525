"""One real run of the scheduler process, and the log line of each job run."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

from bridgeops.core.jobs import JobSpec
from bridgeops.ops.lease import last_heartbeat
from bridgeops.ops.logs import JsonFormatter
from bridgeops.scheduler import run_job
from tests.live_server import server_environment

BRIDGEOPS = Path(sys.executable).with_name("bridgeops")


def test_scheduler_once_runs_and_leaves_a_heartbeat_for_healthz(database_url, client):
    result = subprocess.run(
        [str(BRIDGEOPS), "scheduler", "--once"],
        capture_output=True,
        text=True,
        env=server_environment(database_url),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "một lần" in result.stdout
    assert last_heartbeat() is not None
    assert client.get("/healthz").get_json()["scheduler"]["last_heartbeat_at"] is not None


def test_each_job_run_logs_one_json_line_with_its_outcome(app, caplog):
    def broken(_app) -> None:
        raise RuntimeError("SMTP down")

    with caplog.at_level(logging.INFO, logger="bridgeops.scheduler"):
        assert run_job(app, JobSpec("outbox", 5, lambda _app: None))
        assert not run_job(app, JobSpec("probes", 5, broken))
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.message == "job"]
    assert [(line["job"], line["status"]) for line in lines] == [("outbox", "ok"), ("probes", "failed")]
    assert "SMTP down" in lines[1]["exception"]
    assert all(isinstance(line["duration_ms"], float) for line in lines)
