"""Administrative units of two maps side by side: the 2023 GSO map and the 2025 two-level map.

A unit is identified within its map (``map`` + ``gso_code``): codes overlap between maps, since a
2025 commune often keeps an old code. Every other table stores the unit's key, ``code``: on the 2023
map the GSO code itself (so data recorded before 2025 stays as it was), on another map the map's
year followed by the GSO code ("2025" + "00097" = "202500097"). Keys stay digits and fit ten
characters, so no column or validation elsewhere changes, and the two maps never collide (2023 codes
have at most five digits).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridgeops.extensions import Model

#: Levels of the unit tree. A two-level country (since 2025) has no district level.
LEVELS = ("province", "district", "commune")

#: Kinds as the GSO names them, by level.
KINDS = {
    "province": ("tỉnh", "thành phố trung ương"),
    "district": ("thành phố", "quận", "huyện", "thị xã"),
    "commune": ("xã", "phường", "thị trấn", "đặc khu"),
}

#: How people name each level ("Tỉnh", "Huyện", "Xã"): the one table of level names.
LEVEL_LABELS = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}
#: A level as a tier of a board or report: "Cấp tỉnh", "Cấp huyện", "Cấp xã".
TIER_LABELS = {level: f"Cấp {label.lower()}" for level, label in LEVEL_LABELS.items()}

#: The maps BridgeOps knows: the GSO map of 2023 (63 provinces, three levels) and the map in force
#: since 1 July 2025 (34 provinces, two levels).
MAPS = ("2023", "2025")
DEFAULT_MAP = "2023"
MAP_LABELS = {
    "2023": "Bản đồ hành chính 2023 (63 tỉnh, 3 cấp)",
    "2025": "Bản đồ hành chính từ 1/7/2025 (34 tỉnh, 2 cấp)",
}


def unit_key(unit_map: str, gso_code: str) -> str:
    """The key a unit is stored under: the GSO code on the 2023 map, map + code on the others."""
    return gso_code if unit_map == DEFAULT_MAP else f"{unit_map}{gso_code}"


def gso_code_of(key: str) -> str:
    """The GSO code a key stands for, within its map (see unit_key): what people and TW read."""
    return key[4:] if len(key) > 5 else key


def _code_of_row(context) -> str:
    return context.get_current_parameters()["code"]


class AdminUnit(Model):
    __tablename__ = "admin_unit"
    #: A unit is identified within its map (an index, not a constraint: SQLite adds an index
    #: without copying the table).
    __table_args__ = (sa.Index("uq_admin_unit_map_gso_code", "map", "gso_code", unique=True),)

    #: The unit's key, what other tables store: the GSO code on the 2023 map ("36", "356",
    #: "13633"), the map followed by the GSO code on another ("202537"; see unit_key).
    code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    #: The map the unit belongs to: "2023" or "2025" (see MAPS).
    map: Mapped[str] = mapped_column(sa.String(4), default=DEFAULT_MAP, server_default=DEFAULT_MAP)
    #: The GSO code within its map ("37", "00097"); unique per map. Defaults to the key, which
    #: is right for the 2023 map, so code that creates 2023 units need not say it.
    gso_code: Mapped[str] = mapped_column(sa.String(10), default=_code_of_row)
    #: The 2023 district a 2025 commune's main part came from (its name), for grouping a
    #: two-level province's communes; empty when unknown or on the 2023 map.
    former_district: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    #: Official name with its kind: "Huyện Mỹ Lộc".
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Lower-case name without diacritics, for search.
    name_folded: Mapped[str] = mapped_column(sa.String(120), index=True)
    #: "tỉnh", "huyện", "xã", ... (see KINDS).
    kind: Mapped[str] = mapped_column(sa.String(30))
    #: province | district | commune.
    level: Mapped[str] = mapped_column(sa.String(10), index=True)
    #: The unit above; None for a province.
    parent_code: Mapped[str | None] = mapped_column(sa.ForeignKey("admin_unit.code"), index=True)
    #: The province at the root of this unit's branch (itself for a province).
    province_code: Mapped[str] = mapped_column(sa.String(10), index=True)

    def __repr__(self) -> str:
        return f"<AdminUnit {self.code} {self.name}>"
