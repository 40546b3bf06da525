"""Registration rules; the only writer of bridge_point, delegate_count and contact."""

from __future__ import annotations

import sqlalchemy as sa

from bridgeops.conference.models import Conference
from bridgeops.core.errors import Conflict
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint, Contact
from bridgeops.units.models import AdminUnit


def district_code_of(unit: AdminUnit) -> str:
    """The unit a point rolls up to: itself for a province or district, else its parent."""
    if unit.level == "commune" and unit.parent_code:
        return unit.parent_code
    return unit.code


def point_for_unit(conference: Conference, unit_code: str) -> BridgePoint | None:
    return db.session.scalar(sa.select(BridgePoint).where(
        BridgePoint.conference_id == conference.id, BridgePoint.unit_code == unit_code))


def create_point_record(conference: Conference, unit: AdminUnit, *, venue: str = "",
                        capacity: int | None = None, name: str | None = None) -> BridgePoint:
    """A draft point for a unit; 409 if the unit already has one in this conference."""
    if point_for_unit(conference, unit.code) is not None:
        raise Conflict(f"{unit.name} đã có điểm cầu trong hội nghị này.")
    point = BridgePoint(conference=conference, unit=unit, level=unit.level,
                        district_code=district_code_of(unit), name=name or f"Điểm cầu {unit.name}",
                        venue=venue, capacity=capacity, status="draft")
    db.session.add(point)
    db.session.flush()
    return point


def acknowledge(contact: Contact) -> Contact:
    """The technician pressed "Đã nhận lịch" (the first time counts)."""
    if contact.acknowledged_at is None:
        contact.acknowledged_at = utcnow()
        db.session.flush()
    return contact
