"""The officer's return pages: dashboard with the chasing list, the official printed page,
snapshots, what changed between two of them, and submission to TW."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from bridgeops.accounts.access import OFFICER, requires
from bridgeops.conference.service import get_conference
from bridgeops.core.errors import DomainError
from bridgeops.core.time import format_datetime_vi, utcnow
from bridgeops.extensions import db
from bridgeops.registration import chairs
from bridgeops.registration.actors import actor_names
from bridgeops.registration.models import STATUS_LABELS
from bridgeops.returns import exporters, national, service, table
from bridgeops.returns.api import file_response
from bridgeops.returns.chart import Bar, bar_chart
from bridgeops.returns.rollup import Rollup
from bridgeops.returns.sheets import SnapshotLinks

bp = Blueprint("returns", __name__, url_prefix="/conferences/<slug>/return")


def charts(summary: Rollup, group: str = "huyện") -> tuple:
    delegates = [
        Bar(d.name, d.figures.confirmed.delegates, d.figures.draft.delegates) for d in summary.districts
    ]
    points = [
        Bar(d.name, d.figures.confirmed.points, d.figures.draft.points, d.units_total)
        for d in summary.districts
    ]
    return (
        bar_chart(f"Số đại biểu theo {group}", delegates, unit="đại biểu"),
        bar_chart(f"Số điểm cầu theo {group} (trên tổng số đơn vị)", points, unit="điểm cầu"),
    )


@bp.get("")
@requires(OFFICER)
def dashboard(slug: str):
    conference = get_conference(slug)
    summary = service.rollup_groups(conference)
    # Nationally: one line per province, and one province's districts when it is opened.
    province = request.args.get("province") or None
    by_province = national.is_national(conference) and province is None
    if national.is_national(conference):
        summary = national.one_province(summary, province) if province else national.by_province(summary)
    # What a group line is: a province nationally, a district on the 2023 map, else the province.
    group = "tỉnh" if by_province or conference.unit_map != "2023" else "huyện"
    delegates_chart, points_chart = charts(summary, group)
    return render_template(
        "returns/dashboard.html",
        conference=conference,
        summary=summary,
        chase=service.chasing_list(conference, summary),
        delegates_chart=delegates_chart,
        points_chart=points_chart,
        snapshots=service.list_snapshots(conference)[:5],
        tw_configured=bool(current_app.config.get("TW_RETURN_URL")),
        group=group,
        by_province=by_province,
        province=province,
    )


@bp.post("/remind")
@requires(OFFICER)
def remind(slug: str):
    """Remind every late district at once: mail where the chair's email is known, a ready
    message to send by hand for the others."""
    conference = get_conference(slug)
    summary = service.rollup(conference)
    late = [
        (item.district.code, item.district.name, item.left)
        for item in service.chasing_list(conference, summary)
    ]
    reminders = chairs.remind_late(conference, late, g.principal.actor)
    db.session.commit()
    return render_template("returns/reminders.html", conference=conference, reminders=reminders)


def official_page(conference, document, as_of, snapshot=None):
    return render_template(
        "returns/print.html",
        conference=conference,
        document=document,
        headers=table.headers(document),
        rows=[(row.kind, row.values()) for row in table.rows(document)],
        snapshot=snapshot,
        title=exporters.TITLE,
        nation=exporters.NATION,
        motto=exporters.MOTTO,
        as_of_line=exporters.as_of_line(as_of, document["conference"]["timezone"]),
        dated_place=exporters.dated_place(
            document["conference"]["place"], as_of, document["conference"]["timezone"]
        ),
    )


@bp.get("/print")
@requires(OFFICER)
def print_page(slug: str):
    conference = get_conference(slug)
    province = request.args.get("province") or None
    if not national.is_national(conference):
        document = service.current_document(conference)
    elif province is None:  # one subtotal line per province, no points
        document = service.document_of(national.by_province(service.rollup_groups(conference)), conference)
    else:
        document = national.printable(service.current_document(conference), province)
    return official_page(conference, document, utcnow())


@bp.get("/snapshots")
@requires(OFFICER)
def snapshots(slug: str):
    conference = get_conference(slug)
    frozen = service.list_snapshots(conference)
    return render_template(
        "returns/snapshots.html",
        conference=conference,
        snapshots=frozen,
        people=actor_names(s.created_by for s in frozen),
        tw_configured=bool(current_app.config.get("TW_RETURN_URL")),
    )


@bp.post("/snapshots")
@requires(OFFICER)
def freeze(slug: str):
    conference = get_conference(slug)
    snapshot = service.freeze(conference, g.principal.actor)
    db.session.commit()
    flash(f"Đã chốt số liệu (bản chốt số {snapshot.id}).", "success")
    return redirect(url_for("returns.snapshot", slug=slug, snapshot_id=snapshot.id))


@bp.get("/snapshots/<int:snapshot_id>")
@requires(OFFICER)
def snapshot(slug: str, snapshot_id: int):
    conference = get_conference(slug)
    frozen = service.get_snapshot(conference, snapshot_id)
    tw_configured = bool(current_app.config.get("TW_RETURN_URL"))
    return render_template(
        "returns/snapshot.html",
        conference=conference,
        snapshot=frozen,
        document=frozen.document,
        people=actor_names([frozen.created_by]),
        others=[s for s in service.list_snapshots(conference) if s.id != frozen.id],
        links=SnapshotLinks.of_blueprint(
            "returns", slug, frozen.id, back=url_for("returns.snapshots", slug=slug)
        ),
        tw_configured=tw_configured,
        retry=service.retry_state(frozen) if tw_configured else None,
    )


@bp.get("/snapshots/<int:snapshot_id>/print")
@requires(OFFICER)
def snapshot_print(slug: str, snapshot_id: int):
    conference = get_conference(slug)
    frozen = service.get_snapshot(conference, snapshot_id)
    return official_page(conference, frozen.document, frozen.created_at, snapshot=frozen)


@bp.get("/snapshots/<int:snapshot_id>/file.<fmt>")
@requires(OFFICER)
def snapshot_file(slug: str, snapshot_id: int, fmt: str):
    conference = get_conference(slug)
    frozen = service.get_snapshot(conference, snapshot_id)
    return file_response(
        service.export_document(
            frozen.document,
            fmt,
            frozen.created_at,
            frozen=frozen.sha256,
            signature=exporters.Signature.of_conference(conference),
        )
    )


@bp.get("/snapshots/<int:snapshot_id>/diff")
@requires(OFFICER)
def diff(slug: str, snapshot_id: int):
    conference = get_conference(slug)
    newer = service.get_snapshot(conference, snapshot_id)
    against = request.args.get("against", type=int)
    if against is None:
        flash("Chọn một bản chốt để so sánh.", "warning")
        return redirect(url_for("returns.snapshot", slug=slug, snapshot_id=snapshot_id))
    older = service.get_snapshot(conference, against)
    labels = {c["code"]: c["label"] for c in newer.document["categories"]}
    return render_template(
        "returns/diff.html",
        conference=conference,
        older=older,
        newer=newer,
        diff=service.diff_snapshots(older, newer),
        labels=labels,
        status_labels={**STATUS_LABELS, None: "—"},
    )


@bp.post("/snapshots/<int:snapshot_id>/submit")
@requires(OFFICER)
def submit(slug: str, snapshot_id: int):
    conference = get_conference(slug)
    frozen = service.get_snapshot(conference, snapshot_id)
    try:
        outcome = service.submit(frozen, g.principal.actor)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.detail, "error")
        return redirect(url_for("returns.snapshot", slug=slug, snapshot_id=snapshot_id))
    if outcome.already_accepted:
        flash("Trung ương đã nhận đúng nội dung này trước đó; không cần gửi lại.", "info")
    elif outcome.accepted:
        flash("Trung ương đã nhận báo cáo.", "success")
    else:
        retry = service.retry_state(frozen)
        later = (
            "Hệ thống sẽ tự gửi lại lúc "
            f"{format_datetime_vi(retry.next_at, conference.timezone)}; bạn cũng có thể gửi "
            "tệp Excel."
            if retry is not None and retry.state == "waiting"
            else "Vui lòng kiểm tra trả lời của Trung ương bên dưới hoặc gửi tệp Excel."
        )
        flash(f"Trung ương chưa nhận báo cáo sau {len(outcome.attempts)} lần thử. {later}", "error")
    return redirect(url_for("returns.snapshot", slug=slug, snapshot_id=snapshot_id))
