"""GET /api/v1/conferences/{slug}."""

from __future__ import annotations

from flask import g

from bridgeops.accounts.access import OFFICER, SIGNED_IN, requires
from bridgeops.api import api_bp, operation
from bridgeops.conference import service
from bridgeops.conference.models import Conference, ConferenceSession
from bridgeops.conference.schemas import CategoryOut, ConferenceOut, SessionOut, SessionPatch
from bridgeops.extensions import db


def conference_out(conference: Conference) -> ConferenceOut:
    return ConferenceOut(
        slug=conference.slug, title=conference.title, organizer=conference.organizer,
        host_name=conference.host_name, host_unit_code=conference.host_unit_code,
        map=conference.unit_map, timezone=conference.timezone,
        registration_closes_at=conference.registration_closes_at,
        sessions=[session_out(s) for s in conference.sessions],
        categories=[CategoryOut(code=c.code, label=c.label, levels=c.levels)
                    for c in conference.categories],
    )


def session_out(session: ConferenceSession) -> SessionOut:
    return SessionOut(id=session.id, kind=session.kind, title=session.title,
                      starts_at=session.starts_at, ends_at=session.ends_at,
                      sequence=session.sequence, cancelled=session.cancelled_at is not None)


@api_bp.get("/conferences/<slug>")
@requires(SIGNED_IN)
@operation("Thông tin hội nghị, các phiên và thành phần đại biểu", tags=("conference",),
           response=ConferenceOut, errors={404: "Không có hội nghị này"})
def get_conference(slug: str):
    return conference_out(service.get_conference(slug))


@api_bp.patch("/conferences/<slug>/sessions/<int:session_id>")
@requires(OFFICER)
@operation("Đổi giờ, tên hoặc hủy một phiên; gửi cập nhật lịch cho phiên đó", tags=("conference",),
           body=SessionPatch, response=SessionOut,
           errors={404: "Không có hội nghị hoặc phiên này", 422: "Giờ kết thúc phải sau giờ bắt đầu"})
def patch_session(slug: str, session_id: int, body: SessionPatch):
    session = service.get_session(service.get_conference(slug), session_id)
    service.update_session(session, title=body.title, starts_at=body.starts_at,
                           ends_at=body.ends_at, cancelled=body.cancelled,
                           actor=g.principal.actor)
    db.session.commit()
    return session_out(session)
