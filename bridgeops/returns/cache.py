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
time it was frozen, which never change.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bridgeops.conference.models import Conference
from bridgeops.core.cache import ProcessCache, weighted_sum
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint, DelegateCount, PointStatus
from bridgeops.units.models import AdminUnit

#: Documents and files one process keeps (JSON and CSV of a handful of conferences).
MAX_ENTRIES = 8

_entries: ProcessCache[bytes] = ProcessCache(MAX_ENTRIES)

#: Workbooks one process keeps, with the time each one prints: a few national ones are ~3 MB.
MAX_WORKBOOKS = 4

_workbooks: ProcessCache[tuple[datetime, bytes]] = ProcessCache(MAX_WORKBOOKS)


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
    return _entries.get_or_build(key, build)


def remember_workbook(key: tuple, build: Callable[[], tuple[datetime, bytes]]) -> tuple[datetime, bytes]:
    """The workbook cached under ``key`` with the time it prints, else ``build()``'s."""
    return _workbooks.get_or_build(key, build)


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
