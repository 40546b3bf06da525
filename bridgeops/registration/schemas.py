"""The one input schema of a bridge point (shared by the HTML form and the API) and its JSON.

Rules that need the conference (which categories a level has) run when the schema is
validated with a context: ``validate_point(data, categories=..., level=...)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from bridgeops.core.errors import ValidationFailed
from bridgeops.core.targets import TargetSyntaxError, parse_target
from bridgeops.core.text import clean
from bridgeops.core.validation import error_map, normalise_email, normalise_phone
from bridgeops.registration.models import PointStatus
from bridgeops.units.models import LEVEL_LABELS

#: Large enough for any real room or delegation, small enough to catch a slip of the keyboard.
MAX_COUNT = 100_000
MAX_TECHNICIANS = 10


def _not_bool(value: Any) -> Any:
    # JSON true would otherwise become 1 delegate.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Phải là số nguyên.")
    return value


def _clean_text(value: Any) -> Any:
    return clean(value) if isinstance(value, str) else value


def _required_text(value: Any) -> Any:
    value = _clean_text(value)
    if value == "":
        raise PydanticCustomError("required", "Không được để trống.")
    return value


Count = Annotated[int, BeforeValidator(_not_bool), Field(ge=0, le=MAX_COUNT)]
CategoryCode = Annotated[str, Field(min_length=1, max_length=40)]
CleanText = BeforeValidator(_clean_text)
RequiredText = BeforeValidator(_required_text)


def check_probe_target(target: str) -> str:
    """http(s)://host…, tcp://host:port or sip://host[:port] (health.targets says what parses)."""
    try:
        parse_target(target)
    except TargetSyntaxError as exc:
        raise PydanticCustomError("probe_invalid", str(exc)) from None
    return target


class TechnicianIn(BaseModel):
    """A technician of the point: who receives the invites and answers the phone."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, RequiredText, Field(max_length=120)]
    phone: Annotated[str, CleanText, Field(max_length=40)] = ""
    email: Annotated[str, CleanText, Field(max_length=254)] = ""

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalise_phone(value) if value else ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value) if value else ""

    @model_validator(mode="after")
    def _reachable(self) -> TechnicianIn:
        if not self.phone and not self.email:
            raise PydanticCustomError("contact_missing", "Cần số điện thoại hoặc email của kỹ thuật viên.")
        return self


class ProbeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Annotated[str, CleanText, Field(max_length=300)] | None = None

    @field_validator("target")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        return check_probe_target(value) if value else None


def _unit_code(value: Any) -> Any:
    # Accept the unit as written in the point JSON ({"code": ...}) as well as the bare code.
    if isinstance(value, dict) and "code" in value:
        return value["code"]
    return value


class PointIn(BaseModel):
    """A bridge point as entered by a chair or an officer, or sent to the API.

    On create ``unit`` is required; on PATCH only the fields sent change and ``unit`` may not.
    """

    model_config = ConfigDict(extra="forbid")

    unit: Annotated[str, BeforeValidator(_unit_code), Field(pattern=r"^\d{1,10}$")] | None = Field(
        default=None, description="GSO code of the unit the point serves."
    )
    name: Annotated[str, RequiredText, Field(max_length=200)] | None = Field(
        default=None, description="Default: 'Điểm cầu <unit>'."
    )
    venue: Annotated[str, CleanText, Field(max_length=300)] = ""
    capacity: Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=MAX_COUNT)] | None = Field(
        default=None, description="Seats in the room."
    )
    technicians: list[TechnicianIn] = Field(default_factory=list, max_length=MAX_TECHNICIANS)
    probe: ProbeIn = Field(default_factory=ProbeIn)
    counts: dict[CategoryCode, Count] = Field(
        default_factory=dict, description="Delegates by category code of the point's level."
    )
    upstream: Annotated[int, BeforeValidator(_not_bool), Field(ge=1)] | None = Field(
        default=None, description="Id of the point this one relays; default the parent unit's point."
    )

    @field_validator("probe", mode="before")
    @classmethod
    def _probe_null(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("counts")
    @classmethod
    def _fits_conference(cls, counts: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        _check_counts(counts, info.data.get("capacity"), info.context or {})
        return counts


def _check_counts(counts: dict[str, int], capacity: int | None, context: dict[str, Any]) -> None:
    """Categories of the point's level only (when the context names them); the total within the
    room's capacity."""
    if "categories" in context:
        level = context.get("level", "")
        level_label = LEVEL_LABELS[level].lower() if level in LEVEL_LABELS else level
        for code in counts:
            if code not in context["categories"]:
                raise PydanticCustomError(
                    "category_level",
                    "Thành phần '{code}' không áp dụng cho điểm cầu cấp {level}.",
                    {"code": code, "level": level_label},
                )
    total = sum(counts.values())
    if capacity is not None and total > capacity:
        raise PydanticCustomError(
            "over_capacity",
            "Tổng số đại biểu ({total}) vượt quá sức chứa phòng họp ({capacity} chỗ). "
            "Vui lòng giảm số đại biểu hoặc sửa sức chứa.",
            {"total": total, "capacity": capacity},
        )


def validate_point(data: dict[str, Any], *, categories: dict[str, str], level: str) -> PointIn:
    """Validate a whole point against its conference: ``categories`` maps code → label of
    the categories of ``level``."""
    try:
        return PointIn.model_validate(data, context={"categories": categories, "level": level})
    except PydanticValidationError as exc:
        raise ValidationFailed(error_map(exc)) from None


def check_point_fits(data: PointIn, *, categories: dict[str, str], level: str) -> PointIn:
    """``validate_point`` for a PointIn already validated without its conference: only the
    rule that needs the conference runs again (phones and emails are not parsed twice)."""
    try:
        _check_counts(data.counts, data.capacity, {"categories": categories, "level": level})
    except PydanticCustomError as exc:
        raise ValidationFailed({"counts": exc.message()}) from None
    return data


class PointQuery(BaseModel):
    """Filters and pagination of the point list."""

    model_config = ConfigDict(extra="forbid")

    unit: str | None = Field(
        default=None,
        pattern=r"^\d{1,10}$",
        description="A unit code: its point and the points directly under it.",
    )
    level: Literal["province", "district", "commune"] | None = None
    status: PointStatus | None = None
    q: str | None = Field(default=None, max_length=100, description="Search by unit name.")
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)


# --- Output: the contract's "point in JSON" -----------------------------------------------


class UnitRef(BaseModel):
    code: str
    name: str
    level: str


class TechnicianOut(BaseModel):
    name: str
    phone: str
    email: str


class ProbeOut(BaseModel):
    target: str | None


class PointOut(BaseModel):
    id: int
    conference: str
    unit: UnitRef
    level: Literal["province", "district", "commune"]
    name: str
    venue: str
    capacity: int | None
    status: PointStatus
    technicians: list[TechnicianOut]
    probe: ProbeOut
    counts: dict[str, int]
    total_delegates: int
    version: int
    created_at: datetime
    updated_at: datetime


class PointCreated(PointOut):
    #: Shown once: the technician's link (its last path part is her token).
    technician_url: str


class PointList(BaseModel):
    items: list[PointOut]
    total: int


class LinkOut(BaseModel):
    url: str


def point_out(point: Any, model: type[PointOut] = PointOut, **extra: Any) -> PointOut:
    """The contract's JSON of a BridgePoint (as ``model``, a PointOut with ``extra`` fields)."""
    return model(
        id=point.id,
        conference=point.conference.slug,
        unit=UnitRef(code=point.unit.code, name=point.unit.name, level=point.unit.level),
        level=point.level,
        name=point.name,
        venue=point.venue,
        capacity=point.capacity,
        status=point.status,
        technicians=[TechnicianOut(name=c.name, phone=c.phone, email=c.email) for c in point.technicians],
        probe=ProbeOut(target=point.probe_target),
        counts=point.counts_by_code,
        total_delegates=point.total_delegates,
        version=point.version,
        created_at=point.created_at,
        updated_at=point.updated_at,
        **extra,
    )
