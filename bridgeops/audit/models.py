"""Audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridgeops.core.time import utcnow
from bridgeops.core.types import UTCDateTime
from bridgeops.extensions import Model


class AuditEvent(Model):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who acted, as shown to people: "officer:an@x.vn", "chair:356", "technician:12", "cli".
    actor: Mapped[str] = mapped_column(sa.String(200))
    conference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    #: bridge_point | conference_session | access_grant | ...
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None]
    #: create | update | confirm | withdraw | issue_link | ...
    action: Mapped[str] = mapped_column(sa.String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: True when an officer changed a point after registration closed.
    late: Mapped[bool] = mapped_column(default=False)
