"""/api/v1/conferences: read, set up, change, add sessions, copy."""

from __future__ import annotations

from typing import Any

from flask import g, url_for

from bridgeops.accounts.access import OFFICER, SIGNED_IN, can_use_conference, requires
from bridgeops.api import api_bp, operation
from bridgeops.conference import service
from bridgeops.conference.copy import copy_conference
from bridgeops.conference.models import RETURN_FIELDS, Conference, ConferenceSession
from bridgeops.conference.schemas import (
    CategoryOut,
    ConferenceIn,
    ConferenceList,
    ConferenceOut,
    ConferencePatch,
    CopyIn,
    CopyOut,
    SessionIn,
    SessionOut,
    SessionPatch,
    UnplacedOut,
)
from bridgeops.core.errors import NotFound
from bridgeops.extensions import db


def conference_out(conference: Conference) -> ConferenceOut:
    return ConferenceOut(**_conference_fields(conference))


def _conference_fields(conference: Conference) -> dict:
    source = db.session.get(Conference, conference.copied_from_id) if conference.copied_from_id else None
    return dict(
        slug=conference.slug,
        title=conference.title,
        organizer=conference.organizer,
        host_name=conference.host_name,
        host_unit_code=conference.host_unit_code,
        map=conference.unit_map,
        timezone=conference.timezone,
        registration_closes_at=conference.registration_closes_at,
        contact_name=conference.contact_name,
        contact_email=conference.contact_email,
        contact_phone=conference.contact_phone,
        **{name: getattr(conference, name) for name in RETURN_FIELDS},
        copied_from=source.slug if source else None,
        archived=conference.archived_at is not None,
        sessions=[session_out(s) for s in conference.sessions],
        categories=[CategoryOut(code=c.code, label=c.label, levels=c.levels) for c in conference.categories],
    )


def session_out(session: ConferenceSession) -> SessionOut:
    return SessionOut(
        id=session.id,
        kind=session.kind,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        sequence=session.sequence,
        cancelled=session.cancelled_at is not None,
    )


def _created(out: ConferenceOut | CopyOut, conference: Conference) -> tuple[Any, int, dict[str, str]]:
    """The 201 answer for a conference just made (set up or copied), with where to read it."""
    return out, 201, {"Location": url_for("api.get_conference", slug=conference.slug)}


TAGS = ("conference",)
#: Refusals of anything under one conference.
MISSING = {404: "Không có hội nghị này"}
#: Refusals of anything that makes a new conference (set up or copied).
NEW_CONFERENCE_ERRORS = {409: "Mã hội nghị đã được dùng", 422: "Dữ liệu không hợp lệ"}


@api_bp.get("/conferences")
@operation("Các hội nghị, mới nhất trước", tags=TAGS, auth="officer", response=ConferenceList)
def list_conferences():
    return ConferenceList(items=[conference_out(c) for c in service.list_conferences()])


@api_bp.post("/conferences")
@operation(
    "Tạo một hội nghị với các phiên và thành phần đại biểu",
    tags=TAGS,
    auth="officer",
    body=ConferenceIn,
    response=ConferenceOut,
    status=201,
    errors=NEW_CONFERENCE_ERRORS,
)
def create_conference(body: ConferenceIn):
    conference = service.create_conference(body, actor=g.principal.actor)
    db.session.commit()
    return _created(conference_out(conference), conference)


@api_bp.get("/conferences/<slug>")
@requires(SIGNED_IN)
@operation(
    "Thông tin hội nghị, các phiên và thành phần đại biểu",
    tags=TAGS,
    response=ConferenceOut,
    errors=MISSING,
)
def get_conference(slug: str):
    conference = service.get_conference(slug)
    if not can_use_conference(g.principal, conference.id):
        # A chair's or technician's link opens its own conference only; not even the name leaks.
        raise NotFound(f"Không có hội nghị '{slug}'.")
    return conference_out(conference)


@api_bp.patch("/conferences/<slug>")
@operation(
    "Đổi tên, đơn vị tổ chức, hạn đăng ký hoặc cán bộ đầu mối",
    tags=TAGS,
    auth="officer",
    body=ConferencePatch,
    response=ConferenceOut,
    errors={**MISSING, 409: "Hội nghị đã lưu trữ", 422: "Dữ liệu không hợp lệ"},
)
def patch_conference(slug: str, body: ConferencePatch):
    conference = service.get_conference(slug)
    service.update_conference(conference, body, actor=g.principal.actor)
    db.session.commit()
    return conference_out(conference)


@api_bp.post("/conferences/<slug>/sessions")
@operation(
    "Thêm một phiên; gửi thư mời cho mọi kỹ thuật viên của hội nghị",
    tags=TAGS,
    auth="officer",
    body=SessionIn,
    response=SessionOut,
    status=201,
    errors={**MISSING, 409: "Hội nghị đã lưu trữ", 422: "Giờ của phiên không hợp lệ"},
)
def add_session(slug: str, body: SessionIn):
    conference = service.get_conference(slug)
    session = service.add_session_from(conference, body, actor=g.principal.actor)
    db.session.commit()
    return session_out(session), 201


@api_bp.patch("/conferences/<slug>/sessions/<int:session_id>")
@requires(OFFICER)
@operation(
    "Đổi giờ, tên hoặc hủy một phiên; gửi cập nhật lịch cho phiên đó",
    tags=TAGS,
    body=SessionPatch,
    response=SessionOut,
    errors={404: "Không có hội nghị hoặc phiên này", 422: "Giờ kết thúc phải sau giờ bắt đầu"},
)
def patch_session(slug: str, session_id: int, body: SessionPatch):
    session = service.get_session(service.get_conference(slug), session_id)
    service.update_session(
        session,
        title=body.title,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        cancelled=body.cancelled,
        actor=g.principal.actor,
    )
    db.session.commit()
    return session_out(session)


@api_bp.post("/conferences/<slug>/copy")
@operation(
    "Sao chép hội nghị: thành phần, các phiên (dời N ngày) và các điểm cầu (bản nháp)",
    tags=TAGS,
    auth="officer",
    body=CopyIn,
    response=CopyOut,
    status=201,
    errors={**MISSING, **NEW_CONFERENCE_ERRORS},
)
def copy(slug: str, body: CopyIn):
    result = copy_conference(service.get_conference(slug), body, actor=g.principal.actor)
    db.session.commit()
    unplaced = [UnplacedOut(unit=code, name=name) for code, name in result.unplaced]
    out = CopyOut(**_conference_fields(result.conference), carried=result.carried, unplaced=unplaced)
    return _created(out, result.conference)
