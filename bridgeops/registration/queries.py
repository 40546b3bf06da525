"""Read-only views of the registration: lists, a chair's district, the unit picker, history.

Every query that returns points goes through ``access.point_filter``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from bridgeops.accounts.access import Principal
from bridgeops.audit.models import AuditEvent
from bridgeops.conference.models import Conference
from bridgeops.core.db import get_row
from bridgeops.core.text import fold
from bridgeops.extensions import db
from bridgeops.registration.actors import actor_names
from bridgeops.registration.models import (
    STATUS_LABELS,
    BridgePoint,
    Contact,
    ContactRole,
    PointStatus,
    UnitAbsence,
)
from bridgeops.registration.schemas import PointQuery
from bridgeops.registration.scope import chair_scope, point_filter
from bridgeops.registration.service import AUDIT_ENTITY, missing_items
from bridgeops.units import service as unit_service
from bridgeops.units.models import AdminUnit

PICKER_LIMIT = 50


@dataclass
class Totals:
    points: int = 0
    confirmed: int = 0
    draft: int = 0
    withdrawn: int = 0
    #: Delegates of points that are not withdrawn.
    delegates: int = 0


@dataclass
class PointPage:
    items: list[BridgePoint]
    total: int
    page: int
    per_page: int
    totals: Totals

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filtered(conference: Conference, principal: Principal, query: PointQuery) -> sa.Select:
    stmt = sa.select(BridgePoint).where(point_filter(principal, conference.id))
    if query.unit:
        stmt = stmt.where(
            sa.or_(BridgePoint.unit_code == query.unit, BridgePoint.district_code == query.unit)
        )
    if query.level:
        stmt = stmt.where(BridgePoint.level == query.level)
    if query.status:
        stmt = stmt.where(BridgePoint.status == query.status)
    if query.q and fold(query.q):
        names = sa.select(AdminUnit.code).where(AdminUnit.name_folded.contains(fold(query.q)))
        stmt = stmt.where(BridgePoint.unit_code.in_(names))
    return stmt


def list_points(conference: Conference, principal: Principal, query: PointQuery) -> PointPage:
    """One page of the points the principal may see, with totals over all matching points."""
    stmt = _filtered(conference, principal, query)
    matching = stmt.subquery()
    rows = db.session.execute(
        sa.select(
            matching.c.status, sa.func.count(), sa.func.coalesce(sa.func.sum(matching.c.total_delegates), 0)
        ).group_by(matching.c.status)
    ).all()
    totals = Totals()
    for status, count, delegates in rows:
        totals.points += count
        setattr(totals, status, count)
        if status != "withdrawn":
            totals.delegates += int(delegates)
    items = list(
        db.session.scalars(
            stmt.options(
                selectinload(BridgePoint.unit),
                selectinload(BridgePoint.counts),
                selectinload(BridgePoint.contacts),
                selectinload(BridgePoint.conference),
            )
            .order_by(BridgePoint.district_code, BridgePoint.level.desc(), BridgePoint.unit_code)
            .limit(query.per_page)
            .offset((query.page - 1) * query.per_page)
        )
    )
    return PointPage(items, totals.points, query.page, query.per_page, totals)


#: The chair's filter: what is left to do on each unit.
ROW_STATES = {"todo": "Chưa đăng ký", "unconfirmed": "Chưa xác nhận", "done": "Đã xong"}


@dataclass
class UnitRow:
    unit: AdminUnit
    point: BridgePoint | None
    missing: list[str] = field(default_factory=list)
    #: Marked "không tham gia" (no connection).
    absent: bool = False

    @property
    def state(self) -> str:
        """todo (no live point), unconfirmed (a draft) or done (confirmed, or taking no part)."""
        if self.absent or (self.point is not None and self.point.status == PointStatus.CONFIRMED):
            return "done"
        if self.point is not None and self.point.status == PointStatus.DRAFT:
            return "unconfirmed"
        return "todo"


@dataclass
class DistrictOverview:
    unit: AdminUnit
    rows: list[UnitRow]
    totals: Totals

    @property
    def without_point(self) -> int:
        return sum(1 for row in self.rows if row.point is None and not row.absent)

    def count(self, state: str) -> int:
        return sum(1 for row in self.rows if row.state == state)

    def rows_in(self, state: str | None) -> list[UnitRow]:
        return [row for row in self.rows if state in (None, row.state)]

    @property
    def communes(self) -> list[UnitRow]:
        return self.rows[1:]


def district_overview(conference: Conference, principal: Principal) -> DistrictOverview:
    """A chair's home: her unit and each unit under it, with its point (or none yet)."""
    unit = get_row(AdminUnit, principal.unit_code)
    units = [
        unit,
        *db.session.scalars(
            sa.select(AdminUnit).where(AdminUnit.parent_code == unit.code).order_by(AdminUnit.name)
        ),
    ]
    points = {
        p.unit_code: p
        for p in db.session.scalars(
            sa.select(BridgePoint)
            .where(point_filter(principal, conference.id))
            .options(selectinload(BridgePoint.counts), selectinload(BridgePoint.contacts))
        )
    }
    absent = set(
        db.session.scalars(
            sa.select(UnitAbsence.unit_code).where(
                UnitAbsence.conference_id == conference.id, UnitAbsence.unit_code.in_([u.code for u in units])
            )
        )
    )
    totals = Totals()
    rows = []
    for each in units:
        point = points.get(each.code)
        rows.append(UnitRow(each, point, missing_items(point) if point else [], absent=each.code in absent))
        if point is not None:
            totals.points += 1
            setattr(totals, point.status, getattr(totals, point.status) + 1)
            if point.status != PointStatus.WITHDRAWN:
                totals.delegates += point.total_delegates
    return DistrictOverview(unit, rows, totals)


def units_for_picker(conference: Conference, principal: Principal, search: str = "") -> list[AdminUnit]:
    """Units without a point that the principal may register, optionally searched by name
    without diacritics ("my loc" finds "Mỹ Lộc")."""
    taken = sa.select(BridgePoint.unit_code).where(BridgePoint.conference_id == conference.id)
    stmt = sa.select(AdminUnit).where(AdminUnit.code.not_in(taken))
    host = conference.host_unit_code
    if principal.is_officer:
        if host is not None:
            stmt = stmt.where(
                sa.or_(AdminUnit.code == host, AdminUnit.province_code == host, AdminUnit.parent_code == host)
            )
        if not fold(search) and host is not None:
            stmt = stmt.where(sa.or_(AdminUnit.code == host, AdminUnit.parent_code == host))
    elif principal.is_chair:
        stmt = stmt.where(AdminUnit.code.in_(chair_scope(principal)))
    else:
        return []
    if fold(search):
        stmt = stmt.where(AdminUnit.name_folded.contains(fold(search)))
    order = sa.case({"province": 0, "district": 1}, value=AdminUnit.level, else_=2)
    return list(db.session.scalars(stmt.order_by(order, AdminUnit.name).limit(PICKER_LIMIT)))


def point_history(point: BridgePoint) -> list[AuditEvent]:
    """The audit trail of one point, oldest first."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity == AUDIT_ENTITY, AuditEvent.entity_id == point.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def districts(conference: Conference) -> list[AdminUnit]:
    """The units directly under the host, for filters."""
    if conference.host_unit_code is None:
        return []
    return list(
        db.session.scalars(
            sa.select(AdminUnit)
            .where(AdminUnit.parent_code == conference.host_unit_code)
            .order_by(AdminUnit.name)
        )
    )


#: How the history page names each audited action and field of a point.
HISTORY_ACTIONS = {
    "create": "Đăng ký",
    "update": "Sửa",
    "confirm": "Xác nhận",
    "withdraw": "Rút",
    "issue_link": "Cấp đường dẫn kỹ thuật viên",
}
HISTORY_FIELDS = {
    "unit": "Đơn vị",
    "name": "Tên điểm cầu",
    "venue": "Phòng họp",
    "capacity": "Sức chứa",
    "status": "Trạng thái",
    "probe": "Địa chỉ kiểm tra",
    "upstream": "Nhận tín hiệu từ",
    "counts": "Số đại biểu",
    "total_delegates": "Tổng số đại biểu",
    "technicians": "Kỹ thuật viên",
}


@dataclass
class HistoryEntry:
    action: str
    at: object
    who: str
    late: bool
    #: (field label, before, after) in words, only the fields that changed.
    changes: list[tuple[str, str, str]]


def _history_value(key: str, value, point: BridgePoint, names: dict[str, str]) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if key == "status":
        return STATUS_LABELS.get(value, "—")
    if key in ("unit", "upstream"):
        return names.get(str(value), "—")
    if key == "counts":
        labels = {c.code: c.label for c in point.conference.categories}
        return "; ".join(f"{labels.get(code, 'Thành phần khác')}: {n}" for code, n in value.items())
    if key == "technicians":
        return "; ".join(
            ", ".join(part for part in (t.get("name"), t.get("phone"), t.get("email")) if part) for t in value
        )
    return str(value)


def history_entries(point: BridgePoint) -> list[HistoryEntry]:
    """The point's audit trail in words: who (by name), what, and each changed field before and
    after — no raw ids, JSON or status codes."""
    events = point_history(point)
    who = actor_names(e.actor for e in events)
    units, upstreams = set(), set()
    for e in events:
        for side in (e.before or {}, e.after or {}):
            if side.get("unit"):
                units.add(str(side["unit"]))
            if side.get("upstream"):
                upstreams.add(int(side["upstream"]))
    names = unit_service.names(units)
    if upstreams:
        names.update(
            {
                str(i): n
                for i, n in db.session.execute(
                    sa.select(BridgePoint.id, BridgePoint.name).where(BridgePoint.id.in_(upstreams))
                )
            }
        )
    entries = []
    for e in events:
        changes = []
        if e.action != "issue_link":
            before, after = e.before or {}, e.after or {}
            for key, label in HISTORY_FIELDS.items():
                if key in before or key in after:
                    b, a = before.get(key), after.get(key)
                    if b != a:
                        changes.append(
                            (
                                label,
                                _history_value(key, b, point, names),
                                _history_value(key, a, point, names),
                            )
                        )
        entries.append(
            HistoryEntry(
                HISTORY_ACTIONS.get(e.action, "Thay đổi"), e.at, who.get(e.actor, ""), e.late, changes
            )
        )
    return entries


def technicians_with_email(conference: Conference) -> int:
    """Technicians of the live points who receive invites by email (what a session change mails)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Contact.id))
            .join(BridgePoint, BridgePoint.id == Contact.point_id)
            .where(
                BridgePoint.conference_id == conference.id,
                BridgePoint.status != PointStatus.WITHDRAWN,
                Contact.role == ContactRole.TECHNICIAN,
                Contact.email != "",
            )
        )
        or 0
    )
