"""Test data built one way: through registration's services.

A point made here has what a registered point has: totals computed by the service, an audit
trail, a version, and ``point_changed`` sent (invites queue their mail, the board its cache).
Every test package builds points and chair links with these helpers and nothing else.
"""

from __future__ import annotations

from bridgeops.accounts.access import Kind, Principal
from bridgeops.conference.models import Conference
from bridgeops.extensions import db
from bridgeops.registration import links
from bridgeops.registration import service as registration
from bridgeops.registration.models import BridgePoint, Contact
from bridgeops.registration.schemas import PointIn
from bridgeops.units import service as units

#: The province office, which may set up any point (as the CLI and the demo do).
OFFICE = Principal(kind=Kind.ADMIN)


def make_point(
    conference: Conference,
    unit_code: str,
    *,
    status: str | None = None,
    counts: dict[str, int] | None = None,
    venue: str = "",
    name: str | None = None,
    chair: tuple[str, str] | None = None,
    technicians: tuple[tuple[str, ...], ...] = (),
    target: str | None = None,
    upstream: BridgePoint | None = None,
) -> BridgePoint:
    """The unit's point (a new draft when it has none), changed as the office would change it.

    ``counts`` are merged into the point's counts; ``technicians`` ((name, phone) or (name,
    phone, email)) are added to its technicians; ``chair`` is (name, E.164 phone) of the chair
    named on the point; ``status`` is "confirmed", "withdrawn" or "draft". Flushes."""
    point = registration.point_for_unit(conference, unit_code)
    if point is None:
        point = registration.create_point_record(
            conference, units.get_unit(unit_code, conference.unit_map), venue=venue, name=name
        )
    changes: dict = {}
    if venue and venue != point.venue:
        changes["venue"] = venue
    if counts:
        changes["counts"] = {**{c.category_code: c.count for c in point.counts}, **counts}
    if technicians:
        changes["technicians"] = [
            {"name": t.name, "phone": t.phone, "email": t.email} for t in point.technicians
        ] + [dict(zip(("name", "phone", "email"), row, strict=False)) for row in technicians]
    if target is not None:
        changes["probe"] = {"target": target}
    if upstream is not None:
        changes["upstream"] = upstream.id
    if changes:
        registration.update_point(point, PointIn.model_validate(changes), OFFICE, None)
    if chair:
        # No service writes a chair onto a point (chairs use their own ChairContact); the
        # returns still read one from older registrations, so the test data keeps it.
        point.contacts.append(Contact(role="chair", name=chair[0], phone=chair[1]))
        db.session.flush()
    if status:
        set_status(point, status)
    return point


def set_counts(point: BridgePoint, counts: dict[str, int], status: str | None = None) -> None:
    """Change a point's counts (and status) as a chair would, through the service."""
    make_point(point.conference, point.unit_code, counts=counts, status=status)


def set_status(point: BridgePoint, status: str) -> None:
    """Confirm, withdraw or reopen a point through the service's one status write (audit,
    version, ``point_changed``). The dashboards' data holds points confirmed before a venue
    or technician was required, so completeness is not checked here, as ``confirm_point``
    does for a chair."""
    action = {"confirmed": "confirm", "withdrawn": "withdraw", "draft": "reopen"}[status]
    registration._set_status(point, OFFICE, status, action, None)


def chair_token(conference: Conference, unit_code: str) -> str:
    """A district chair's link token (the url's last part), issued by the service; committed.
    The unit's earlier chair links stop working, as they do in the app."""
    link = links.issue_chair_link(conference, units.get_unit(unit_code, conference.unit_map), actor="test")
    db.session.commit()
    return link.url.rsplit("/", 1)[-1]
