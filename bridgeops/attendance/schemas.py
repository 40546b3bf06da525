"""One schema for the attendance form and the API call; the API's answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Count = Annotated[int, Field(ge=0, le=100_000)]


class AttendanceIn(BaseModel):
    """How many people are present at the point in a session, by category code."""

    model_config = ConfigDict(extra="forbid")

    session_id: int = Field(ge=1, description="The session (kind session) being reported.")
    counts: dict[str, Count] = Field(
        default_factory=dict,
        max_length=50,
        description="Present people by category code; categories left out count as 0.",
    )


class AttendanceOut(BaseModel):
    point_id: int
    session_id: int
    counts: dict[str, int]
    present: int
    confirmed: int = Field(description="The point's confirmed delegates, for comparison.")
    reported_by: str
    reported_at: datetime
    updated_at: datetime


class AttendanceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session: int | None = Field(None, ge=1, description="Session id; default the current one.")
    format: Literal["json", "csv", "xlsx"] = "json"


class AttendanceSnapshotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: int = Field(ge=1)
