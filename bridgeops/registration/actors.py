"""How people read the audit trail's actors: names, not "chair:356".

Here, not in ``audit``, because naming an actor needs accounts (officers), units (chairs) and
registration (technicians), and the audit trail sits below all three.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from bridgeops.accounts.models import User
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from bridgeops.units import service as unit_service


def actor_names(actors: Iterable[str]) -> dict[str, str]:
    """How people read each audit actor ("officer:a@b.vn", "chair:356", "technician:12",
    "cli"): the officer's name, "Chủ tịch Hội Huyện Mỹ Lộc", the technician's name."""
    actors = set(actors)
    split = [(a, *a.partition(":")[::2]) for a in actors]
    emails = {rest for _, kind, rest in split if kind in ("officer", "admin") and rest}
    units = {rest for _, kind, rest in split if kind == "chair" and rest}
    points = {int(rest) for _, kind, rest in split if kind == "technician" and rest.isdigit()}
    users = (
        {u.email: u.name for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
        if emails
        else {}
    )
    unit_names = unit_service.names(units)
    point_techs: dict[int, str] = {}
    if points:
        for point in db.session.scalars(sa.select(BridgePoint).where(BridgePoint.id.in_(points))):
            names = ", ".join(t.name for t in point.technicians)
            point_techs[point.id] = f"Kỹ thuật viên {names}" if names else f"Kỹ thuật viên {point.name}"
    labels = {}
    for actor, kind, rest in split:
        if kind in ("officer", "admin"):
            labels[actor] = users.get(rest, "Cán bộ đầu mối")
        elif kind == "chair":
            labels[actor] = f"Chủ tịch Hội {unit_names.get(rest, '')}".strip()
        elif kind == "technician":
            labels[actor] = point_techs.get(int(rest) if rest.isdigit() else -1, "Kỹ thuật viên")
        else:
            labels[actor] = SYSTEM_ACTORS.get(actor, "Hệ thống")
    return labels


#: Actors that are not people.
SYSTEM_ACTORS = {"system": "Hệ thống", "cli": "Quản trị (dòng lệnh)", "scheduler": "Hệ thống (tự động)"}
