"""The 2025 map and its correspondence with the old one, read from the vietnamadminunits data.

vietnamadminunits (MIT) ships, in one SQLite file, the 34-province map in force since 1 July 2025
(``admin_units``: 3,321 communes with their GSO codes) and the last 63-province map before it
(``admin_units_legacy``), plus a JSON correspondence from the old units to the new ones keyed by
name keys ("tinhnamdinh_huyenmyloc_xamyha" → "phuongdonga"). Only these data files are read: the
package's own code pulls in geocoding we do not need, so it is never imported.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bridgeops.core.text import clean, fold

#: Kinds as we name them (see units.models.KINDS), from the package's unit types.
_PROVINCE_KIND = {"Thành phố": "thành phố trung ương", "Tỉnh": "tỉnh"}


def data_dir() -> Path:
    """The package's data folder, found without importing the package."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The vietnamadminunits package is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _connect() -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data_dir() / 'dataset.db'}?mode=ro", uri=True)


@dataclass(frozen=True)
class NewUnit:
    """A unit of the 2025 map, in the package's terms."""

    gso_code: str
    name: str
    kind: str
    level: str
    province_gso_code: str | None
    former_district: str = ""


@dataclass(frozen=True)
class Correspondence:
    """Where the old units went, by GSO code: old province → new province, old commune → new
    commune. Districts have no entry: they were abolished, not merged."""

    provinces: dict[str, str]
    communes: dict[str, str]
    #: Legacy communes by name key, for old codes the legacy data no longer holds (communes
    #: merged between 2023 and 2025 often took a new code but kept a name): (province key,
    #: district key, commune key) and (province key, commune key) → legacy codes with that name
    #: or former name.
    by_district_name: dict[tuple[str, str, str], set[str]]
    by_province_name: dict[tuple[str, str], set[str]]

    def commune(self, gso_code: str, province: str, district: str, commune: str) -> str | None:
        """The 2025 code of an old commune: by its code, else by its name (within its old
        district, else anywhere in its province, when only one commune answers to it)."""
        if gso_code in self.communes:
            return self.communes[gso_code]
        pkey, dkey, wkey = (name_key(n) for n in (province, district, commune))
        for matches in (
            self.by_district_name.get((pkey, dkey, wkey), set()),
            self.by_province_name.get((pkey, wkey), set()),
        ):
            if len(matches) == 1:
                return self.communes.get(next(iter(matches)))
        return None


def name_key(name: str) -> str:
    """The package's key of a name: "Huyện Mỹ Lộc" → "huyenmyloc"."""
    return "".join(ch for ch in fold(name) if ch.isalnum())


def _province_kind(name: str) -> str:
    return _PROVINCE_KIND["Thành phố" if name.startswith("Thành phố") else "Tỉnh"]


@cache
def _converter() -> dict:
    return json.loads((data_dir() / "converter_2025.json").read_text(encoding="utf-8"))


@cache
def _former_districts() -> dict[tuple[str, str], str]:
    """(new province key, new commune key) → name of the old district most of it came from."""
    with _connect() as conn:
        names = {
            f"{p}_{d}": name
            for p, d, name in conn.execute(
                "SELECT DISTINCT provinceKey, districtKey, district FROM admin_units_legacy"
            )
        }
    result: dict[tuple[str, str], str] = {}
    for province_key, communes in _converter()["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for commune_key, old_keys in communes.items():
            districts = Counter("_".join(key.split("_")[:2]) for key in old_keys)
            if districts:
                result[(province_key, commune_key)] = clean(names.get(districts.most_common(1)[0][0], ""))
    return result


def units_2025(province_codes: Iterable[str] | None = None) -> Iterator[NewUnit]:
    """The 2025 map: each province, then its communes (parents before children)."""
    wanted = {f"{int(code):02d}" for code in province_codes} if province_codes else None
    former = _former_districts()
    with _connect() as conn:
        rows = conn.execute(
            "SELECT provinceCode, province, provinceKey, wardCode, ward, wardType, wardKey "
            "FROM admin_units ORDER BY provinceCode, wardCode"
        ).fetchall()
    seen: set[str] = set()
    for pcode, pname, pkey, wcode, wname, wtype, wkey in rows:
        if wanted is not None and pcode not in wanted:
            continue
        if pcode not in seen:
            seen.add(pcode)
            yield NewUnit(pcode, clean(pname), _province_kind(pname), "province", None)
        yield NewUnit(
            wcode, clean(wname), clean(wtype).lower(), "commune", pcode, former.get((pkey, wkey), "")
        )


@cache
def correspondence() -> Correspondence:
    """Old (legacy GSO) codes → 2025 GSO codes, from the package's name-keyed correspondence."""
    converter = _converter()
    with _connect() as conn:
        new_provinces = dict(conn.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units"))
        new_communes = {
            (p, w): code
            for p, w, code in conn.execute("SELECT provinceKey, wardKey, wardCode FROM admin_units")
        }
        legacy = conn.execute(
            "SELECT provinceKey, provinceCode, districtKey, wardKey, wardCode, wardKeywords "
            "FROM admin_units_legacy WHERE wardCode IS NOT NULL"
        ).fetchall()
        old_provinces = dict(
            conn.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units_legacy")
        )

    provinces = {
        old_provinces[old]: new_provinces[new]
        for new, olds in converter["DICT_PROVINCE"].items()
        for old in olds
        if old in old_provinces and new in new_provinces
    }
    whole: dict[str, str] = {}
    for new_province, province_wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_key, old_keys in province_wards.items():
            for old_key in old_keys:
                whole[old_key] = new_communes[(new_province, new_key)]
    for new_province, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in divided.items():
            default = next((p["newWardKey"] for p in parts if p["isDefaultNewWard"]), None)
            if default and (new_province, default) in new_communes:
                whole.setdefault(old_key, new_communes[(new_province, default)])

    communes: dict[str, str] = {}
    by_district_name: dict[tuple[str, str, str], set[str]] = {}
    by_province_name: dict[tuple[str, str], set[str]] = {}
    for pkey, _pcode, dkey, wkey, wcode, keywords in legacy:
        new_code = whole.get(f"{pkey}_{dkey}_{wkey}")
        if new_code is None:
            continue
        communes[wcode] = new_code
        for key in {wkey, *json.loads(keywords or "[]")}:
            by_district_name.setdefault((pkey, dkey, key), set()).add(wcode)
            by_province_name.setdefault((pkey, key), set()).add(wcode)
    return Correspondence(provinces, communes, by_district_name, by_province_name)
