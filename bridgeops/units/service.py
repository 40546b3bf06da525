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
from bridgeops.units.models import KINDS, LEVELS, AdminUnit

#: GSO codes are zero-padded by level: "01", "001", "00001".
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}
_KIND_LEVEL = {kind: level for level, kinds in KINDS.items() for kind in kinds}
BATCH = 2000


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    level: str
    parent_code: str | None
    province_code: str


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
        yield UnitRow(pcode, clean(province["name"]), province["division_type"], "province",
                      None, pcode)
        for district in province["districts"]:
            dcode = f"{district['code']:0{CODE_WIDTH['district']}d}"
            yield UnitRow(dcode, clean(district["name"]), district["division_type"], "district",
                          pcode, pcode)
            for ward in district["wards"]:
                yield UnitRow(f"{ward['code']:0{CODE_WIDTH['commune']}d}", clean(ward["name"]),
                              ward["division_type"], "commune", dcode, pcode)


def gso_province_codes() -> list[str]:
    return [row.code for row in gso_rows() if row.level == "province"]


def file_rows(path: Path) -> list[UnitRow]:
    """Units from a CSV or JSON file of ``code, name, kind, parent_code`` (``level`` optional).

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
        raw[code] = {"name": clean(record.get("name")), "kind": kind, "level": level,
                     "parent_code": clean(str(record.get("parent_code") or "")) or None}
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

    rows = [UnitRow(code, r["name"], r["kind"], r["level"], r["parent_code"], province_of(code))
            for code, r in raw.items()]
    depth = {"province": 0, "district": 1, "commune": 2}
    return sorted(rows, key=lambda r: depth[r.level])


def import_units(rows: Iterable[UnitRow],
                 progress: Callable[[int], None] | None = None) -> ImportResult:
    """Insert new units and update changed ones, in bulk. Running it twice changes nothing."""
    existing = {
        row.code: (row.name, row.kind, row.level, row.parent_code, row.province_code)
        for row in db.session.execute(sa.select(AdminUnit.code, AdminUnit.name, AdminUnit.kind,
                                                AdminUnit.level, AdminUnit.parent_code,
                                                AdminUnit.province_code))
    }
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
        values = (row.name, row.kind, row.level, row.parent_code, row.province_code)
        record = {"code": row.code, "name": row.name, "name_folded": fold(row.name),
                  "kind": row.kind, "level": row.level, "parent_code": row.parent_code,
                  "province_code": row.province_code}
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


def get_unit(code: str) -> AdminUnit:
    unit = db.session.get(AdminUnit, code)
    if unit is None:
        raise NotFound(f"Không có đơn vị hành chính mã {code}.")
    return unit


def children(parent_code: str | None) -> list[AdminUnit]:
    """Units directly under a parent; the provinces when parent is None."""
    query = sa.select(AdminUnit).order_by(AdminUnit.code)
    if parent_code is None:
        query = query.where(AdminUnit.parent_code.is_(None))
    else:
        query = query.where(AdminUnit.parent_code == parent_code)
    return list(db.session.scalars(query))


def search(query: str, within: Iterable[str] | None = None, limit: int = 50) -> list[AdminUnit]:
    """Diacritic-insensitive name search, optionally limited to some parent codes or codes."""
    stmt = sa.select(AdminUnit).where(AdminUnit.name_folded.contains(fold(query)))
    if within is not None:
        codes = list(within)
        stmt = stmt.where(sa.or_(AdminUnit.code.in_(codes), AdminUnit.parent_code.in_(codes)))
    return list(db.session.scalars(stmt.order_by(AdminUnit.level, AdminUnit.name).limit(limit)))


def count_by_level(province_code: str | None = None) -> dict[str, int]:
    stmt = sa.select(AdminUnit.level, sa.func.count()).group_by(AdminUnit.level)
    if province_code is not None:
        stmt = stmt.where(AdminUnit.province_code == province_code)
    return {level: n for level, n in db.session.execute(stmt)}
