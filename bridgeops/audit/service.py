"""Recording audit events; the only writer of audit_event."""

from __future__ import annotations

from typing import Any

from bridgeops.audit.models import AuditEvent
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
