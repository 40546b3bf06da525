import contextlib
import os
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bridgeops import create_app
from bridgeops.extensions import db
from bridgeops.ops.models import SchedulerLease
from tests.pg_server import pg_server  # noqa: F401  (fixture)


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["database"], body["storage"]) == ("ok", "ok", "ok")
    assert body["scheduler"] == {"state": "never_seen", "last_heartbeat_at": None}


def test_healthz_reports_the_scheduler_heartbeat(client):
    from bridgeops.ops.lease import acquire_or_renew

    assert acquire_or_renew("host:1:test")
    body = client.get("/healthz").get_json()
    assert body["scheduler"]["state"] == "ok"
    assert body["scheduler"]["last_heartbeat_at"] is not None


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_pages_send_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _schema_app(url: str, write_check_seconds: float = 0):
    # 0: every call writes and fsyncs, so a test sees a change of the database or disk at once.
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": url,
            "HEALTHZ_WRITE_CHECK_SECONDS": write_check_seconds,
        }
    )
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return app


def test_healthz_is_503_when_the_sqlite_database_is_read_only(tmp_path):
    path = tmp_path / "bridgeops.sqlite3"
    _schema_app(f"sqlite:///{path}")
    read_only = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "OUTBOX_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///file:{path}?mode=ro&uri=true",
        }
    )
    response = read_only.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.get_json() == {"status": "error", "database": "read_only"}


def test_healthz_is_503_when_postgresql_is_read_only(pg_server):  # noqa: F811
    app = _schema_app(pg_server.url)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    admin = sa.create_engine(
        pg_server.url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text("ALTER SYSTEM SET default_transaction_read_only = on"))
        connection.execute(sa.text("SELECT pg_reload_conf()"))
    admin.dispose()
    with app.app_context():
        db.engine.dispose()  # new connections read the setting
    response = client.get("/healthz")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    assert response.get_json()["database"] == "read_only"


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs: a real file system that fills up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, check=False
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_healthz_is_503_on_a_full_disk(small_disk):
    url = f"sqlite:///{small_disk / 'bridgeops.sqlite3'}"
    app = _schema_app(url)
    app.config["OUTBOX_DIR"] = str(small_disk / "outbox")
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    filler = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT)
    with contextlib.suppress(OSError):
        while True:
            os.write(filler, b"\0" * 65536)
    os.close(filler)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert "disk_full" in (body.get("database"), body.get("storage")), body


def test_healthz_is_degraded_when_the_scheduler_stops_during_a_session_window(client, demo):
    from bridgeops.core.time import utcnow
    from bridgeops.ops.lease import acquire_or_renew

    session = demo.sessions[0]
    session.starts_at, session.ends_at = utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=1)
    db.session.commit()
    assert acquire_or_renew("host:1:scheduler")
    body = client.get("/healthz").get_json()
    assert (body["status"], body["monitoring"]) == ("ok", "ok")
    # The scheduler's last renewal is now older than its lease: it has stopped.
    lease = db.session.get(SchedulerLease, "scheduler")
    lease.heartbeat_at = lease.expires_at = utcnow() - timedelta(seconds=95)
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["monitoring"], body["scheduler"]["state"]) == (
        "degraded",
        "stopped",
        "stale",
    )


def test_a_flood_of_healthz_writes_once_a_second_and_still_sees_the_database_go(tmp_path):
    """/healthz is public: many calls in a second rewrite write_check once; the database's
    answer (SELECT 1) is still checked on every call."""
    url = f"sqlite:///{tmp_path / 'bridgeops.sqlite3'}"
    app = _schema_app(url, write_check_seconds=60)
    client = app.test_client()
    writes = []
    with app.app_context():
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda _c, _cu, statement, *_a: writes.append(statement)
        )
        for _ in range(20):
            assert client.get("/healthz").status_code == 200
        written = [s for s in writes if s.startswith("UPDATE write_check")]
        assert len(written) == 1, written  # the first call; its row was new, so also one INSERT
        assert sum("SELECT 1" in s for s in writes) == 20
        (tmp_path / "bridgeops.sqlite3").unlink()
        db.engine.dispose()
    (tmp_path / "bridgeops.sqlite3").mkdir()  # the file is gone and cannot be made again
    assert client.get("/healthz").status_code == 503
