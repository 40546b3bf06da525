"""Pages every frozen report shares (the headcount return has its own richer ones): the
official printed sheet, a snapshot's page with its files, and submitting it to TW.

The attendance and follow-up reports call these with their own document, sheet and routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, flash, render_template

from bridgeops.conference.models import Conference
from bridgeops.core.errors import DomainError
from bridgeops.core.time import format_datetime_vi
from bridgeops.extensions import db
from bridgeops.returns import exporters, service
from bridgeops.returns.exporters import Sheet
from bridgeops.returns.models import ReturnSnapshot


def print_page(
    conference: Conference,
    sheet: Sheet,
    as_of: datetime,
    back_url: str,
    snapshot: ReturnSnapshot | None = None,
) -> str:
    """The sheet on an A4 page in the administrative layout."""
    return render_template(
        "returns/sheet_print.html",
        conference=conference,
        sheet=sheet,
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
