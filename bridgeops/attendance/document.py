"""The attendance return of one session (``bridgeops.attendance/v1``) and its table.

Pure: built from the summary, no timestamps inside, so the same reports always give the same
bytes (and sha256). The CSV, XLSX and printed page are all built from this document with the
returns package's exporters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bridgeops.attendance.service import AttendanceSummary, GroupAttendance
from bridgeops.returns.document import conference_part
from bridgeops.returns.exporters import Sheet, file_stamp
from bridgeops.returns.sheets import Report
from bridgeops.units.models import LEVEL_LABELS

SCHEMA = "bridgeops.attendance/v1"
TITLE = "BÁO CÁO SỐ ĐẠI BIỂU THỰC TẾ DỰ HỘI NGHỊ TẠI CÁC ĐIỂM CẦU"
WIDTHS = [5, 9, 28, 7, 12]


def _tally(counts: dict[str, int], codes: list[str]) -> dict[str, Any]:
    values = {code: counts.get(code, 0) for code in codes}
    return {"delegates": sum(values.values()), "counts": values}


def _group(group: GroupAttendance, codes: list[str]) -> dict[str, Any]:
    return {
        "code": group.code,
        "name": group.name,
        "points": group.points,
        "reported_points": group.reported_points,
        "confirmed": _tally(group.confirmed, codes),
        "present": _tally(group.present, codes),
    }


def build_document(summary: AttendanceSummary, place: str = "") -> dict[str, Any]:
    conference, session = summary.conference, summary.session
    codes = [c.code for c in summary.categories]
    return {
        "schema": SCHEMA,
        "conference": conference_part(conference, place),
        "session": {
            "id": session.id,
            "title": session.title,
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
        },
        "categories": [
            {"code": c.code, "label": c.label, "levels": list(c.levels)} for c in summary.categories
        ],
        "totals": _group(summary.totals, codes),
        "districts": [_group(d, codes) for d in summary.districts],
        "points": [
            {
                "id": p.id,
                "unit_code": p.unit_code,
                "unit_name": p.unit_name,
                "venue": p.venue,
                "level": p.level,
                "district_code": p.district_code,
                "reported": p.reported,
                "confirmed": _tally(p.confirmed, codes),
                "present": _tally(p.present, codes) if p.present is not None else None,
            }
            for p in summary.points
        ],
        "not_reported": [p.unit_code for p in summary.not_reported],
    }


def headers(document: dict[str, Any]) -> list[str]:
    per_category = []
    for category in document["categories"]:
        per_category += [f"{category['label']} (xác nhận)", f"{category['label']} (có mặt)"]
    return [
        "STT",
        "Mã đơn vị",
        "Đơn vị",
        "Cấp",
        "Đã báo cáo",
        *per_category,
        "Tổng xác nhận",
        "Tổng có mặt",
        "Tỷ lệ có mặt (%)",
    ]


def _rate(present: int, confirmed: int) -> float | str:
    return round(100 * present / confirmed, 1) if confirmed else ""


def _figures(confirmed: dict[str, Any], present: dict[str, Any] | None, codes: list[str]) -> list[Any]:
    values: list[Any] = []
    for code in codes:
        values += [confirmed["counts"][code], present["counts"][code] if present else ""]
    present_total = present["delegates"] if present else ""
    return [
        *values,
        confirmed["delegates"],
        present_total,
        _rate(present["delegates"], confirmed["delegates"]) if present else "",
    ]


def rows(document: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """Each district's points, its subtotal, then the total: (kind, values) rows."""
    codes = [c["code"] for c in document["categories"]]
    by_district: dict[str, list[dict[str, Any]]] = {}
    for point in document["points"]:
        by_district.setdefault(point["district_code"], []).append(point)
    table: list[tuple[str, list[Any]]] = []
    number = 0
    for district in document["districts"]:
        for point in by_district.get(district["code"], []):
            number += 1
            table.append(
                (
                    "point",
                    [
                        str(number),
                        point["unit_code"],
                        point["unit_name"],
                        LEVEL_LABELS.get(point["level"], ""),
                        "Đã báo cáo" if point["reported"] else "Chưa báo cáo",
                        *_figures(point["confirmed"], point["present"], codes),
                    ],
                )
            )
        table.append(
            (
                "subtotal",
                [
                    "",
                    district["code"],
                    f"Cộng {district['name']}",
                    "",
                    f"{district['reported_points']}/{district['points']} điểm",
                    *_figures(district["confirmed"], district["present"], codes),
                ],
            )
        )
    totals = document["totals"]
    table.append(
        (
            "total",
            [
                "",
                "",
                "TỔNG CỘNG",
                "",
                f"{totals['reported_points']}/{totals['points']} điểm",
                *_figures(totals["confirmed"], totals["present"], codes),
            ],
        )
    )
    return table


def sheet(document: dict[str, Any]) -> Sheet:
    return Sheet.of_document(
        document,
        title=TITLE,
        subtitle=f"{document['conference']['title']} — {document['session']['title']}",
        headers=headers(document),
        rows=rows(document),
        widths=WIDTHS,
    )


def export_filename(document: dict[str, Any], fmt: str, as_of: datetime) -> str:
    slug, session_id = document["conference"]["slug"], document["session"]["id"]
    return f"so-nguoi-du-{slug}-phien-{session_id}-{file_stamp(document, as_of)}.{fmt}"


REPORT = Report("attendance", sheet, export_filename)
