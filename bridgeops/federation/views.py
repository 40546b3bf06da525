"""TW's pages of a national conference: the roll-up of the provinces' returns, who has not
submitted, each province's submissions with their diff, and the same files as a return."""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for

from bridgeops.accounts.access import ADMIN, OFFICER, requires
from bridgeops.attendance import document as attendance_documents
from bridgeops.conference import service as conferences
from bridgeops.conference.service import get_conference
from bridgeops.core.errors import DomainError
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.federation import service
from bridgeops.followup import document as followup_documents
from bridgeops.registration.models import STATUS_LABELS as POINT_STATUS_LABELS
from bridgeops.returns import service as returns
from bridgeops.returns.api import file_response
from bridgeops.returns.sheets import Report, print_page
from bridgeops.returns.views import official_page

bp = Blueprint("federation", __name__, url_prefix="/federation")
#: Where a national conference's pages live.
CONFERENCE = "/conferences/<slug>"

#: A point's status before and after (None: it was not in that return).
STATUS_LABELS: dict[str | None, str] = {None: "—"}
STATUS_LABELS.update(POINT_STATUS_LABELS)

#: How the reports other than the headcount return become a sheet and a file, as at the province.
REPORTS: dict[str, Report] = {
    "attendance": attendance_documents.REPORT,
    "followup": followup_documents.REPORT,
}


@bp.get(CONFERENCE)
@requires(OFFICER)
def rollup(slug: str):
    conference = service.national_conference(get_conference(slug))
    attendance, sessions = service.national_attendance(conference)
    return render_template(
        "federation/rollup.html",
        conference=conference,
        summary=service.national_rollup(conference),
        attendance=attendance,
        sessions=sessions,
        followups=service.national_followup(conference),
    )


@bp.get(CONFERENCE + "/print")
@requires(OFFICER)
def rollup_print(slug: str):
    """The national roll-up as the official printed page: a line per province."""
    conference = service.national_conference(get_conference(slug))
    document = service.national_document(service.national_rollup(conference))
    return official_page(conference, document, utcnow())


@bp.get(CONFERENCE + "/file.<fmt>")
@requires(OFFICER)
def rollup_file(slug: str, fmt: str):
    """The national roll-up as the files a province exports (CSV, XLSX, JSON)."""
    conference = service.national_conference(get_conference(slug))
    document = service.national_document(service.national_rollup(conference))
    return file_response(returns.export_document(document, fmt, utcnow()))


@bp.get(CONFERENCE + "/provinces/<code>")
@requires(OFFICER)
def province(slug: str, code: str):
    conference = service.national_conference(get_conference(slug))
    province = service.get_province(code)
    history = service.submissions(conference, province)
    diff = older = newer = None
    if len(history) >= 2:
        newer = service.get_submission(conference, province, history[0].id, "headcount")
        against = request.args.get("against", type=int) or history[1].id
        older = service.get_submission(conference, province, against, "headcount")
        diff = service.diff_submissions(older, newer)
    labels = {c["code"]: c["label"] for c in newer.categories} if newer else {}
    return render_template(
        "federation/province.html",
        conference=conference,
        province=province,
        history=history,
        diff=diff,
        older=older,
        newer=newer,
        labels=labels,
        status_labels=STATUS_LABELS,
        attendance=service.report_histories(conference, province, "attendance"),
        followup=service.report_histories(conference, province, "followup"),
    )


@bp.get(CONFERENCE + "/provinces/<code>/returns/<int:submission_id>")
@requires(OFFICER)
def submission(slug: str, code: str, submission_id: int):
    """A submission as the province's official page (printable)."""
    conference = service.national_conference(get_conference(slug))
    received = service.get_submission(conference, service.get_province(code), submission_id)
    if received.kind in REPORTS:
        back = url_for("federation.province", slug=slug, code=code)
        sheet = REPORTS[received.kind].sheet(received.document)
        return print_page(conference, sheet, received.frozen_at, back, snapshot=received)
    return official_page(conference, received.document, received.frozen_at, snapshot=received)


@bp.get(CONFERENCE + "/provinces/<code>/returns/<int:submission_id>/file.<fmt>")
@requires(OFFICER)
def submission_file(slug: str, code: str, submission_id: int, fmt: str):
    conference = service.national_conference(get_conference(slug))
    received = service.get_submission(conference, service.get_province(code), submission_id)
    if received.kind in REPORTS:
        return REPORTS[received.kind].file(received.document, fmt, received.frozen_at)
    return file_response(
        returns.export_document(received.document, fmt, received.frozen_at, frozen=received.sha256)
    )


# --- The provinces allowed to submit (TW's admin) -------------------------------------------

#: The registration form's fields, as ``service.register_province`` names them.
PROVINCE_FIELDS = ("code", "name", "contact_name", "contact_phone")


@bp.route("/provinces", methods=["GET", "POST"])
@requires(ADMIN)
def provinces():
    """The provinces registered to submit here; register one (its credential shown once)."""
    values = dict.fromkeys(PROVINCE_FIELDS, "")
    errors: dict[str, str] = {}
    issued = None
    status = 200
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip()[:200] for k in PROVINCE_FIELDS}
        try:
            issued = service.register_province(**values, actor=g.principal.actor)
            db.session.commit()
            values = dict.fromkeys(PROVINCE_FIELDS, "")
        except DomainError as error:
            db.session.rollback()
            errors = error.errors or {"__all__": error.detail}
            status = error.status
    page = render_template(
        "federation/provinces.html",
        standings=service.province_standings(),
        values=values,
        errors=errors,
        issued=issued,
        national=[c for c in conferences.list_conferences() if c.host_unit_code is None],
    )
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"  # a credential may be on it
    return response


@bp.post("/provinces/<code>/revoke")
@requires(ADMIN)
def revoke_province(code: str):
    province = service.revoke_province(code, actor=g.principal.actor)
    db.session.commit()
    flash(f"Đã thu hồi mã gửi báo cáo của {province.name}; các báo cáo đã gửi vẫn được giữ.", "success")
    return redirect(url_for("federation.provinces"), code=303)
