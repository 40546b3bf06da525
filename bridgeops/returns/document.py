"""The return as a versioned JSON document (``bridgeops.return/v1``) and its canonical bytes.

Every file (CSV, XLSX, JSON, the printed page) is built from this one document, so a frozen
snapshot prints exactly as it was frozen and all formats agree.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from bridgeops.returns.rollup import Figures, Rollup, Tally
from bridgeops.units.models import TIER_LABELS

if TYPE_CHECKING:
    from bridgeops.conference.models import Conference

SCHEMA = "bridgeops.return/v1"

#: What a place name on the official page drops: "Tỉnh Nam Định" → "Nam Định".
_UNIT_KIND_PREFIXES = ("Thành phố ", "Tỉnh ", "Huyện ", "Quận ", "Thị xã ")


def place_name(unit_name: str | None) -> str:
    """The place printed before the date: the unit's name without its kind."""
    name = unit_name or ""
    for prefix in _UNIT_KIND_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def conference_part(conference: Conference, place: str) -> dict[str, Any]:
    """The "conference" part of a report's document (attendance, follow-ups): who issues it,
    where, and in which timezone its times are read."""
    return {
        "slug": conference.slug,
        "title": conference.title,
        "organizer": conference.organizer,
        "host_name": conference.host_name,
        "host_unit_code": conference.host_unit_code,
        "timezone": conference.timezone,
        "place": place,
    }


def _tally(tally: Tally, codes: list[str]) -> dict[str, Any]:
    counts = {code: tally.counts.get(code, 0) for code in codes}
    return {"points": tally.points, "delegates": sum(counts.values()), "counts": counts}


def _figures(figures: Figures, codes: list[str]) -> dict[str, Any]:
    return {
        "confirmed": _tally(figures.confirmed, codes),
        "draft": _tally(figures.draft, codes),
        "registered": _tally(figures.registered, codes),
        "withdrawn_points": figures.withdrawn_points,
    }


def build_document(rollup: Rollup, place: str = "") -> dict[str, Any]:
    """The v1 document: no timestamps inside, so the same data always gives the same bytes."""
    codes = rollup.category_codes
    return {
        "schema": SCHEMA,
        "conference": {
            "slug": rollup.conference_slug,
            "title": rollup.conference_title,
            "organizer": rollup.organizer,
            "host_name": rollup.host_name,
            "host_unit_code": rollup.host_unit_code,
            "timezone": rollup.timezone,
            "place": place,
        },
        "categories": [
            {"code": c.code, "label": c.label, "levels": list(c.levels)} for c in rollup.categories
        ],
        "totals": _figures(rollup.province, codes),
        "levels": [
            {"level": level, "label": TIER_LABELS.get(level, level), **_figures(figures, codes)}
            for level, figures in rollup.levels.items()
        ],
        "districts": [
            {
                "code": d.code,
                "name": d.name,
                "level": d.level,
                "units_total": d.units_total,
                "units_registered": d.units_registered,
                "units_confirmed": d.units_confirmed,
                "own_status": d.own_status,
                **_figures(d.figures, codes),
            }
            for d in rollup.districts
        ],
        "points": [
            {
                "id": p.id,
                "unit_code": p.unit_code,
                "unit_name": p.unit_name,
                "name": p.name,
                "venue": p.venue,
                "level": p.level,
                "district_code": p.district_code,
                "status": p.status,
                "counts": {code: p.counts.get(code, 0) for code in codes},
                "delegates": p.delegates,
            }
            for p in rollup.points
        ],
    }


def canonical_json(document: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes that are hashed and stored."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_of(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


def json_bytes(document: dict[str, Any], generated_at: str) -> bytes:
    """The JSON file: the document plus when it was generated (outside the hashed part)."""
    return json.dumps({**document, "generated_at": generated_at}, ensure_ascii=False, indent=2).encode()
