"""Each unit's follow-up conference, and the deadlines the province sets for each level."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridgeops.conference.models import Conference
from bridgeops.core.time import utcnow
from bridgeops.core.types import UTCDateTime
from bridgeops.extensions import Model
from bridgeops.units.models import AdminUnit

LEVELS = ("province", "district", "commune")
FORMATS = ("in_person", "online")
FORMAT_LABELS = {"in_person": "Trực tiếp", "online": "Trực tuyến"}


class FollowupDeadline(Model):
    """By when each level must hold its follow-up conference (the plan: 30/5 province,
    30/6 districts and communes)."""

    __tablename__ = "followup_deadline"
    __table_args__ = (
        sa.UniqueConstraint("conference_id", "level"),
        sa.CheckConstraint("level IN ('province', 'district', 'commune')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    #: province | district | commune.
    level: Mapped[str] = mapped_column(sa.String(10))
    #: The last day (in the conference's zone) the follow-up may be held.
    due_on: Mapped[date] = mapped_column(sa.Date)
    updated_by: Mapped[str] = mapped_column(sa.String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowupConference(Model):
    """One unit's own conference after the bridge, as its chair reports it."""

    __tablename__ = "followup_conference"
    __table_args__ = (
        sa.UniqueConstraint("conference_id", "unit_code"),
        sa.CheckConstraint("format IN ('in_person', 'online')", name="format"),
        sa.CheckConstraint("branches_reached <= branches_total", name="branches_within_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The bridged conference this follow-up passes on.
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    unit_code: Mapped[str] = mapped_column(sa.ForeignKey("admin_unit.code"), index=True)
    #: province | district | commune, copied from the unit.
    level: Mapped[str] = mapped_column(sa.String(10))
    planned_on: Mapped[date | None] = mapped_column(sa.Date)
    #: None until the conference was held.
    held_on: Mapped[date | None] = mapped_column(sa.Date)
    #: in_person | online; None until known.
    format: Mapped[str | None] = mapped_column(sa.String(10))
    #: The "báo cáo viên" who presented the resolution.
    presenter: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Attendance by group: cán bộ, hội viên, phụ nữ.
    officials: Mapped[int] = mapped_column(default=0)
    members: Mapped[int] = mapped_column(default=0)
    women: Mapped[int] = mapped_column(default=0)
    #: Chi/tổ hội under the unit, and how many the conference reached.
    branches_total: Mapped[int] = mapped_column(default=0)
    branches_reached: Mapped[int] = mapped_column(default=0)
    #: The unit's chair, called and reminded about the follow-up.
    chair_name: Mapped[str] = mapped_column(sa.String(120), default="")
    #: E.164, normalised with phonenumbers.
    chair_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    chair_email: Mapped[str] = mapped_column(sa.String(254), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Optimistic lock, as for bridge points.
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[str] = mapped_column(sa.String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conference: Mapped[Conference] = relationship()
    unit: Mapped[AdminUnit] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def attendance(self) -> int:
        return self.officials + self.members + self.women
