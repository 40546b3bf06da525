"""GET /api/v1/units."""

from __future__ import annotations

from bridgeops.accounts.access import SIGNED_IN, requires
from bridgeops.api import api_bp, operation
from bridgeops.units import service
from bridgeops.units.schemas import UnitList, UnitOut, UnitQuery


@api_bp.get("/units")
@requires(SIGNED_IN)
@operation(
    "Đơn vị hành chính theo cấp trên",
    tags=("units",),
    query=UnitQuery,
    response=UnitList,
    errors={404: "Không có đơn vị cấp trên này"},
)
def list_units(query: UnitQuery):
    parent = service.get_unit(query.parent, query.map).code if query.parent else None
    if query.q:
        units = service.search(query.q, within=[parent] if parent else None, unit_map=query.map)
    else:
        units = service.children(parent, query.map)
    items = [UnitOut.model_validate(u, from_attributes=True) for u in units]
    return UnitList(items=items, total=len(items))
