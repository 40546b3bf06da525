"""Attendance over the API: one call to report a point, the session's return, its snapshots."""

from __future__ import annotations

from flask import g

from bridgeops.accounts.access import OFFICER, SCOPED_POINT, requires
from bridgeops.api import api_bp, operation
from bridgeops.attendance import document as documents
from bridgeops.attendance import service
from bridgeops.attendance.schemas import (
    AttendanceIn,
    AttendanceOut,
    AttendanceQuery,
    AttendanceSnapshotIn,
)
from bridgeops.conference.service import get_conference
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.returns import service as returns
from bridgeops.returns.api import add_snapshot_api, created_snapshot

TAGS = ("attendance",)


@api_bp.post("/points/<int:point_id>/attendance")
@requires(SCOPED_POINT)
@operation(
    "Báo cáo số người có mặt tại điểm cầu trong một phiên (theo thành phần)",
    tags=TAGS,
    body=AttendanceIn,
    response=AttendanceOut,
    errors={
        404: "Không có điểm cầu hoặc phiên này trong phạm vi của bạn",
        409: "Ngoài thời gian báo cáo, điểm cầu đã rút hoặc phiên đã hủy",
    },
)
def report_attendance(point_id: int, body: AttendanceIn):
    point = g.point
    session = service.get_session(point.conference, body.session_id)
    report = service.record(point, session, body.counts, g.principal)
    out = AttendanceOut(
        point_id=point.id,
        session_id=session.id,
        counts=report.counts,
        present=report.present,
        confirmed=point.total_delegates,
        reported_by=report.reported_by,
        reported_at=report.reported_at,
        updated_at=report.updated_at,
    )
    db.session.commit()
    return out


@api_bp.get("/conferences/<slug>/attendance")
@requires(OFFICER)
@operation(
    "Số đại biểu thực tế so với xác nhận của một phiên (JSON, hoặc ?format=csv|xlsx)",
    tags=TAGS,
    query=AttendanceQuery,
    errors={404: "Không có hội nghị hoặc phiên này"},
    media={"text/csv": "CSV UTF-8 có BOM", returns.FORMATS["xlsx"]: "Tệp Excel"},
)
def get_attendance(slug: str, query: AttendanceQuery):
    conference = get_conference(slug)
    session = service.chosen_or_current_session(conference, query.session, utcnow())
    document = service.document_of(conference, session)
    now = utcnow()
    if query.format != "json":
        return documents.REPORT.file(document, query.format, now)
    return {**document, "generated_at": now.isoformat()}


@api_bp.post("/conferences/<slug>/attendance/snapshots")
@requires(OFFICER)
@operation(
    "Chốt số người dự của một phiên (bản chốt có mã sha256)",
    tags=TAGS,
    body=AttendanceSnapshotIn,
    status=201,
    errors={404: "Không có hội nghị hoặc phiên này"},
)
def create_attendance_snapshot(slug: str, body: AttendanceSnapshotIn):
    conference = get_conference(slug)
    snapshot = service.freeze(conference, service.get_session(conference, body.session_id), g.principal.actor)
    db.session.commit()
    return created_snapshot(snapshot, "api.get_attendance_snapshot", slug)


add_snapshot_api("attendance", "/conferences/<slug>/attendance", "attendance", "số người dự", TAGS)
