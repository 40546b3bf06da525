"""Health API: heartbeats, the live status of a conference, rehearsal sign-offs."""

from __future__ import annotations

from typing import Literal

from flask import g

from bridgeops.accounts.access import BOARD, SCOPED_POINT, TECHNICIAN, requires
from bridgeops.api import api_bp, operation
from bridgeops.conference import service as conferences
from bridgeops.core.clock import database_now
from bridgeops.core.errors import Forbidden
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.health import board, service
from bridgeops.health.models import HealthState, RehearsalSignoff
from bridgeops.health.schemas import (
    AvailabilityOut,
    ChangeOut,
    IncidentOut,
    PointHealthOut,
    PointStatus,
    RehearsalSignoffIn,
    RehearsalSignoffOut,
    StatusOut,
    StatusQuery,
    StatusSummary,
    UnitRef,
    WindowOut,
)
from bridgeops.health.watchdog import monitoring_stopped_since
from bridgeops.health.windows import current_or_next_window
from bridgeops.registration.models import BridgePoint


@api_bp.post("/heartbeat")
@requires(TECHNICIAN)
@operation(
    "Nhịp tim của máy tại điểm cầu: điểm cầu đang hoạt động",
    tags=("health",),
    status=204,
    description="Gửi mỗi 30 giây bằng mã của kỹ thuật viên (scripts/heartbeat.py).",
)
def heartbeat():
    point_id = g.principal.point_id
    if point_id is None:
        raise Forbidden("Mã truy cập này không gắn với điểm cầu nào.")
    service.record_heartbeat(point_id)
    db.session.commit()
    return None


@api_bp.get("/conferences/<slug>/status")
@requires(BOARD)
@operation(
    "Tình trạng kết nối trực tiếp của các điểm cầu",
    tags=("health",),
    query=StatusQuery,
    response=StatusOut,
    description="Cán bộ đầu mối xem mọi điểm; chủ tịch Hội cấp huyện xem huyện mình. "
    "Điểm mất kết nối đứng trước.",
    errors={403: "Không có quyền", 404: "Không có hội nghị này"},
)
def conference_status(slug: str, query: StatusQuery):
    conference = conferences.get_conference(slug)
    principal = board.require_board_viewer(g.principal, conference)
    tally = board.summary(principal, conference)
    rows, total = board.point_rows(
        principal,
        conference,
        states=(query.state,) if query.state else (),
        offset=(query.page - 1) * query.per_page,
        limit=query.per_page,
    )
    window = current_or_next_window(conference, utcnow())
    stopped = monitoring_stopped_since(conference, database_now())
    if stopped is not None:  # stale states say nothing about now
        tally = board.unknown_tally(tally)
    return StatusOut(
        summary=StatusSummary(**tally.counts, total=tally.total),
        monitoring_stopped_since=stopped,
        points=[
            PointStatus(
                id=r.id,
                unit=UnitRef(code=r.unit_code, name=r.unit_name, level=r.level),
                name=r.name,
                level=r.level,
                state=HealthState.UNKNOWN if stopped else HealthState(r.state),
                since=r.since,
                last_seen_at=r.last_seen_at,
                last_check_at=r.last_check_at,
                reason=board.shown_reason(principal, r.reason),
            )
            for r in rows
        ],
        total=total,
        page=query.page,
        per_page=query.per_page,
        window=WindowOut(
            session_id=window.session.id,
            title=window.session.title,
            kind=window.session.kind,
            active=window.active,
            opens_at=window.opens_at,
            closes_at=window.closes_at,
        )
        if window
        else None,
    )


def signoff_out(signoff: RehearsalSignoff) -> RehearsalSignoffOut:
    def word(ok: bool) -> Literal["ok", "problem"]:
        return "ok" if ok else "problem"

    return RehearsalSignoffOut(
        point_id=signoff.point_id,
        audio=word(signoff.audio_ok),
        video=word(signoff.video_ok),
        presentation=word(signoff.presentation_ok),
        note=signoff.note,
        passed=signoff.passed,
        signed_by=signoff.signed_by,
        signed_at=signoff.signed_at,
    )


def _signable_point() -> BridgePoint:
    point = g.point
    if not (g.principal.is_officer or g.principal.point_id == point.id):
        raise Forbidden("Chỉ kỹ thuật viên của điểm cầu hoặc cán bộ đầu mối được ký tổng duyệt.")
    return point


@api_bp.put("/points/<int:point_id>/rehearsal")
@requires(SCOPED_POINT)
@operation(
    "Ký kết quả tổng duyệt của điểm cầu (âm thanh, hình ảnh, trình chiếu)",
    tags=("health",),
    body=RehearsalSignoffIn,
    response=RehearsalSignoffOut,
    errors={403: "Không có quyền", 404: "Không có điểm cầu này"},
)
def put_rehearsal_signoff(point_id: int, body: RehearsalSignoffIn):
    point = _signable_point()
    signoff = service.record_signoff(point, body, g.principal.actor, utcnow())
    db.session.commit()
    return signoff_out(signoff)


@api_bp.get("/points/<int:point_id>/health")
@requires(SCOPED_POINT)
@operation(
    "Lịch sử kết nối của một điểm cầu: trạng thái, thay đổi, sự cố, tỷ lệ trực tuyến",
    tags=("health",),
    response=PointHealthOut,
    errors={404: "Không có điểm cầu này (hoặc ngoài phạm vi)"},
)
def point_health(point_id: int):
    history = board.point_history(g.point)
    health = history.health

    def shown(reason: str | None) -> str:
        return board.shown_reason(g.principal, reason)

    return PointHealthOut(
        point_id=point_id,
        state=HealthState(health.state) if health else HealthState.UNKNOWN,
        since=health.since if health else None,
        last_seen_at=health.last_seen_at if health else None,
        last_check_at=health.last_check_at if health else None,
        reason=shown(health.reason if health else ""),
        changes=[
            ChangeOut(at=c.at, from_state=c.from_state, to_state=c.to_state, reason=shown(c.reason))
            for c in history.changes
        ],
        incidents=[
            IncidentOut(
                kind=i.kind,
                started_at=i.started_at,
                ended_at=i.ended_at,
                duration_seconds=i.duration_seconds,
                reason=shown(i.reason),
                cause_point_id=i.cause_point_id,
            )
            for i in history.incidents
        ],
        availability=[
            AvailabilityOut(
                session_id=s.id,
                title=s.title,
                checks=checks,
                up_checks=up,
                share_up=up / checks if checks else None,
            )
            for s, checks, up in history.availability
        ],
    )
