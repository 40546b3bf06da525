"""A per-process cache of the live return, keyed by a fingerprint of the data it is built from.

At national scale the roll-up reads ~11,400 points and ~70,000 counts (over a second); the
fingerprint is two aggregate queries (tens of milliseconds). Any change a return can show moves
the fingerprint: a point added, withdrawn, confirmed or edited (its version goes up, and its
status, total and update time are summed in), a count changed, a category or the conference's
title changed, units imported. Only bytes are kept (the document's JSON, the CSV file), so a
worker holds a few MB, not the parsed document.

Finished workbooks are kept apart (a national XLSX takes ~0.8 s of CPU to write and is ~0.8 MB):
the live return's under its fingerprint and its local day, with the time of the data they print
("Số liệu tính đến …": the data has not changed since, or the fingerprint would have moved), so a
repeated download costs the fingerprint query only; a frozen report's under its sha256 and the
time it was frozen, which never change. The live return's workbook is also shared through the
database (returns.models.StoredWorkbook): the scheduler builds it soon after the data moves
(returns.jobs), so the first download after a change, on any worker or node, is a read, not a
build; a worker that gets there first builds it and shares it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bridgeops.conference.models import Conference
from bridgeops.core.cache import ProcessCache, weighted_sum
from bridgeops.core.db import table_of
from bridgeops.core.outage import log_trouble
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint, DelegateCount, PointStatus
from bridgeops.returns.models import StoredWorkbook
from bridgeops.units.models import AdminUnit

#: Documents and files one process keeps (JSON and CSV of a handful of conferences).
MAX_ENTRIES = 8

_entries: ProcessCache[bytes] = ProcessCache(MAX_ENTRIES)

#: Workbooks one process keeps, with the time each one prints: a few national ones are ~3 MB.
MAX_WORKBOOKS = 4

_workbooks: ProcessCache[tuple[datetime, bytes]] = ProcessCache(MAX_WORKBOOKS)

#: Live workbooks kept per conference in the shared table: the current state and a few before
#: it, for a worker still answering from a fingerprint read a moment ago.
KEEP_STORED = 3

log = logging.getLogger(__name__)


def fingerprint(conference: Conference) -> tuple:
    """Changes whenever the return of the conference could change."""
    # Which point holds which status: a swap between two points moves it (core.cache.weighted_sum).
    status_code = sa.case(
        (BridgePoint.status == PointStatus.CONFIRMED, 1),
        (BridgePoint.status == PointStatus.DRAFT, 2),
        else_=3,
    )
    points = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.max(BridgePoint.id),
            sa.func.sum(BridgePoint.version),
            sa.func.max(BridgePoint.updated_at),
            weighted_sum(status_code, BridgePoint.id),
            sa.func.sum(BridgePoint.total_delegates),
        ).where(BridgePoint.conference_id == conference.id)
    ).one()
    counts = db.session.execute(
        sa.select(
            sa.func.count(),
            # Which point, and which category (by its code's length), holds which count.
            weighted_sum(DelegateCount.count, DelegateCount.point_id),
            weighted_sum(DelegateCount.count, sa.func.length(DelegateCount.category_code)),
        )
        .join(BridgePoint, BridgePoint.id == DelegateCount.point_id)
        .where(BridgePoint.conference_id == conference.id)
    ).one()
    units = db.session.scalar(sa.select(sa.func.count()).select_from(AdminUnit))
    meta = (
        conference.id,
        conference.slug,
        conference.title,
        conference.organizer,
        conference.host_name,
        conference.host_unit_code,
        conference.timezone,
        tuple((c.code, c.label, c.levels_csv, c.position) for c in conference.categories),
    )
    return (meta, tuple(points), tuple(counts), units)


def remember(key: tuple, build: Callable[[], bytes]) -> bytes:
    """The bytes cached under ``key`` (which starts with a fingerprint), else ``build()``'s."""
    _note_state(key[0])
    return _entries.get_or_build(key, build)


#: The states of each conference's data this process has seen, newest last (a few per conference).
_seen: dict[int, deque[tuple]] = {}
_seen_lock = threading.Lock()
SEEN_STATES = 8


def _note_state(fingerprint: tuple) -> None:
    """A new state of a conference's data: what this process keeps for its earlier states will
    not be asked for again (the fingerprint only moves on), so it goes now, not when the LRU gets
    to it. Nationally a state is ~5 MB (the JSON, the workbook) and a worker kept up to eight:
    three changes took one from 138 to 166 MB. A state seen before (a slow request still holding
    the previous fingerprint) discards nothing."""
    conference_id = fingerprint[0][0]

    def stale(key: Hashable) -> bool:
        # Live keys start with a fingerprint, whose first part starts with the conference id;
        # a frozen workbook's key starts with "frozen".
        held = key[0]  # type: ignore[index]
        return isinstance(held, tuple) and held[0][0] == conference_id and held != fingerprint

    with _seen_lock:
        seen = _seen.setdefault(conference_id, deque(maxlen=SEEN_STATES))
        if fingerprint in seen:
            return
        seen.append(fingerprint)
        _entries.discard_where(stale)
        _workbooks.discard_where(stale)


def remember_workbook(key: tuple, build: Callable[[], tuple[datetime, bytes]]) -> tuple[datetime, bytes]:
    """The workbook cached under ``key`` with the time it prints, else ``build()``'s."""
    return _workbooks.get_or_build(key, build)


def shared_workbook(
    conference_id: int, key: tuple, build: Callable[[], tuple[datetime, bytes]]
) -> tuple[datetime, bytes]:
    """The workbook under ``key`` from this process; else from the table every worker and node
    shares (the scheduler or another worker built it); else ``build()``'s, which is then shared.
    Call it with no write pending in the session: on SQLite the sharing connection would wait
    for that write's lock (views and jobs read here, after their writes are committed)."""

    def load_or_build() -> tuple[datetime, bytes]:
        digest = key_digest(key)
        stored = load_workbook(digest)
        if stored is not None:
            return stored
        built = build()
        store_workbook(conference_id, digest, *built)
        return built

    _note_state(key[0])
    return _workbooks.get_or_build(key, load_or_build)


#: The modules a return's files are built by: a stored workbook is named after their source too,
#: so a deploy that changes how the file looks never serves one an older version built.
BUILDERS = ("exporters.py", "table.py", "document.py", "rollup.py")


@functools.cache
def builders_digest() -> str:
    folder = Path(__file__).parent
    source = b"".join((folder / name).read_bytes() for name in BUILDERS)
    return hashlib.sha256(source).hexdigest()[:16]


def key_digest(key: tuple) -> str:
    """A key's name in the shared table: the same data read by any process running the same
    builders gives the same name."""
    return hashlib.sha256(f"{builders_digest()}:{key!r}".encode()).hexdigest()


def workbook_stored(digest: str) -> bool:
    return load_workbook(digest, content=False) is not None


def load_workbook(digest: str, content: bool = True) -> tuple[datetime, bytes] | None:
    """The stored workbook with that name, read on a connection of its own (the caller's
    transaction is not touched); None when there is none or the table cannot be read (the caller
    builds it)."""
    columns = (StoredWorkbook.as_of, StoredWorkbook.content if content else sa.literal(b""))
    try:
        with db.engine.connect() as connection:
            row = connection.execute(sa.select(*columns).where(StoredWorkbook.key == digest)).first()
    except SQLAlchemyError as error:
        log_trouble(log, "could not read a stored workbook", error, about=digest)
        return None
    return (row[0], row[1]) if row is not None else None


def store_workbook(conference_id: int, digest: str, as_of: datetime, content: bytes) -> bool:
    """Share a finished workbook, in a transaction of its own (the caller's session is left as it
    is), and drop the conference's older ones beyond KEEP_STORED. False when another process
    stored it first or the database refused: the caller still has its bytes to serve."""
    table = table_of(StoredWorkbook)
    newest = (
        sa.select(table.c.id)
        .where(table.c.conference_id == conference_id)
        .order_by(table.c.id.desc())
        .limit(KEEP_STORED)
    )
    try:
        with db.engine.begin() as connection:
            connection.execute(
                sa.insert(table).values(
                    conference_id=conference_id, key=digest, as_of=as_of, content=content, created_at=utcnow()
                )
            )
            connection.execute(
                sa.delete(table).where(table.c.conference_id == conference_id, table.c.id.not_in(newest))
            )
    except IntegrityError:
        return False  # the same workbook, stored by another process meanwhile
    except SQLAlchemyError as error:
        log_trouble(log, "could not share a workbook", error, about=f"conference {conference_id}")
        return False
    return True


#: Points encoded at a time: a national document's JSON is ~4 MB of UTF-8, but ~8 MB as one
#: Python str (Vietnamese text takes two bytes a character there); batches keep that transient
#: to a few hundred KB.
ENCODE_BATCH = 1000


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, the same bytes as one ``json.dumps``; a trailing "points" list is
    written in batches, so the whole text never exists as one str."""
    points = document.get("points")
    if not points or next(reversed(document)) != "points":
        return _dumps(document).encode()
    head = _dumps({**document, "points": []}).encode()
    out = io.BytesIO()
    out.write(head[: -len(b"[]}")] + b"[")
    for start in range(0, len(points), ENCODE_BATCH):
        if start:
            out.write(b",")
        out.write(_dumps(points[start : start + ENCODE_BATCH])[1:-1].encode())
    out.write(b"]}")
    return out.getvalue()


def with_field(encoded: bytes, name: str, value: Any) -> bytes:
    """The JSON object plus one more top-level field, without parsing it again."""
    return encoded[:-1] + b"," + json.dumps(name).encode() + b":" + json.dumps(value).encode() + b"}"


def clear() -> None:
    _entries.clear()
    _workbooks.clear()
    with _seen_lock:
        _seen.clear()
