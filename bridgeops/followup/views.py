"""Pages: the chair's follow-up form (her unit and the units under it), the province's tracker
with its deadlines, and the consolidated report's files, snapshots and submission to TW."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from bridgeops.accounts.access import BOARD, OFFICER, requires
from bridgeops.conference.service import get_conference
from bridgeops.core.errors import DomainError, Forbidden, ValidationFailed
from bridgeops.core.time import utcnow
from bridgeops.core.validation import validate
from bridgeops.extensions import db
from bridgeops.followup import document as documents
from bridgeops.followup import service
from bridgeops.followup.models import FORMAT_LABELS
from bridgeops.followup.schemas import DeadlinesIn, FollowupIn
from bridgeops.returns import service as returns
from bridgeops.returns import sheets
from bridgeops.units.models import TIER_LABELS

bp = Blueprint("followup", __name__)

DATE_FIELDS = ("planned_on", "held_on")
COUNT_FIELDS = ("officials", "members", "women", "branches_total", "branches_reached")
TEXT_FIELDS = ("presenter", "chair_name", "chair_phone", "chair_email", "note")


def _form_body() -> tuple[dict, dict[str, str]]:
    """The posted form as the API body (blank boxes left out), and the raw values to show."""
    raw = {
        name: request.form.get(name, "").strip()
        for name in (*DATE_FIELDS, *COUNT_FIELDS, *TEXT_FIELDS, "format", "version")
    }
    body = {name: value for name, value in raw.items() if value != ""}
    return body, raw


def _values_of(followup) -> dict[str, str]:
    if followup is None:
        return {}
    values = {name: getattr(followup, name) for name in service.FIELDS}
    values = {
        k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v))
        for k, v in values.items()
    }
    return {**values, "version": str(followup.version)}


@bp.route("/conferences/<slug>/followups/<unit_code>", methods=["GET", "POST"])
@requires(BOARD)
def unit_form(slug: str, unit_code: str):
    """A unit's follow-up report: the chair of the unit (or of the unit above) and officers."""
    principal = g.principal
    conference = get_conference(slug)
    unit = service.get_unit(conference, unit_code)
    if not service.may_report(principal, conference, unit):
        raise Forbidden("Chị/anh chỉ ghi được hội nghị triển khai của đơn vị mình và các đơn vị trực thuộc.")
    followup = service.get_followup(conference, unit.code)
    values, errors, problem, status = _values_of(followup), {}, "", 200
    if request.method == "POST":
        body, values = _form_body()
        try:
            service.record(conference, unit, validate(FollowupIn, body), principal)
            db.session.commit()
            flash(f"Đã lưu hội nghị triển khai của {unit.name}.", "success")
            back = (
                url_for("followup.tracker", slug=slug, level=unit.level)
                if principal.is_officer
                else url_for("followup.chair_units", slug=slug)
            )
            return redirect(back, code=303)
        except ValidationFailed as error:
            db.session.rollback()
            errors, status = error.errors, 422
        except DomainError as error:
            db.session.rollback()
            problem, status = error.detail, error.status
    deadline = service.deadlines(conference).get(unit.level)
    return render_template(
        "followup/form.html",
        conference=conference,
        unit=unit,
        values=values,
        errors=errors,
        problem=problem,
        deadline=deadline,
        formats=FORMAT_LABELS,
        officer=principal.is_officer,
    ), status


@bp.get("/conferences/<slug>/followups/mine")
@requires(BOARD)
def chair_units(slug: str):
    """The chair's own unit and the units under it, each with its follow-up state."""
    principal = g.principal
    if principal.is_officer:
        return redirect(url_for("followup.tracker", slug=slug))
    if principal.kind != "chair" or not principal.unit_code:
        raise Forbidden("Trang này dành cho chủ tịch Hội.")
    conference = get_conference(slug)
    own = service.get_unit(conference, principal.unit_code)
    rows = []
    for level in service.report_levels(conference):
        rows += [
            r
            for r in service.tracker(conference, level).rows
            if r.unit.code == own.code or r.unit.parent_code == own.code
        ]
    rows.sort(key=lambda r: (r.unit.code != own.code, service.STATE_ORDER[r.state], r.unit.code))
    return render_template("followup/mine.html", conference=conference, unit=own, rows=rows)


@bp.get("/conferences/<slug>/followups")
@requires(OFFICER)
def tracker(slug: str):
    conference = get_conference(slug)
    levels = service.report_levels(conference) or ["district"]
    level = request.args.get("level", "district" if "district" in levels else levels[0])
    if level not in levels:
        level = levels[0]
    return render_template(
        "followup/tracker.html",
        conference=conference,
        tracker=service.tracker(conference, level),
        levels=levels,
        level_labels=TIER_LABELS,
        deadlines=service.deadlines(conference),
        errors={},
        snapshots=returns.list_snapshots(conference, "followup")[:5],
    )


@bp.post("/conferences/<slug>/followups/deadlines")
@requires(OFFICER)
def set_deadlines(slug: str):
    conference = get_conference(slug)
    body = {
        k: v.strip()
        for k, v in request.form.items()
        if k in ("province", "district", "commune") and v.strip()
    }
    try:
        service.set_deadlines(conference, validate(DeadlinesIn, body), g.principal.actor)
        db.session.commit()
        flash("Đã lưu hạn tổ chức hội nghị triển khai.", "success")
    except ValidationFailed as error:
        db.session.rollback()
        levels = service.report_levels(conference) or ["district"]
        return render_template(
            "followup/tracker.html",
            conference=conference,
            tracker=service.tracker(conference, "district" if "district" in levels else levels[0]),
            levels=levels,
            level_labels=TIER_LABELS,
            deadlines=body,
            errors=error.errors,
            snapshots=returns.list_snapshots(conference, "followup")[:5],
        ), 422
    return redirect(url_for("followup.tracker", slug=slug), code=303)


# --- The consolidated report ------------------------------------------------------------------


@bp.get("/conferences/<slug>/followup-report/print")
@requires(OFFICER)
def print_page(slug: str):
    conference = get_conference(slug)
    document = service.document_of(conference)
    return sheets.print_page(
        conference, documents.sheet(document), utcnow(), url_for("followup.tracker", slug=slug)
    )


@bp.get("/conferences/<slug>/followup-report/file.<fmt>")
@requires(OFFICER)
def export(slug: str, fmt: str):
    conference = get_conference(slug)
    now = utcnow()
    return documents.REPORT.file(service.document_of(conference, now), fmt, now)


@bp.post("/conferences/<slug>/followup-report/snapshots")
@requires(OFFICER)
def freeze(slug: str):
    snapshot = service.freeze(get_conference(slug), g.principal.actor)
    db.session.commit()
    return redirect(url_for("followup.snapshot", slug=slug, snapshot_id=snapshot.id), code=303)


@bp.get("/conferences/<slug>/followup-report/snapshots/<int:snapshot_id>")
@requires(OFFICER)
def snapshot(slug: str, snapshot_id: int):
    conference = get_conference(slug)
    frozen = returns.get_snapshot(conference, snapshot_id, "followup")
    links = sheets.SnapshotLinks.of_blueprint(
        "followup", slug, snapshot_id, url_for("followup.tracker", slug=slug)
    )
    facts = [
        (f"{lv['label']} đã tổ chức", f"{lv['units_held']}/{lv['units_total']}")
        for lv in frozen.document["levels"]
    ]
    return sheets.snapshot_page(conference, frozen, "Báo cáo hội nghị triển khai", links, facts)


sheets.add_snapshot_routes(bp, "/conferences/<slug>/followup-report", documents.REPORT)
