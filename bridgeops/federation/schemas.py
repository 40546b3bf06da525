"""API schemas of federation: a province's receipt, and TW's national roll-up."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ProvinceOut(BaseModel):
    code: str
    name: str
    contact_name: str
    contact_phone: str = Field(description="E.164, empty when unknown.")


class ReceiptOut(BaseModel):
    id: int
    kind: str = Field(description="headcount, attendance or followup: from the document's schema.")
    province: ProvinceOut
    sha256: str
    frozen_at: datetime
    received_at: datetime
    already_received: bool = Field(
        description="True when this exact content was already the province's current return."
    )
    superseded: int | None = Field(description="The submission this one replaced.")


class NationalTallyOut(BaseModel):
    points: int
    delegates: int
    counts: dict[str, int] = Field(description="Delegates by category code.")


class PeopleOut(BaseModel):
    delegates: int
    counts: dict[str, int] = Field(description="People by category code.")


class SessionOut(BaseModel):
    id: int = Field(description="The session's id at the province.")
    title: str
    starts_at: str = Field(description="ISO 8601, as the province sent it.")


class AttendanceOut(BaseModel):
    """One session of a province's current attendance report (bridgeops.attendance/v1)."""

    session: SessionOut
    points: int = Field(description="Points expected in the session.")
    reported_points: int = Field(description="Points that reported who was present.")
    confirmed: PeopleOut = Field(description="Delegates confirmed for those points, by category.")
    present: PeopleOut = Field(description="People present, by category, as the points reported.")


class SessionTotalOut(BaseModel):
    """Every province's report of sessions with the same title and start, summed."""

    title: str
    starts_at: str
    provinces: int
    points: int
    reported_points: int
    confirmed: PeopleOut
    present: PeopleOut


class FollowupOut(BaseModel):
    """Follow-up conferences (bridgeops.followup/v1), every level's units together."""

    as_of_day: str | None = Field(description="The day of the province's report; null in the national sum.")
    provinces: int = Field(description="Provinces whose report is counted.")
    units_total: int
    units_held: int
    units_open: int = Field(description="Units whose follow-up conference is not held yet.")
    units_overdue: int = Field(description="Open units past their level's deadline.")


class ProvinceLineOut(BaseModel):
    province: ProvinceOut
    submitted: bool
    submissions: int
    current: int | None = Field(description="Id of the current submission.")
    sha256: str | None
    frozen_at: datetime | None
    received_at: datetime | None
    confirmed: NationalTallyOut | None
    registered: NationalTallyOut | None
    attendance: list[AttendanceOut] = Field(
        description="The province's current attendance report of each session, by start."
    )
    followup: FollowupOut | None = Field(description="The province's current follow-up report, if any.")


class CategoryOut(BaseModel):
    code: str
    label: str


class NationalRollupOut(BaseModel):
    conference: str
    categories: list[CategoryOut]
    confirmed: NationalTallyOut
    registered: NationalTallyOut
    provinces: list[ProvinceLineOut]
    submitted: int
    missing: list[str] = Field(description="Codes of provinces that have not submitted.")
    attendance: list[SessionTotalOut] = Field(description="Sessions summed over the provinces, by start.")
    followup: FollowupOut = Field(description="Follow-up conferences summed over the provinces.")
