"""TW's pages of a national conference: the roll-up of the provinces' returns, who has not
submitted, each province's submissions with their diff, and the same files as a return."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from bridgeops.accounts.access import OFFICER, requires
from bridgeops.attendance import document as attendance_documents
from bridgeops.conference.service import get_conference
from bridgeops.core.time import utcnow
from bridgeops.federation import service
from bridgeops.followup import document as followup_documents
from bridgeops.registration.models import STATUS_LABELS as POINT_STATUS_LABELS
from bridgeops.returns import service as returns
from bridgeops.returns.api import file_response
from bridgeops.returns.sheets import Report, print_page
from bridgeops.returns.views import official_page

bp = Blueprint("federation", __name__, url_prefix="/federation/conferences/<slug>")

#: A point's status before and after (None: it was not in that return).
STATUS_LABELS: dict[str | None, str] = {None: "—"}
STATUS_LABELS.update(POINT_STATUS_LABELS)

#: How the reports other than the headcount return become a sheet and a file, as at the province.
REPORTS: dict[str, Report] = {
    "attendance": attendance_documents.REPORT,
    "followup": followup_documents.REPORT,
}


@bp.get("")
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


@bp.get("/print")
@requires(OFFICER)
def rollup_print(slug: str):
    """The national roll-up as the official printed page: a line per province."""
    conference = service.national_conference(get_conference(slug))
    document = service.national_document(service.national_rollup(conference))
    return official_page(conference, document, utcnow())


@bp.get("/file.<fmt>")
@requires(OFFICER)
def rollup_file(slug: str, fmt: str):
    """The national roll-up as the files a province exports (CSV, XLSX, JSON)."""
    conference = service.national_conference(get_conference(slug))
    document = service.national_document(service.national_rollup(conference))
    return file_response(returns.export_document(document, fmt, utcnow()))


@bp.get("/provinces/<code>")
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


@bp.get("/provinces/<code>/returns/<int:submission_id>")
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


@bp.get("/provinces/<code>/returns/<int:submission_id>/file.<fmt>")
@requires(OFFICER)
def submission_file(slug: str, code: str, submission_id: int, fmt: str):
    conference = service.national_conference(get_conference(slug))
    received = service.get_submission(conference, service.get_province(code), submission_id)
    if received.kind in REPORTS:
        return REPORTS[received.kind].file(received.document, fmt, received.frozen_at)
    return file_response(
        returns.export_document(received.document, fmt, received.frozen_at, frozen=received.sha256)
    )
