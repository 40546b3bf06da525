"""How many people were present at a point during a session, by delegate category."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridgeops.conference.models import ConferenceSession
from bridgeops.core.time import utcnow
from bridgeops.core.types import UTCDateTime
from bridgeops.extensions import Model
from bridgeops.registration.models import BridgePoint


class AttendanceReport(Model):
    __tablename__ = "attendance_report"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "point_id"),
        sa.CheckConstraint("present >= 0", name="present_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conference_session.id", ondelete="CASCADE"), index=True
    )
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("bridge_point.id", ondelete="CASCADE"), index=True)
    #: Present people by DelegateCategory.code: {"bch": 23, "chi_hoi_truong": 28}.
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Sum of the counts, kept with them for roll-ups.
    present: Mapped[int] = mapped_column(default=0)
    #: Who reported last (Principal.actor).
    reported_by: Mapped[str] = mapped_column(sa.String(254))
    #: First report, and the last change.
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[ConferenceSession] = relationship()
    point: Mapped[BridgePoint] = relationship()
