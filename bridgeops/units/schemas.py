"""API schemas of the unit tree."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field


class UnitQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent: Optional[str] = Field(default=None, pattern=r"^\d{1,10}$",
                                  description="GSO code of the parent unit; none for provinces.")
    q: Optional[str] = Field(default=None, max_length=100,
                             description="Search by name, diacritics optional.")


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    level: str
    parent_code: Optional[str]


class UnitList(BaseModel):
    items: list[UnitOut]
    total: int
