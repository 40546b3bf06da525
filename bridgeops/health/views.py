"""Pages: the live board (and the fragment board.js refreshes), the rehearsal sign-off for a
technician's link and for officers, and the officer's sign-off matrix."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from bridgeops.accounts import service as accounts
from bridgeops.accounts.access import BOARD, BOARD_POINT, LINK, OFFICER, PUBLIC, note_use, requires
from bridgeops.accounts.models import GrantRole
from bridgeops.conference import service as conferences
from bridgeops.config import PROJECT_ROOT
from bridgeops.core.clock import database_now
from bridgeops.core.errors import NotFound, ValidationFailed
from bridgeops.core.phones import phone_display
from bridgeops.core.time import utcnow
from bridgeops.core.urls import base_url
from bridgeops.core.validation import validate
from bridgeops.extensions import db, limiter
from bridgeops.health import board, service
from bridgeops.health.models import STATE_LABELS
from bridgeops.health.schemas import RehearsalSignoffIn
from bridgeops.health.svg import build_tree_svg
from bridgeops.registration.actors import actor_names
from bridgeops.registration.models import BridgePoint
from bridgeops.units import service as units
from bridgeops.units.models import TIER_LABELS

bp = Blueprint("health", __name__)

CHECKS = (("audio", "Âm thanh"), ("video", "Hình ảnh"), ("presentation", "Trình chiếu"))


@bp.app_template_filter("vn_elapsed")
def vn_elapsed(since: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in Vietnamese: "45 giây", "12 phút", "2 giờ 5 phút"."""
    if since is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - since).total_seconds()))
    if seconds < 60:
        return f"{seconds} giây"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} phút"
    return f"{minutes // 60} giờ {minutes % 60} phút"


@bp.app_template_filter("shown_reason")
def shown_reason(reason: str | None) -> str:
    """A probe's detail for staff; "Không kết nối được" for anyone else."""
    return board.shown_reason(g.get("principal"), reason)


@bp.app_template_filter("tel_display")
def tel_display(phone: str | None) -> str:
    """ "+84912000111" as Vietnamese people write it: "0912 000 111"."""
    return phone_display(phone)


def _board_context(slug: str) -> dict:
    principal = g.principal
    conference = conferences.get_conference(slug)
    board.require_board_viewer(principal, conference)
    now = database_now()  # the clock the sweeps and heartbeats are stamped by
    data = board.build_board(principal, conference, now)
    scope = units.get_unit(principal.unit_code).name if principal.is_chair else None
    areas, areas_hidden = board.areas_to_show(data)
    return {
        "board": data,
        "conference": conference,
        "now": now,
        "labels": STATE_LABELS,
        "level_labels": TIER_LABELS,
        "tree_svg": build_tree_svg(data),
        "scope": scope,
        "areas": areas,
        "areas_hidden": areas_hidden,
    }


@bp.get("/conferences/<slug>/board")
@requires(BOARD)
def live_board(slug: str):
    return render_template("health/board.html", **_board_context(slug))


@bp.get("/conferences/<slug>/board/live")
@requires(BOARD, redirect_anonymous=False)  # a script cannot follow a login page
def live_board_fragment(slug: str):
    """The changing part of the board, fetched by static/js/board.js every few seconds."""
    context = _board_context(slug)
    response = make_response(render_template("health/_board_live.html", **context))
    response.headers["Cache-Control"] = "no-store"
    return response


#: Problem points per page of the full list.
PROBLEMS_PER_PAGE = 100
PROBLEM_STATES = ("down", "unreachable", "pending")


@bp.get("/conferences/<slug>/board/problems")
@requires(BOARD)
def problems(slug: str):
    """Every point with a problem, a page at a time, by state: what the board's list of the
    first hundred leads to on a national conference."""
    principal = g.principal
    conference = conferences.get_conference(slug)
    state = request.args.get("state", "")
    states = (state,) if state in PROBLEM_STATES else PROBLEM_STATES
    tally = board.summary(principal, conference)
    pages = max(1, -(-sum(tally.counts[s] for s in states) // PROBLEMS_PER_PAGE))
    # A page past the end (or not a number) shows the nearest real one.
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows, total = board.point_rows(
        principal, conference, states=states, offset=(page - 1) * PROBLEMS_PER_PAGE, limit=PROBLEMS_PER_PAGE
    )
    return render_template(
        "health/problems.html",
        conference=conference,
        problems=rows,
        total=total,
        page=page,
        pages=pages,
        state=state if state in PROBLEM_STATES else "",
        tally=tally,
        states=PROBLEM_STATES,
        labels=STATE_LABELS,
        now=utcnow(),
    )


@bp.get("/conferences/<slug>/points/<int:point_id>/health")
@requires(BOARD_POINT)
def point_health(slug: str, point_id: int):
    """One point's changes, incidents and availability per session."""
    conference = conferences.get_conference(slug)
    point = g.point
    if point.conference_id != conference.id:
        raise NotFound(f"Không có điểm cầu {point_id} trong hội nghị này.")
    return render_template(
        "health/point.html",
        conference=conference,
        history=board.point_history(point),
        labels=STATE_LABELS,
        now=utcnow(),
    )


@bp.get("/downloads/heartbeat.py")
@requires(PUBLIC)
def heartbeat_script():
    """The standard-library heartbeat client a room's machine runs (no secret inside)."""
    path = PROJECT_ROOT / "scripts" / "heartbeat.py"
    if not path.is_file():
        raise NotFound("Không có tệp heartbeat.py trên máy chủ này.")
    return send_file(path, mimetype="text/x-python", as_attachment=True, download_name="heartbeat.py")


# --- Rehearsal sign-off ----------------------------------------------------------------------


def _form_data() -> dict:
    return {
        "audio": request.form.get("audio"),
        "video": request.form.get("video"),
        "presentation": request.form.get("presentation"),
        "note": request.form.get("note", ""),
    }


def _signoff_page(
    point: BridgePoint, actor: str, action: str, back: str | None, heartbeat_token: str | None = None
):
    errors: dict[str, str] = {}
    signoff = service.get_signoff(point.id)
    values = (
        {
            "audio": "ok" if signoff.audio_ok else "problem",
            "video": "ok" if signoff.video_ok else "problem",
            "presentation": "ok" if signoff.presentation_ok else "problem",
            "note": signoff.note,
        }
        if signoff
        else {}
    )
    if request.method == "POST":
        values = _form_data()
        try:
            data = validate(RehearsalSignoffIn, values)
            service.record_signoff(point, data, actor, utcnow())
            db.session.commit()
            return redirect(request.path + "?saved=1")
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    status = 422 if errors else 200
    return render_template(
        "health/rehearsal_form.html",
        point=point,
        signoff=signoff,
        values=values,
        errors=errors,
        checks=CHECKS,
        action=action,
        back=back,
        saved=request.args.get("saved") == "1",
        heartbeat_token=heartbeat_token,
        base_url=base_url(),
    ), status


def _unknown_link(response) -> bool:
    return response.status_code == 404


@bp.route("/t/<token>/rehearsal", methods=["GET", "POST"])
@requires(LINK)
@limiter.limit("30 per minute", deduct_when=_unknown_link)
def technician_rehearsal(token: str):
    """The technician's own sign-off, opened from her link page."""
    grant = accounts.find_grant(token)
    if grant is None or grant.role != GrantRole.TECHNICIAN or grant.point_id is None:
        raise NotFound("Đường dẫn không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
    note_use(grant)
    point = db.session.get(BridgePoint, grant.point_id)
    if point is None:
        raise NotFound("Điểm cầu không còn tồn tại.")
    return _signoff_page(
        point,
        f"technician:{point.id}",
        request.path,
        url_for("invites.technician_page", token=token),
        heartbeat_token=token,
    )


@bp.route("/conferences/<slug>/rehearsal/<int:point_id>", methods=["GET", "POST"])
@requires(OFFICER)
def officer_rehearsal(slug: str, point_id: int):
    conference = conferences.get_conference(slug)
    point = db.session.get(BridgePoint, point_id)
    if point is None or point.conference_id != conference.id:
        raise NotFound(f"Không có điểm cầu {point_id} trong hội nghị này.")
    return _signoff_page(
        point, g.principal.actor, request.path, url_for("health.rehearsal_matrix", slug=slug)
    )


@bp.get("/conferences/<slug>/rehearsal")
@requires(BOARD)
def rehearsal_matrix(slug: str):
    """Who has and has not passed the rehearsal."""
    principal = g.principal
    conference = conferences.get_conference(slug)
    rows = service.signoff_matrix(principal, conference)
    passed = sum(1 for _, s in rows if s is not None and s.passed)
    problems = sum(1 for _, s in rows if s is not None and not s.passed)
    signers = actor_names(s.signed_by for _, s in rows if s is not None)
    return render_template(
        "health/rehearsal_matrix.html",
        conference=conference,
        rows=rows,
        signers=signers,
        passed=passed,
        problems=problems,
        missing=len(rows) - passed - problems,
        checks=CHECKS,
        can_sign=principal.is_officer and principal.may_write,
    )
