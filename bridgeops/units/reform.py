"""Placing units of one administrative map on another (the 2025 reform merged units).

The copy of a conference calls ``place_units`` to carry its points to the new conference's map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Placement:
    target: dict[str, str]  # source unit code -> unit code on the target map
    unplaced: list[str]  # source unit codes with no place on the target map


def place_units(codes: Sequence[str], from_map: str, to_map: str) -> Placement:
    """Where each source unit lands on ``to_map``. Same map: every unit is its own place.

    Across maps this placeholder places nothing (every unit is reported unplaced); the map
    capability replaces it with the reform's real correspondence.
    """
    if from_map == to_map:
        return Placement(target={code: code for code in codes}, unplaced=[])
    return Placement(target={}, unplaced=list(codes))
