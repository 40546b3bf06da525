"""What /healthz checks beyond "the database answers": it takes writes, the disk has room, and
the scheduler runs while a session is being monitored. The only writer of write_check."""

from __future__ import annotations

import os
import socket
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bridgeops.core.clock import database_now
from bridgeops.core.db import rows_matched, table_of
from bridgeops.extensions import db
from bridgeops.health.windows import active_windows
from bridgeops.ops.lease import LEASE_TTL, last_heartbeat
from bridgeops.ops.models import WriteCheck


def record_write() -> None:
    """Rewrite this host's write_check row. Flushes; the caller commits (and so learns whether
    the database can write: a read-only database or a full disk fails there)."""
    host = socket.gethostname()[:200]
    now = database_now()
    table = table_of(WriteCheck)
    updated = db.session.execute(sa.update(table).where(table.c.host == host).values(written_at=now))
    if rows_matched(updated) == 0:
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(table).values(host=host, written_at=now))
        except sa.exc.IntegrityError:  # another worker of this host wrote it a moment ago
            pass


def check_directories(paths: list[Path]) -> None:
    """Write, fsync and remove a small file in each folder: raises OSError (ENOSPC on a full
    disk, EROFS on a read-only one) when the service could not write its files there."""
    for path in paths:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".healthz-", delete=True) as handle:
            handle.write(b"\0" * 4096)
            handle.flush()
            os.fsync(handle.fileno())


@dataclass(frozen=True)
class SchedulerState:
    """``state``: ok | stale (no renewal within the lease) | never_seen; ``monitoring_stopped``
    when it is stale or never seen while a session window is open."""

    state: str
    last_heartbeat_at: datetime | None
    monitoring_stopped: bool


def scheduler_state() -> SchedulerState:
    """The scheduler's liveness by the database's clock, and whether a window misses it."""

    now = database_now()
    heartbeat = last_heartbeat()
    fresh = heartbeat is not None and now - heartbeat < LEASE_TTL
    state = "never_seen" if heartbeat is None else "ok" if fresh else "stale"
    stopped = state != "ok" and bool(active_windows(now))
    return SchedulerState(state, heartbeat, stopped)
