"""One schema for the follow-up form and the API; the province's deadlines; the answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bridgeops.registration.schemas import CleanText, normalise_email, normalise_phone

Count = Annotated[int, Field(ge=0, le=10_000_000)]
Text = Annotated[str, CleanText]


#: Where a unit stands with its follow-up: not held past the deadline, not yet due, held after
#: the deadline, held in time.
TrackerState = Literal["overdue", "pending", "held_late", "held"]


class FollowupIn(BaseModel):
    """A unit's follow-up conference: planned, then held, with who came and how far it reached."""

    model_config = ConfigDict(extra="forbid")

    planned_on: date | None = Field(None, description="Planned date (YYYY-MM-DD).")
    held_on: date | None = Field(None, description="Date held; empty while not held yet.")
    format: Literal["in_person", "online"] | None = Field(
        None, description="in_person (trực tiếp) or online (trực tuyến)."
    )
    presenter: Annotated[Text, Field(max_length=200)] = Field("", description="Báo cáo viên.")
    officials: Count = Field(0, description="Cán bộ present.")
    members: Count = Field(0, description="Hội viên present.")
    women: Count = Field(0, description="Phụ nữ (not members) present.")
    branches_total: Count = Field(0, description="Chi/tổ hội under the unit.")
    branches_reached: Count = Field(0, description="Chi/tổ hội the conference reached.")
    chair_name: Annotated[Text, Field(max_length=120)] = ""
    chair_phone: Annotated[Text, Field(max_length=40)] = ""
    chair_email: Annotated[Text, Field(max_length=254)] = ""
    note: Annotated[Text, Field(max_length=2000)] = ""
    version: int | None = Field(
        None, ge=1, description="The version last read; a stale one is refused instead of overwriting."
    )

    @field_validator("chair_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalise_phone(value) if value else ""

    @field_validator("chair_email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value) if value else ""


class DeadlinesIn(BaseModel):
    """The province's deadlines, by level (the plan: 30/5 province, 30/6 districts, communes)."""

    model_config = ConfigDict(extra="forbid")

    province: date | None = None
    district: date | None = None
    commune: date | None = None


class FollowupOut(BaseModel):
    unit_code: str
    unit_name: str
    level: str
    planned_on: date | None
    held_on: date | None
    format: str | None
    presenter: str
    officials: int
    members: int
    women: int
    attendance: int
    branches_total: int
    branches_reached: int
    chair_name: str
    chair_phone: str
    chair_email: str
    note: str
    version: int
    updated_by: str
    updated_at: datetime


class TrackerRowOut(BaseModel):
    unit_code: str
    unit_name: str
    state: TrackerState
    deadline: date | None
    held_on: date | None
    branches_total: int
    branches_reached: int
    attendance: int


class TrackerOut(BaseModel):
    level: str
    deadline: date | None
    units_total: int
    units_held: int
    branches_total: int
    branches_reached: int
    branches_reached_percent: float | None
    rows: list[TrackerRowOut] = Field(description="Overdue units first.")


class TrackerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal["province", "district", "commune"] = "district"


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "csv", "xlsx"] = "json"
