"""A scheduler stopped during a session window is visible: the board says monitoring stopped and
since when, stale states show as "Chưa rõ" (not "up"), /healthz is degraded, and the officer
gets one alert."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.health.models import PointHealth
from bridgeops.mail.models import OutboxMessage
from bridgeops.ops.lease import acquire_or_renew
from bridgeops.ops.models import SchedulerLease
from tests.conftest import bearer
from tests.factories import make_point
from tests.health.conftest import DISTRICT, OTHER_DISTRICT, move_window_to_now, sweep
from tests.health.test_board import login

STOPPED_FOR = timedelta(seconds=95)


def _monitored_then_stopped(app, demo, http_peer):
    """Two points seen up by real sweeps under a live lease; then the scheduler stops: no
    renewal and no sweep for 95 s (the rows are aged, as 95 s of waiting would leave them)."""
    move_window_to_now(demo)
    points = [
        make_point(demo, DISTRICT, target=http_peer),
        make_point(demo, OTHER_DISTRICT, target=http_peer),
    ]
    db.session.commit()
    assert acquire_or_renew("host:1:scheduler")
    sweep(app, times=2)
    assert {db.session.get(PointHealth, p.id).state for p in points} == {"up"}
    stopped_at = utcnow() - STOPPED_FOR
    db.session.execute(sa.update(PointHealth).values(last_check_at=stopped_at))
    lease = db.session.get(SchedulerLease, "scheduler")
    lease.heartbeat_at = lease.expires_at = stopped_at
    db.session.commit()
    return points


def test_a_running_scheduler_shows_live_states(app, client, demo, officer, http_peer):
    move_window_to_now(demo)
    make_point(demo, DISTRICT, target=http_peer)
    db.session.commit()
    assert acquire_or_renew("host:1:scheduler")
    sweep(app, times=2)
    login(client, officer)
    page = client.get(f"/conferences/{demo.slug}/board").get_data(as_text=True)
    assert "Giám sát đã dừng" not in page and 'data-online="1"' in page
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_board_says_monitoring_stopped_and_shows_unknown(
    app, client, demo, officer, officer_token, http_peer
):
    _monitored_then_stopped(app, demo, http_peer)
    login(client, officer)
    page = client.get(f"/conferences/{demo.slug}/board").get_data(as_text=True)
    assert "Giám sát đã dừng từ" in page
    assert 'data-online="0"' in page  # not "2 up"
    assert page.count("Chưa rõ") >= 1
    status = client.get(f"/api/v1/conferences/{demo.slug}/status", headers=bearer(officer_token)).get_json()
    assert status["monitoring_stopped_since"] is not None
    assert {p["state"] for p in status["points"]} == {"unknown"}
    assert status["summary"]["up"] == 0
    assert status["summary"]["unknown"] == status["summary"]["total"] >= 2


def test_healthz_is_degraded_and_the_officer_gets_one_alert(app, client, demo, http_peer):
    _monitored_then_stopped(app, demo, http_peer)
    outbox = Path(current_app.config["OUTBOX_DIR"])
    for _ in range(3):  # a monitor polls /healthz every few seconds
        body = client.get("/healthz").get_json()
        assert (body["status"], body["monitoring"]) == ("degraded", "stopped")
    alerts = list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.dedupe_key.like("monitoring-stopped:%"))
        )
    )
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.status == "sent" and alert.recipient == demo.contact_email
    assert "Giám sát kết nối đã dừng" in (outbox / f"{alert.id:08d}.eml").read_bytes().decode(
        "utf-8", "replace"
    ) or alert.subject.startswith("Giám sát kết nối đã dừng")
