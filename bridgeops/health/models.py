"""Health of bridge points, kept compactly: one current row per point, changes, incidents and
per-session counters (never one row per check), and rehearsal sign-offs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridgeops.core.time import utcnow
from bridgeops.core.types import EnumString, UTCDateTime, one_of
from bridgeops.extensions import Model


class HealthState(StrEnum):
    """unknown (never checked) | up | pending (failing, not yet down) | down (the point itself)
    | unreachable (its upstream link is down)."""

    UNKNOWN = "unknown"
    UP = "up"
    PENDING = "pending"
    DOWN = "down"
    UNREACHABLE = "unreachable"


STATES = tuple(HealthState)
#: The states an outage (a HealthIncident) starts in.
OUTAGE_STATES = (HealthState.DOWN, HealthState.UNREACHABLE)
#: How the board and the status API order points: the worst first.
STATE_RANK = {
    HealthState.DOWN: 0,
    HealthState.UNREACHABLE: 1,
    HealthState.PENDING: 2,
    HealthState.UNKNOWN: 3,
    HealthState.UP: 4,
}
STATE_LABELS: dict[str, str] = {
    HealthState.UNKNOWN: "Chưa rõ",
    HealthState.UP: "Trực tuyến",
    HealthState.PENDING: "Chập chờn",
    HealthState.DOWN: "Mất kết nối",
    HealthState.UNREACHABLE: "Mất theo tuyến trên",
}


class PointHealth(Model):
    """The current state of one point; heartbeats and sweeps update it in place."""

    __tablename__ = "point_health"
    __table_args__ = (
        sa.Index("ix_point_health_conference_state", "conference_id", "state"),
        one_of("state", HealthState),
    )

    point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bridge_point.id", ondelete="CASCADE"), primary_key=True
    )
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"))
    state: Mapped[HealthState] = mapped_column(EnumString(HealthState, 12), default=HealthState.UNKNOWN)
    #: When the point entered its current state.
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last heartbeat from the room's machine.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Last sweep that checked this point.
    last_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Consecutive failed checks.
    failures: Mapped[int] = mapped_column(default=0)
    #: Consecutive successful checks.
    successes: Mapped[int] = mapped_column(default=0)
    #: Why the point is in its state, for people: "HTTP 503", "Hết thời gian chờ".
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    #: The point whose outage makes this one unreachable.
    cause_point_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: Start of the current outage (down or unreachable), None while up.
    outage_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the last "down" alert for this point was queued (throttles flapping points).
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A "down" alert went out for the current outage, so its recovery is announced too.
    down_alerted: Mapped[bool] = mapped_column(default=False)


class HealthChange(Model):
    """A state change of a point, with its reason."""

    __tablename__ = "health_change"
    __table_args__ = (
        sa.Index("ix_health_change_point_at", "point_id", "at"),
        one_of("from_state", HealthState),
        one_of("to_state", HealthState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("bridge_point.id", ondelete="CASCADE"))
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_state: Mapped[HealthState] = mapped_column(EnumString(HealthState, 12))
    to_state: Mapped[HealthState] = mapped_column(EnumString(HealthState, 12))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")


class HealthIncident(Model):
    """An outage of a point: from going down (or unreachable) to being up again."""

    __tablename__ = "health_incident"
    __table_args__ = (
        sa.Index("ix_health_incident_point_open", "point_id", "ended_at"),
        one_of("kind", OUTAGE_STATES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("bridge_point.id", ondelete="CASCADE"))
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    #: down (the point itself) | unreachable (its upstream link) when it started.
    kind: Mapped[HealthState] = mapped_column(EnumString(HealthState, 12))
    #: The upstream point that caused an unreachable outage.
    cause_point_id: Mapped[int | None] = mapped_column(sa.Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Filled when the incident ends.
    duration_seconds: Mapped[int | None]
    reason: Mapped[str] = mapped_column(sa.String(300), default="")


class SessionAvailability(Model):
    """Counters of one point during one session's window: checks and how many were up."""

    __tablename__ = "session_availability"

    point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bridge_point.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conference_session.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    checks: Mapped[int] = mapped_column(default=0)
    up_checks: Mapped[int] = mapped_column(default=0)

    @property
    def share_up(self) -> float | None:
        return self.up_checks / self.checks if self.checks else None


class RehearsalSignoff(Model):
    """The rehearsal result of one point: audio, video, presentation OK or a problem note."""

    __tablename__ = "rehearsal_signoff"

    point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bridge_point.id", ondelete="CASCADE"), primary_key=True
    )
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    audio_ok: Mapped[bool]
    video_ok: Mapped[bool]
    presentation_ok: Mapped[bool]
    #: What went wrong, required when an item is not OK.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Audit name of who signed: "technician:12", "officer:a@b.vn".
    signed_by: Mapped[str] = mapped_column(sa.String(300))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def passed(self) -> bool:
        return self.audio_ok and self.video_ok and self.presentation_ok
