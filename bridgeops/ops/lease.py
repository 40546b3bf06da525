"""A lease in the database so that exactly one scheduler runs per deployment, on any host."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa

from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.ops.models import SchedulerLease

LEASE_NAME = "scheduler"
LEASE_TTL = timedelta(seconds=30)


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire_or_renew(holder: str, name: str = LEASE_NAME, now: datetime | None = None,
                     ttl: timedelta = LEASE_TTL) -> bool:
    """Take the lease if it is free or expired, or renew it if we hold it. Commits.

    The conditional UPDATE is atomic on SQLite and PostgreSQL, so two processes racing for an
    expired lease cannot both win.
    """
    now = now or utcnow()
    table = SchedulerLease.__table__
    renewed = db.session.execute(
        sa.update(table)
        .where(table.c.name == name,
               sa.or_(table.c.holder == holder, table.c.expires_at < now))
        .values(holder=holder, heartbeat_at=now, expires_at=now + ttl,
                acquired_at=sa.case((table.c.holder == holder, table.c.acquired_at), else_=now))
    ).rowcount
    if renewed:
        db.session.commit()
        return True
    try:
        db.session.execute(sa.insert(table).values(name=name, holder=holder, acquired_at=now,
                                                   heartbeat_at=now, expires_at=now + ttl))
        db.session.commit()
        return True
    except sa.exc.IntegrityError:
        db.session.rollback()
        return False


def release(holder: str, name: str = LEASE_NAME) -> None:
    """Give the lease up at once; the row stays so /healthz still shows the last heartbeat."""
    table = SchedulerLease.__table__
    db.session.execute(sa.update(table).where(table.c.name == name, table.c.holder == holder)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def last_heartbeat(name: str = LEASE_NAME) -> datetime | None:
    lease = db.session.get(SchedulerLease, name)
    return lease.heartbeat_at if lease else None
