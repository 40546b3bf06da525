"""Magic links of the district chairs: one per unit under the host, revocable, expiring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from bridgeops.accounts import service as accounts
from bridgeops.accounts.models import GrantRole
from bridgeops.audit import service as audit
from bridgeops.conference.models import Conference
from bridgeops.conference.service import require_active
from bridgeops.core.errors import ValidationFailed
from bridgeops.core.urls import external_url
from bridgeops.extensions import db
from bridgeops.units.models import AdminUnit


@dataclass
class ChairLink:
    """A unit and its new link, which exists only here, once."""

    unit: AdminUnit
    url: str


def link_ttl() -> timedelta:
    return timedelta(days=current_app.config["LINK_TTL_DAYS"])


def chair_units(conference: Conference) -> list[AdminUnit]:
    """Units whose chairs get a link: the children of the host unit (districts, or communes
    in a two-level tree); for a district-hosted conference, the district itself."""
    if conference.host_unit_code is None:
        return []
    host = db.session.get(AdminUnit, conference.host_unit_code)
    if host is not None and host.level == "district":
        return [host]
    return list(
        db.session.scalars(
            sa.select(AdminUnit)
            .where(AdminUnit.parent_code == conference.host_unit_code)
            .order_by(AdminUnit.code)
        )
    )


def issue_chair_link(conference: Conference, unit: AdminUnit, actor: str) -> ChairLink:
    """A new chair link for one unit; that unit's previous links stop working."""

    require_active(conference)
    if unit.parent_code != conference.host_unit_code and not (
        unit.code == conference.host_unit_code and unit.level == "district"
    ):
        raise ValidationFailed({"unit": f"{unit.name} không trực thuộc đơn vị chủ trì hội nghị."})
    revoked = accounts.revoke_grants(
        accounts.live_grants(GrantRole.CHAIR, conference_id=conference.id, unit_code=unit.code)
    )
    issued = accounts.issue_grant(
        GrantRole.CHAIR,
        conference_id=conference.id,
        unit_code=unit.code,
        label=f"Chủ tịch Hội {unit.name}",
        ttl=link_ttl(),
    )
    audit.record(
        actor,
        "access_grant",
        issued.grant.id,
        "issue_link",
        conference_id=conference.id,
        after={"role": "chair", "unit": unit.code, "revoked": revoked},
    )
    return ChairLink(unit, external_url("registration.open_chair_link", token=issued.token))


def issue_chair_links(conference: Conference, actor: str = "cli") -> list[ChairLink]:
    """One chair link per unit under the host unit."""
    return [issue_chair_link(conference, unit, actor) for unit in chair_units(conference)]


def revoke_chair_links(conference: Conference, unit_code: str, actor: str) -> int:
    """Stop every live chair link of that unit; returns how many."""
    grants = accounts.live_grants(GrantRole.CHAIR, conference_id=conference.id, unit_code=unit_code)
    revoked = accounts.revoke_grants(grants)
    audit.record(
        actor,
        "access_grant",
        grants[0].id if grants else None,
        "revoke_link",
        conference_id=conference.id,
        after={"role": "chair", "unit": unit_code, "revoked": revoked},
    )
    return revoked
