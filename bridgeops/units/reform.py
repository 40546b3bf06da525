"""Carrying units across the 2025 reform: where each unit of one map went on another.

Reads only (admin_unit and the vietnamadminunits correspondence); the copy of a conference and
the officer's choices are written by their own services.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.units.models import AdminUnit, unit_key


@dataclass(frozen=True)
class Placement:
    target: dict[str, str]  # source unit code -> unit code on the target map
    unplaced: list[str]  # source unit codes with no place on the target map


#: Why a unit has no place on the 2025 map, by level; shown to the officer.
UNPLACED_REASONS = {
    "district": "Cấp huyện đã bỏ từ 1/7/2025: chọn xã hoặc tỉnh cho điểm cầu này.",
    "commune": "Dữ liệu chuyển đổi không có xã này (có thể đã sáp nhập trước năm 2025).",
    "province": "Dữ liệu chuyển đổi không có tỉnh này.",
}


def place_units(codes: Sequence[str], from_map: str, to_map: str) -> Placement:
    """Where each unit (a key, as bridge_point.unit_code holds it) lands on ``to_map``.

    Same map: each unit stays itself. 2023 → 2025: a province goes to the province it became
    part of; a commune to the commune that took it over (its main part, when it was split),
    found by its GSO code in the correspondence, else by its name (a commune merged between
    2023 and 2025 often took a new code but kept its name, or is among the merged unit's former
    names); a district has no place (districts were abolished). Targets must be loaded
    (``bridgeops units import --map 2025``): a unit whose target is not is unplaced. Several
    source units may land on one target.
    """
    codes = list(dict.fromkeys(codes))
    if from_map == to_map:
        return Placement({code: code for code in codes}, [])
    if (from_map, to_map) != ("2023", "2025"):
        return Placement({}, codes)
    from bridgeops.units.map2025 import correspondence

    source = {
        u.code: u
        for u in db.session.scalars(
            sa.select(AdminUnit).where(AdminUnit.code.in_(codes), AdminUnit.map == from_map)
        )
    }
    parents = {
        u.code: u
        for u in db.session.scalars(
            sa.select(AdminUnit).where(
                AdminUnit.code.in_(
                    {u.parent_code for u in source.values() if u.parent_code}
                    | {u.province_code for u in source.values()}
                )
            )
        )
    }
    corr = correspondence()
    wanted: dict[str, str] = {}
    for code in codes:
        unit = source.get(code)
        if unit is None:
            continue
        if unit.level == "province":
            new = corr.provinces.get(unit.gso_code)
        elif unit.level == "commune":
            district, province = parents.get(unit.parent_code or ""), parents.get(unit.province_code)
            new = corr.commune(
                unit.gso_code, province.name if province else "", district.name if district else "", unit.name
            )
        else:
            new = None
        if new is not None:
            wanted[code] = unit_key(to_map, new)
    loaded = set(
        db.session.scalars(
            sa.select(AdminUnit.code).where(AdminUnit.code.in_(set(wanted.values())), AdminUnit.map == to_map)
        )
    )
    target = {code: new for code, new in wanted.items() if new in loaded}
    return Placement(target, [code for code in codes if code not in target])
