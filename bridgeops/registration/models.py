"""Bridge points ("điểm cầu"), their delegate counts and their contacts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridgeops.conference.models import Conference
from bridgeops.core.keys import new_public_key
from bridgeops.core.time import utcnow
from bridgeops.core.types import EnumString, UTCDateTime, one_of
from bridgeops.extensions import Model
from bridgeops.units.models import AdminUnit


class PointStatus(StrEnum):
    """draft → confirmed → withdrawn (a withdrawn point keeps its record and history)."""

    DRAFT = "draft"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: dict[str, str] = {
    PointStatus.DRAFT: "Chưa xác nhận",
    PointStatus.CONFIRMED: "Đã xác nhận",
    PointStatus.WITHDRAWN: "Đã rút",
}


class ContactRole(StrEnum):
    """A point's contact: its technician (gets the invites) or the unit's chair."""

    TECHNICIAN = "technician"
    CHAIR = "chair"


CONTACT_ROLE_LABELS = {ContactRole.TECHNICIAN: "Kỹ thuật viên", ContactRole.CHAIR: "Chủ tịch Hội"}


class BridgePoint(Model):
    __tablename__ = "bridge_point"
    __table_args__ = (
        sa.UniqueConstraint("conference_id", "unit_code"),
        sa.Index("ix_bridge_point_conference_status", "conference_id", "status"),
        # Only the few points whose invites are due: the outbox job's scan.
        sa.Index(
            "ix_bridge_point_invites_due_at",
            "invites_due_at",
            sqlite_where=sa.text("invites_due_at IS NOT NULL"),
            postgresql_where=sa.text("invites_due_at IS NOT NULL"),
        ),
        one_of("status", PointStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random key in the point's calendar UIDs (ids restart after a restore; this never does).
    #: Points from before it existed carry their id, so the UIDs already sent stay the same.
    uid_key: Mapped[str] = mapped_column(sa.String(32), default=new_public_key)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"))
    #: The unit this point serves; one point per unit per conference.
    unit_code: Mapped[str] = mapped_column(sa.ForeignKey("admin_unit.code"), index=True)
    #: province | district | commune, copied from the unit for fast filters.
    level: Mapped[str] = mapped_column(sa.String(10))
    #: The district (or province) the point rolls up to; its own code for a district.
    district_code: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    #: Display name: "Điểm cầu Huyện Mỹ Lộc".
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Meeting room: "Phòng họp Tầng 3 Tỉnh ủy".
    venue: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Seats in the room; counts above it are refused.
    capacity: Mapped[int | None]
    status: Mapped[PointStatus] = mapped_column(EnumString(PointStatus, 12), default=PointStatus.DRAFT)
    #: Optimistic lock: every change bumps it; PATCH needs it in If-Match.
    version: Mapped[int] = mapped_column(default=1)
    #: What the scheduler probes: http(s)://…, tcp://host:port, sip://host[:port].
    probe_target: Mapped[str | None] = mapped_column(sa.String(300))
    #: The point this one's link depends on; defaults to the parent unit's point.
    upstream_point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bridge_point.id"))
    #: Sum of the delegate counts, kept with them for fast roll-ups.
    total_delegates: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set, in the transaction that changes the point, when its technicians' invites are to be
    #: reconciled; the outbox job does that after the commit and clears it (unless it was set
    #: again meanwhile). The registration's INSERT carries it: the intent is as durable as the
    #: point, and costs no statement of its own.
    invites_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conference: Mapped[Conference] = relationship()
    unit: Mapped[AdminUnit] = relationship()
    counts: Mapped[list[DelegateCount]] = relationship(
        back_populates="point", cascade="all, delete-orphan", order_by="DelegateCount.category_code"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="point", cascade="all, delete-orphan", order_by="Contact.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def technicians(self) -> list[Contact]:
        return [c for c in self.contacts if c.role == ContactRole.TECHNICIAN]

    @property
    def counts_by_code(self) -> dict[str, int]:
        return {c.category_code: c.count for c in self.counts}


class DelegateCount(Model):
    __tablename__ = "delegate_count"

    point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bridge_point.id", ondelete="CASCADE"), primary_key=True
    )
    #: DelegateCategory.code of the point's conference.
    category_code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: Confirmed number of delegates of that category at the point.
    count: Mapped[int] = mapped_column(default=0)

    point: Mapped[BridgePoint] = relationship(back_populates="counts")


class Contact(Model):
    __tablename__ = "contact"
    __table_args__ = (one_of("role", ContactRole),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("bridge_point.id", ondelete="CASCADE"), index=True)
    role: Mapped[ContactRole] = mapped_column(EnumString(ContactRole, 16), default=ContactRole.TECHNICIAN)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: E.164, normalised with phonenumbers: "+84912345678".
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: When the technician pressed "Đã nhận lịch".
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    point: Mapped[BridgePoint] = relationship(back_populates="contacts")


class ChairContact(Model):
    """The district chair's own name and phone, given when her link is issued or on first opening;
    the chasing list calls her on it."""

    __tablename__ = "chair_contact"
    __table_args__ = (sa.UniqueConstraint("conference_id", "unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"))
    #: The unit whose chair this is (a district, or a commune on a two-level map).
    unit_code: Mapped[str] = mapped_column(sa.ForeignKey("admin_unit.code"))
    name: Mapped[str] = mapped_column(sa.String(120))
    #: E.164, normalised with phonenumbers: "+84912345678".
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnitAbsence(Model):
    """A unit that takes no part: a commune without a video-bridge connection ("nơi có kết nối
    điểm cầu"). The roll-up counts it as done, not missing."""

    __tablename__ = "unit_absence"

    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conference.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[str] = mapped_column(sa.ForeignKey("admin_unit.code"), primary_key=True)
    #: Who said so (the audit actor) and when.
    actor: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointIdempotencyKey(Model):
    """An ``Idempotency-Key`` a client sent with ``POST …/points``: a retry with the same key
    (after a lost answer) gets the point created the first time instead of a 409."""

    __tablename__ = "point_idempotency_key"
    __table_args__ = (sa.UniqueConstraint("actor", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who sent it (``Principal.actor``): one client's key never answers another's request.
    actor: Mapped[str] = mapped_column(sa.String(200))
    #: The header's value, as sent.
    key: Mapped[str] = mapped_column(sa.String(200))
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"))
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("bridge_point.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
