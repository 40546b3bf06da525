"""Subscribable calendars: a technician's point, a chair's district, an officer's conferences.

Feed events carry the same UID and (at least) the same SEQUENCE as the mailed invites, so a
client that has both shows one event.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from bridgeops.accounts.access import Principal, principal_for_grant
from bridgeops.accounts.models import AccessGrant, GrantRole
from bridgeops.conference.models import Conference, ConferenceSession
from bridgeops.config import base_host
from bridgeops.core.db import get_row
from bridgeops.core.errors import Forbidden, NotFound
from bridgeops.core.time import VN_TZ
from bridgeops.extensions import db
from bridgeops.invites import messages
from bridgeops.invites.builders import EventDetails, build_feed
from bridgeops.invites.models import Invite
from bridgeops.invites.service import organizer_email, uid_for
from bridgeops.registration.models import BridgePoint, PointStatus
from bridgeops.registration.scope import point_filter

#: Grants that open a calendar feed: magic links, and officers' read-only feed tokens.
FEED_ROLES = (GrantRole.CHAIR, GrantRole.TECHNICIAN, GrantRole.FEED)


def feed_for_grant(grant: AccessGrant) -> bytes:
    """The feed a live grant of FEED_ROLES opens."""
    if grant.role == GrantRole.FEED:
        if grant.user is None or not grant.user.active:
            raise NotFound("Không có lịch cho mã này.")
        return conference_feed(
            list(db.session.scalars(sa.select(Conference).order_by(Conference.created_at)))
        )
    return feed_for(principal_for_grant(grant))


def feed_for(principal: Principal) -> bytes:
    """The feed a grant's holder may read."""
    if principal.is_officer:
        return conference_feed(
            list(db.session.scalars(sa.select(Conference).order_by(Conference.created_at)))
        )
    if principal.conference_id is None:
        raise Forbidden("Mã này không gắn với hội nghị nào.")
    conference = get_row(Conference, principal.conference_id)
    points = list(
        db.session.scalars(
            sa.select(BridgePoint)
            .where(point_filter(principal, conference.id))
            .order_by(BridgePoint.level, BridgePoint.name)
        )
    )
    if principal.is_technician:
        if not points:
            raise NotFound("Điểm cầu không còn tồn tại.")
        name = f"{points[0].name} – lịch hội nghị"
    else:
        name = f"Điểm cầu {principal.unit_code} – lịch hội nghị"
        points = [p for p in points if p.status != PointStatus.WITHDRAWN]
        if points:
            name = f"{_district_name(points, principal.unit_code)} – lịch hội nghị"
    return points_feed(conference, points, name)


def _district_name(points: list[BridgePoint], unit_code: str | None) -> str:
    own = [p for p in points if p.unit_code == unit_code]
    return own[0].unit.name if own else points[0].name


def points_feed(conference: Conference, points: list[BridgePoint], name: str) -> bytes:
    """One event per (session, point): a withdrawn point's or cancelled session's are CANCELLED."""
    sequences = _sent_sequences([p.id for p in points])
    events = []
    for point in points:
        for session in conference.sessions:
            events.append(
                EventDetails(
                    uid=uid_for(session.uid_key, point.uid_key),
                    sequence=max(session.sequence, sequences.get((session.id, point.id), 0)),
                    summary=messages.summary(session, point),
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    timezone=conference.timezone,
                    location=messages.location(point),
                    description=messages.feed_description(session, point),
                    organizer_name=conference.contact_name or conference.host_name,
                    organizer_email=organizer_email(conference),
                    cancelled=session.cancelled_at is not None or point.status == PointStatus.WITHDRAWN,
                )
            )
    return build_feed(name, events, conference.timezone, description=conference.title)


def conference_feed(conferences: list[Conference]) -> bytes:
    """Officers: each session once, with the number of live points."""
    host = base_host(current_app.config)
    events = []
    for conference in conferences:
        live = db.session.execute(
            sa.select(sa.func.count())
            .select_from(BridgePoint)
            .where(BridgePoint.conference_id == conference.id, BridgePoint.status != PointStatus.WITHDRAWN)
        ).scalar_one()
        for session in conference.sessions:
            events.append(_session_event(conference, session, host, live))
    zone = conferences[0].timezone if conferences else VN_TZ
    return build_feed("BridgeOps – lịch các hội nghị", events, zone)


def _session_event(
    conference: Conference, session: ConferenceSession, host: str, live_points: int
) -> EventDetails:
    return EventDetails(
        uid=f"session-{session.uid_key}@{host}",
        sequence=session.sequence,
        summary=f"{session.title} – {conference.host_name}",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        timezone=conference.timezone,
        location=conference.host_name,
        description=f"{conference.title}\n{messages.when(session)}\nSố điểm cầu đã đăng ký: {live_points}",
        organizer_name=conference.contact_name or conference.host_name,
        organizer_email=organizer_email(conference),
        cancelled=session.cancelled_at is not None,
    )


def _sent_sequences(point_ids: list[int]) -> dict[tuple[int, int], int]:
    if not point_ids:
        return {}
    rows = db.session.execute(
        sa.select(Invite.session_id, Invite.point_id, sa.func.max(Invite.sequence))
        .where(Invite.point_id.in_(point_ids))
        .group_by(Invite.session_id, Invite.point_id)
    )
    return {(s, p): seq for s, p, seq in rows}
