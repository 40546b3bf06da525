"""API schemas of the unit tree."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class UnitQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    map: Literal["2023", "2025"] = Field(
        default="2023",
        description="2023: the GSO map (63 provinces, three levels); 2025: the "
        "map since 1 July 2025 (34 provinces, two levels).",
    )
    parent: str | None = Field(
        default=None,
        pattern=r"^\d{1,10}$",
        description="The parent unit: its code, or its GSO code on that map; none for provinces.",
    )
    q: str | None = Field(default=None, max_length=100, description="Search by name, diacritics optional.")


class UnitOut(BaseModel):
    code: str = Field(
        description="The unit's key: what points, links and conferences hold "
        "(the GSO code on the 2023 map, the map then the GSO code on "
        "another: 202500097)."
    )
    gso_code: str = Field(description="The GSO code within its map.")
    map: str
    name: str
    kind: str
    level: str
    parent_code: str | None


class UnitList(BaseModel):
    items: list[UnitOut]
    total: int
