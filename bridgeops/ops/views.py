"""/healthz and the home page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user

from bridgeops.accounts.access import PUBLIC, current_principal, requires
from bridgeops.conference import service as conferences
from bridgeops.conference.overview import conference_cards
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.ops.lease import LEASE_TTL, last_heartbeat

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@requires(PUBLIC)
def healthz():
    """Liveness and database reachability for load balancers and monitors."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        heartbeat = last_heartbeat()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    if heartbeat is None:
        scheduler = {"state": "never_seen", "last_heartbeat_at": None}
    else:
        fresh = utcnow() - heartbeat < LEASE_TTL
        scheduler = {"state": "ok" if fresh else "stale",
                     "last_heartbeat_at": heartbeat.isoformat()}
    return jsonify(status="ok", database="ok", scheduler=scheduler)


@bp.get("/")
@requires(PUBLIC)
def home():
    """Officers see their conferences; a chair or technician who opened a link goes back to it."""
    if not current_user.is_authenticated:
        principal = current_principal()
        if principal is not None and principal.is_chair and principal.conference_id:
            slug = conferences.get_conference_by_id(principal.conference_id).slug
            return redirect(url_for("registration.home", slug=slug))
    cards = (conference_cards(conferences.list_conferences())
             if current_user.is_authenticated else [])
    return render_template("ops/home.html", cards=cards)


@bp.get("/favicon.ico")
@requires(PUBLIC)
def favicon():
    """Browsers ask for it on every document, JSON ones included; answer instead of a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
