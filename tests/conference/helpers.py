"""Filling a conference with a point for every unit of its host, as a province registers."""

from __future__ import annotations

import sqlalchemy as sa

from bridgeops.conference.models import Conference
from bridgeops.extensions import db
from bridgeops.invites.service import reconcile_session
from bridgeops.registration.models import BridgePoint
from bridgeops.registration.service import bulk_create_points
from bridgeops.units.models import AdminUnit


def register_every_unit(conference: Conference, tag: str = "") -> int:
    """A point (room, capacity, a technician with email, a probe target) for every unit under
    the host that has none yet; district points confirmed with delegates. Returns how many."""
    host = conference.host_unit_code
    taken = sa.select(BridgePoint.unit_code).where(BridgePoint.conference_id == conference.id)
    units = list(
        db.session.scalars(
            sa.select(AdminUnit)
            .where(
                sa.or_(
                    AdminUnit.code == host, AdminUnit.province_code == host, AdminUnit.parent_code == host
                ),
                AdminUnit.code.not_in(taken),
            )
            .order_by(AdminUnit.code)
        )
    )
    district_codes = [c.code for c in conference.categories if "district" in c.levels]
    rows = []
    for unit in units:
        row = {
            "unit": unit.code,
            "venue": f"Phòng họp {unit.name}",
            "capacity": 40,
            "probe": {"target": f"tcp://10.{len(rows) // 250}.{len(rows) % 250}.1:5060"},
            "technicians": [
                {
                    "name": f"Kỹ thuật viên {unit.name}",
                    "phone": "0912 345 678",
                    "email": f"ktv{tag}{unit.code}@example.vn",
                }
            ],
        }
        if unit.level == "district" and district_codes:
            row.update(counts={district_codes[0]: 12}, status="confirmed")
        rows.append(row)
    bulk_create_points(conference, rows, actor="system:test")
    for session in conference.sessions:
        reconcile_session(session)
    db.session.commit()
    return len(rows)
