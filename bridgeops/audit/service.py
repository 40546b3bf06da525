"""Recording audit events; the only writer of audit_event."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from bridgeops.audit.models import AuditEvent
from bridgeops.core.db import execute_core, table_of
from bridgeops.core.time import utcnow
from bridgeops.extensions import db


def record(
    actor: str,
    entity: str,
    entity_id: int | None,
    action: str,
    *,
    conference_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    late: bool = False,
) -> AuditEvent:
    """Add one audit event to the current transaction."""
    event = AuditEvent(
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        conference_id=conference_id,
        before=before,
        after=after,
        late=late,
    )
    db.session.add(event)
    return event


@cache
def _insert_events() -> sa.Insert:
    return sa.insert(table_of(AuditEvent))


def insert_now(
    actor: str,
    entity: str,
    entity_id: int | None,
    actions: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]],
    *,
    conference_id: int | None = None,
    late: bool = False,
) -> None:
    """Several events about one entity, each ``(action, before, after)`` in order, written now
    in one INSERT that builds no ORM object (a hot path: a registration's create and link)."""
    at = utcnow()
    execute_core(
        _insert_events(),
        [
            {
                "at": at,
                "actor": actor,
                "entity": entity,
                "entity_id": entity_id,
                "action": action,
                "conference_id": conference_id,
                "before": before,
                "after": after,
                "late": late,
            }
            for action, before, after in actions
        ],
    )
