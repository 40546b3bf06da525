"""Operational state shared by every host: the scheduler's lease and heartbeat."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridgeops.core.types import UTCDateTime
from bridgeops.extensions import Model


class WriteCheck(Model):
    """One row per web host, rewritten by every /healthz: proof that the database takes writes
    (a read-only database or a full disk fails here while SELECT 1 still works)."""

    __tablename__ = "write_check"

    #: The host name of the web worker that wrote it.
    host: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerLease(Model):
    """One row per lease name; whoever holds an unexpired lease runs the jobs."""

    __tablename__ = "scheduler_lease"

    #: "scheduler".
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: host:pid:random of the holder.
    holder: Mapped[str] = mapped_column(sa.String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Renewed by the holder every few seconds; /healthz reports it.
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: After this, another process may take the lease over.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
