"""Registration rules; the only writer of bridge_point, delegate_count and contact.

Every function takes the acting principal, checks it through ``accounts.access`` (the one
authorization rule), flushes, audits and announces ``point_changed``; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bridgeops.accounts import service as accounts
from bridgeops.accounts.access import Principal, can_edit_point, can_view_point, unit_in_scope
from bridgeops.accounts.models import GrantKind, GrantRole
from bridgeops.accounts.tokens import new_token
from bridgeops.audit import service as audit
from bridgeops.conference.models import Conference, DelegateCategory
from bridgeops.conference.service import category_labels, get_conference, labels_of_level
from bridgeops.core.db import as_persistent, json_rows, loaded, set_loaded, table_of
from bridgeops.core.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from bridgeops.core.keys import new_public_key
from bridgeops.core.time import format_datetime_vi, utcnow
from bridgeops.core.urls import external_url
from bridgeops.core.writeturn import take_write_turn
from bridgeops.events import point_changed
from bridgeops.extensions import db
from bridgeops.registration.links import link_ttl
from bridgeops.registration.models import (
    BridgePoint,
    Contact,
    ContactRole,
    DelegateCount,
    PointIdempotencyKey,
    PointStatus,
    UnitAbsence,
)
from bridgeops.registration.schemas import PointIn, check_point_fits, validate_point
from bridgeops.units import service as units
from bridgeops.units.models import AdminUnit

AUDIT_ENTITY = "bridge_point"


@dataclass
class CreatedPoint:
    """A new point and its technician link, which exists only here, once."""

    point: BridgePoint
    technician_url: str
    #: False when an Idempotency-Key retry found the point created the first time.
    created: bool = True


# --- Reading ---------------------------------------------------------------------------------


def district_code_of(unit: AdminUnit) -> str:
    """The unit a point rolls up to: itself for a province or district, else its parent."""
    if unit.level == "commune" and unit.parent_code:
        return unit.parent_code
    return unit.code


def point_for_unit(conference: Conference, unit_code: str) -> BridgePoint | None:
    return db.session.scalar(
        sa.select(BridgePoint).where(
            BridgePoint.conference_id == conference.id, BridgePoint.unit_code == unit_code
        )
    )


def get_point(point_id: int) -> BridgePoint:
    point = db.session.get(BridgePoint, point_id)
    if point is None:
        raise NotFound(f"Không có điểm cầu số {point_id}.")
    return point


def visible_point(principal: Principal | None, point_id: int) -> BridgePoint:
    """The point if the principal may see it; 404 otherwise (not even its existence leaks)."""
    point = db.session.get(BridgePoint, point_id)
    if point is None or not can_view_point(principal, point):
        raise NotFound(f"Không có điểm cầu số {point_id} trong phạm vi của bạn.")
    return point


def registration_open(conference: Conference) -> bool:
    closes = conference.registration_closes_at
    return closes is None or utcnow() < closes


def missing_items(point: BridgePoint) -> list[str]:
    """What a chair still has to enter before the point can be confirmed (Vietnamese)."""
    return _missing(point.venue, bool(point.technicians), point.total_delegates)


def _missing(venue: str | None, has_technicians: bool, total_delegates: int) -> list[str]:
    """The confirmation rule: a venue, a technician and delegates; what is still missing."""
    missing = []
    if not venue:
        missing.append("phòng họp")
    if not has_technicians:
        missing.append("kỹ thuật viên")
    if total_delegates == 0:
        missing.append("số đại biểu")
    return missing


def snapshot(point: BridgePoint) -> dict[str, Any]:
    """The editable state of a point, as the audit trail keeps it."""
    return {
        "unit": point.unit_code,
        "name": point.name,
        "venue": point.venue,
        "capacity": point.capacity,
        "status": point.status,
        "probe": point.probe_target,
        "upstream": point.upstream_point_id,
        "counts": point.counts_by_code,
        "total_delegates": point.total_delegates,
        "technicians": [{"name": c.name, "phone": c.phone, "email": c.email} for c in point.technicians],
    }


def point_as_input(point: BridgePoint) -> dict[str, Any]:
    """The point as a PointIn dict, so a PATCH can be merged over it and validated whole."""
    return {
        "unit": point.unit_code,
        "name": point.name,
        "venue": point.venue,
        "capacity": point.capacity,
        "probe": {"target": point.probe_target},
        "counts": point.counts_by_code,
        "upstream": point.upstream_point_id,
        "technicians": [{"name": c.name, "phone": c.phone, "email": c.email} for c in point.technicians],
    }


# --- Guards -----------------------------------------------------------------------------------


def _require_edit(principal: Principal | None, point: BridgePoint) -> None:
    if not can_view_point(principal, point):
        raise NotFound(f"Không có điểm cầu số {point.id} trong phạm vi của bạn.")
    if not can_edit_point(principal, point):
        raise Forbidden("Bạn chỉ có quyền xem điểm cầu này.")


def _late(conference: Conference, principal: Principal) -> bool:
    """True when an officer changes after registration closed; chairs get 409 then."""
    if conference.archived_at is not None:
        raise Conflict("Hội nghị này đã được lưu trữ; hồ sơ chỉ để xem, không thay đổi được.")
    if registration_open(conference):
        return False
    if principal.is_officer:
        return True
    closes = format_datetime_vi(conference.registration_closes_at, conference.timezone)
    contact = conference.contact_name or "cán bộ đầu mối"
    raise Conflict(
        f"Đã hết hạn đăng ký điểm cầu ({closes}). Bạn vẫn xem được thông tin nhưng "
        f"không thể thay đổi hay xác nhận; vui lòng liên hệ {contact} để được hỗ trợ."
    )


def _in_conference_tree(conference: Conference, unit: AdminUnit) -> bool:
    host = conference.host_unit_code
    return host is None or host in (unit.code, unit.province_code, unit.parent_code)


# --- Writing ----------------------------------------------------------------------------------


def _ancestor_codes(unit: AdminUnit) -> set[str]:
    codes: set[str] = set()
    parent = unit.parent_code
    while parent is not None and parent not in codes:
        codes.add(parent)
        above = db.session.get(AdminUnit, parent)
        parent = above.parent_code if above is not None else None
    return codes


def _check_upstream(conference_id: int, unit: AdminUnit, upstream_id: int, principal: Principal) -> None:
    """The upstream must be the point of an ancestor unit in the same conference, visible to
    the principal: strictly up the tree, so no cycle can form. Missing and forbidden ids get
    the same answer, so ids of other districts' points do not leak."""
    upstream = db.session.get(BridgePoint, upstream_id)
    if (
        upstream is None
        or upstream.conference_id != conference_id
        or upstream.unit_code not in _ancestor_codes(unit)
        or not can_view_point(principal, upstream)
    ):
        raise ValidationFailed(
            {
                "upstream": "Điểm cầu cấp trên không hợp lệ: chọn điểm cầu của "
                "đơn vị cấp trên trong phạm vi của bạn."
            }
        )


def _apply(point: BridgePoint, data: PointIn, principal: Principal) -> None:
    """Copy validated input onto the point, its counts and its technicians."""
    point.name = data.name or f"Điểm cầu {point.unit.name}"
    point.venue = data.venue
    point.capacity = data.capacity
    point.probe_target = data.probe.target
    if data.upstream is not None and data.upstream != point.upstream_point_id:
        _check_upstream(point.conference_id, point.unit, data.upstream, principal)
        point.upstream_point_id = data.upstream

    existing = {c.category_code: c for c in point.counts}
    for code, count in data.counts.items():
        if code in existing:
            existing[code].count = count
        else:
            point.counts.append(DelegateCount(category_code=code, count=count))
    for code, row in existing.items():
        if code not in data.counts:
            point.counts.remove(row)
    point.total_delegates = sum(data.counts.values())

    # Technicians are updated in place by position, so their ids (and links) survive edits.
    current = point.technicians
    for index, technician in enumerate(data.technicians):
        if index < len(current):
            contact = current[index]
            if contact.email != technician.email:
                contact.acknowledged_at = None
            contact.name, contact.phone, contact.email = (technician.name, technician.phone, technician.email)
        else:
            point.contacts.append(
                Contact(
                    role=ContactRole.TECHNICIAN,
                    name=technician.name,
                    phone=technician.phone,
                    email=technician.email,
                )
            )
    for contact in current[len(data.technicians) :]:
        point.contacts.remove(contact)


def _link_children(point: BridgePoint) -> None:
    """Points of the units under this one, registered earlier, now relay from it."""
    if point.level == "commune":
        return  # the bottom of the tree: nothing relays from a commune
    children = sa.select(AdminUnit.code).where(AdminUnit.parent_code == point.unit_code)
    db.session.execute(
        sa.update(BridgePoint)
        .where(
            BridgePoint.conference_id == point.conference_id,
            BridgePoint.upstream_point_id.is_(None),
            BridgePoint.unit_code.in_(children),
        )
        .values(upstream_point_id=point.id)
        .execution_options(synchronize_session="fetch")
    )


def _new_point(conference: Conference, unit: AdminUnit) -> BridgePoint:
    if point_for_unit(conference, unit.code) is not None:
        raise Conflict(f"{unit.name} đã có điểm cầu trong hội nghị này.")
    point = BridgePoint(
        conference=conference,
        unit=unit,
        level=unit.level,
        district_code=district_code_of(unit),
        status=PointStatus.DRAFT,
    )
    # Set, not left unloaded: read after the flush, an unset collection would be loaded.
    point.counts, point.contacts = [], []
    parent = point_for_unit(conference, unit.parent_code) if unit.parent_code else None
    if parent is not None:
        point.upstream_point_id = parent.id
    return point


def _flush_new(point: BridgePoint) -> None:
    # Read before the flush: after a failed one the session can load nothing more.
    unit_name = point.unit.name
    db.session.add(point)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone registered the same unit a moment ago.
        raise Conflict(f"{unit_name} đã có điểm cầu trong hội nghị này.") from None
    _link_children(point)


def create_point_record(
    conference: Conference,
    unit: AdminUnit,
    *,
    venue: str = "",
    capacity: int | None = None,
    name: str | None = None,
) -> BridgePoint:
    """A bare draft point set up by the system (demo data); 409 if the unit has one."""
    point = _new_point(conference, unit)
    point.name = name or f"Điểm cầu {unit.name}"
    point.venue, point.capacity = venue, capacity
    _flush_new(point)
    audit.record(
        "system", AUDIT_ENTITY, point.id, "create", conference_id=conference.id, after=snapshot(point)
    )
    point_changed.send(point, created=True)
    return point


def register_point(
    slug: str, data: PointIn, principal: Principal, idempotency_key: str | None = None
) -> CreatedPoint:
    """``create_point`` in the conference with this slug (404 if there is none), for the API,
    which answers from the new rows and writes nothing more to them: they are left out of the
    session (``in_session=False``). The usual case, a unit's key on the conference's map, reads
    the conference and the unit in one SELECT (the API's hot path)."""
    found = _conference_and_slot(slug, data.unit) if data.unit else None
    if found is None:
        return create_point(get_conference(slug), data, principal, idempotency_key, in_session=False)
    conference, slot = found
    return create_point(conference, data, principal, idempotency_key, slot, in_session=False)


def create_point(
    conference: Conference,
    data: PointIn,
    principal: Principal,
    idempotency_key: str | None = None,
    slot: _UnitSlot | None = None,
    *,
    in_session: bool = True,
) -> CreatedPoint:
    """Register a point for a unit in the principal's scope; also issues its technician link.

    With ``idempotency_key``: a retry with a key this principal already used returns that
    point, with a fresh technician link (the first answer's link was lost with the answer).
    ``slot``: the unit of ``data`` as ``_unit_slot`` reads it, when the caller has it already.
    ``in_session=False``: the new point, its technicians and counts are returned as written,
    not put in the session (a sixteenth of a registration's Python work): for a caller that
    only reads them, since a later flush would not write a change made to them.
    """
    if idempotency_key:
        earlier = point_for_idempotency_key(conference, principal, idempotency_key)
        if earlier is not None:
            return CreatedPoint(earlier, _issue_technician_grant(earlier, principal), created=False)
    created = _create_point(conference, data, principal, slot, in_session)
    if idempotency_key:
        db.session.add(
            PointIdempotencyKey(
                actor=principal.actor[:200],
                key=idempotency_key,
                conference_id=conference.id,
                point_id=created.point.id,
            )
        )
        db.session.flush()
    return created


def point_for_idempotency_key(conference: Conference, principal: Principal, key: str) -> BridgePoint | None:
    """The point this principal created in ``conference`` with this Idempotency-Key, if any."""
    return db.session.scalar(
        sa.select(BridgePoint)
        .join(PointIdempotencyKey, PointIdempotencyKey.point_id == BridgePoint.id)
        .where(
            PointIdempotencyKey.actor == principal.actor[:200],
            PointIdempotencyKey.key == key,
            PointIdempotencyKey.conference_id == conference.id,
        )
    )


@dataclass(frozen=True)
class _UnitSlot:
    """A unit a point is being registered for, and what its conference holds around it."""

    unit: AdminUnit
    #: The unit has a point in the conference already.
    taken: bool
    #: The point of the parent unit, which a new point relays from.
    parent_point_id: int | None
    #: The unit was marked "không tham gia".
    absent: bool
    #: The conference's delegate categories as (position, code, label, levels_csv) rows.
    category_rows: list[list[Any]]

    def category_labels(self) -> dict[str, str]:
        """code → label of the categories that apply to the unit's level, in column order (as
        ``conference.service.category_labels``, from the rows the slot's SELECT brought)."""
        return labels_of_level((row[1:] for row in sorted(self.category_rows)), self.unit.level)


@cache
def _unit_slot_query(by_slug: bool = False) -> sa.Select[Any]:
    """The unit, whether it has a point, its parent's point, whether it is marked absent and the
    categories, in the conference given by id or (``by_slug``) by slug, which then comes in the
    same row. Built once: a statement keeps its cache key, not worked out again on every call."""
    conference_id: Any = Conference.id if by_slug else sa.bindparam("conference_id")
    taken = sa.exists().where(
        BridgePoint.conference_id == conference_id, BridgePoint.unit_code == AdminUnit.code
    )
    parent = (
        sa.select(BridgePoint.id)
        .where(BridgePoint.conference_id == conference_id, BridgePoint.unit_code == AdminUnit.parent_code)
        .scalar_subquery()
    )
    absent = sa.exists().where(
        UnitAbsence.conference_id == conference_id, UnitAbsence.unit_code == AdminUnit.code
    )
    category = DelegateCategory
    categories = (
        sa.select(json_rows(category.position, category.code, category.label, category.levels_csv))
        .where(category.conference_id == conference_id)
        .scalar_subquery()
    )
    unit_code: sa.BindParameter[str] = sa.bindparam("code")
    query = sa.select(AdminUnit, taken, parent, absent, categories).where(AdminUnit.code == unit_code)
    if by_slug:  # one unit row by one conference row; the subqueries correlate to both
        query = (
            query.add_columns(Conference)
            .join(Conference, sa.true())
            .where(Conference.slug == sa.bindparam("slug"))
        )
    return query


def _unit_slot(conference: Conference, code: str) -> _UnitSlot | None:
    """The unit with this key, or GSO code on the conference's map, with its neighbours and the
    delegate categories in the conference: one SELECT for the usual case, a key on the
    conference's map."""
    query = _unit_slot_query()
    row = db.session.execute(query, {"conference_id": conference.id, "code": code}).first()
    if row is None or row[0].map != conference.unit_map:
        unit = units.find_unit(code, conference.unit_map)  # a GSO code on the conference's map
        if unit is None:
            return None
        row = db.session.execute(query, {"conference_id": conference.id, "code": unit.code}).first()
    if row is None:
        return None
    return _UnitSlot(row[0], bool(row[1]), row[2], bool(row[3]), row[4] or [])


def _conference_and_slot(slug: str, code: str) -> tuple[Conference, _UnitSlot] | None:
    """The conference with this slug and the unit with this key on its map, in one SELECT; None
    when either is missing or the key is of another map (the caller then asks step by step)."""
    row = db.session.execute(_unit_slot_query(by_slug=True), {"slug": slug, "code": code}).first()
    if row is None or row[0].map != row[5].unit_map:
        return None
    return row[5], _UnitSlot(row[0], bool(row[1]), row[2], bool(row[3]), row[4] or [])


def _create_point(
    conference: Conference,
    data: PointIn,
    principal: Principal,
    slot: _UnitSlot | None = None,
    in_session: bool = True,
) -> CreatedPoint:
    if data.unit is None:
        raise ValidationFailed({"unit": "Vui lòng chọn đơn vị của điểm cầu."})
    slot = slot or _unit_slot(conference, data.unit)
    if slot is None or not _in_conference_tree(conference, slot.unit):
        raise ValidationFailed({"unit": "Không có đơn vị này trong phạm vi hội nghị."})
    unit = slot.unit
    if not unit_in_scope(principal, unit, conference.id):
        raise Forbidden(f"Bạn không phụ trách {unit.name}.")
    late = _late(conference, principal)
    data = check_point_fits(data, categories=slot.category_labels(), level=unit.level)
    if slot.taken:
        raise Conflict(f"{unit.name} đã có điểm cầu trong hội nghị này.")
    upstream = slot.parent_point_id
    if data.upstream is not None and data.upstream != upstream:
        _check_upstream(conference.id, unit, data.upstream, principal)
        upstream = data.upstream
    # Everything is made before the first INSERT: from there to the commit, SQLite holds its one
    # write lock, and every other worker's registration waits (in SQLite's busy handler, which
    # sleeps 1, 2, 5, 10… ms between tries), so the INSERTs follow each other.
    point = _new_point_rows(conference, unit, data, upstream)
    created = snapshot(point)
    token = new_token()
    url = external_url("invites.technician_page", token=token)
    label, ttl = f"Kỹ thuật viên {point.name}", link_ttl()

    take_write_turn()  # on SQLite: queue for the one write lock, woken the moment it is free
    _insert_point(point)
    first = point.contacts[0] if point.contacts else None
    grant_id, _ = accounts.insert_grant(
        GrantRole.TECHNICIAN,
        conference_id=conference.id,
        point_id=point.id,
        contact_id=first.id if first else None,
        label=label,
        ttl=ttl,
        token=token,
    )
    audit.insert_now(
        principal.actor,
        AUDIT_ENTITY,
        point.id,
        [
            ("create", None, created),
            ("issue_link", None, {"role": "technician", "grant": grant_id, "revoked": 0}),
        ],
        conference_id=conference.id,
        late=late,
    )
    if slot.absent:
        # A unit marked "không tham gia" that registers after all takes part.
        db.session.execute(
            sa.delete(UnitAbsence).where(
                UnitAbsence.conference_id == conference.id, UnitAbsence.unit_code == unit.code
            )
        )
    if in_session:
        # In the session as if loaded: reading the rows back costs no SELECT.
        as_persistent(point, *point.contacts, *point.counts)
    _link_children(point)
    point_changed.send(point, created=True)
    return CreatedPoint(point, url)


def _new_point_rows(
    conference: Conference, unit: AdminUnit, data: PointIn, upstream: int | None
) -> BridgePoint:
    """A new point with its technicians and counts, every column set but the ids (not yet in
    the session: ``_insert_point`` writes it)."""
    now = utcnow()
    contacts = [
        loaded(
            Contact,
            {
                "role": ContactRole.TECHNICIAN,
                "name": t.name,
                "phone": t.phone,
                "email": t.email,
                "acknowledged_at": None,
                "created_at": now,
            },
        )
        for t in data.technicians
    ]
    counts = [
        loaded(DelegateCount, {"category_code": code, "count": count})
        for code, count in sorted(data.counts.items())
    ]
    columns = {
        "uid_key": new_public_key(),
        "conference_id": conference.id,
        "unit_code": unit.code,
        "level": unit.level,
        "district_code": district_code_of(unit),
        "name": data.name or f"Điểm cầu {unit.name}",
        "venue": data.venue,
        "capacity": data.capacity,
        "status": PointStatus.DRAFT,
        "version": 1,
        "probe_target": data.probe.target,
        "upstream_point_id": upstream,
        "total_delegates": sum(data.counts.values()),
        "created_at": now,
        "updated_at": now,
        "confirmed_at": None,
        "withdrawn_at": None,
        "invites_due_at": now,
    }
    return loaded(BridgePoint, columns, conference=conference, unit=unit, contacts=contacts, counts=counts)


def _insert_point(point: BridgePoint) -> None:
    """The point, its technicians and its counts in three Core INSERTs on the session's
    connection, in its transaction (no ORM flush), their ids set on the objects."""
    connection = db.session.connection()
    try:
        point_id = connection.execute(_insert_returning_id(BridgePoint), _columns(point)).scalar_one()
    except IntegrityError:
        # Someone registered the same unit a moment ago.
        raise Conflict(f"{point.unit.name} đã có điểm cầu trong hội nghị này.") from None
    set_loaded(point, id=point_id)
    for row in (*point.contacts, *point.counts):
        set_loaded(row, point_id=point_id)
    if point.contacts:
        ids = connection.execute(_insert_returning_id(Contact), [_columns(c) for c in point.contacts])
        for contact, contact_id in zip(point.contacts, ids.scalars(), strict=True):
            set_loaded(contact, id=contact_id)
    if point.counts:
        connection.execute(_insert(DelegateCount), [_columns(c) for c in point.counts])


def _columns(row: BridgePoint | Contact | DelegateCount) -> dict[str, Any]:
    """The column values set on a new object (``loaded``: in its ``__dict__``), as an INSERT's
    parameters."""
    values = row.__dict__
    return {c.key: values[c.key] for c in table_of(type(row)).columns if c.key in values}


@cache
def _insert(model: type[DelegateCount]) -> sa.Insert:
    return sa.insert(table_of(model))


@cache
def _insert_returning_id(model: type[BridgePoint] | type[Contact]) -> sa.Insert:
    """An INSERT of many rows that returns their ids in the order of the rows."""
    table = table_of(model)
    return sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)


def update_point(
    point: BridgePoint, changes: PointIn, principal: Principal, expected_version: int | None
) -> BridgePoint:
    """Apply the fields set in ``changes``; 412 when ``expected_version`` is not current."""
    _require_edit(principal, point)
    if expected_version is not None and expected_version != point.version:
        raise PreconditionFailed(
            "Điểm cầu vừa được người khác thay đổi. Vui lòng xem giá trị hiện tại rồi sửa lại."
        )
    late = _late(point.conference, principal)
    sent = changes.model_dump(exclude_unset=True)
    if "unit" in sent and sent["unit"] not in (None, point.unit_code):
        raise ValidationFailed(
            {"unit": "Không thể đổi đơn vị của điểm cầu; hãy rút điểm cầu này và đăng ký điểm cầu mới."}
        )
    merged = {**point_as_input(point), **sent, "unit": point.unit_code}
    data = validate_point(
        merged, categories=category_labels(point.conference, point.level), level=point.level
    )
    # One flush, so one version bump and one place where a concurrent writer is caught.
    with db.session.no_autoflush:
        before = snapshot(point)
        _apply(point, data, principal)
        after = snapshot(point)
        if after == before:
            return point
        point.updated_at = utcnow()
    _flush_versioned()
    audit.record(
        principal.actor,
        AUDIT_ENTITY,
        point.id,
        "update",
        conference_id=point.conference_id,
        before=before,
        after=after,
        late=late,
    )
    point_changed.send(point, created=False)
    return point


def _flush_versioned() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        # Another writer committed between our read and our write.
        raise PreconditionFailed(
            "Điểm cầu vừa được người khác thay đổi. Vui lòng xem giá trị hiện tại rồi sửa lại."
        ) from None


def _set_status(
    point: BridgePoint, principal: Principal, status: PointStatus, action: str, expected_version: int | None
) -> BridgePoint:
    _require_edit(principal, point)
    if expected_version is not None and expected_version != point.version:
        raise PreconditionFailed("Điểm cầu vừa được người khác thay đổi.")
    late = _late(point.conference, principal)
    if point.status == status:
        return point
    before = snapshot(point)
    point.status = status
    point.updated_at = utcnow()
    if status == PointStatus.CONFIRMED:
        point.confirmed_at = point.updated_at
    elif status == PointStatus.WITHDRAWN:
        point.withdrawn_at = point.updated_at
    _flush_versioned()
    audit.record(
        principal.actor,
        AUDIT_ENTITY,
        point.id,
        action,
        conference_id=point.conference_id,
        before=before,
        after=snapshot(point),
        late=late,
    )
    point_changed.send(point, created=False)
    return point


def confirm_point(
    point: BridgePoint, principal: Principal, expected_version: int | None = None
) -> BridgePoint:
    """Status confirmed once venue, technicians and delegates are entered."""
    _require_edit(principal, point)
    _late(point.conference, principal)
    missing = missing_items(point)
    if missing and point.status != PointStatus.CONFIRMED:
        raise ValidationFailed({"status": "Chưa thể xác nhận, còn thiếu: " + ", ".join(missing) + "."})
    return _set_status(point, principal, PointStatus.CONFIRMED, "confirm", expected_version)


def withdraw_point(
    point: BridgePoint, principal: Principal, expected_version: int | None = None
) -> BridgePoint:
    """Status withdrawn; the record, its counts and its history are kept."""
    return _set_status(point, principal, PointStatus.WITHDRAWN, "withdraw", expected_version)


# --- Links ------------------------------------------------------------------------------------


def _issue_technician_grant(
    point: BridgePoint,
    principal: Principal,
    late: bool = False,
    new_point: bool = False,
    created: dict[str, Any] | None = None,
) -> str:
    """The point's link. ``created``: the new point's snapshot, audited as its "create" just
    before the link."""
    # The point's link only; each technician's own invite link (GrantKind.INVITE) stays.
    revoked = (
        0
        if new_point
        else accounts.revoke_grants(
            accounts.live_grants(GrantRole.TECHNICIAN, point_id=point.id, kind=GrantKind.ISSUED)
        )
    )
    first = point.technicians[0] if point.technicians else None
    issued = accounts.issue_grant(
        GrantRole.TECHNICIAN,
        conference_id=point.conference_id,
        point_id=point.id,
        contact_id=first.id if first else None,
        label=f"Kỹ thuật viên {point.name}",
        ttl=link_ttl(),
    )
    if created is not None:
        audit.record(
            principal.actor,
            AUDIT_ENTITY,
            point.id,
            "create",
            conference_id=point.conference_id,
            after=created,
            late=late,
        )
    audit.record(
        principal.actor,
        AUDIT_ENTITY,
        point.id,
        "issue_link",
        conference_id=point.conference_id,
        late=late,
        after={"role": "technician", "grant": issued.grant.id, "revoked": revoked},
    )
    return external_url("invites.technician_page", token=issued.token)


def issue_technician_link(point: BridgePoint, principal: Principal) -> str:
    """A fresh technician link for the point; the previous one stops working."""
    _require_edit(principal, point)
    return _issue_technician_grant(point, principal)


@dataclass(frozen=True)
class TechnicianLink:
    """A link made for one technician (None: the point has no technician yet)."""

    technician: Contact | None
    url: str


def _grant_for(point: BridgePoint, principal: Principal, technician: Contact) -> str:
    issued = accounts.issue_grant(
        GrantRole.TECHNICIAN,
        conference_id=point.conference_id,
        point_id=point.id,
        contact_id=technician.id,
        label=f"Kỹ thuật viên {technician.name}",
        ttl=link_ttl(),
    )
    audit.record(
        principal.actor,
        AUDIT_ENTITY,
        point.id,
        "issue_link",
        conference_id=point.conference_id,
        after={"role": "technician", "grant": issued.grant.id},
    )
    return external_url("invites.technician_page", token=issued.token)


def links_after_create(created: CreatedPoint, principal: Principal) -> list[TechnicianLink]:
    """Each technician of a point just registered gets her own link: the first keeps the one
    ``create_point`` issued, the others get theirs now."""
    technicians = created.point.technicians
    if not technicians:
        return [TechnicianLink(None, created.technician_url)]
    return [
        TechnicianLink(technicians[0], created.technician_url),
        *(TechnicianLink(t, _grant_for(created.point, principal, t)) for t in technicians[1:]),
    ]


def issue_technician_links(point: BridgePoint, principal: Principal) -> list[TechnicianLink]:
    """Fresh links, one per technician, each naming her; the point's previous links stop working
    (each technician's own invite link stays)."""
    _require_edit(principal, point)
    technicians = point.technicians
    if not technicians:
        return [TechnicianLink(None, _issue_technician_grant(point, principal))]
    accounts.revoke_grants(
        accounts.live_grants(GrantRole.TECHNICIAN, point_id=point.id, kind=GrantKind.ISSUED)
    )
    return [TechnicianLink(t, _grant_for(point, principal, t)) for t in technicians]


def acknowledge(contact: Contact) -> Contact:
    """The technician pressed "Đã nhận lịch" (the first time counts)."""
    if contact.acknowledged_at is None:
        contact.acknowledged_at = utcnow()
        db.session.flush()
    return contact


# --- Bulk -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BulkPoint:
    unit: AdminUnit
    data: PointIn
    status: str
    total: int


def bulk_create_points(conference: Conference, rows: list[dict[str, Any]], *, actor: str) -> list[int]:
    """Register many points at once (a national set-up, an import): each row is validated as a
    PointIn (plus ``status``: draft | confirmed, by the confirmation rule of ``missing_items``)
    and the rows are written with a few executemany INSERTs and one audit event. Sends no
    per-point events; queue invites afterwards with ``invites.service.reconcile_session``.
    Returns the new ids in the order of ``rows``."""
    points = _validate_bulk(conference, rows)
    ids = _insert_bulk(conference, points)
    audit.record(
        actor, AUDIT_ENTITY, None, "bulk_create", conference_id=conference.id, after={"points": len(points)}
    )
    db.session.flush()
    return [ids[p.unit.code] for p in points]


def _validate_bulk(conference: Conference, rows: list[dict[str, Any]]) -> list[_BulkPoint]:
    """Every row checked (all errors at once, keyed "index.field"); 409 for a unit that has a
    point already or comes twice."""
    units = {
        u.code: u
        for u in db.session.scalars(
            sa.select(AdminUnit).where(AdminUnit.code.in_([r.get("unit") for r in rows]))
        )
    }
    taken = set(
        db.session.scalars(
            sa.select(BridgePoint.unit_code).where(
                BridgePoint.conference_id == conference.id, BridgePoint.unit_code.in_(list(units))
            )
        )
    )
    categories = {level: category_labels(conference, level) for level in {u.level for u in units.values()}}
    points: list[_BulkPoint] = []
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for index, row in enumerate(rows):
        unit = units.get(str(row.get("unit")))
        if unit is None or not _in_conference_tree(conference, unit):
            errors[f"{index}.unit"] = "Không có đơn vị này trong phạm vi hội nghị."
            continue
        if unit.code in taken or unit.code in seen:
            raise Conflict(f"{unit.name} đã có điểm cầu trong hội nghị này.")
        seen.add(unit.code)
        try:
            data = validate_point(
                {k: v for k, v in row.items() if k != "status"},
                categories=categories[unit.level],
                level=unit.level,
            )
        except ValidationFailed as failed:
            errors.update({f"{index}.{k}": v for k, v in failed.errors.items()})
            continue
        status, total = row.get("status", PointStatus.DRAFT), sum(data.counts.values())
        if status not in (PointStatus.DRAFT, PointStatus.CONFIRMED) or (
            status == PointStatus.CONFIRMED and _missing(data.venue, bool(data.technicians), total)
        ):
            errors[f"{index}.status"] = (
                "Chỉ xác nhận được điểm cầu đã đủ phòng họp, kỹ thuật viên và đại biểu."
            )
            continue
        points.append(_BulkPoint(unit, data, status, total))
    if errors:
        raise ValidationFailed(errors)
    return points


def _insert_bulk(conference: Conference, points: list[_BulkPoint]) -> dict[str, int]:
    """The points, their counts and technicians, and their relays, with executemany; the
    conference's point id by unit code."""
    now = utcnow()
    db.session.execute(
        sa.insert(BridgePoint),
        [
            {
                "conference_id": conference.id,
                "unit_code": p.unit.code,
                "level": p.unit.level,
                "district_code": district_code_of(p.unit),
                "name": p.data.name or f"Điểm cầu {p.unit.name}",
                "venue": p.data.venue,
                "capacity": p.data.capacity,
                "status": p.status,
                "version": 1,
                "probe_target": p.data.probe.target,
                "total_delegates": p.total,
                "created_at": now,
                "updated_at": now,
                "confirmed_at": now if p.status == PointStatus.CONFIRMED else None,
            }
            for p in points
        ],
    )
    ids = dict(
        db.session.execute(
            sa.select(BridgePoint.unit_code, BridgePoint.id).where(BridgePoint.conference_id == conference.id)
        )
        .tuples()
        .all()
    )
    counts = [
        {"point_id": ids[p.unit.code], "category_code": code, "count": n}
        for p in points
        for code, n in p.data.counts.items()
    ]
    technicians = [
        {
            "point_id": ids[p.unit.code],
            "role": ContactRole.TECHNICIAN,
            "name": t.name,
            "phone": t.phone,
            "email": t.email,
            "created_at": now,
        }
        for p in points
        for t in p.data.technicians
    ]
    # An empty parameter list would be one INSERT of an empty row, not none (a copy has no counts).
    for model, params in ((DelegateCount, counts), (Contact, technicians)):
        if params:
            db.session.execute(sa.insert(model), params)
    # Relay from the parent unit's point when it has one, as one-by-one registration does.
    upstream = [
        {"point_id": ids[p.unit.code], "upstream": ids[p.unit.parent_code]}
        for p in points
        if p.unit.parent_code in ids
    ]
    if upstream:
        set_upstreams(upstream)
    return ids


def in_conference_tree(conference: Conference, unit: AdminUnit) -> bool:
    """Does the unit belong to the conference's host (any unit for a national conference)?"""
    return _in_conference_tree(conference, unit)


def set_upstreams(links: list[dict[str, int]]) -> None:
    """Point each ``point_id`` at its ``upstream`` point id (a copy keeps its relays)."""
    table = table_of(BridgePoint)
    db.session.execute(
        table.update()
        .where(table.c.id == sa.bindparam("point_id"))
        .values(upstream_point_id=sa.bindparam("upstream")),
        links,
    )
