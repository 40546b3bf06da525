"""Shared helpers for the registration tests: chair links, principals, points."""

from __future__ import annotations

#: Nam Định units used throughout: two districts and a commune of each.
NAM_DINH_CITY = "356"
MY_LOC = "358"
VU_BAN = "359"


def commune_of(district_code: str, index: int = 0) -> str:
    from bridgeops.units import service as units

    return units.children(district_code)[index].code


def point_body(unit: str, **extra) -> dict:
    body = {
        "unit": unit,
        "venue": "Hội trường UBND",
        "capacity": 60,
        "technicians": [{"name": "Trần Văn Kỹ", "phone": "0912345678", "email": "ky@example.vn"}],
        "probe": {"target": "sip://10.1.2.3"},
        "counts": {"bch": 12, "chuyen_trach": 3},
    }
    body.update(extra)
    return body
