"""Officers' schedule page: change a session's title, times (in the conference's zone) or cancel it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from bridgeops.conference import service
from bridgeops.conference.models import Conference
from bridgeops.conference.schemas import SessionPatch
from bridgeops.core.errors import ValidationFailed
from bridgeops.core.time import local
from bridgeops.core.validation import validate
from bridgeops.extensions import db
from bridgeops.registration.queries import technicians_with_email

bp = Blueprint("conference", __name__)

#: The HTML datetime-local format.
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@bp.get("/conferences/<slug>/schedule")
@login_required
def schedule(slug: str):
    conference = service.get_conference(slug)
    return render_template("conference/schedule.html", conference=conference,
                           forms={s.id: _values(conference, s) for s in conference.sessions},
                           errors={}, technicians=technicians_with_email(conference))


@bp.post("/conferences/<slug>/sessions/<int:session_id>")
@login_required
def update_session(slug: str, session_id: int):
    conference = service.get_conference(slug)
    session = service.get_session(conference, session_id)
    form = {k: request.form.get(k, "") for k in ("title", "starts_at", "ends_at")}
    try:
        patch = validate(SessionPatch, {
            "title": form["title"],
            "starts_at": _aware(form["starts_at"], conference),
            "ends_at": _aware(form["ends_at"], conference),
            "cancelled": request.form.get("cancelled") == "1",
        })
        changed = service.update_session(session, title=patch.title, starts_at=patch.starts_at,
                                         ends_at=patch.ends_at, cancelled=patch.cancelled,
                                         actor=f"{current_user.role}:{current_user.email}")
    except ValidationFailed as error:
        db.session.rollback()
        forms = {s.id: _values(conference, s) for s in conference.sessions}
        forms[session.id] = {**form, "cancelled": request.form.get("cancelled") == "1"}
        return render_template("conference/schedule.html", conference=conference, forms=forms,
                               errors={session.id: error.errors},
                               technicians=technicians_with_email(conference)), 422
    db.session.commit()
    flash(f"Đã lưu \"{session.title}\"; lịch của các kỹ thuật viên sẽ được cập nhật."
          if changed else "Không có thay đổi nào.", "success" if changed else "info")
    return redirect(url_for("conference.schedule", slug=slug), code=303)


def _values(conference: Conference, session) -> dict:
    zone = conference.timezone
    return {"title": session.title,
            "starts_at": local(session.starts_at, zone).strftime(LOCAL_FORMAT),
            "ends_at": local(session.ends_at, zone).strftime(LOCAL_FORMAT),
            "cancelled": session.cancelled_at is not None}


def _aware(value: str, conference: Conference) -> str:
    """A wall-clock time typed in the conference's zone, as ISO 8601 with its offset; what
    cannot be read is passed on for the schema to name the error in Vietnamese."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(conference.timezone))
    return parsed.isoformat()
