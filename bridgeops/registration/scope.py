"""The access rule of ``accounts.access`` as a WHERE clause on points: what a principal sees.

Staff see everything; a chair her unit's point and the points of the units directly under it;
a technician her own point only (``accounts.access.can_view_point`` answers for one point).
"""

from __future__ import annotations

import sqlalchemy as sa

from bridgeops.accounts.access import Principal
from bridgeops.registration.models import BridgePoint
from bridgeops.units.models import AdminUnit


def chair_scope(principal: Principal) -> sa.Select:
    """The unit codes a chair answers for: her unit and the units directly under it."""
    return sa.select(AdminUnit.code).where(
        sa.or_(AdminUnit.code == principal.unit_code, AdminUnit.parent_code == principal.unit_code)
    )


def point_filter(principal: Principal, conference_id: int) -> sa.ColumnElement[bool]:
    """A WHERE clause on BridgePoint limiting a query to what the principal may see."""
    in_conference = BridgePoint.conference_id == conference_id
    if principal.is_officer:
        return in_conference
    if principal.conference_id not in (None, conference_id):
        return sa.false()
    if principal.is_chair:
        # One IN on unit_code, so the (conference_id, unit_code) index answers it, not a scan
        # of the conference's points (11,400 nationally).
        return sa.and_(in_conference, BridgePoint.unit_code.in_(chair_scope(principal)))
    if principal.is_technician and principal.point_id:
        return sa.and_(in_conference, BridgePoint.id == principal.point_id)
    return sa.false()
