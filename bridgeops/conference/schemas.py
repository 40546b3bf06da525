"""API schemas of conferences and sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class SessionOut(BaseModel):
    id: int
    kind: Literal["rehearsal", "session"]
    title: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    cancelled: bool


class CategoryOut(BaseModel):
    code: str
    label: str
    levels: list[str]


class ConferenceOut(BaseModel):
    slug: str
    title: str
    organizer: str
    host_name: str
    host_unit_code: str | None
    map: str = Field(description="The administrative map of its units: 2023 or 2025.")
    timezone: str
    registration_closes_at: datetime | None
    sessions: list[SessionOut]
    categories: list[CategoryOut]


class SessionPatch(BaseModel):
    """Change a session's times or title; invites are updated for that session only."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    #: true cancels the session (technicians get METHOD:CANCEL), false restores it.
    cancelled: bool | None = None
