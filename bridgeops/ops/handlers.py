"""Ops answers other capabilities' questions about the shared state it keeps."""

from __future__ import annotations

from datetime import datetime

from bridgeops.events import scheduler_stale
from bridgeops.ops.lease import LEASE_TTL, last_heartbeat


@scheduler_stale.connect
def on_scheduler_stale(_sender, *, now: datetime, **_extra) -> tuple[bool, datetime | None]:
    """(stale, last renewal) of the scheduler's lease by the database's ``now``."""
    heartbeat = last_heartbeat()
    return heartbeat is not None and now - heartbeat >= LEASE_TTL, heartbeat
