"""Outbox messages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridgeops.core.keys import new_public_key
from bridgeops.core.time import utcnow
from bridgeops.core.types import EnumString, UTCDateTime, one_of
from bridgeops.extensions import Model


class OutboxStatus(StrEnum):
    """pending → sent, or failed after the last retry."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


STATUS_LABELS: dict[str, str] = {
    OutboxStatus.PENDING: "Đang chờ gửi",
    OutboxStatus.SENT: "Đã gửi",
    OutboxStatus.FAILED: "Gửi thất bại",
}
#: How the outbox names each kind of message (kinds not listed are shown as they are).
KIND_LABELS = {
    "invite": "Thư mời",
    "update": "Cập nhật lịch",
    "cancel": "Hủy lịch",
    "reminder": "Nhắc lịch",
    "alert": "Cảnh báo kết nối",
    "chair_reminder": "Nhắc chủ tịch đăng ký",
}


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
        one_of("status", OutboxStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random part of the Message-ID of a message rendered at delivery (ids restart after a
    #: restore; this never does). Messages from before it existed carry their id.
    message_key: Mapped[str] = mapped_column(sa.String(32), default=new_public_key)
    #: Same key, same message: a second enqueue with it adds nothing.
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: invite | update | cancel | reminder | alert | ...
    kind: Mapped[str] = mapped_column(sa.String(20))
    conference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: The whole RFC 5322 message when it was built at queue time (alerts, reminders), sent as
    #: is; None when ``payload`` holds what the deliverer renders it from (invites).
    mime: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    #: The builder inputs of a message rendered at delivery; ``payload["renderer"]`` names the
    #: function registered with ``mail.service.register_renderer``.
    payload: Mapped[dict | None] = mapped_column(sa.JSON)
    status: Mapped[OutboxStatus] = mapped_column(EnumString(OutboxStatus, 10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    #: The deliverer working on it (host:pid:random); no other deliverer touches it meanwhile.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))
    #: A claim older than this is abandoned (the deliverer died) and the message is due again.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
