"""The point form: plain HTML fields ↔ the PointIn schema the API validates with too.

The form works without JavaScript: technician rows are added by a submit button that
re-renders the form, and every error comes back keyed by the form's own field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from bridgeops.registration.models import BridgePoint
from bridgeops.registration.schemas import MAX_TECHNICIANS

MIN_TECHNICIAN_ROWS = 2


@dataclass
class PointFormValues:
    """What the form shows: exactly what was typed, or the point's current values."""

    unit: str = ""
    name: str = ""
    venue: str = ""
    capacity: str = ""
    probe_target: str = ""
    counts: dict[str, str] = field(default_factory=dict)
    technicians: list[dict[str, str]] = field(default_factory=list)
    version: str = ""

    def pad_rows(self, extra: int = 0) -> PointFormValues:
        """At least two technician rows (plus ``extra`` empty ones), at most the maximum."""
        rows = max(MIN_TECHNICIAN_ROWS, len(self.technicians) + extra)
        while len(self.technicians) < min(rows, MAX_TECHNICIANS):
            self.technicians.append({"name": "", "phone": "", "email": ""})
        return self


def values_from_point(point: BridgePoint) -> PointFormValues:
    return PointFormValues(
        unit=point.unit_code,
        name=point.name,
        venue=point.venue,
        capacity="" if point.capacity is None else str(point.capacity),
        probe_target=point.probe_target or "",
        counts={code: str(count) for code, count in point.counts_by_code.items()},
        technicians=[{"name": c.name, "phone": c.phone, "email": c.email} for c in point.technicians],
        version=str(point.version),
    ).pad_rows()


def values_from_form(form: MultiDict, category_codes: list[str]) -> PointFormValues:
    rows = min(_int(form.get("technician_rows"), MIN_TECHNICIAN_ROWS), MAX_TECHNICIANS)
    return PointFormValues(
        unit=form.get("unit", ""),
        name=form.get("name", ""),
        venue=form.get("venue", ""),
        capacity=form.get("capacity", ""),
        probe_target=form.get("probe_target", ""),
        counts={code: form.get(f"count_{code}", "") for code in category_codes},
        technicians=[
            {key: form.get(f"technician_{index}_{key}", "") for key in ("name", "phone", "email")}
            for index in range(rows)
        ],
        version=form.get("version", ""),
    )


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass
class PointFormData:
    """A PointIn-shaped dict, and how its technician positions map back to form rows."""

    data: dict[str, Any]
    technician_rows: list[int]

    def form_errors(self, errors: dict[str, str]) -> dict[str, str]:
        """Schema error keys renamed to form field keys ("technicians.0.phone" → row 1's)."""
        renamed = {}
        for key, message in errors.items():
            parts = key.split(".")
            if parts[0] == "technicians" and len(parts) > 1 and parts[1].isdigit():
                position = int(parts[1])
                if position < len(self.technician_rows):
                    parts[1] = str(self.technician_rows[position])
                key = ".".join(parts)
            renamed[key] = message
        return renamed


def form_data(values: PointFormValues, *, with_unit: bool) -> PointFormData:
    """The typed values as input for the schema; blank optional fields are left out."""
    data: dict[str, Any] = {
        "venue": values.venue,
        "capacity": values.capacity.strip() or None,
        "probe": {"target": values.probe_target.strip() or None},
        "counts": {code: value.strip() for code, value in values.counts.items() if value.strip()},
    }
    if values.name.strip():
        data["name"] = values.name
    if with_unit:
        data["unit"] = values.unit or None
    technicians, rows = [], []
    for index, row in enumerate(values.technicians):
        if any(value.strip() for value in row.values()):
            technicians.append(row)
            rows.append(index)
    data["technicians"] = technicians
    return PointFormData(data, rows)
