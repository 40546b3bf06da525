"""Pages: the attendance form on the technician's and the chair's phone, and the officer's
board of confirmed against present, with the attendance return's files and snapshots."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from bridgeops.accounts import service as accounts
from bridgeops.accounts.access import (
    LINK,
    OFFICER,
    SCOPED_POINT,
    Principal,
    note_use,
    principal_for_grant,
    requires,
)
from bridgeops.accounts.models import GrantRole
from bridgeops.attendance import document as documents
from bridgeops.attendance import service
from bridgeops.attendance.schemas import AttendanceIn
from bridgeops.conference.models import Conference
from bridgeops.conference.service import get_conference
from bridgeops.core.errors import DomainError, ValidationFailed
from bridgeops.core.time import utcnow
from bridgeops.core.validation import validate
from bridgeops.extensions import db, limiter
from bridgeops.registration.models import BridgePoint
from bridgeops.returns import service as returns
from bridgeops.returns import sheets

bp = Blueprint("attendance", __name__)


@bp.app_template_global()
def attendance_open_sessions(conference: Conference) -> list:
    """Sessions whose attendance form is open now (for the technician's and chair's pages)."""
    return service.open_sessions(conference, utcnow())


@bp.app_template_global()
def attendance_glance(conference: Conference) -> service.AttendanceSummary | None:
    """Confirmed against present for the session under way (or the last one), once one has
    started: the return's dashboard shows it beside the confirmed figures."""
    now = utcnow()
    session = service.current_or_last_session(conference, now)
    if session is None or session.starts_at > now:
        return None
    return service.summary(conference, session)


# --- The form ---------------------------------------------------------------------------------


def _form_values() -> tuple[dict, dict[str, str]]:
    """The posted form as the API body (blank boxes count as nobody), and the raw values."""
    raw = {
        key[len("count_") :]: value.strip() for key, value in request.form.items() if key.startswith("count_")
    }
    body = {
        "session_id": request.form.get("session_id", ""),
        "counts": {code: value for code, value in raw.items() if value != ""},
    }
    return body, raw


def _form_page(point: BridgePoint, principal: Principal, back: str | None):
    conference = point.conference
    now = utcnow()
    sessions = (
        service.reportable_sessions(conference)
        if principal.is_officer
        else service.open_sessions(conference, now)
    )
    errors: dict[str, str] = {}
    problem = ""
    session_id = request.values.get("session_id", type=int)
    session = next((s for s in sessions if s.id == session_id), sessions[0] if sessions else None)
    raw: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        body, raw = _form_values()
        try:
            data = validate(AttendanceIn, body)
            chosen = service.get_session(conference, data.session_id)
            service.record(point, chosen, data.counts, principal, now)
            db.session.commit()
            return redirect(
                url_for(request.endpoint or "", **(request.view_args or {}), session_id=chosen.id, saved=1),
                code=303,
            )
        except ValidationFailed as error:
            db.session.rollback()
            errors = {key.removeprefix("counts."): message for key, message in error.errors.items()}
            status = 422
        except DomainError as error:
            db.session.rollback()
            problem, status = error.detail, error.status
    report = service.get_report(session, point) if session else None
    if not raw and report is not None:
        raw = {code: str(n) for code, n in report.counts.items()}
    return render_template(
        "attendance/form.html",
        point=point,
        conference=conference,
        sessions=sessions,
        session=session,
        categories=service.categories_for(point),
        values=raw,
        errors=errors,
        problem=problem,
        report=report,
        back=back,
        saved=request.args.get("saved") == "1",
        confirmed=point.counts_by_code,
    ), status


def _unknown_link(response) -> bool:
    return response.status_code == 404


@bp.route("/t/<token>/attendance", methods=["GET", "POST"])
@requires(LINK)
@limiter.limit("30 per minute", deduct_when=_unknown_link)
def technician_form(token: str):
    """The technician's form, opened from her link page during and after a session."""
    grant = accounts.find_grant(token)
    if grant is None or grant.role != GrantRole.TECHNICIAN or grant.point_id is None:
        abort(404)
    note_use(grant)
    point = db.session.get(BridgePoint, grant.point_id)
    if point is None:
        abort(404)
    return _form_page(point, principal_for_grant(grant), url_for("invites.technician_page", token=token))


@bp.route("/points/<int:point_id>/attendance", methods=["GET", "POST"])
@requires(SCOPED_POINT)
def point_form(point_id: int):
    """The same form for the chair (her district's points) and for officers."""
    point, principal = g.point, g.principal
    back = (
        url_for("attendance.board", slug=point.conference.slug)
        if principal.is_officer
        else url_for("registration.home", slug=point.conference.slug)
    )
    return _form_page(point, principal, back)


# --- The officer's board and the attendance return --------------------------------------------


def _session(conference: Conference):
    return service.chosen_or_current_session(conference, request.args.get("session", type=int), utcnow())


@bp.get("/conferences/<slug>/attendance")
@requires(OFFICER)
def board(slug: str):
    """Confirmed against present per point and per district, who has not reported yet."""
    conference = get_conference(slug)
    session = _session(conference)
    return render_template(
        "attendance/board.html",
        conference=conference,
        session=session,
        sessions=service.reportable_sessions(conference),
        summary=service.summary(conference, session),
        open=service.is_open(session, utcnow()),
        snapshots=[
            s
            for s in returns.list_snapshots(conference, "attendance")
            if s.document["session"]["id"] == session.id
        ],
    )


@bp.get("/conferences/<slug>/attendance/print")
@requires(OFFICER)
def print_page(slug: str):
    conference = get_conference(slug)
    session = _session(conference)
    document = service.document_of(conference, session)
    return sheets.print_page(
        conference,
        documents.sheet(document),
        utcnow(),
        url_for("attendance.board", slug=slug, session=session.id),
    )


@bp.get("/conferences/<slug>/attendance/file.<fmt>")
@requires(OFFICER)
def export(slug: str, fmt: str):
    conference = get_conference(slug)
    return documents.REPORT.file(service.document_of(conference, _session(conference)), fmt, utcnow())


@bp.post("/conferences/<slug>/attendance/snapshots")
@requires(OFFICER)
def freeze(slug: str):
    conference = get_conference(slug)
    session = service.get_session(conference, request.form.get("session_id", 0, type=int))
    snapshot = service.freeze(conference, session, g.principal.actor)
    db.session.commit()
    return redirect(url_for("attendance.snapshot", slug=slug, snapshot_id=snapshot.id), code=303)


@bp.get("/conferences/<slug>/attendance/snapshots/<int:snapshot_id>")
@requires(OFFICER)
def snapshot(slug: str, snapshot_id: int):
    conference = get_conference(slug)
    frozen = returns.get_snapshot(conference, snapshot_id, "attendance")
    totals = frozen.document["totals"]
    back = url_for("attendance.board", slug=slug, session=frozen.document["session"]["id"])
    links = sheets.SnapshotLinks.of_blueprint("attendance", slug, snapshot_id, back)
    facts = [
        ("Điểm cầu đã báo cáo", f"{totals['reported_points']}/{totals['points']}"),
        ("Đại biểu có mặt", totals["present"]["delegates"]),
        ("Đại biểu đã xác nhận", totals["confirmed"]["delegates"]),
    ]
    return sheets.snapshot_page(
        conference, frozen, f"Số người dự · {frozen.document['session']['title']}", links, facts
    )


sheets.add_snapshot_routes(bp, "/conferences/<slug>/attendance", documents.REPORT)
