"""A national conference's return, province by province (as the live board goes).

A national roll-up has ~705 district groups and ~11,400 points: listing them all made the
dashboard 1.8 MB and the printed page 9.8 MB. Nationally the pages show one line per province,
and one province's districts and points when the officer opens it. Pure functions over the
roll-up and the v1 document, plus one query for the provinces' names.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from bridgeops.conference.models import Conference
from bridgeops.core.errors import NotFound
from bridgeops.extensions import db
from bridgeops.returns.rollup import DistrictLine, Figures, Rollup
from bridgeops.units.models import AdminUnit


def is_national(conference: Conference) -> bool:
    """A conference with no host unit gathers every province's points."""
    return conference.host_unit_code is None


def province_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        db.session.execute(sa.select(AdminUnit.code, AdminUnit.name).where(AdminUnit.code.in_(codes)))
        .tuples()
        .all()
    )


def province_lines(districts: list[DistrictLine], names: dict[str, str]) -> list[DistrictLine]:
    """One line per province: its groups' figures and units summed; its own point's status."""
    lines: dict[str, DistrictLine] = {}
    for district in districts:
        code = district.province_code or district.code
        line = lines.get(code)
        if line is None:
            line = lines[code] = DistrictLine(
                code=code,
                name=names.get(code, code),
                level="province",
                units_total=0,
                figures=Figures(),
                province_code=code,
            )
        line.units_total += district.units_total
        line.figures.add(district.figures)
        if district.code == code:
            line.own_status = district.own_status
    return [lines[code] for code in sorted(lines)]


def units_per_province(codes: set[str]) -> dict[str, int]:
    """How many units (the province, its districts and communes) each province has."""
    if not codes:
        return {}
    return dict(
        db.session.execute(
            sa.select(AdminUnit.province_code, sa.func.count())
            .where(AdminUnit.province_code.in_(codes))
            .group_by(AdminUnit.province_code)
        )
        .tuples()
        .all()
    )


def by_province(summary: Rollup) -> Rollup:
    """The roll-up with one group per province instead of one per district; a province's
    units count all of its units, registered or not."""
    codes = {d.province_code or d.code for d in summary.districts}
    lines = province_lines(summary.districts, province_names(codes))
    totals = units_per_province(codes)
    for line in lines:
        line.units_total = max(line.units_total, totals.get(line.code, 0))
    return replace(summary, districts=lines)


def one_province(summary: Rollup, province_code: str) -> Rollup:
    """The roll-up limited to one province: all its groups (those with no point yet too) and
    its points; the totals stay national."""
    districts = [d for d in summary.districts if d.province_code == province_code]
    present = {d.code for d in districts}
    heads = list(
        db.session.scalars(
            sa.select(AdminUnit).where(
                sa.or_(
                    AdminUnit.code == province_code,
                    sa.and_(AdminUnit.parent_code == province_code, AdminUnit.level == "district"),
                ),
                AdminUnit.code.not_in(present),
            )
        )
    )
    if not districts and not heads:
        raise NotFound(f"Không có tỉnh mã {province_code} trong báo cáo này.")
    communes = dict(
        db.session.execute(
            sa.select(AdminUnit.parent_code, sa.func.count())
            .where(AdminUnit.parent_code.in_([u.code for u in heads]), AdminUnit.level == "commune")
            .group_by(AdminUnit.parent_code)
        )
        .tuples()
        .all()
    )
    districts += [
        DistrictLine(
            code=u.code,
            name=u.name,
            level=u.level,
            units_total=1 + communes.get(u.code, 0),
            province_code=province_code,
        )
        for u in heads
    ]
    level_order = {"province": 0, "district": 1}
    districts.sort(key=lambda d: (level_order.get(d.level, 9), d.code))
    return replace(
        summary, districts=districts, points=[p for p in summary.points if p.district_code in present]
    )


def document_by_province(
    document: dict[str, Any], province_of: dict[str, str], province_code: str
) -> dict[str, Any]:
    """The v1 document limited to one province's district groups and points (as the national
    printed page shows a province). ``province_of`` maps each group's code to its province."""
    districts = [d for d in document["districts"] if province_of.get(d["code"]) == province_code]
    if not districts:
        raise NotFound(f"Không có tỉnh mã {province_code} trong báo cáo này.")
    codes = {d["code"] for d in districts}
    return {
        **document,
        "districts": districts,
        "points": [p for p in document["points"] if p["district_code"] in codes],
    }


def printable(document: dict[str, Any], province_code: str) -> dict[str, Any]:
    """One province of the national document, in full, for the printed page."""
    return document_by_province(document, province_of_groups(document), province_code)


def province_of_groups(document: dict[str, Any]) -> dict[str, str]:
    """Each district group's province code, from the unit tree."""
    codes = [d["code"] for d in document["districts"]]
    if not codes:
        return {}
    return dict(
        db.session.execute(
            sa.select(AdminUnit.code, AdminUnit.province_code).where(AdminUnit.code.in_(codes))
        )
        .tuples()
        .all()
    )
