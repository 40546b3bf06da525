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
