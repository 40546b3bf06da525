"""Provinces registered at TW, and the returns they submitted to a national conference."""

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


class FederatedProvince(Model):
    """A province instance allowed to submit its return to this (TW) instance."""

    __tablename__ = "federated_province"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The province's unit code, as its own instance writes it in ``host_unit_code``: "36".
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    #: Shown to TW's officers: "Tỉnh Nam Định".
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Whom TW calls when the return has not come: the province's contact officer.
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: E.164: "+84912345678".
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    #: sha256 of the province's credential (a bearer token shown once at registration).
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the credential is revoked; submissions are then refused.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FederatedReturn(Model):
    """One submission of a province's frozen return; a later one supersedes it, both are kept."""

    __tablename__ = "federated_return"
    # The same content from the same province is stored once, however often it is sent.
    __table_args__ = (sa.UniqueConstraint("conference_id", "province_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: TW's national conference the return is for.
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("federated_province.id"), index=True)
    #: Which report it is, from its schema: "headcount" (bridgeops.return/v1), "attendance"
    #: (bridgeops.attendance/v1) or "followup" (bridgeops.followup/v1).
    kind: Mapped[str] = mapped_column(sa.String(16), default="headcount", server_default="headcount")
    #: What a later submission of the same kind supersedes within: the province's session id for
    #: attendance (one report per session), "" otherwise.
    subject: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    #: Canonical JSON of the province's document (of the schema of its kind), exactly as hashed.
    payload: Mapped[str] = mapped_column(sa.Text, deferred=True)
    #: What the national pages read without the document: {"totals", "categories",
    #: "units_total"} of a return, {"session", "categories", "totals"} of an attendance report,
    #: {"as_of_day", "levels"} of a follow-up report.
    summary: Mapped[str] = mapped_column(sa.Text)
    #: sha256 hex of the payload; also the Idempotency-Key the province sent.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: When and by whom the province froze it (its snapshot's created_at and created_by).
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    frozen_by: Mapped[str] = mapped_column(sa.String(254), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a later submission of the same province replaced it; None for the current one.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conference: Mapped[Conference] = relationship()
    province: Mapped[FederatedProvince] = relationship()

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.payload)

    @property
    def digest(self) -> dict[str, Any]:
        return json.loads(self.summary)

    @property
    def totals(self) -> dict[str, Any]:
        return self.digest["totals"]

    @property
    def categories(self) -> list[dict[str, Any]]:
        return self.digest.get("categories", [])
