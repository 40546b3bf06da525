"""The return's table, row by row: the one layout the CSV, the XLSX and the printed page share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridgeops.registration.models import STATUS_LABELS, PointStatus
from bridgeops.units.models import LEVEL_LABELS, gso_code_of

FIXED_HEADERS = ["STT", "Mã đơn vị", "Đơn vị", "Cấp", "Địa điểm", "Trạng thái", "Số điểm cầu"]
TOTAL_HEADER = "Tổng số đại biểu"


@dataclass(frozen=True)
class TableRow:
    """kind: point | subtotal | total (grand totals: confirmed, draft, all)."""

    kind: str
    number: str
    unit_code: str
    unit: str
    level: str
    venue: str
    status: str
    points: int
    counts: tuple[int, ...]
    delegates: int

    def values(self) -> list[Any]:
        return [
            self.number,
            self.unit_code,
            self.unit,
            self.level,
            self.venue,
            self.status,
            self.points,
            *self.counts,
            self.delegates,
        ]


def headers(document: dict[str, Any]) -> list[str]:
    return [*FIXED_HEADERS, *(c["label"] for c in document["categories"]), TOTAL_HEADER]


def _codes(document: dict[str, Any]) -> list[str]:
    return [c["code"] for c in document["categories"]]


def _summary_row(
    kind: str, label: str, status: str, tally: dict[str, Any], codes: list[str], unit_code: str = ""
) -> TableRow:
    return TableRow(
        kind,
        "",
        gso_code_of(unit_code),
        label,
        "",
        "",
        status,
        tally["points"],
        tuple(tally["counts"][c] for c in codes),
        tally["delegates"],
    )


def rows(document: dict[str, Any]) -> list[TableRow]:
    """Each district's points, then its subtotal; then the confirmed, draft and grand totals."""
    codes = _codes(document)
    by_district: dict[str, list[dict[str, Any]]] = {}
    for point in document["points"]:
        by_district.setdefault(point["district_code"], []).append(point)
    table: list[TableRow] = []
    number = 0
    for district in document["districts"]:
        for point in by_district.get(district["code"], []):
            number += 1
            table.append(
                TableRow(
                    "point",
                    str(number),
                    gso_code_of(point["unit_code"]),
                    point["unit_name"],
                    LEVEL_LABELS.get(point["level"], point["level"]),
                    point["venue"],
                    STATUS_LABELS.get(point["status"], point["status"]),
                    1,
                    tuple(point["counts"][c] for c in codes),
                    point["delegates"],
                )
            )
        progress = (
            f"Đã đăng ký {district['units_registered']}/{district['units_total']}, "
            f"xác nhận {district['units_confirmed']}/{district['units_total']}"
        )
        table.append(
            _summary_row(
                "subtotal",
                f"Cộng {district['name']}",
                progress,
                district["registered"],
                codes,
                district["code"],
            )
        )
    totals = document["totals"]
    table.append(
        _summary_row(
            "total", "Tổng cộng đã xác nhận", STATUS_LABELS[PointStatus.CONFIRMED], totals["confirmed"], codes
        )
    )
    table.append(
        _summary_row(
            "total", "Tổng cộng chưa xác nhận", STATUS_LABELS[PointStatus.DRAFT], totals["draft"], codes
        )
    )
    table.append(_summary_row("total", "TỔNG CỘNG", "", totals["registered"], codes))
    return table
