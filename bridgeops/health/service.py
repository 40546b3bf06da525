"""Health rules that write: heartbeats, applying a probe sweep, sign-offs.

The only writer of point_health, health_change, health_incident, session_availability and
rehearsal_signoff. A sweep writes in bulk (executemany and INSERT … SELECT), never row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from bridgeops.accounts.access import Principal
from bridgeops.audit import service as audit
from bridgeops.conference.models import Conference
from bridgeops.core.batches import chunks
from bridgeops.core.clock import database_now, database_now_sql
from bridgeops.core.db import rows_matched, table_of
from bridgeops.extensions import db
from bridgeops.health import alerts
from bridgeops.health.models import (
    HealthChange,
    HealthIncident,
    PointHealth,
    RehearsalSignoff,
    SessionAvailability,
)
from bridgeops.health.probes import ProbeResult
from bridgeops.health.schemas import RehearsalSignoffIn
from bridgeops.health.states import BAD_STATES, Observation, Verdict, judge, resolve_upstream
from bridgeops.health.windows import Window
from bridgeops.registration.models import BridgePoint, PointStatus
from bridgeops.registration.scope import point_filter
from bridgeops.units.models import AdminUnit

#: Largest IN list sent in one statement (SQLite's variable limit is the tightest).
CHUNK = 5000


def monitored_points(conference_id: int) -> sa.ColumnElement[bool]:
    """The points the board and the sweeps cover: every point not withdrawn."""
    return sa.and_(BridgePoint.conference_id == conference_id, BridgePoint.status != PointStatus.WITHDRAWN)


# --- Heartbeats ----------------------------------------------------------------------------


def record_heartbeat(point_id: int, now: datetime | None = None) -> None:
    """The room's machine is alive: one UPDATE of the point's state row (an INSERT the first
    time). The next sweep turns it into a state; nothing else happens per beat. Without
    ``now`` the beat is stamped by the database's clock, the one the sweep judges freshness by
    (a web host whose clock is skewed must not make a live point look silent)."""
    stamp = now or database_now_sql()
    table = table_of(PointHealth)
    if db.engine.dialect.name == "postgresql":
        # A beat lost in a server crash is harmless (the next comes within 30 s): commit it
        # without waiting for the WAL flush. Only this transaction; the setting ends with it.
        db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
    result = db.session.execute(
        sa.update(table).where(table.c.point_id == point_id).values(last_seen_at=stamp)
    )
    if rows_matched(result) == 0:
        now = now or database_now()
        conference_id = db.session.scalar(
            sa.select(BridgePoint.conference_id).where(BridgePoint.id == point_id)
        )
        try:
            with db.session.begin_nested():  # a sweep may add the row at the same moment
                db.session.add(
                    PointHealth(
                        point_id=point_id,
                        conference_id=conference_id,
                        state="unknown",
                        since=now,
                        last_seen_at=now,
                    )
                )
        except sa.exc.IntegrityError:
            db.session.execute(sa.update(table).where(table.c.point_id == point_id).values(last_seen_at=now))


# --- Sweeps ----------------------------------------------------------------------------------


def probe_targets(conference_ids: Iterable[int]) -> dict[int, str]:
    """point id → probe target of every monitored point that has one."""
    ids = list(conference_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(BridgePoint.id, BridgePoint.probe_target).where(
            BridgePoint.conference_id.in_(ids),
            BridgePoint.status != PointStatus.WITHDRAWN,
            BridgePoint.probe_target.is_not(None),
            BridgePoint.probe_target != "",
        )
    )
    return {point_id: target for point_id, target in rows}


def ensure_state_rows(conference_id: int, now: datetime) -> None:
    """One INSERT … SELECT adds an "unknown" row for every point that has none yet."""
    missing = sa.select(
        BridgePoint.id,
        BridgePoint.conference_id,
        sa.literal("unknown"),
        sa.literal(now, PointHealth.since.type),
        sa.literal(0),
        sa.literal(0),
        sa.literal(""),
        sa.false(),
    ).where(monitored_points(conference_id), ~sa.exists().where(PointHealth.point_id == BridgePoint.id))
    db.session.execute(
        sa.insert(PointHealth).from_select(
            [
                "point_id",
                "conference_id",
                "state",
                "since",
                "failures",
                "successes",
                "reason",
                "down_alerted",
            ],
            missing,
        )
    )


def default_upstreams(conference_id: int) -> dict[int, int | None]:
    """point id → its upstream point: the explicit one, else the nearest ancestor unit's point
    (commune → district → province), so a two-level tree works too."""
    points = db.session.execute(
        sa.select(BridgePoint.id, BridgePoint.unit_code, BridgePoint.upstream_point_id).where(
            monitored_points(conference_id)
        )
    ).all()
    point_by_unit = {unit_code: point_id for point_id, unit_code, _ in points}
    provinces = (
        sa.select(AdminUnit.province_code)
        .join(BridgePoint, BridgePoint.unit_code == AdminUnit.code)
        .where(BridgePoint.conference_id == conference_id)
        .distinct()
    )
    parent_of = dict(
        db.session.execute(
            sa.select(AdminUnit.code, AdminUnit.parent_code).where(AdminUnit.province_code.in_(provinces))
        )
        .tuples()
        .all()
    )
    upstream: dict[int, int | None] = {}
    for point_id, unit_code, explicit in points:
        if explicit is not None:
            upstream[point_id] = explicit
            continue
        unit = parent_of.get(unit_code)
        while unit is not None and unit not in point_by_unit:
            unit = parent_of.get(unit)
        upstream[point_id] = point_by_unit.get(unit) if unit is not None else None
    return upstream


@dataclass
class SweepOutcome:
    """What one sweep did, for logs, tests and the webhook."""

    conference_id: int
    checked: int = 0
    changes: list[tuple[int, str, str]] = field(default_factory=list)
    groups: list[alerts.AlertGroup] = field(default_factory=list)
    webhook_payload: dict | None = None


#: The state-row columns a sweep reads and may rewrite.
STATE_COLUMNS = (
    "state",
    "since",
    "failures",
    "successes",
    "reason",
    "cause_point_id",
    "outage_since",
    "alerted_at",
    "down_alerted",
)


#: Why a point's state went back to "unknown" when a new window opened.
NEW_WINDOW_REASON = "Phiên mới: chưa kiểm tra lại"


def start_window(conference_id: int, window: Window, now: datetime) -> int:
    """What an earlier window found says nothing about this one: points last checked before
    this window opened start again from "unknown" (no failures counted, no alert sent), and
    the outages still open from then end at their last check. Returns how many were reset;
    from the second sweep of a window on, none are."""
    table = table_of(PointHealth)
    stale = db.session.execute(
        sa.select(
            table.c.point_id, table.c.state, table.c.last_check_at, table.c.since, table.c.outage_since
        ).where(
            table.c.conference_id == conference_id,
            table.c.state != "unknown",
            table.c.last_check_at < window.opens_at,
        )
    ).all()
    if not stale:
        return 0
    _close_incidents(
        [
            _closing(row.point_id, row.last_check_at, row.outage_since or row.since)
            for row in stale
            if row.state in BAD_STATES
        ]
    )
    db.session.execute(
        sa.insert(HealthChange),
        [
            {
                "point_id": row.point_id,
                "conference_id": conference_id,
                "at": now,
                "from_state": row.state,
                "to_state": "unknown",
                "reason": NEW_WINDOW_REASON,
            }
            for row in stale
        ],
    )
    for chunk in chunks([row.point_id for row in stale], CHUNK):
        db.session.execute(
            sa.update(table)
            .where(table.c.point_id.in_(chunk))
            .values(
                state="unknown",
                since=now,
                failures=0,
                successes=0,
                reason="",
                cause_point_id=None,
                outage_since=None,
                alerted_at=None,
                down_alerted=False,
            )
        )
    return len(stale)


def _closing(point_id: int, ended_at: datetime, started_at: datetime) -> dict:
    return {
        "b_point_id": point_id,
        "b_ended_at": ended_at,
        "b_duration": max(0, int((ended_at - started_at).total_seconds())),
    }


def _close_incidents(closed: list[dict]) -> None:
    """End each point's open incident (rows from ``_closing``), in one executemany."""
    if closed:
        incidents = table_of(HealthIncident)
        db.session.execute(
            sa.update(incidents)
            .where(incidents.c.point_id == sa.bindparam("b_point_id"), incidents.c.ended_at.is_(None))
            .values(ended_at=sa.bindparam("b_ended_at"), duration_seconds=sa.bindparam("b_duration")),
            closed,
        )


@dataclass
class _SweepWrites:
    """What a sweep writes, as rows for bulk statements."""

    #: New state columns of rows that changed (executemany, keyed by b_point_id).
    updates: list[dict] = field(default_factory=list)
    #: HealthChange rows.
    changes: list[dict] = field(default_factory=list)
    #: HealthIncident rows opened, and closings (rows from ``_closing``).
    opened: list[dict] = field(default_factory=list)
    closed: list[dict] = field(default_factory=list)
    #: Points actually checked this sweep: their last_check_at moves.
    checked: list[int] = field(default_factory=list)


def _monitored_states(conference_id: int) -> dict[int, sa.Row]:
    """Each monitored point's state row (with its last heartbeat and name), by point id."""
    table = table_of(PointHealth)
    rows = db.session.execute(
        sa.select(
            table.c.point_id, table.c.last_seen_at, *(table.c[c] for c in STATE_COLUMNS), BridgePoint.name
        )
        .join(BridgePoint, BridgePoint.id == table.c.point_id)
        .where(monitored_points(conference_id))
    ).all()
    return {row.point_id: row for row in rows}


def _verdicts(
    current: Mapping[int, sa.Row],
    results: Mapping[int, ProbeResult],
    fresh_after: datetime,
    failures_before_down: int,
) -> dict[int, Verdict]:
    """Each point's verdict from its probe result and heartbeat (before upstream resolution)."""
    return {
        pid: judge(
            Observation(
                pid,
                h.state,
                h.failures,
                h.successes,
                results.get(pid),
                heartbeat_fresh=h.last_seen_at is not None and h.last_seen_at >= fresh_after,
                heartbeat_known=h.last_seen_at is not None,
            ),
            failures_before_down,
        )
        for pid, h in current.items()
    }


def _compare(
    conference_id: int,
    verdicts: Mapping[int, Verdict],
    current: Mapping[int, sa.Row],
    alerted: Mapping[int, str],
    now: datetime,
) -> _SweepWrites:
    """Old states against verdicts: the rows to rewrite, the history, incidents opened and closed."""
    writes = _SweepWrites()
    for pid, verdict in verdicts.items():
        health = current[pid]
        if verdict.checked:
            writes.checked.append(pid)
        row = {column: getattr(health, column) for column in STATE_COLUMNS}
        row.update(
            state=verdict.state,
            failures=verdict.failures,
            successes=verdict.successes,
            cause_point_id=verdict.cause_point_id,
            reason=verdict.reason[:300] or health.reason,
        )
        if verdict.state != health.state:
            row["since"] = now
            writes.changes.append(
                {
                    "point_id": pid,
                    "conference_id": conference_id,
                    "at": now,
                    "from_state": health.state,
                    "to_state": verdict.state,
                    "reason": verdict.reason[:300],
                }
            )
            was_bad, is_bad = health.state in BAD_STATES, verdict.state in BAD_STATES
            if is_bad and not was_bad:
                row["outage_since"] = now
                writes.opened.append(
                    {
                        "point_id": pid,
                        "conference_id": conference_id,
                        "kind": verdict.state,
                        "cause_point_id": verdict.cause_point_id,
                        "started_at": now,
                        "reason": verdict.reason[:300],
                    }
                )
            elif was_bad and not is_bad:
                row["outage_since"] = None
                writes.closed.append(_closing(pid, now, health.outage_since or health.since))
        if pid in alerted:
            row["down_alerted"] = alerted[pid] == "down"
            if alerted[pid] == "down":
                row["alerted_at"] = now
        if any(row[column] != getattr(health, column) for column in STATE_COLUMNS):
            writes.updates.append({"b_point_id": pid, **row})
    return writes


def _write(writes: _SweepWrites, now: datetime) -> None:
    """The sweep's five bulk writes: changed state rows, last_check_at, history, incidents
    opened, incidents closed."""
    table = table_of(PointHealth)
    if writes.updates:
        db.session.execute(
            sa.update(table)
            .where(table.c.point_id == sa.bindparam("b_point_id"))
            .values({column: sa.bindparam(column) for column in STATE_COLUMNS}),
            writes.updates,
        )
    for chunk in chunks(writes.checked, CHUNK):
        db.session.execute(sa.update(table).where(table.c.point_id.in_(chunk)).values(last_check_at=now))
    if writes.changes:
        db.session.execute(sa.insert(HealthChange), writes.changes)
    if writes.opened:
        db.session.execute(sa.insert(HealthIncident), writes.opened)
    _close_incidents(writes.closed)


def apply_sweep(
    conference: Conference,
    window: Window,
    results: Mapping[int, ProbeResult],
    now: datetime,
    *,
    failures_before_down: int,
    heartbeat_fresh_for: timedelta,
    alert_throttle: timedelta = alerts.THROTTLE,
) -> SweepOutcome:
    """Turn one sweep's probe results and the heartbeats into states, history, counters and
    alerts, all written in bulk: only rows whose state changed are rewritten one by one
    (executemany); every checked row's last_check_at moves in a few IN-list UPDATEs."""
    ensure_state_rows(conference.id, now)
    start_window(conference.id, window, now)
    current = _monitored_states(conference.id)
    names = {pid: row.name for pid, row in current.items()}
    verdicts = _verdicts(current, results, now - heartbeat_fresh_for, failures_before_down)
    verdicts = resolve_upstream(verdicts, default_upstreams(conference.id), names)

    outcome = SweepOutcome(conference.id)
    outcome.groups = alerts.group_alerts(verdicts, current, now, throttle=alert_throttle)
    writes = _compare(conference.id, verdicts, current, {g.root_id: g.kind for g in outcome.groups}, now)
    outcome.checked = len(writes.checked)
    outcome.changes = [(c["point_id"], c["from_state"], c["to_state"]) for c in writes.changes]

    _write(writes, now)
    _count_checks(window.session.id, conference.id, verdicts)
    if outcome.groups:
        outcome.webhook_payload = alerts.queue_alerts(conference, outcome.groups, names, now)
    db.session.flush()
    db.session.expire_all()
    return outcome


def _count_checks(session_id: int, conference_id: int, verdicts: Mapping[int, Verdict]) -> None:
    """Per-point per-session counters: rows added once, then two UPDATEs per chunk."""
    missing = sa.select(BridgePoint.id, sa.literal(session_id), sa.literal(0), sa.literal(0)).where(
        monitored_points(conference_id),
        ~sa.exists().where(
            SessionAvailability.point_id == BridgePoint.id, SessionAvailability.session_id == session_id
        ),
    )
    db.session.execute(
        sa.insert(SessionAvailability).from_select(["point_id", "session_id", "checks", "up_checks"], missing)
    )
    table = table_of(SessionAvailability)
    up = [pid for pid, v in verdicts.items() if v.checked and v.alive]
    not_up = [pid for pid, v in verdicts.items() if v.checked and not v.alive]
    for ids, up_increment in ((up, 1), (not_up, 0)):
        for chunk in chunks(ids, CHUNK):
            db.session.execute(
                sa.update(table)
                .where(table.c.session_id == session_id, table.c.point_id.in_(chunk))
                .values(checks=table.c.checks + 1, up_checks=table.c.up_checks + up_increment)
            )


# --- Rehearsal sign-off ----------------------------------------------------------------------


def record_signoff(
    point: BridgePoint, data: RehearsalSignoffIn, actor: str, now: datetime
) -> RehearsalSignoff:
    """The point's rehearsal result (the latest one counts; earlier ones stay in the audit)."""
    signoff = db.session.get(RehearsalSignoff, point.id)
    before = _signoff_dict(signoff) if signoff is not None else None
    if signoff is None:
        signoff = RehearsalSignoff(point_id=point.id, conference_id=point.conference_id)
        db.session.add(signoff)
    signoff.audio_ok = data.audio == "ok"
    signoff.video_ok = data.video == "ok"
    signoff.presentation_ok = data.presentation == "ok"
    signoff.note = data.note
    signoff.signed_by = actor
    signoff.signed_at = now
    db.session.flush()
    audit.record(
        actor,
        "rehearsal_signoff",
        point.id,
        "sign",
        conference_id=point.conference_id,
        before=before,
        after=_signoff_dict(signoff),
    )
    return signoff


def _signoff_dict(signoff: RehearsalSignoff) -> dict:
    return {
        "audio_ok": signoff.audio_ok,
        "video_ok": signoff.video_ok,
        "presentation_ok": signoff.presentation_ok,
        "note": signoff.note,
    }


def get_signoff(point_id: int) -> RehearsalSignoff | None:
    return db.session.get(RehearsalSignoff, point_id)


def signoff_matrix(
    principal: Principal,
    conference: Conference,
) -> list[tuple[BridgePoint, RehearsalSignoff | None]]:
    """Every point in the principal's scope with its sign-off (None: not signed yet),
    not passed first."""
    rows = db.session.execute(
        sa.select(BridgePoint, RehearsalSignoff)
        .outerjoin(RehearsalSignoff, RehearsalSignoff.point_id == BridgePoint.id)
        .where(point_filter(principal, conference.id), BridgePoint.status != PointStatus.WITHDRAWN)
        .order_by(BridgePoint.unit_code)
    ).all()
    passed_rank = {None: 0, False: 1, True: 2}
    return sorted(
        ((point, signoff) for point, signoff in rows),
        key=lambda row: (passed_rank[row[1].passed if row[1] else None], row[0].unit_code),
    )
