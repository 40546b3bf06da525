"""The roll-up of a conference's bridge points: computed with SQL aggregates, returned as dataclasses.

Confirmed and draft points are kept apart; withdrawn points are left out of every figure and only
counted. A "district" here is the unit a point rolls up to (BridgePoint.district_code): a district
with its communes, or the province point on its own — or, in a two-level tree, the province with
its communes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from bridgeops.conference.models import Conference
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint, DelegateCount, UnitAbsence
from bridgeops.units.models import LEVELS, AdminUnit

#: Statuses that count in the return; withdrawn points are only counted apart.
COUNTED_STATUSES = ("confirmed", "draft")


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    levels: tuple[str, ...]


@dataclass
class Tally:
    """Points and delegates (by category and in total) of one status."""

    points: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def delegates(self) -> int:
        return sum(self.counts.values())

    def add(self, other: Tally) -> None:
        self.points += other.points
        for code, n in other.counts.items():
            self.counts[code] = self.counts.get(code, 0) + n


@dataclass
class Figures:
    """Confirmed and draft kept apart, withdrawn only counted."""

    confirmed: Tally = field(default_factory=Tally)
    draft: Tally = field(default_factory=Tally)
    withdrawn_points: int = 0

    @property
    def registered(self) -> Tally:
        """Confirmed and draft together: what is registered so far."""
        both = Tally()
        both.add(self.confirmed)
        both.add(self.draft)
        return both

    def tally(self, status: str) -> Tally:
        return self.confirmed if status == "confirmed" else self.draft

    def add(self, other: Figures) -> None:
        self.confirmed.add(other.confirmed)
        self.draft.add(other.draft)
        self.withdrawn_points += other.withdrawn_points


@dataclass
class PointLine:
    """One registered (not withdrawn) point with its delegate counts."""

    id: int
    unit_code: str
    unit_name: str
    name: str
    venue: str
    level: str
    district_code: str
    status: str
    counts: dict[str, int]

    @property
    def delegates(self) -> int:
        return sum(self.counts.values())


@dataclass
class DistrictLine:
    """A district (or the province) with its own point and the points of the units under it."""

    code: str
    name: str
    level: str
    #: The units that may register in this group: the unit itself and its communes.
    units_total: int
    figures: Figures = field(default_factory=Figures)
    #: Status of the group's own point: confirmed | draft | withdrawn | None (not registered).
    own_status: str | None = None
    #: The province the group lies in (itself for a province): how a national return groups.
    province_code: str = ""
    #: Units under it marked "không tham gia" (no connection): done, not missing.
    units_absent: int = 0

    @property
    def units_registered(self) -> int:
        return self.figures.confirmed.points + self.figures.draft.points

    @property
    def units_confirmed(self) -> int:
        return self.figures.confirmed.points

    @property
    def units_done(self) -> int:
        """Units with nothing left to do: confirmed, or taking no part."""
        return self.units_confirmed + self.units_absent

    @property
    def complete(self) -> bool:
        """Nothing left to chase: the own point is confirmed, no point is still a draft and every
        unit under it is confirmed or takes no part (3 of 35 communes is not done)."""
        return (
            self.own_status == "confirmed"
            and self.figures.draft.points == 0
            and self.units_done >= self.units_total
        )


@dataclass
class Rollup:
    conference_slug: str
    conference_title: str
    organizer: str
    host_name: str
    host_unit_code: str | None
    timezone: str
    categories: list[Category]
    province: Figures
    levels: dict[str, Figures]
    districts: list[DistrictLine]
    points: list[PointLine]
    generated_at: datetime

    @property
    def category_codes(self) -> list[str]:
        return [c.code for c in self.categories]

    def points_of(self, district_code: str) -> list[PointLine]:
        return [p for p in self.points if p.district_code == district_code]


def _categories(conference: Conference) -> list[Category]:
    return [Category(c.code, c.label, tuple(c.levels)) for c in conference.categories]


def _group_figures(conference_id: int, codes: list[str]) -> dict[tuple[str, str], Figures]:
    """Figures per (district_code, level), from two GROUP BY queries."""
    figures: dict[tuple[str, str], Figures] = defaultdict(Figures)
    district = sa.func.coalesce(BridgePoint.district_code, BridgePoint.unit_code)
    point_rows = db.session.execute(
        sa.select(district, BridgePoint.level, BridgePoint.status, sa.func.count())
        .where(BridgePoint.conference_id == conference_id)
        .group_by(district, BridgePoint.level, BridgePoint.status)
    )
    for code, level, status, n in point_rows:
        if status in COUNTED_STATUSES:
            figures[(code, level)].tally(status).points += n
        else:
            figures[(code, level)].withdrawn_points += n
    count_rows = db.session.execute(
        sa.select(
            district,
            BridgePoint.level,
            BridgePoint.status,
            DelegateCount.category_code,
            sa.func.sum(DelegateCount.count),
        )
        .join(DelegateCount, DelegateCount.point_id == BridgePoint.id)
        .where(
            BridgePoint.conference_id == conference_id,
            BridgePoint.status.in_(COUNTED_STATUSES),
            DelegateCount.category_code.in_(codes),
        )
        .group_by(district, BridgePoint.level, BridgePoint.status, DelegateCount.category_code)
    )
    for code, level, status, category, total in count_rows:
        figures[(code, level)].tally(status).counts[category] = int(total or 0)
    return figures


def _point_lines(conference_id: int, codes: list[str]) -> list[PointLine]:
    """One row per point, its counts pivoted into columns by conditional sums."""
    pivots = [
        sa.func.coalesce(
            sa.func.sum(sa.case((DelegateCount.category_code == code, DelegateCount.count), else_=0)), 0
        )
        for code in codes
    ]
    stmt = (
        sa.select(
            BridgePoint.id,
            BridgePoint.unit_code,
            AdminUnit.name,
            BridgePoint.name,
            BridgePoint.venue,
            BridgePoint.level,
            sa.func.coalesce(BridgePoint.district_code, BridgePoint.unit_code),
            BridgePoint.status,
            *pivots,
        )
        .join(AdminUnit, AdminUnit.code == BridgePoint.unit_code)
        .outerjoin(DelegateCount, DelegateCount.point_id == BridgePoint.id)
        .where(BridgePoint.conference_id == conference_id, BridgePoint.status.in_(COUNTED_STATUSES))
        .group_by(
            BridgePoint.id,
            BridgePoint.unit_code,
            AdminUnit.name,
            BridgePoint.name,
            BridgePoint.venue,
            BridgePoint.level,
            BridgePoint.district_code,
            BridgePoint.status,
        )
    )
    lines = []
    for row in db.session.execute(stmt):
        point_id, unit_code, unit_name, name, venue, level, district, status, *values = row
        lines.append(
            PointLine(
                point_id,
                unit_code,
                unit_name,
                name,
                venue or "",
                level,
                district,
                status,
                {c: int(v) for c, v in zip(codes, values, strict=True)},
            )
        )
    level_order = {level: i for i, level in enumerate(LEVELS)}
    lines.sort(key=lambda p: (level_order.get(p.level, 9), p.unit_code))
    return lines


def _own_statuses(conference_id: int) -> dict[str, str]:
    """Status of each point by its unit code, for the units that head a group."""
    district = sa.func.coalesce(BridgePoint.district_code, BridgePoint.unit_code)
    rows = db.session.execute(
        sa.select(BridgePoint.unit_code, BridgePoint.status).where(
            BridgePoint.conference_id == conference_id, BridgePoint.unit_code == district
        )
    )
    return dict(rows.tuples().all())


def _group_units(conference: Conference, seen_codes: set[str]) -> list[AdminUnit]:
    """The units that head a group: the host province, the districts under it, and any group
    code the points mention (a national instance has no single host)."""
    codes = set(seen_codes)
    host = conference.host_unit_code
    if host:
        codes.add(host)
        codes.update(
            db.session.scalars(
                sa.select(AdminUnit.code).where(AdminUnit.parent_code == host, AdminUnit.level == "district")
            )
        )
    if not codes:
        return []
    return list(db.session.scalars(sa.select(AdminUnit).where(AdminUnit.code.in_(codes))))


def _commune_counts(codes: list[str]) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(AdminUnit.parent_code, sa.func.count())
        .where(AdminUnit.parent_code.in_(codes), AdminUnit.level == "commune")
        .group_by(AdminUnit.parent_code)
    )
    return {code: n for code, n in rows.tuples() if code is not None}


def _absent_counts(conference_id: int) -> dict[str, int]:
    """Units marked "không tham gia" per group (the unit's parent)."""
    rows = db.session.execute(
        sa.select(AdminUnit.parent_code, sa.func.count())
        .join(UnitAbsence, UnitAbsence.unit_code == AdminUnit.code)
        .where(UnitAbsence.conference_id == conference_id)
        .group_by(AdminUnit.parent_code)
    )
    return {code: n for code, n in rows.tuples() if code is not None}


def build_rollup(conference: Conference, *, with_points: bool = True) -> Rollup:
    """The whole return of a conference: province, levels, districts and (unless not wanted,
    as on the dashboard, which shows none) points."""
    categories = _categories(conference)
    codes = [c.code for c in categories]
    grouped = _group_figures(conference.id, codes)

    province = Figures()
    levels = {level: Figures() for level in LEVELS}
    by_district: dict[str, Figures] = defaultdict(Figures)
    for (district_code, level), figures in grouped.items():
        province.add(figures)
        levels.setdefault(level, Figures()).add(figures)
        by_district[district_code].add(figures)

    heads = _group_units(conference, set(by_district))
    communes = _commune_counts([u.code for u in heads])
    own = _own_statuses(conference.id)
    absent = _absent_counts(conference.id)
    level_order = {level: i for i, level in enumerate(LEVELS)}
    # Only the levels this tree has: a two-level province shows no district level.
    present = {unit.level for unit in heads} | {level for _, level in grouped}
    if any(communes.values()):
        present.add("commune")
    districts = [
        DistrictLine(
            code=unit.code,
            name=unit.name,
            level=unit.level,
            units_total=1 + communes.get(unit.code, 0),
            figures=by_district.get(unit.code, Figures()),
            own_status=own.get(unit.code),
            province_code=unit.province_code,
            units_absent=absent.get(unit.code, 0),
        )
        for unit in sorted(heads, key=lambda u: (level_order.get(u.level, 9), u.code))
    ]
    return Rollup(
        conference_slug=conference.slug,
        conference_title=conference.title,
        organizer=conference.organizer,
        host_name=conference.host_name,
        host_unit_code=conference.host_unit_code,
        timezone=conference.timezone,
        categories=categories,
        province=province,
        levels={level: figures for level, figures in levels.items() if level in present},
        districts=districts,
        points=_point_lines(conference.id, codes) if with_points else [],
        generated_at=utcnow(),
    )
