"""A stopped scheduler during a session window: nothing probes, nothing alerts, and yesterday's
"up" would stay on the board. This says since when monitoring has stopped, so the board shows
states as unknown ("Chưa rõ") and officers get one alert (sent by the web process, since the
mail deliverer is the stopped scheduler)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from bridgeops.conference.models import Conference
from bridgeops.core.time import format_datetime_vi
from bridgeops.core.urls import external_url
from bridgeops.events import scheduler_stale
from bridgeops.extensions import db
from bridgeops.health.models import PointHealth
from bridgeops.health.windows import current_or_next_window
from bridgeops.mail import service as mail
from bridgeops.mail.models import OutboxStatus


def freshness() -> timedelta:
    """States older than this (three probe intervals) say nothing about now."""
    return timedelta(seconds=3 * current_app.config["PROBE_INTERVAL"])


def monitoring_stopped_since(conference: Conference, now: datetime) -> datetime | None:
    """When monitoring of ``conference`` stopped, if it should run now (a window is open) and
    has stopped: the scheduler's lease went stale, or the sweeps that ran stopped writing for
    ``freshness()``. ``now`` is the database's clock. None while monitoring runs, outside a
    window, or when nothing ever ran (the states are then still "unknown" anyway)."""
    window = current_or_next_window(conference, now)
    if window is None or not window.active:
        return None
    stale, heartbeat = _scheduler_stale(now)
    if stale and heartbeat is not None:
        return max(heartbeat, window.opens_at)
    if now - window.opens_at < freshness():
        return None  # the first sweeps of the window are still to come
    last_sweep = db.session.scalar(
        sa.select(sa.func.max(PointHealth.last_check_at)).where(PointHealth.conference_id == conference.id)
    )
    if last_sweep is not None and now - last_sweep >= freshness():
        return max(last_sweep, window.opens_at)
    return None


def _scheduler_stale(now: datetime) -> tuple[bool, datetime | None]:
    """Whether the scheduler's lease went stale by ``now``, and its last renewal (ops answers:
    it keeps the lease, and health never imports ops)."""
    for _receiver, answer in scheduler_stale.send(None, now=now):
        return answer
    return False, None


def alert_monitoring_stopped(conference: Conference, since: datetime) -> int | None:
    """Queue the officer's one alert for this stoppage (one per ``since``); returns the outbox
    id when it is new and still to send. Flushes."""
    if not conference.contact_email:
        return None
    key = f"monitoring-stopped:{conference.id}:{since.isoformat()}"
    board = external_url("health.live_board", slug=conference.slug)
    when = format_datetime_vi(since, conference.timezone)
    text = (
        f"Giám sát kết nối đã dừng – {conference.title}\n\n"
        f"Bộ lập lịch của BridgeOps không chạy từ {when}, trong lúc đang theo dõi phiên họp. "
        "Không có kiểm tra kết nối, không có cảnh báo mất kết nối; trạng thái trên bảng "
        'theo dõi là "Chưa rõ" cho đến khi bộ lập lịch chạy lại.\n\n'
        "Việc cần làm: khởi động lại dịch vụ bridgeops-scheduler "
        "(systemctl restart bridgeops-scheduler).\n\n"
        f"Bảng theo dõi trực tiếp: {board}\n"
    )
    message = mail.enqueue(
        kind="alert",
        recipient=conference.contact_email,
        subject=f"Giám sát kết nối đã dừng từ {when}",
        text=text,
        dedupe_key=key,
        conference_id=conference.id,
    )
    return message.id if message.status == OutboxStatus.PENDING and message.attempts == 0 else None


def queue_stopped_monitoring_alerts(now: datetime) -> list[int]:
    """For every conference in an open window whose monitoring stopped: its one alert.
    Returns the outbox ids queued now (to send at once). Flushes."""
    from bridgeops.health.windows import active_windows

    queued = []
    for window in active_windows(now):
        conference = window.session.conference
        since = monitoring_stopped_since(conference, now)
        if since is not None:
            message_id = alert_monitoring_stopped(conference, since)
            if message_id is not None:
                queued.append(message_id)
    return queued
