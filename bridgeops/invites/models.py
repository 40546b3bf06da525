"""What each technician was last sent for each session: the state invites reconcile against."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridgeops.core.time import utcnow
from bridgeops.core.types import EnumString, UTCDateTime, one_of
from bridgeops.extensions import Model


class InviteStatus(StrEnum):
    """active: a REQUEST was the last message sent; cancelled: a CANCEL was."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


INVITE_STATUS_LABELS = {InviteStatus.ACTIVE: "Đã mời", InviteStatus.CANCELLED: "Đã hủy lời mời"}


class Invite(Model):
    __tablename__ = "invite"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "contact_id"),
        sa.Index("ix_invite_point_session", "point_id", "session_id"),
        one_of("status", InviteStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("conference_session.id", ondelete="CASCADE"))
    #: The point whose venue the event is at; part of the UID.
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("bridge_point.id", ondelete="CASCADE"))
    #: Contact.id of the technician. Not a foreign key: a removed technician still gets her cancel.
    contact_id: Mapped[int] = mapped_column(index=True)
    #: iCalendar UID, stable per (session, point): "session-3-point-17@bridgeops.example".
    uid: Mapped[str] = mapped_column(sa.String(200))
    #: The last SEQUENCE sent to this technician; the next message carries a higher one.
    sequence: Mapped[int] = mapped_column(default=0)
    #: sha256 of what the last message said (times, title, location, email).
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    #: Address the last message went to (a cancel goes there even after the email changed).
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[InviteStatus] = mapped_column(EnumString(InviteStatus, 10), default=InviteStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InviteBacklog(Model):
    """Points whose invites are due, as workers of the release before ``BridgePoint.invites_due_at``
    recorded them: one row per change, written with the change.

    Nothing writes here any more. The table stays for one release, so that the previous
    release's workers, which serve on between ``init-db`` and the reload of an upgrade, still
    find it; the outbox job folds what they wrote into due marks (``invites.service.reconcile_backlog``).
    The release after drops it.
    """

    __tablename__ = "invite_backlog"

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("bridge_point.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
