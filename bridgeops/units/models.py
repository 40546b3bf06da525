"""Administrative units, one row per GSO code."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridgeops.extensions import db

#: Levels of the unit tree. A two-level country (since 2025) has no district level.
LEVELS = ("province", "district", "commune")

#: Kinds as the GSO names them, by level.
KINDS = {
    "province": ("tỉnh", "thành phố trung ương"),
    "district": ("thành phố", "quận", "huyện", "thị xã"),
    "commune": ("xã", "phường", "thị trấn", "đặc khu"),
}

LEVEL_LABELS = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}


class AdminUnit(db.Model):
    __tablename__ = "admin_unit"

    #: GSO code as text ("36", "356", "13633").
    code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    #: Official name with its kind: "Huyện Mỹ Lộc".
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Lower-case name without diacritics, for search.
    name_folded: Mapped[str] = mapped_column(sa.String(120), index=True)
    #: "tỉnh", "huyện", "xã", ... (see KINDS).
    kind: Mapped[str] = mapped_column(sa.String(30))
    #: province | district | commune.
    level: Mapped[str] = mapped_column(sa.String(10), index=True)
    #: The unit above; None for a province.
    parent_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("admin_unit.code"), index=True
    )
    #: The province at the root of this unit's branch (itself for a province).
    province_code: Mapped[str] = mapped_column(sa.String(10), index=True)

    def __repr__(self) -> str:
        return f"<AdminUnit {self.code} {self.name}>"
