"""Follow-up conferences over the API: each unit's report, the tracker, the deadlines and the
consolidated report to TW (files, snapshots, submission)."""

from __future__ import annotations

from flask import g

from bridgeops.accounts.access import BOARD, OFFICER, requires
from bridgeops.api import api_bp, operation
from bridgeops.conference.service import get_conference
from bridgeops.core.errors import NotFound
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.followup import document as documents
from bridgeops.followup import service
from bridgeops.followup.models import FollowupConference
from bridgeops.followup.schemas import (
    DeadlinesIn,
    FollowupIn,
    FollowupOut,
    ReportQuery,
    TrackerOut,
    TrackerQuery,
    TrackerRowOut,
)
from bridgeops.returns import service as returns
from bridgeops.returns.api import add_snapshot_api, created_snapshot

TAGS = ("followup",)


def followup_out(followup: FollowupConference) -> FollowupOut:
    return FollowupOut(
        unit_code=followup.unit_code,
        unit_name=followup.unit.name,
        level=followup.level,
        attendance=followup.attendance,
        **{name: getattr(followup, name) for name in service.FIELDS},
        version=followup.version,
        updated_by=followup.updated_by,
        updated_at=followup.updated_at,
    )


@api_bp.get("/conferences/<slug>/followups")
@requires(OFFICER)
@operation(
    "Theo dõi hội nghị triển khai: x/N đơn vị đã tổ chức, tỷ lệ chi hội, quá hạn trước",
    tags=TAGS,
    query=TrackerQuery,
    response=TrackerOut,
)
def get_tracker(slug: str, query: TrackerQuery):
    tracker = service.tracker(get_conference(slug), query.level)
    return TrackerOut(
        level=tracker.level,
        deadline=tracker.deadline,
        units_total=tracker.units_total,
        units_held=tracker.units_held,
        branches_total=tracker.branches_total,
        branches_reached=tracker.branches_reached,
        branches_reached_percent=tracker.branches_percent,
        rows=[
            TrackerRowOut(
                unit_code=r.unit.code,
                unit_name=r.unit.name,
                state=r.state,
                deadline=r.deadline,
                held_on=r.followup.held_on if r.followup else None,
                branches_total=r.followup.branches_total if r.followup else 0,
                branches_reached=r.followup.branches_reached if r.followup else 0,
                attendance=r.followup.attendance if r.followup else 0,
            )
            for r in tracker.rows
        ],
    )


@api_bp.get("/conferences/<slug>/followups/<unit_code>")
@requires(BOARD)
@operation(
    "Hội nghị triển khai của một đơn vị",
    tags=TAGS,
    response=FollowupOut,
    errors={404: "Đơn vị chưa báo cáo hoặc ngoài phạm vi của bạn"},
)
def get_followup(slug: str, unit_code: str):
    conference = get_conference(slug)
    unit = service.get_unit(conference, unit_code)
    followup = service.get_followup(conference, unit.code)
    if followup is None or not service.may_report(g.principal, conference, unit):
        raise NotFound(f"Chưa có báo cáo hội nghị triển khai của {unit.name}.")
    return followup_out(followup)


@api_bp.put("/conferences/<slug>/followups/<unit_code>")
@requires(BOARD)
@operation(
    "Ghi hội nghị triển khai của đơn vị (chủ tịch Hội đơn vị hoặc cấp trên, cán bộ đầu mối)",
    tags=TAGS,
    body=FollowupIn,
    response=FollowupOut,
    errors={
        403: "Ngoài phạm vi của bạn",
        404: "Không có đơn vị này",
        409: "Báo cáo đã được người khác sửa (version cũ)",
    },
)
def put_followup(slug: str, unit_code: str, body: FollowupIn):
    conference = get_conference(slug)
    followup = service.record(conference, service.get_unit(conference, unit_code), body, g.principal)
    out = followup_out(followup)
    db.session.commit()
    return out


@api_bp.put("/conferences/<slug>/followup-deadlines")
@requires(OFFICER)
@operation("Đặt hạn tổ chức hội nghị triển khai theo cấp", tags=TAGS, body=DeadlinesIn, response=DeadlinesIn)
def put_deadlines(slug: str, body: DeadlinesIn):
    saved = service.set_deadlines(get_conference(slug), body, g.principal.actor)
    db.session.commit()
    return DeadlinesIn(**saved)


@api_bp.get("/conferences/<slug>/followup-report")
@requires(OFFICER)
@operation(
    "Báo cáo tổng hợp kết quả hội nghị triển khai các cấp (JSON, hoặc ?format=csv|xlsx)",
    tags=TAGS,
    query=ReportQuery,
    media={"text/csv": "CSV UTF-8 có BOM", returns.FORMATS["xlsx"]: "Tệp Excel"},
)
def get_report(slug: str, query: ReportQuery):
    conference = get_conference(slug)
    now = utcnow()
    document = service.document_of(conference, now)
    if query.format != "json":
        return documents.REPORT.file(document, query.format, now)
    return {**document, "generated_at": now.isoformat()}


@api_bp.post("/conferences/<slug>/followup-report/snapshots")
@requires(OFFICER)
@operation("Chốt báo cáo tổng hợp hội nghị triển khai (bản chốt có mã sha256)", tags=TAGS, status=201)
def create_followup_snapshot(slug: str):
    snapshot = service.freeze(get_conference(slug), g.principal.actor)
    db.session.commit()
    return created_snapshot(snapshot, "api.get_followup_snapshot", slug)


add_snapshot_api(
    "followup", "/conferences/<slug>/followup-report", "followup", "báo cáo hội nghị triển khai", TAGS
)
