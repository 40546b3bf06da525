"""The home page at ``/``."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from bridgeops.accounts.access import PUBLIC, current_principal, requires
from bridgeops.conference import service as conferences
from bridgeops.home.overview import conference_cards

bp = Blueprint("home", __name__)


@bp.get("/")
@requires(PUBLIC)
def index():
    """Officers see their conferences; a chair or technician who opened a link goes back to it."""
    if not current_user.is_authenticated:
        principal = current_principal()
        if principal is not None and principal.is_chair and principal.conference_id:
            slug = conferences.get_conference_by_id(principal.conference_id).slug
            return redirect(url_for("registration.home", slug=slug))
    cards = conference_cards(conferences.list_conferences()) if current_user.is_authenticated else []
    return render_template("home/index.html", cards=cards)
