"""Pages every frozen report shares (the headcount return has its own richer ones): the
official printed sheet, a snapshot's page with its files, and submitting it to TW.

The attendance and follow-up reports call these with their own ``Report`` and routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from bridgeops.accounts.access import OFFICER, requires
from bridgeops.conference.models import Conference
from bridgeops.conference.service import get_conference
from bridgeops.core.errors import DomainError
from bridgeops.core.time import format_datetime_vi
from bridgeops.extensions import db
from bridgeops.returns import exporters, service
from bridgeops.returns.api import file_response
from bridgeops.returns.exporters import Sheet
from bridgeops.returns.models import ReturnSnapshot


@dataclass(frozen=True)
class Report:
    """A report frozen and sent like the headcount return: its snapshot kind, and how its
    document becomes the official sheet and a file name."""

    kind: str
    sheet: Callable[[dict[str, Any]], Sheet]
    filename: Callable[[dict[str, Any], str, datetime], str]

    def file(self, document: dict[str, Any], fmt: str, as_of: datetime) -> Response:
        """The document as a CSV, XLSX or JSON download, as of the time of its data."""
        filename = self.filename(document, fmt, as_of)
        return file_response(service.export_sheet(document, self.sheet(document), fmt, as_of, filename))


def print_page(
    conference: Conference,
    sheet: Sheet,
    as_of: datetime,
    back_url: str,
    snapshot: Any = None,
) -> str:
    """The sheet on an A4 page in the administrative layout."""
    return render_template(
        "returns/sheet_print.html",
        conference=conference,
        sheet=sheet,
        headers=sheet.headers,
        rows=sheet.rows,
        snapshot=snapshot,
        back_url=back_url,
        nation=exporters.NATION,
        motto=exporters.MOTTO,
        as_of_line=exporters.as_of_line(as_of, sheet.timezone),
        dated_place=exporters.dated_place(sheet.place, as_of, sheet.timezone),
    )


@dataclass(frozen=True)
class SnapshotLinks:
    """Where a snapshot page's buttons lead."""

    back: str
    print: str
    xlsx: str
    csv: str
    submit: str

    @classmethod
    def of_blueprint(cls, blueprint: str, slug: str, snapshot_id: int, back: str) -> SnapshotLinks:
        """The links of a blueprint's snapshot routes (snapshot_print, snapshot_file, submit)."""
        return cls(
            back=back,
            print=url_for(f"{blueprint}.snapshot_print", slug=slug, snapshot_id=snapshot_id),
            xlsx=url_for(f"{blueprint}.snapshot_file", slug=slug, snapshot_id=snapshot_id, fmt="xlsx"),
            csv=url_for(f"{blueprint}.snapshot_file", slug=slug, snapshot_id=snapshot_id, fmt="csv"),
            submit=url_for(f"{blueprint}.submit", slug=slug, snapshot_id=snapshot_id),
        )


def snapshot_page(
    conference: Conference,
    snapshot: ReturnSnapshot,
    heading: str,
    links: SnapshotLinks,
    facts: list[tuple[str, str]],
) -> str:
    tw_configured = bool(current_app.config.get("TW_RETURN_URL"))
    return render_template(
        "returns/frozen.html",
        conference=conference,
        snapshot=snapshot,
        heading=heading,
        links=links,
        facts=facts,
        tw_configured=tw_configured,
        retry=service.retry_state(snapshot) if tw_configured else None,
    )


def submit_with_message(conference: Conference, snapshot: ReturnSnapshot, actor: str) -> None:
    """Submit from a page: commit what happened and flash it in Vietnamese."""
    try:
        outcome = service.submit(snapshot, actor)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.detail, "error")
        return
    if outcome.already_accepted:
        flash("Trung ương đã nhận đúng nội dung này trước đó; không cần gửi lại.", "info")
    elif outcome.accepted:
        flash("Trung ương đã nhận báo cáo.", "success")
    else:
        retry = service.retry_state(snapshot)
        later = (
            f"Hệ thống sẽ tự gửi lại lúc {format_datetime_vi(retry.next_at, conference.timezone)}."
            if retry is not None and retry.state == "waiting"
            else "Vui lòng kiểm tra trả lời của Trung ương hoặc gửi tệp Excel."
        )
        flash(f"Trung ương chưa nhận báo cáo sau {len(outcome.attempts)} lần thử. {later}", "error")


def snapshot_print_page(conference: Conference, report: Report, snapshot_id: int, back_url: str) -> str:
    """A snapshot's sheet printed as it was frozen."""
    frozen = service.get_snapshot(conference, snapshot_id, report.kind)
    return print_page(conference, report.sheet(frozen.document), frozen.created_at, back_url, snapshot=frozen)


def snapshot_file(conference: Conference, report: Report, snapshot_id: int, fmt: str) -> Response:
    """A snapshot's file, named and dated for the time it was frozen."""
    frozen = service.get_snapshot(conference, snapshot_id, report.kind)
    return report.file(frozen.document, fmt, frozen.created_at)


def submit_snapshot(conference: Conference, report: Report, snapshot_id: int, actor: str) -> None:
    """Submit a snapshot from its page (see submit_with_message)."""
    submit_with_message(conference, service.get_snapshot(conference, snapshot_id, report.kind), actor)


def add_snapshot_routes(bp: Blueprint, base: str, report: Report) -> None:
    """A report's snapshot print page, files and submit button under ``{base}/snapshots/<id>``
    on ``bp``: the endpoints ``SnapshotLinks.of_blueprint`` leads to. The blueprint keeps its
    own ``snapshot`` page (each report shows its own facts) and its freeze route."""

    @bp.get(f"{base}/snapshots/<int:snapshot_id>/print", endpoint="snapshot_print")
    @requires(OFFICER)
    def print_snapshot(slug: str, snapshot_id: int) -> str:
        back = url_for(f"{bp.name}.snapshot", slug=slug, snapshot_id=snapshot_id)
        return snapshot_print_page(get_conference(slug), report, snapshot_id, back)

    @bp.get(f"{base}/snapshots/<int:snapshot_id>/file.<fmt>", endpoint="snapshot_file")
    @requires(OFFICER)
    def download_snapshot(slug: str, snapshot_id: int, fmt: str) -> Response:
        return snapshot_file(get_conference(slug), report, snapshot_id, fmt)

    @bp.post(f"{base}/snapshots/<int:snapshot_id>/submit", endpoint="submit")
    @requires(OFFICER)
    def submit_from_page(slug: str, snapshot_id: int) -> ResponseReturnValue:
        submit_snapshot(get_conference(slug), report, snapshot_id, g.principal.actor)
        return redirect(url_for(f"{bp.name}.snapshot", slug=slug, snapshot_id=snapshot_id), code=303)
