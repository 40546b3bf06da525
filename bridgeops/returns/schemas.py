"""API schemas of the return (bridgeops.return/v1), its snapshots and submissions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bridgeops.registration.models import PointStatus


class TallyOut(BaseModel):
    points: int
    delegates: int
    counts: dict[str, int] = Field(description="Delegates by category code.")


class FiguresOut(BaseModel):
    confirmed: TallyOut
    draft: TallyOut
    registered: TallyOut = Field(description="Confirmed and draft together.")
    withdrawn_points: int


class ReturnConferenceOut(BaseModel):
    slug: str
    title: str
    organizer: str
    host_name: str
    host_unit_code: str | None
    timezone: str
    place: str


class ReturnCategoryOut(BaseModel):
    code: str
    label: str
    levels: list[str]


class LevelOut(FiguresOut):
    level: str
    label: str


class DistrictOut(FiguresOut):
    code: str
    name: str
    level: str
    units_total: int
    units_registered: int
    units_confirmed: int
    own_status: PointStatus | None


class ReturnPointOut(BaseModel):
    id: int
    unit_code: str
    unit_name: str
    name: str
    venue: str
    level: str
    district_code: str
    status: Literal[PointStatus.DRAFT, PointStatus.CONFIRMED]
    counts: dict[str, int]
    delegates: int


class ReturnOut(BaseModel):
    """The return, schema ``bridgeops.return/v1``."""

    schema_: Literal["bridgeops.return/v1"] = Field(alias="schema")
    conference: ReturnConferenceOut
    categories: list[ReturnCategoryOut]
    totals: FiguresOut
    levels: list[LevelOut]
    districts: list[DistrictOut]
    points: list[ReturnPointOut]
    generated_at: datetime | None = None


class ReturnQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "csv", "xlsx"] = "json"


class SnapshotOut(BaseModel):
    id: int
    sha256: str
    created_at: datetime
    created_by: str
    accepted_at: datetime | None
    totals: FiguresOut | None = Field(
        default=None, description="The headcount return's totals; None for other reports."
    )


class AttemptOut(BaseModel):
    number: int
    url: str
    status_code: int | None
    response_excerpt: str
    error: str
    duration_ms: int
    started_at: datetime


class RetryOut(BaseModel):
    """The scheduler's retries of a submission TW has not accepted."""

    state: Literal["waiting", "refused", "gave_up", "superseded"] = Field(
        description="waiting: next_at is the next try; refused: TW answered 4xx, an officer "
        "must act; gave_up: a day of tries passed; superseded: a newer snapshot "
        "was submitted."
    )
    next_at: datetime | None
    runs: int = Field(description="Submission runs so far (the officer's and the scheduler's).")


class SnapshotDetailOut(SnapshotOut):
    document: ReturnOut
    attempts: list[AttemptOut]
    retry: RetryOut | None = Field(default=None, description="None once accepted, or never sent.")


class SnapshotListOut(BaseModel):
    items: list[SnapshotOut]
    total: int


class DiffQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    against: int = Field(ge=1, description="The older snapshot's id.")


class DeltaOut(BaseModel):
    before: int
    after: int
    change: int


class PointChangeOut(BaseModel):
    unit_code: str
    unit_name: str
    kind: Literal["added", "removed", "changed"]
    status_before: str | None
    status_after: str | None
    counts: dict[str, DeltaOut]
    delegates: DeltaOut


class DiffOut(BaseModel):
    older: int
    newer: int
    identical: bool
    confirmed: dict[str, DeltaOut] = Field(description="points, delegates and each category.")
    registered: dict[str, DeltaOut]
    points: list[PointChangeOut]


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force: bool = Field(default=False, description="Send again even if TW accepted this content.")


class SubmissionOut(BaseModel):
    snapshot: SnapshotOut
    accepted: bool
    already_accepted: bool
    attempts: list[AttemptOut]
