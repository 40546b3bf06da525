"""Loading and reading the unit tree; the only writer of admin_unit."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bridgeops.core.errors import NotFound, ValidationFailed
from bridgeops.core.text import clean, fold
from bridgeops.extensions import db
from bridgeops.units.models import DEFAULT_MAP, KINDS, LEVELS, MAPS, AdminUnit, unit_key

#: GSO codes are zero-padded by level: "01", "001", "00001".
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}
_KIND_LEVEL = {kind: level for level, kinds in KINDS.items() for kind in kinds}
BATCH = 2000


@dataclass(frozen=True)
class UnitRow:
    """One unit to import. ``code``, ``parent_code`` and ``province_code`` are keys (see
    units.models.unit_key); ``gso_code`` is the code within the map (the key when empty)."""

    code: str
    name: str
    kind: str
    level: str
    parent_code: str | None
    province_code: str
    map: str = DEFAULT_MAP
    gso_code: str = ""
    former_district: str = ""

    @property
    def map_code(self) -> str:
        return self.gso_code or self.code


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def gso_rows(province_codes: Iterable[str] | None = None) -> Iterator[UnitRow]:
    """Units from the vietnam-provinces package (GSO data of 2023), parents before children."""
    import vietnam_provinces

    wanted = {str(int(code)) for code in province_codes} if province_codes else None
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        provinces = json.load(fh)
    for province in provinces:
        if wanted is not None and str(province["code"]) not in wanted:
            continue
        pcode = f"{province['code']:0{CODE_WIDTH['province']}d}"
        yield UnitRow(pcode, clean(province["name"]), province["division_type"], "province", None, pcode)
        for district in province["districts"]:
            dcode = f"{district['code']:0{CODE_WIDTH['district']}d}"
            yield UnitRow(dcode, clean(district["name"]), district["division_type"], "district", pcode, pcode)
            for ward in district["wards"]:
                yield UnitRow(
                    f"{ward['code']:0{CODE_WIDTH['commune']}d}",
                    clean(ward["name"]),
                    ward["division_type"],
                    "commune",
                    dcode,
                    pcode,
                )


def map_rows(unit_map: str = DEFAULT_MAP, province_codes: Iterable[str] | None = None) -> Iterator[UnitRow]:
    """The built-in units of a map: the 2023 GSO map (vietnam-provinces) or the two-level map
    in force since 1 July 2025 (vietnamadminunits), parents before children."""
    if unit_map == DEFAULT_MAP:
        yield from gso_rows(province_codes)
        return
    if unit_map not in MAPS:
        raise ValidationFailed({"map": f"Không có bản đồ hành chính {unit_map}."})
    from bridgeops.units.map2025 import units_2025

    for unit in units_2025(province_codes):
        province = unit.province_gso_code or unit.gso_code
        yield UnitRow(
            unit_key(unit_map, unit.gso_code),
            unit.name,
            unit.kind,
            unit.level,
            unit_key(unit_map, unit.province_gso_code) if unit.province_gso_code else None,
            unit_key(unit_map, province),
            unit_map,
            unit.gso_code,
            unit.former_district,
        )


def file_rows(path: Path, unit_map: str = DEFAULT_MAP) -> list[UnitRow]:
    """Units from a CSV or JSON file of ``code, name, kind, parent_code`` (``level`` optional),
    codes being GSO codes within ``unit_map``.

    Works for any depth of tree, including a two-level country (province → commune).
    """
    if path.suffix.lower() == ".json":
        records = json.loads(path.read_text(encoding="utf-8"))
    else:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            records = list(csv.DictReader(fh))
    raw: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for index, record in enumerate(records, start=1):
        code = clean(str(record.get("code") or ""))
        kind = clean(record.get("kind") or "").lower()
        level = clean(record.get("level") or "").lower() or _KIND_LEVEL.get(kind, "")
        if not code or not clean(record.get("name") or ""):
            errors[f"row {index}"] = "Thiếu mã hoặc tên đơn vị."
        elif level not in LEVELS:
            errors[f"row {index}"] = f"Không xác định được cấp của loại đơn vị '{kind}'."
        parent = clean(str(record.get("parent_code") or "")) or None
        raw[unit_key(unit_map, code)] = {
            "name": clean(record.get("name")),
            "kind": kind,
            "level": level,
            "gso_code": code,
            "parent_code": unit_key(unit_map, parent) if parent else None,
        }
    if errors:
        raise ValidationFailed(errors)

    def province_of(code: str, seen: int = 0) -> str:
        parent = raw[code]["parent_code"]
        if parent is None or seen > 10:
            return code
        if parent in raw:
            return province_of(parent, seen + 1)
        existing = db.session.get(AdminUnit, parent)
        if existing is None:
            raise ValidationFailed({code: f"Không tìm thấy đơn vị cấp trên {parent}."})
        return existing.province_code

    rows = [
        UnitRow(
            code,
            r["name"],
            r["kind"],
            r["level"],
            r["parent_code"],
            province_of(code),
            unit_map,
            r["gso_code"],
        )
        for code, r in raw.items()
    ]
    depth = {"province": 0, "district": 1, "commune": 2}
    return sorted(rows, key=lambda r: depth[r.level])


def import_units(rows: Iterable[UnitRow], progress: Callable[[int], None] | None = None) -> ImportResult:
    """Insert new units and update changed ones, in bulk. Running it twice changes nothing."""
    columns = (
        AdminUnit.name,
        AdminUnit.kind,
        AdminUnit.level,
        AdminUnit.parent_code,
        AdminUnit.province_code,
        AdminUnit.map,
        AdminUnit.gso_code,
        AdminUnit.former_district,
    )
    existing = {row[0]: tuple(row[1:]) for row in db.session.execute(sa.select(AdminUnit.code, *columns))}
    result = ImportResult()
    inserts: list[dict] = []
    updates: list[dict] = []

    def flush() -> None:
        if inserts:
            db.session.execute(sa.insert(AdminUnit), inserts)
        if updates:
            db.session.execute(sa.update(AdminUnit), updates)
        if progress:
            progress(len(inserts) + len(updates))
        inserts.clear()
        updates.clear()

    for row in rows:
        values = (
            row.name,
            row.kind,
            row.level,
            row.parent_code,
            row.province_code,
            row.map,
            row.map_code,
            row.former_district,
        )
        record = {
            "code": row.code,
            "name": row.name,
            "name_folded": fold(row.name),
            "kind": row.kind,
            "level": row.level,
            "parent_code": row.parent_code,
            "province_code": row.province_code,
            "map": row.map,
            "gso_code": row.map_code,
            "former_district": row.former_district,
        }
        if row.code not in existing:
            inserts.append(record)
            result.created += 1
        elif existing[row.code] != values:
            updates.append(record)
            result.updated += 1
        else:
            result.unchanged += 1
            if progress:
                progress(1)
        existing[row.code] = values
        if len(inserts) + len(updates) >= BATCH:
            flush()
    flush()
    db.session.flush()
    return result


def find_unit(code: str, unit_map: str | None = None) -> AdminUnit | None:
    """The unit with this key; within ``unit_map``, also the unit with this GSO code there."""
    unit = db.session.get(AdminUnit, code)
    if unit_map is None or (unit is not None and unit.map == unit_map):
        return unit
    return db.session.scalar(
        sa.select(AdminUnit).where(AdminUnit.map == unit_map, AdminUnit.gso_code == code)
    )


def get_unit(code: str, unit_map: str | None = None) -> AdminUnit:
    """Like find_unit, but NotFound (in Vietnamese) when there is none."""
    unit = find_unit(code, unit_map)
    if unit is None:
        raise NotFound(f"Không có đơn vị hành chính mã {code}.")
    return unit


def children(parent_code: str | None, unit_map: str = DEFAULT_MAP) -> list[AdminUnit]:
    """Units directly under a parent (a key); the provinces of ``unit_map`` when parent is None."""
    query = sa.select(AdminUnit).order_by(AdminUnit.code)
    if parent_code is None:
        query = query.where(AdminUnit.parent_code.is_(None), AdminUnit.map == unit_map)
    else:
        query = query.where(AdminUnit.parent_code == parent_code)
    return list(db.session.scalars(query))


def search(
    query: str, within: Iterable[str] | None = None, limit: int = 50, unit_map: str | None = None
) -> list[AdminUnit]:
    """Diacritic-insensitive name search, optionally limited to some parent codes or codes,
    or to one map."""
    stmt = sa.select(AdminUnit).where(AdminUnit.name_folded.contains(fold(query)))
    if unit_map is not None:
        stmt = stmt.where(AdminUnit.map == unit_map)
    if within is not None:
        codes = list(within)
        stmt = stmt.where(sa.or_(AdminUnit.code.in_(codes), AdminUnit.parent_code.in_(codes)))
    return list(db.session.scalars(stmt.order_by(AdminUnit.level, AdminUnit.name).limit(limit)))


def count_by_level(province_code: str | None = None, unit_map: str | None = None) -> dict[str, int]:
    """Units per level on one map (the 2023 one by default), or in one province (a key)."""
    stmt = sa.select(AdminUnit.level, sa.func.count()).group_by(AdminUnit.level)
    if unit_map is not None or province_code is None:
        stmt = stmt.where(AdminUnit.map == (unit_map or DEFAULT_MAP))
    if province_code is not None:
        stmt = stmt.where(AdminUnit.province_code == province_code)
    return {level: n for level, n in db.session.execute(stmt)}


def names(codes: Iterable[str]) -> dict[str, str]:
    """Each unit's name by code, in one query (none for no codes)."""
    wanted = set(codes)
    if not wanted:
        return {}
    stmt = sa.select(AdminUnit.code, AdminUnit.name).where(AdminUnit.code.in_(wanted))
    return dict(db.session.execute(stmt).tuples().all())
