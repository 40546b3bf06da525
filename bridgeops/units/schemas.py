"""API schemas of the unit tree."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class UnitQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent: str | None = Field(default=None, pattern=r"^\d{1,10}$",
                                  description="GSO code of the parent unit; none for provinces.")
    q: str | None = Field(default=None, max_length=100,
                             description="Search by name, diacritics optional.")


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    level: str
    parent_code: str | None


class UnitList(BaseModel):
    items: list[UnitOut]
    total: int
