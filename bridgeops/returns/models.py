"""Frozen returns and every attempt to hand one to TW."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridgeops.conference.models import Conference
from bridgeops.core.time import utcnow
from bridgeops.core.types import UTCDateTime
from bridgeops.extensions import Model

#: What a snapshot freezes: the headcount return (returns), the attendance of one session
#: (attendance), the consolidated follow-up report (followup).
SNAPSHOT_KINDS = ("headcount", "attendance", "followup")


class ReturnSnapshot(Model):
    __tablename__ = "return_snapshot"
    __table_args__ = (sa.CheckConstraint("kind IN ('headcount', 'attendance', 'followup')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    #: One of SNAPSHOT_KINDS; each kind has its own document schema and its own list.
    kind: Mapped[str] = mapped_column(sa.String(16), default="headcount", server_default="headcount")
    #: Canonical JSON of the bridgeops.return/v1 document: sorted keys, no whitespace,
    #: no timestamps, so the same data always gives the same bytes.
    payload: Mapped[str] = mapped_column(sa.Text)
    #: sha256 hex of the payload's UTF-8 bytes; also the Idempotency-Key sent to TW.
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    #: Who froze it (Principal.actor, or "cli").
    created_by: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When TW accepted it (2xx); None until then.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conference: Mapped[Conference] = relationship()
    attempts: Mapped[list[SubmissionAttempt]] = relationship(
        back_populates="snapshot", cascade="all, delete-orphan", order_by="SubmissionAttempt.id"
    )

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.payload)


class SubmissionAttempt(Model):
    __tablename__ = "submission_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("return_snapshot.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3… within one submission run.
    number: Mapped[int] = mapped_column(default=1)
    #: Where it was sent (BRIDGEOPS_TW_RETURN_URL at the time).
    url: Mapped[str] = mapped_column(sa.String(500))
    #: HTTP status of TW's answer; None when no answer came (timeout, refused connection).
    status_code: Mapped[int | None]
    #: The first characters of TW's answer, as text.
    response_excerpt: Mapped[str] = mapped_column(sa.Text, default="")
    #: Why no answer came: "ReadTimeout: …", "ConnectionError: …".
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Wall time of the request in milliseconds.
    duration_ms: Mapped[int] = mapped_column(default=0)
    #: Who asked for the submission.
    actor: Mapped[str] = mapped_column(sa.String(254), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    snapshot: Mapped[ReturnSnapshot] = relationship(back_populates="attempts")

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class StoredWorkbook(Model):
    """A finished XLSX of a live return that every worker and node can serve, written by the
    scheduler soon after its data moved (returns.jobs) or by the first worker asked for it. At
    national scale one takes 1–2.5 s of CPU to build and is ~0.8 MB."""

    __tablename__ = "stored_workbook"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    #: sha256 of the workbook's cache key (returns.cache.key_digest): the fingerprint of the
    #: return's data, the local day, the signature and the source of the modules that build it.
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The time of the data the workbook prints ("Số liệu tính đến …").
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
