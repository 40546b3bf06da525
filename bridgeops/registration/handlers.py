"""Registration's answers to other capabilities' events (connected when setup imports this)."""

from __future__ import annotations

import sqlalchemy as sa

from bridgeops.events import category_use, conference_copied
from bridgeops.extensions import db
from bridgeops.registration.carry import carry_points
from bridgeops.registration.models import BridgePoint, DelegateCount, PointStatus


@conference_copied.connect
def on_conference_copied(conference, *, source, actor: str, **_extra) -> tuple[int, list[tuple[str, str]]]:
    """A copied conference starts with this year's points as drafts."""
    return carry_points(source, conference, actor=actor)


@category_use.connect
def on_category_use(conference, **_extra) -> dict[tuple[str, str], int]:
    """Which categories the conference's live points have counted, at which level."""
    rows = db.session.execute(
        sa.select(DelegateCount.category_code, BridgePoint.level, sa.func.count())
        .join(BridgePoint, BridgePoint.id == DelegateCount.point_id)
        .where(
            BridgePoint.conference_id == conference.id,
            BridgePoint.status != PointStatus.WITHDRAWN,
            DelegateCount.count > 0,
        )
        .group_by(DelegateCount.category_code, BridgePoint.level)
    )
    return {(code, level): n for code, level, n in rows}
