"""POST /api/v1/heartbeat and the standard-library client scripts/heartbeat.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from bridgeops.accounts import service as accounts
from bridgeops.config import PROJECT_ROOT
from bridgeops.extensions import db
from bridgeops.health.models import PointHealth
from tests.conftest import bearer
from tests.factories import make_point
from tests.health.conftest import DISTRICT, technician_token


def last_seen(point) -> object:
    db.session.expire_all()
    health = db.session.get(PointHealth, point.id)
    return health.last_seen_at if health else None


def test_technician_heartbeat_is_accepted_with_204_and_marks_the_point_seen(client, demo):
    point = make_point(demo, DISTRICT)
    token = technician_token(point)
    db.session.commit()
    response = client.post("/api/v1/heartbeat", headers=bearer(token))
    assert response.status_code == 204
    assert response.data == b""
    assert last_seen(point) is not None


def test_heartbeat_refuses_other_tokens(client, demo, officer_token):
    point = make_point(demo, DISTRICT)
    chair = accounts.issue_grant("chair", conference_id=demo.id, unit_code=DISTRICT).token
    issued = accounts.issue_grant("technician", point_id=point.id, conference_id=demo.id)
    accounts.revoke_grant(issued.grant)
    db.session.commit()
    assert client.post("/api/v1/heartbeat").status_code == 401
    assert client.post("/api/v1/heartbeat", headers=bearer("nonsense")).status_code == 401
    assert client.post("/api/v1/heartbeat", headers=bearer(issued.token)).status_code == 401
    assert client.post("/api/v1/heartbeat", headers=bearer(officer_token)).status_code == 403
    forbidden = client.post("/api/v1/heartbeat", headers=bearer(chair))
    assert forbidden.status_code == 403
    assert forbidden.headers["Content-Type"].startswith("application/problem+json")
    assert last_seen(point) is None


def test_a_heartbeat_writes_one_update_and_nothing_else(client, demo):
    point = make_point(demo, DISTRICT)
    token = technician_token(point)
    db.session.commit()
    client.post("/api/v1/heartbeat", headers=bearer(token))  # first beat creates the row
    writes: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith("SELECT"):
            writes.append(statement.split()[0].upper() + " " + statement.split()[1])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.post("/api/v1/heartbeat", headers=bearer(token)).status_code == 204
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert [w for w in writes if not w.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SET LOCAL"))] == [
        "UPDATE point_health"
    ]


def run_script(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "heartbeat.py"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )


def test_heartbeat_script_reports_the_point_alive_over_real_http(demo, live_url):
    point = make_point(demo, DISTRICT)
    token = technician_token(point)
    db.session.commit()
    result = run_script(f"--url={live_url}", f"--token={token}", "--once")
    assert result.returncode == 0, result.stderr
    assert last_seen(point) is not None


def test_heartbeat_script_reads_the_environment_and_stops_on_a_refused_token(live_url):
    result = run_script(
        "--once", env={"BRIDGEOPS_URL": live_url, "BRIDGEOPS_TOKEN": "not-a-token", "PATH": ""}
    )
    assert result.returncode == 2
    assert "401" in result.stderr


def test_heartbeat_script_needs_url_and_token():
    result = run_script("--once", env={"PATH": ""})
    assert result.returncode == 2
    assert "--url" in result.stderr


def test_on_postgresql_a_heartbeat_alone_skips_the_wal_flush_wait(demo):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    from bridgeops.core.time import utcnow
    from bridgeops.health import service

    point = make_point(demo, DISTRICT)
    db.session.commit()
    service.record_heartbeat(point.id, utcnow())
    assert db.session.scalar(sa.text("SHOW synchronous_commit")) == "off"
    db.session.commit()
    assert last_seen(point) is not None
    # Only that transaction: the next one (a registration, a sweep) waits for its flush again.
    assert db.session.scalar(sa.text("SHOW synchronous_commit")) == "on"
