"""The consolidated follow-up report to TW (``bridgeops.followup/v1``) and its table.

Built from the trackers of every level; no timestamps inside, so the same reports on the same
day give the same bytes (and sha256). Files and the printed page use the returns exporters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bridgeops.conference.models import Conference
from bridgeops.followup.models import FORMAT_LABELS
from bridgeops.followup.service import STATE_LABELS, Tracker
from bridgeops.returns.document import conference_part
from bridgeops.returns.exporters import Sheet, file_stamp
from bridgeops.returns.sheets import Report
from bridgeops.units.models import TIER_LABELS

SCHEMA = "bridgeops.followup/v1"
TITLE = "BÁO CÁO KẾT QUẢ TỔ CHỨC HỘI NGHỊ NGHIÊN CỨU, HỌC TẬP, QUÁN TRIỆT NGHỊ QUYẾT CÁC CẤP HỘI"
WIDTHS = [5, 9, 28, 9, 14, 12, 12, 11, 22]
GROUPS = ("officials", "members", "women")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def build_document(
    conference: Conference, trackers: list[Tracker], place: str, as_of_day: date
) -> dict[str, Any]:
    levels, units = [], []
    for tracker in trackers:
        held = [r.followup for r in tracker.rows if r.followup and r.followup.held_on]
        levels.append(
            {
                "level": tracker.level,
                "label": TIER_LABELS[tracker.level],
                "deadline": _iso(tracker.deadline),
                "units_total": tracker.units_total,
                "units_held": tracker.units_held,
                "units_held_late": sum(1 for r in tracker.rows if r.state == "held_late"),
                "units_overdue": sum(1 for r in tracker.rows if r.state == "overdue"),
                "branches_total": tracker.branches_total,
                "branches_reached": tracker.branches_reached,
                **{group: sum(getattr(f, group) for f in held) for group in GROUPS},
            }
        )
        for row in sorted(tracker.rows, key=lambda r: r.unit.code):
            f = row.followup
            units.append(
                {
                    "unit_code": row.unit.code,
                    "unit_name": row.unit.name,
                    "level": tracker.level,
                    "parent_code": row.unit.parent_code,
                    "state": row.state,
                    "planned_on": _iso(f.planned_on) if f else None,
                    "held_on": _iso(f.held_on) if f else None,
                    "format": f.format if f else None,
                    "presenter": f.presenter if f else "",
                    **{group: getattr(f, group) if f else 0 for group in GROUPS},
                    "branches_total": f.branches_total if f else 0,
                    "branches_reached": f.branches_reached if f else 0,
                }
            )
    return {
        "schema": SCHEMA,
        "conference": conference_part(conference, place),
        "as_of_day": as_of_day.isoformat(),
        "levels": levels,
        "units": units,
    }


HEADERS = [
    "STT",
    "Mã đơn vị",
    "Đơn vị",
    "Cấp",
    "Tình trạng",
    "Ngày dự kiến",
    "Ngày tổ chức",
    "Hình thức",
    "Báo cáo viên",
    "Cán bộ",
    "Hội viên",
    "Phụ nữ",
    "Tổng người dự",
    "Số chi/tổ hội",
    "Chi/tổ hội được quán triệt",
]


def _day(value: str | None) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value)
    return f"{day.day}/{day.month}/{day.year}"


def rows(document: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """Each level's units, then the level's subtotal ("x/N đã tổ chức")."""
    by_level: dict[str, list[dict[str, Any]]] = {}
    for unit in document["units"]:
        by_level.setdefault(unit["level"], []).append(unit)
    table: list[tuple[str, list[Any]]] = []
    number = 0
    for level in document["levels"]:
        for unit in by_level.get(level["level"], []):
            number += 1
            attended = sum(unit[g] for g in GROUPS)
            table.append(
                (
                    "point",
                    [
                        str(number),
                        unit["unit_code"],
                        unit["unit_name"],
                        level["label"],
                        STATE_LABELS[unit["state"]],
                        _day(unit["planned_on"]),
                        _day(unit["held_on"]),
                        FORMAT_LABELS.get(unit["format"] or "", ""),
                        unit["presenter"],
                        *(unit[g] for g in GROUPS),
                        attended,
                        unit["branches_total"],
                        unit["branches_reached"],
                    ],
                )
            )
        deadline = f", hạn {_day(level['deadline'])}" if level["deadline"] else ""
        table.append(
            (
                "subtotal",
                [
                    "",
                    "",
                    f"Cộng {level['label'].lower()}",
                    "",
                    f"{level['units_held']}/{level['units_total']} đã tổ chức{deadline}",
                    "",
                    "",
                    "",
                    "",
                    *(level[g] for g in GROUPS),
                    sum(level[g] for g in GROUPS),
                    level["branches_total"],
                    level["branches_reached"],
                ],
            )
        )
    return table


def sheet(document: dict[str, Any]) -> Sheet:
    return Sheet.of_document(
        document,
        title=TITLE,
        subtitle=document["conference"]["title"],
        headers=HEADERS,
        rows=rows(document),
        widths=WIDTHS,
    )


def export_filename(document: dict[str, Any], fmt: str, as_of: datetime) -> str:
    return f"hoi-nghi-trien-khai-{document['conference']['slug']}-{file_stamp(document, as_of)}.{fmt}"


REPORT = Report("followup", sheet, export_filename)
