"""What the live board and the status API show, computed from the current-state rows with SQL
aggregates and pagination; never from individual checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from bridgeops.accounts.access import Principal, can_use_conference
from bridgeops.conference.models import Conference, ConferenceSession
from bridgeops.core.cache import ProcessCache, weighted_sum
from bridgeops.core.errors import Forbidden, NotFound
from bridgeops.extensions import db
from bridgeops.health.models import (
    STATE_RANK,
    STATES,
    HealthChange,
    HealthIncident,
    PointHealth,
    SessionAvailability,
)
from bridgeops.health.probes import UNREACHABLE
from bridgeops.health.watchdog import monitoring_stopped_since
from bridgeops.health.windows import Window, current_or_next_window
from bridgeops.registration.models import BridgePoint, Contact, ContactRole, PointStatus
from bridgeops.registration.scope import point_filter
from bridgeops.units.models import AdminUnit

LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}

STATE = sa.func.coalesce(PointHealth.state, "unknown")
RANK = sa.case(STATE_RANK, value=STATE, else_=9)


def shown_reason(principal: Principal | None, reason: str | None) -> str:
    """Why a point is down, as this principal may read it: staff see the probe's detail; a
    chair sees only that the room could not be reached (the socket error would make the
    board a port scanner of whatever network the target sits on)."""
    if not reason or (principal is not None and principal.is_officer):
        return reason or ""
    return UNREACHABLE


def require_board_viewer(principal: Principal | None, conference: Conference | None = None) -> Principal:
    """Officers see every point, a chair her district; technicians have no board. A chair's
    link opens the board of its own conference only (another's is not found)."""
    if principal is None or not (principal.is_officer or principal.is_chair):
        raise Forbidden("Bảng theo dõi dành cho cán bộ đầu mối và chủ tịch Hội cấp huyện.")
    if conference is not None and not can_use_conference(principal, conference.id):
        raise NotFound(f"Không có hội nghị '{conference.slug}'.")
    return principal


@dataclass
class Tally:
    """Points by state; ``online`` of ``total``."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))

    def add(self, state: str, count: int) -> None:
        self.counts[state] = self.counts.get(state, 0) + count

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def online(self) -> int:
        return self.counts["up"]

    @property
    def problems(self) -> int:
        return self.counts["down"] + self.counts["unreachable"]


@dataclass
class DistrictRow:
    code: str
    name: str
    tally: Tally
    #: The district's own point state (None when it has no point).
    own_state: str | None = None


@dataclass
class PointRow:
    id: int
    name: str
    unit_code: str
    unit_name: str
    level: str
    district_code: str | None
    state: str
    since: datetime | None
    last_seen_at: datetime | None
    last_check_at: datetime | None
    reason: str
    technician_name: str | None = None
    technician_phone: str | None = None
    #: Where the unit is, for people: "Huyện Mỹ Lộc", and on a national conference
    #: "Huyện Mỹ Lộc, Tỉnh Nam Định" (thousands of communes share a name nationally).
    area: str = ""


@dataclass
class Board:
    conference: Conference
    window: Window | None
    summary: Tally
    by_level: list[tuple[str, Tally]]
    districts: list[DistrictRow]
    problems: list[PointRow]
    problems_total: int
    last_check_at: datetime | None
    #: Every point's (area code, level, state, name) when few enough to draw one by one.
    dots: list[tuple[str | None, str, str, str]] | None
    #: What ``districts`` rows are: "district", "province" on a national conference's officer
    #: board (63 rows, not 705; 34 on the 2025 map), or "former_district" on a two-level
    #: province, whose communes are grouped by the district most of each came from.
    area_level: str = "district"
    #: Set while a window is open but nothing monitors (scheduler stopped): every state below
    #: is then shown as unknown, since it says nothing about now.
    monitoring_stopped_since: datetime | None = None


def _scoped(principal: Principal, conference: Conference, *columns) -> sa.Select:
    return (
        sa.select(*columns)
        .select_from(BridgePoint)
        .outerjoin(PointHealth, PointHealth.point_id == BridgePoint.id)
        .where(point_filter(principal, conference.id), BridgePoint.status != PointStatus.WITHDRAWN)
    )


def summary(principal: Principal, conference: Conference) -> Tally:
    tally = Tally()
    for state, count in db.session.execute(
        _scoped(principal, conference, STATE, sa.func.count()).group_by(STATE)
    ):
        tally.add(state, count)
    return tally


def _technician(column):
    return (
        sa.select(column)
        .where(Contact.point_id == BridgePoint.id, Contact.role == ContactRole.TECHNICIAN)
        .order_by(Contact.id)
        .limit(1)
        .scalar_subquery()
    )


def point_rows(
    principal: Principal,
    conference: Conference,
    *,
    states: tuple[str, ...] = (),
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[PointRow], int]:
    """One page of points, worst state first, then the longest in it; and the total."""
    query = _scoped(principal, conference, BridgePoint.id)
    if states:
        query = query.where(STATE.in_(states))
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    district, province = aliased(AdminUnit), aliased(AdminUnit)
    rows = db.session.execute(
        _scoped(
            principal,
            conference,
            BridgePoint.id,
            BridgePoint.name,
            BridgePoint.unit_code,
            AdminUnit.name,
            BridgePoint.level,
            BridgePoint.district_code,
            STATE,
            PointHealth.since,
            PointHealth.last_seen_at,
            PointHealth.last_check_at,
            PointHealth.reason,
            _technician(Contact.name),
            _technician(Contact.phone),
            district.name,
            province.name,
            AdminUnit.former_district,
        )
        .join(AdminUnit, AdminUnit.code == BridgePoint.unit_code)
        .outerjoin(district, district.code == BridgePoint.district_code)
        .outerjoin(province, province.code == AdminUnit.province_code)
        .where(STATE.in_(states) if states else sa.true())
        .order_by(RANK, PointHealth.since.asc().nulls_last(), BridgePoint.unit_code)
        .offset(offset)
        .limit(limit)
    )
    national = conference.host_unit_code is None
    two_level = conference.unit_map != "2023"
    return [
        PointRow(*[*row[:10], row[10] or "", row[11], row[12], _area(row, national, two_level)])
        for row in rows
    ], total


def _area(row, national: bool, two_level: bool = False) -> str:
    """The district (unless the point is the district or above) — on the two-level map the
    former district — and, nationally, the province."""
    level, district_name, province_name, former = row[4], row[13], row[14], row[15]
    if two_level:
        district_name = f"{former} (cũ)" if former else ""
    parts = [district_name] if level == "commune" and district_name else []
    if national and level != "province" and province_name:
        parts.append(province_name)
    return ", ".join(parts)


#: Boards one process keeps: (scope, data fingerprint) → the figures (never ORM objects).
_BOARD_CACHE: ProcessCache[tuple] = ProcessCache(16)


def _board_fingerprint(conference: Conference) -> tuple:
    """Moves whenever a figure of the board can move: a point added, withdrawn or edited, a
    state, its start or reason changed, a sweep checked. Heartbeats alone do not move it; the
    board shows states, which only sweeps change."""
    points = db.session.execute(
        sa.select(
            sa.func.count(), sa.func.sum(BridgePoint.version), sa.func.max(BridgePoint.updated_at)
        ).where(BridgePoint.conference_id == conference.id)
    ).one()
    rank = sa.case(STATE_RANK, value=PointHealth.state, else_=9)
    health = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.max(PointHealth.since),
            sa.func.max(PointHealth.last_check_at),
            weighted_sum(rank + 1, PointHealth.point_id),  # which point is in which state
            sa.func.sum(sa.func.length(PointHealth.reason)),
        ).where(PointHealth.conference_id == conference.id)
    ).one()
    return (tuple(points), tuple(health))


def build_board(
    principal: Principal,
    conference: Conference,
    now: datetime,
    *,
    problem_limit: int = 100,
    dot_limit: int = 1500,
) -> Board:
    """Everything the board shows: from this process's cache while the data has not moved,
    else in a handful of aggregate queries."""
    key = (
        conference.id,
        principal.kind if principal.is_officer else principal.unit_code,
        principal.conference_id,
        problem_limit,
        dot_limit,
        _board_fingerprint(conference),
    )
    figures = _BOARD_CACHE.get_or_build(
        key, lambda: _board_figures(principal, conference, problem_limit, dot_limit)
    )
    summary, by_level, districts, problems, problems_total, last_check_at, dots, area = figures
    stopped = monitoring_stopped_since(conference, now)
    if stopped is not None:
        summary, by_level, districts, problems, problems_total, dots = _all_unknown(
            summary, by_level, districts, dots
        )
    return Board(
        conference=conference,
        window=current_or_next_window(conference, now),
        summary=summary,
        by_level=by_level,
        districts=districts,
        problems=problems,
        problems_total=problems_total,
        last_check_at=last_check_at,
        dots=dots,
        area_level=area,
        monitoring_stopped_since=stopped,
    )


def unknown_tally(tally: Tally) -> Tally:
    """The same points, every one "unknown"."""
    stale = Tally()
    stale.add("unknown", tally.total)
    return stale


def _all_unknown(summary: Tally, by_level: list, districts: list[DistrictRow], dots: list | None) -> tuple:
    """The board's figures with every state replaced by "unknown" (stale states say nothing)."""
    return (
        unknown_tally(summary),
        [(level, unknown_tally(tally)) for level, tally in by_level],
        [
            DistrictRow(d.code, d.name, unknown_tally(d.tally), "unknown" if d.own_state else None)
            for d in districts
        ],
        [],
        0,
        [(area, level, "unknown", name) for area, level, _state, name in dots] if dots is not None else None,
    )


def _board_figures(principal: Principal, conference: Conference, problem_limit: int, dot_limit: int) -> tuple:
    # A national conference's officers look at it province by province; everyone else district
    # by district (a chair's scope is her district) or, on the two-level map, by former
    # district: a hundred communes in one list is not readable.
    area = "province" if conference.host_unit_code is None and principal.is_officer else "district"
    if area == "district" and conference.unit_map != "2023":
        area = "former_district"
    area_code = {"province": AdminUnit.province_code, "former_district": AdminUnit.former_district}.get(
        area, BridgePoint.district_code
    )
    levels: dict[str, Tally] = {}
    per_district: dict[str | None, Tally] = {}
    overall = Tally()
    for level, district, state, count in db.session.execute(
        _with_area(
            _scoped(principal, conference, BridgePoint.level, area_code, STATE, sa.func.count()), area
        ).group_by(BridgePoint.level, area_code, STATE)
    ):
        overall.add(state, count)
        levels.setdefault(level, Tally()).add(state, count)
        if area == "province" or level != "province":
            per_district.setdefault(district, Tally()).add(state, count)
    own_states = dict(
        db.session.execute(
            _scoped(principal, conference, BridgePoint.unit_code, STATE).where(BridgePoint.level == area)
        )
        .tuples()
        .all()
    )
    names = dict(
        db.session.execute(
            sa.select(AdminUnit.code, AdminUnit.name).where(
                AdminUnit.code.in_([c for c in per_district if c])
            )
            if per_district
            else sa.select(AdminUnit.code, AdminUnit.name).where(sa.false())
        )
        .tuples()
        .all()
    )
    if area == "former_district":
        names = {code or "": f"{code} (cũ)" if code else "Chưa rõ huyện cũ" for code in per_district}
    districts = sorted(
        (
            DistrictRow(code or "", names.get(code or "", code or "—"), tally, own_states.get(code or ""))
            for code, tally in per_district.items()
        ),
        key=lambda d: (-d.tally.problems, d.name),
    )
    problems, problems_total = point_rows(
        principal, conference, states=("down", "unreachable", "pending"), limit=problem_limit
    )
    last_check_at = db.session.scalar(_scoped(principal, conference, sa.func.max(PointHealth.last_check_at)))
    dots = None
    if overall.total <= dot_limit:
        dots = [
            tuple(row)
            for row in db.session.execute(
                _with_area(
                    _scoped(principal, conference, area_code, BridgePoint.level, STATE, BridgePoint.name),
                    area,
                ).order_by(BridgePoint.unit_code)
            )
        ]
    return (
        overall,
        sorted(levels.items(), key=lambda kv: LEVEL_ORDER.get(kv[0], 9)),
        districts,
        problems,
        problems_total,
        last_check_at,
        dots,
        area,
    )


def _with_area(query: sa.Select, area: str) -> sa.Select:
    """A point's province and former district come from its unit; its district is on the point
    itself."""
    return query.join(AdminUnit, AdminUnit.code == BridgePoint.unit_code) if area != "district" else query


#: Area rows (districts, or a national board's provinces) listed one by one before the rest
#: are summed up in one line, on the page and in the picture.
MAX_AREA_ROWS = 80


def areas_to_show(board: Board) -> tuple[list[DistrictRow], list[DistrictRow]]:
    """The areas to list, those with most points down or unreachable first (then by name),
    and past MAX_AREA_ROWS the rest."""
    ranked = sorted(board.districts, key=lambda d: (-d.tally.problems, d.name))
    return ranked[:MAX_AREA_ROWS], ranked[MAX_AREA_ROWS:]


@dataclass
class PointHistory:
    """One point's health story: its current row, recent changes, incidents, availability."""

    point: BridgePoint
    health: PointHealth | None
    changes: list
    incidents: list
    #: (session, checks, up_checks) for every session the point was checked in.
    availability: list[tuple]


def point_history(point: BridgePoint, *, limit: int = 50) -> PointHistory:

    changes = list(
        db.session.scalars(
            sa.select(HealthChange)
            .where(HealthChange.point_id == point.id)
            .order_by(HealthChange.at.desc(), HealthChange.id.desc())
            .limit(limit)
        )
    )
    incidents = list(
        db.session.scalars(
            sa.select(HealthIncident)
            .where(HealthIncident.point_id == point.id)
            .order_by(HealthIncident.started_at.desc())
            .limit(limit)
        )
    )
    availability = db.session.execute(
        sa.select(ConferenceSession, SessionAvailability.checks, SessionAvailability.up_checks)
        .join(SessionAvailability, SessionAvailability.session_id == ConferenceSession.id)
        .where(SessionAvailability.point_id == point.id)
        .order_by(ConferenceSession.starts_at)
    ).all()
    return PointHistory(
        point, db.session.get(PointHealth, point.id), changes, incidents, [tuple(row) for row in availability]
    )
