"""A network carried onto another map: which old rooms compete for one new unit, which found no
place, and the officer's choices. Writes only through registration.service.

The copy (conference service) keeps, per new unit, the source point with the lowest source unit
code. The room that stays is recognised by what the copy carried (venue, probe target),
so nothing here needs to know how the copy was made.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from bridgeops.accounts.access import Principal
from bridgeops.conference.models import Conference
from bridgeops.core.errors import NotFound, ValidationFailed
from bridgeops.core.validation import validate
from bridgeops.extensions import db
from bridgeops.registration import service
from bridgeops.registration.models import BridgePoint, PointStatus
from bridgeops.registration.schemas import PointIn
from bridgeops.units import service as units
from bridgeops.units.models import AdminUnit
from bridgeops.units.reform import UNPLACED_REASONS, place_units


@dataclass(frozen=True)
class Candidate:
    """An old point competing for a new unit."""

    point: BridgePoint
    #: Its room is the one the new point holds now.
    chosen: bool


@dataclass(frozen=True)
class Merge:
    """A new unit that several old points landed on."""

    unit: AdminUnit
    #: The new conference's point for that unit (None if it was withdrawn or never made).
    point: BridgePoint | None
    candidates: list[Candidate]


@dataclass(frozen=True)
class Unplaced:
    """An old point whose unit has no place on the new map."""

    point: BridgePoint
    reason: str
    #: The new point it was placed on by hand, if any.
    placed_on: BridgePoint | None


@dataclass(frozen=True)
class CarriedNetwork:
    source: Conference
    merges: list[Merge]
    unplaced: list[Unplaced]
    #: Units of the new conference without a point, for placing by hand.
    free_units: list[AdminUnit]


def _room(point: BridgePoint) -> tuple:
    """What identifies a room across the copy (which renames a point after its new unit)."""
    return (point.venue or "", point.probe_target or "")


def source_of(conference: Conference) -> Conference:
    """The conference this one was copied from; NotFound if it was not copied."""
    source = db.session.get(Conference, conference.copied_from_id) if conference.copied_from_id else None
    if source is None:
        raise NotFound("Hội nghị này không được sao chép từ hội nghị nào.")
    return source


def _points(conference: Conference) -> list[BridgePoint]:
    return list(
        db.session.scalars(
            sa.select(BridgePoint)
            .where(BridgePoint.conference_id == conference.id, BridgePoint.status != PointStatus.WITHDRAWN)
            .options(selectinload(BridgePoint.unit), selectinload(BridgePoint.contacts))
            .order_by(BridgePoint.unit_code)
        )
    )


def carried_network(conference: Conference) -> CarriedNetwork:
    """Where the source conference's points went on this conference's map."""
    source = source_of(conference)
    old_points = _points(source)
    placement = place_units([p.unit_code for p in old_points], source.unit_map, conference.unit_map)
    new_points = {p.unit_code: p for p in _points(conference)}
    by_room = {_room(p): p for p in new_points.values()}

    landed: dict[str, list[BridgePoint]] = {}
    for point in old_points:
        if point.unit_code in placement.target:
            landed.setdefault(placement.target[point.unit_code], []).append(point)
    new_units = {
        u.code: u for u in db.session.scalars(sa.select(AdminUnit).where(AdminUnit.code.in_(list(landed))))
    }
    merges = []
    for code, candidates in sorted(landed.items(), key=lambda kv: new_units[kv[0]].name):
        if len(candidates) < 2:
            continue
        current = new_points.get(code)
        merges.append(
            Merge(
                new_units[code],
                current,
                [Candidate(p, current is not None and _room(p) == _room(current)) for p in candidates],
            )
        )
    unplaced = [
        Unplaced(p, UNPLACED_REASONS.get(p.level, ""), by_room.get(_room(p)))
        for p in old_points
        if p.unit_code in placement.unplaced
    ]
    host = conference.host_unit_code
    free = [
        u for u in ([units.get_unit(host)] + units.children(host) if host else []) if u.code not in new_points
    ]
    return CarriedNetwork(source, merges, unplaced, free)


def _room_of(point: BridgePoint) -> dict:
    """What a room carries to its new point: no counts (delegates are counted afresh)."""
    return {
        "venue": point.venue or "",
        "capacity": point.capacity,
        "probe": {"target": point.probe_target or ""},
        "technicians": [{"name": c.name, "phone": c.phone, "email": c.email} for c in point.technicians],
    }


def choose_room(
    conference: Conference, unit_code: str, source_point_id: int, principal: Principal
) -> BridgePoint:
    """Let this old point's room, venue, capacity, technicians and probe target be the ones the
    new unit's point keeps (its delegate counts stay)."""
    network = carried_network(conference)
    merge = next((m for m in network.merges if m.unit.code == unit_code), None)
    candidate = (
        next((c.point for c in merge.candidates if c.point.id == source_point_id), None) if merge else None
    )
    if candidate is None or merge is None:
        raise ValidationFailed({"candidate": "Điểm cầu này không nằm trong danh sách để chọn."})
    if merge.point is None:
        return service.create_point(
            conference, validate(PointIn, {"unit": unit_code, **_room_of(candidate)}), principal
        ).point
    return service.update_point(merge.point, validate(PointIn, _room_of(candidate)), principal, None)


def place_by_hand(
    conference: Conference, source_point_id: int, unit_code: str, principal: Principal
) -> BridgePoint:
    """Carry an unplaced old point onto a unit of the new map chosen by the officer."""
    network = carried_network(conference)
    old = next((u.point for u in network.unplaced if u.point.id == source_point_id), None)
    if old is None:
        raise ValidationFailed({"point": "Điểm cầu này không nằm trong danh sách chưa có chỗ."})
    if unit_code not in {u.code for u in network.free_units}:
        raise ValidationFailed({"unit": "Vui lòng chọn một đơn vị chưa có điểm cầu."})
    return service.create_point(
        conference, validate(PointIn, {"unit": unit_code, **_room_of(old)}), principal
    ).point


def carry_points(source: Conference, target: Conference, *, actor: str) -> tuple[int, list[tuple[str, str]]]:
    """Every live point of ``source`` as a draft of its copy ``target`` (one point per unit of
    the target's map; lowest source unit code first); how many, and the (code, name) of the
    units with no place in the copy. Flushes."""
    points = list(
        db.session.scalars(
            sa.select(BridgePoint)
            .where(BridgePoint.conference_id == source.id, BridgePoint.status != "withdrawn")
            .options(selectinload(BridgePoint.contacts), selectinload(BridgePoint.unit))
            .order_by(BridgePoint.unit_code)
        )
    )
    placement = place_units([p.unit_code for p in points], source.unit_map, target.unit_map)
    units = {
        u.code: u
        for u in db.session.scalars(
            sa.select(AdminUnit).where(AdminUnit.code.in_(set(placement.target.values())))
        )
    }
    chosen: dict[str, BridgePoint] = {}
    unplaced = [p for p in points if p.unit_code in set(placement.unplaced)]
    for point in points:  # lowest source unit code first: it keeps the new unit's room
        code = placement.target.get(point.unit_code)
        if code is None:
            continue
        unit = units.get(code)
        if unit is None or not service.in_conference_tree(target, unit):
            unplaced.append(point)
        elif code not in chosen:
            chosen[code] = point
    rows = [_copied_row(point, code) for code, point in chosen.items()]
    ids = service.bulk_create_points(target, rows, actor=actor) if rows else []
    new_id = {point.id: new for point, new in zip(chosen.values(), ids, strict=True)}
    # A point relaying from another than its parent's point keeps that upstream in the copy.
    upstream = [
        {"point_id": new_id[p.id], "upstream": new_id[p.upstream_point_id]}
        for p in chosen.values()
        if p.upstream_point_id in new_id
    ]
    if upstream:
        service.set_upstreams(upstream)
    return len(rows), [(p.unit_code, p.unit.name) for p in unplaced]


def _copied_row(point: BridgePoint, unit_code: str) -> dict:
    return {
        "unit": unit_code,
        "name": point.name if unit_code == point.unit_code else None,
        "venue": point.venue,
        "capacity": point.capacity,
        "probe": {"target": point.probe_target},
        "technicians": [{"name": c.name, "phone": c.phone, "email": c.email} for c in point.technicians],
    }
