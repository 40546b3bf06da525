"""/healthz and the favicon."""

from __future__ import annotations

import math
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, url_for

from bridgeops.accounts.access import PUBLIC, requires
from bridgeops.core.clock import database_now
from bridgeops.core.outage import RETRY_AFTER_SECONDS, log_failure, outage_kind
from bridgeops.extensions import db
from bridgeops.health import watchdog
from bridgeops.mail import service as mail
from bridgeops.ops import checks

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@requires(PUBLIC)
def healthz():
    """Liveness, and whether the service can do its work: 503 when the database is unreachable,
    read-only or out of disk, or the service's folders cannot be written; ``degraded`` (200)
    when the scheduler is not running while a session is being monitored."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        return _unhealthy("unreachable", error)
    # The write and the disk checks (a row rewritten, a file fsynced) run at most once per
    # HEALTHZ_WRITE_CHECK_SECONDS in a worker: /healthz is public and polled; a flood of it
    # must not become a flood of writes. A failure is never remembered: the next call checks.
    state = current_app.extensions.setdefault("bridgeops_healthz", {"checked": -math.inf})
    if time.monotonic() - state["checked"] >= current_app.config["HEALTHZ_WRITE_CHECK_SECONDS"]:
        try:
            checks.record_write()
            db.session.commit()
        except sa.exc.SQLAlchemyError as error:
            return _unhealthy(_database_state(error), error)
        try:
            checks.check_directories(_service_directories())
        except OSError as error:
            log_failure("healthz storage check", error)
            return _problem_body(database="ok", storage=outage_kind(error) or "error")
        state["checked"] = time.monotonic()
    scheduler = checks.scheduler_state()
    db.session.rollback()
    if scheduler.monitoring_stopped:
        _alert_officers()
    body = {
        "status": "degraded" if scheduler.monitoring_stopped else "ok",
        "database": "ok",
        "storage": "ok",
        "scheduler": {
            "state": scheduler.state,
            "last_heartbeat_at": (
                scheduler.last_heartbeat_at.isoformat() if scheduler.last_heartbeat_at else None
            ),
        },
        "monitoring": "stopped" if scheduler.monitoring_stopped else "ok",
    }
    return jsonify(body)


def _alert_officers() -> None:
    """Monitoring stopped in a window: each conference's officer gets one alert, sent from
    here because the stopped scheduler is what would deliver it."""

    try:
        queued = watchdog.queue_stopped_monitoring_alerts(database_now())
        db.session.commit()
        if queued:
            mail.deliver_now(queued)
    except Exception as error:  # /healthz reports; the alert is retried on the next poll
        db.session.rollback()
        log_failure("monitoring-stopped alert", error)


def _database_state(error: Exception) -> str:
    return {"database-read-only": "read_only", "disk-full": "disk_full"}.get(
        outage_kind(error) or "", "unreachable" if outage_kind(error) else "error"
    )


def _unhealthy(database: str, error: Exception):
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.remove()
    log_failure("healthz", error)
    return _problem_body(database=database)


def _problem_body(**states: str):
    response = jsonify(status="error", **states)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _service_directories() -> list[Path]:
    """Where the service writes files: the outbox folder and the SQLite database's folder."""
    folders = [Path(current_app.config["OUTBOX_DIR"])]
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folders.append(Path(url.database).resolve().parent)
    return folders


@bp.get("/favicon.ico")
@requires(PUBLIC)
def favicon():
    """Browsers ask for it on every document, JSON ones included; answer instead of a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
