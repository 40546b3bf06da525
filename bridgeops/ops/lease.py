"""A lease in the database so that exactly one scheduler runs per deployment, on any host.

Every time here is the database's clock (``database_now``): two hosts whose clocks disagree
still agree on when a lease expires. The lease is short (LEASE_TTL) and renewed every
RENEW_SECONDS, so a crashed holder is replaced within seconds; what the dead holder had
claimed is tied to its holder id and handed back at the takeover (``Takeover.previous``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from bridgeops.core.clock import database_now
from bridgeops.core.db import rows_matched, table_of
from bridgeops.extensions import db
from bridgeops.ops.models import SchedulerLease

LEASE_NAME = "scheduler"
#: A holder that has not renewed for this long is presumed dead.
LEASE_TTL = timedelta(seconds=6)
#: How often the holder renews (and a waiting process tries to take it).
RENEW_SECONDS = 1.0


def acquire_or_renew(
    holder: str, name: str = LEASE_NAME, now: datetime | None = None, ttl: timedelta = LEASE_TTL
) -> bool:
    """Take the lease if it is free or expired, or renew it if we hold it. Commits."""
    return acquire(holder, name, now, ttl) is not None


def acquire(
    holder: str, name: str = LEASE_NAME, now: datetime | None = None, ttl: timedelta = LEASE_TTL
) -> str | None:
    """Take the lease if it is free or expired, or renew it if we hold it. Commits.

    Returns None when another process holds it; otherwise the previous holder's id (our own on
    a renewal, "" for a brand-new lease), so a new holder can take over what a dead one claimed.
    The conditional UPDATE is atomic on SQLite and PostgreSQL, so two processes racing for an
    expired lease cannot both win.
    """
    now = now or database_now()
    table = table_of(SchedulerLease)
    previous = db.session.scalar(sa.select(table.c.holder).where(table.c.name == name))
    renewed = rows_matched(
        db.session.execute(
            sa.update(table)
            .where(table.c.name == name, sa.or_(table.c.holder == holder, table.c.expires_at < now))
            .values(
                holder=holder,
                heartbeat_at=now,
                expires_at=now + ttl,
                acquired_at=sa.case((table.c.holder == holder, table.c.acquired_at), else_=now),
            )
        )
    )
    if renewed:
        db.session.commit()
        return previous or ""
    try:
        db.session.execute(
            sa.insert(table).values(
                name=name, holder=holder, acquired_at=now, heartbeat_at=now, expires_at=now + ttl
            )
        )
        db.session.commit()
        return ""
    except sa.exc.IntegrityError:
        db.session.rollback()
        return None


def release(holder: str, name: str = LEASE_NAME) -> None:
    """Give the lease up at once; the row stays so /healthz still shows the last heartbeat."""
    table = table_of(SchedulerLease)
    db.session.execute(
        sa.update(table)
        .where(table.c.name == name, table.c.holder == holder)
        .values(expires_at=database_now() - timedelta(seconds=1))
    )
    db.session.commit()


def current_holder(name: str = LEASE_NAME) -> str | None:
    """Who holds an unexpired lease now, by the database's clock; None when nobody does."""
    table = table_of(SchedulerLease)
    return db.session.scalar(
        sa.select(table.c.holder).where(table.c.name == name, table.c.expires_at >= database_now())
    )


def last_heartbeat(name: str = LEASE_NAME) -> datetime | None:
    lease = db.session.get(SchedulerLease, name)
    return lease.heartbeat_at if lease else None
