"""The database's clock: the one clock every host shares.

Lease expiry and heartbeat freshness compare times written by different hosts (web workers,
the scheduler, a second scheduler); each host's own clock may be skewed, the database's is one.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bridgeops.core.time import as_utc, utcnow
from bridgeops.extensions import db


def database_now_sql() -> sa.ColumnElement[datetime] | datetime:
    """The same "now" as an SQL value computed by the server inside the statement (no extra
    round trip): for an UPDATE that stamps a row by the database's clock."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.clock_timestamp()
    return utcnow()


def database_now() -> datetime:
    """Now by the database server's clock (UTC, timezone-aware).

    PostgreSQL: ``clock_timestamp()`` (the real time, not the transaction's start). SQLite is a
    file on this host, so its clock is this host's.
    """
    if db.engine.dialect.name == "postgresql":
        return as_utc(db.session.execute(sa.select(sa.func.clock_timestamp())).scalar_one())
    return utcnow()
