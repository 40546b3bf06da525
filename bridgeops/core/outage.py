"""When the database (or the disk under it) is gone: say so, briefly.

A request that fails because the database is unreachable, read-only or out of disk is not a bug
of the request: it gets 503 with Retry-After (``outage_response``), and the log gets one line per
kind of failure per LOG_INTERVAL, not a traceback per request.
"""

from __future__ import annotations

import errno
import logging
import threading
import time

import sqlalchemy as sa

log = logging.getLogger("bridgeops.outage")

#: Seconds a client is told to wait before trying again.
RETRY_AFTER_SECONDS = 5
#: One log line per kind of failure per this many seconds.
LOG_INTERVAL = 10.0

#: Errors of the disk or the file system that no request can fix.
_OS_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO}
#: PostgreSQL SQLSTATE classes and codes that mean the server, not the request, is the problem:
#: 08 connection, 53 insufficient resources (disk full), 57 operator intervention (shutdown),
#: 58 system error, 25006 read-only transaction, 40P01/55P03 are NOT outages (left out).
_PG_OUTAGE_CLASSES = ("08", "53", "57", "58")
_PG_OUTAGE_CODES = {"25006"}
#: SQLite messages that mean the file cannot be written or read.
_SQLITE_OUTAGE_TEXT = (
    "database or disk is full",
    "readonly database",
    "disk i/o error",
    "unable to open database",
    "database is locked",
)


def outage_kind(error: BaseException) -> str | None:
    """A short name of the outage ``error`` is (``"database-unreachable"``, ``"disk-full"``,
    ``"database-read-only"``, …), or None when it is not an outage but a bug."""
    if isinstance(error, OSError) and error.errno in _OS_ERRNOS:
        return "disk-full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "disk-error"
    if not isinstance(error, sa.exc.DBAPIError):
        return None
    if error.connection_invalidated:
        return "database-unreachable"
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or ""
    if sqlstate:
        if sqlstate in _PG_OUTAGE_CODES:
            return "database-read-only"
        if sqlstate.startswith("53"):
            return "disk-full"
        if sqlstate.startswith(_PG_OUTAGE_CLASSES):
            return "database-unreachable"
        return None
    text = str(original).lower()
    if isinstance(error, sa.exc.OperationalError) and not text:
        return "database-unreachable"
    for marker in _SQLITE_OUTAGE_TEXT:
        if marker in text:
            return {
                "database or disk is full": "disk-full",
                "readonly database": "database-read-only",
                "database is locked": "database-busy",
            }.get(marker, "database-unreachable")
    if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)) and (
        "connect" in text or "server closed" in text or "terminat" in text
    ):
        return "database-unreachable"
    return None


class _FailureLog:
    """Per kind: when it was last logged and how many were swallowed since."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: dict[str, float] = {}
        self.swallowed: dict[str, int] = {}

    def should_log(self, kind: str, interval: float) -> int | None:
        """None to stay quiet; otherwise how many of this kind were not logged before."""
        now = time.monotonic()
        with self.lock:
            if now - self.last.get(kind, -interval - 1) < interval:
                self.swallowed[kind] = self.swallowed.get(kind, 0) + 1
                return None
            self.last[kind] = now
            return self.swallowed.pop(kind, 0)


_failures = _FailureLog()


def log_failure(what: str, error: BaseException, interval: float = LOG_INTERVAL) -> None:
    """One line (no traceback) per ``what`` and kind of error per ``interval`` seconds."""
    kind = outage_kind(error) or type(error).__name__
    key = f"{what}:{kind}"
    swallowed = _failures.should_log(key, interval)
    if swallowed is None:
        return
    first_line = (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0]
    log.error(
        "%s: %s",
        what,
        kind,
        extra={"fields": {"failure": kind, "error": first_line[:300], "repeated_since_last_line": swallowed}},
    )


def log_trouble(logger: logging.Logger, what: str, error: BaseException, about: object = None) -> None:
    """Log a caught ``error`` that the caller gets over: a bug with its traceback on ``logger``,
    an outage as ``log_failure``'s one line per interval (the database being gone is not news
    worth a traceback from every place that noticed). ``about``: what it happened to (an id),
    named in a bug's line; an outage's line is one per ``what``, whatever it happened to."""
    if outage_kind(error) is not None:
        log_failure(what, error)
    elif about is None:
        logger.warning("%s", what, exc_info=error)
    else:
        logger.warning("%s (%s)", what, about, exc_info=error)
