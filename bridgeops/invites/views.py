"""The technician's link page, the calendar feeds and the officers' acknowledgement page."""

from __future__ import annotations

import hashlib
import re

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from bridgeops.accounts import service as accounts
from bridgeops.accounts.access import LINK, OFFICER, note_use, open_link_session, requires
from bridgeops.accounts.models import AccessGrant, GrantRole
from bridgeops.api.problems import problem
from bridgeops.conference import service as conferences
from bridgeops.core.db import get_row
from bridgeops.core.errors import DomainError
from bridgeops.core.time import VN_TZ, local, utcnow
from bridgeops.extensions import db
from bridgeops.health.models import STATE_LABELS, PointHealth
from bridgeops.invites import feeds, links
from bridgeops.invites import service as invites
from bridgeops.registration import service as registration
from bridgeops.registration.models import BridgePoint

bp = Blueprint("invites", __name__)


@bp.app_template_filter("vn_time")
def vn_time(value, tz: str = VN_TZ) -> str:
    """'08:30' in the conference's zone."""
    return f"{local(value, tz):%H:%M}" if value is not None else ""


def _technician_grant(token: str) -> AccessGrant:
    grant = accounts.find_grant(token)
    if grant is None or grant.role != GrantRole.TECHNICIAN or grant.point_id is None:
        abort(404)  # failed tokens are counted and throttled by ops.security
    note_use(grant)
    return grant


@bp.get("/t/<token>")
@requires(LINK)
def technician_page(token: str):
    """Her point, her sessions in local time, the feed to subscribe, "Đã nhận lịch"."""
    grant = _technician_grant(token)
    if not current_user.is_authenticated:  # never sign an officer out behind her back
        open_link_session(grant)
    point = get_row(BridgePoint, grant.point_id)
    contacts = _acknowledging(grant, point)
    feed = links.feed_url(token)
    changed_at = invites.schedule_changed_at(point.conference_id)
    response = make_response(
        render_template(
            "invites/technician.html",
            point=point,
            conference=point.conference,
            token=token,
            sessions=point.conference.sessions,
            contacts=contacts,
            feed_url=feed,
            webcal_url="webcal://" + feed.split("://", 1)[1],
            now=utcnow(),
            own=next((c for c in contacts if c.id == grant.contact_id), None),
            health=db.session.get(PointHealth, point.id),
            health_labels=STATE_LABELS,
            acknowledged=bool(contacts)
            and all(invites.acknowledged_current(c, changed_at) for c in contacts),
            acknowledged_old=any(c.acknowledged_at for c in contacts),
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the page holds the link's token
    return response


@bp.get("/t/<token>/keep-alive")
@requires(LINK)
def keep_alive(token: str):
    """ "Giữ trang này mở trong buổi họp": the browser sends the heartbeat while the page is open,
    for a room without the command-line client."""
    grant = _technician_grant(token)
    point = get_row(BridgePoint, grant.point_id)
    response = make_response(
        render_template(
            "invites/keep_alive.html", point=point, conference=point.conference, token=token, interval=30
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the page holds the link's token
    return response


@bp.post("/t/<token>/acknowledge")
@requires(LINK)
def acknowledge(token: str):
    grant = _technician_grant(token)
    point = get_row(BridgePoint, grant.point_id)
    for contact in _acknowledging(grant, point):
        registration.acknowledge(contact)
    db.session.commit()
    flash("Cảm ơn chị/anh đã xác nhận nhận lịch.", "success")
    return redirect(url_for("invites.technician_page", token=token), code=303)


def _acknowledging(grant: AccessGrant, point: BridgePoint):
    """Whom this link speaks for: its own technician, or every technician of the point when the
    link was made for the point."""
    own = [c for c in point.technicians if c.id == grant.contact_id]
    return own or point.technicians


@bp.get("/calendar/<token>.ics")
@requires(LINK)
def calendar_feed(token: str):
    """The subscribable feed of a technician's point, a chair's district or (an officer's
    read-only feed token) every conference's sessions. API tokens are refused here: a feed URL
    is handed to a third-party calendar service."""
    grant = accounts.find_grant(token)
    if grant is None or grant.role not in feeds.FEED_ROLES:
        return problem(404, detail="Không có lịch cho mã này (mã sai, đã hết hạn hoặc bị thu hồi).")
    note_use(grant)
    try:
        body = feeds.feed_for_grant(grant)
    except DomainError as error:
        return problem(error.status, error.title, error.detail, slug=error.slug)
    response = Response(
        body,
        headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": 'inline; filename="lich.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
    # Subscribed clients poll every hour: an unchanged feed costs them a 304.
    response.set_etag(hashlib.sha256(_without_dtstamp(body)).hexdigest())
    return response.make_conditional(request)


def _without_dtstamp(body: bytes) -> bytes:
    return re.sub(rb"\r\nDTSTAMP:[0-9TZ]+", b"", body)


@bp.get("/conferences/<slug>/acknowledgements")
@requires(OFFICER)
def acknowledgements(slug: str):
    """Officers: which technicians acknowledged their calendar, and which did not."""
    conference = conferences.get_conference(slug)
    rows = invites.acknowledgements(conference)
    changed_at = invites.schedule_changed_at(conference.id)
    current = {row.contact.id for row in rows if invites.acknowledged_current(row.contact, changed_at)}
    return render_template(
        "invites/acknowledgements.html",
        conference=conference,
        rows=rows,
        current=current,
        done=len(current),
        missing=len(rows) - len(current),
    )
