"""Schemas of the health API and the rehearsal sign-off (shared by the form and the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from bridgeops.health.models import HealthState

State = HealthState


def _check_value(value: Any) -> Any:
    # Pydantic's own message would list the raw values ('ok' or 'problem') to the technician.
    if value not in ("ok", "problem"):
        raise PydanticCustomError("check_invalid", "Hãy chọn “Đạt” hoặc “Có vấn đề”.")
    return value


Check = Annotated[Literal["ok", "problem"], BeforeValidator(_check_value)]


class StatusQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, description="Trang, từ 1")
    per_page: int = Field(100, ge=1, le=1000, description="Số điểm mỗi trang")
    state: State | None = Field(None, description="Chỉ các điểm ở trạng thái này")


class UnitRef(BaseModel):
    code: str
    name: str
    level: str


class PointStatus(BaseModel):
    id: int
    unit: UnitRef
    name: str
    level: str
    state: State
    since: datetime | None
    last_seen_at: datetime | None
    last_check_at: datetime | None
    reason: str


class StatusSummary(BaseModel):
    up: int
    down: int
    pending: int
    unknown: int
    unreachable: int
    total: int


class WindowOut(BaseModel):
    session_id: int
    title: str
    kind: str
    active: bool
    opens_at: datetime
    closes_at: datetime


class StatusOut(BaseModel):
    summary: StatusSummary
    points: list[PointStatus]
    total: int = Field(description="Số điểm khớp bộ lọc (mọi trang)")
    page: int
    per_page: int
    window: WindowOut | None = Field(description="Khung giờ theo dõi đang chạy, hoặc kế tiếp")
    monitoring_stopped_since: datetime | None = Field(
        default=None,
        description="Trong khung giờ theo dõi mà giám sát đã dừng (bộ lập lịch "
        "không chạy): từ lúc nào; mọi trạng thái khi đó là unknown",
    )


class RehearsalSignoffIn(BaseModel):
    """Audio, video and presentation each "ok" or "problem"; a note is required for a problem."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    audio: Check
    video: Check
    presentation: Check
    note: str = Field("", max_length=2000, validate_default=True)

    @field_validator("note")
    @classmethod
    def _note_for_problems(cls, note: str, info: ValidationInfo) -> str:
        if "problem" in info.data.values() and not note:
            raise PydanticCustomError("note_required", "Ghi rõ vấn đề gặp phải khi có mục chưa đạt.")
        return note


class RehearsalSignoffOut(BaseModel):
    point_id: int
    audio: Check
    video: Check
    presentation: Check
    note: str
    passed: bool
    signed_by: str
    signed_at: datetime


class ChangeOut(BaseModel):
    at: datetime
    from_state: State
    to_state: State
    reason: str


class IncidentOut(BaseModel):
    kind: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    reason: str
    cause_point_id: int | None


class AvailabilityOut(BaseModel):
    session_id: int
    title: str
    checks: int
    up_checks: int
    share_up: float | None = Field(description="Tỷ lệ lần kiểm tra đạt, 0–1")


class PointHealthOut(BaseModel):
    point_id: int
    state: State
    since: datetime | None
    last_seen_at: datetime | None
    last_check_at: datetime | None
    reason: str
    changes: list[ChangeOut]
    incidents: list[IncidentOut]
    availability: list[AvailabilityOut]
