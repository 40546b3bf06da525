"""Conferences, sessions and categories; the only writer of their tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bridgeops.audit import service as audit
from bridgeops.conference.models import Conference, ConferenceSession, DelegateCategory
from bridgeops.core.errors import NotFound, ValidationFailed
from bridgeops.core.text import clean
from bridgeops.core.time import as_utc, utcnow
from bridgeops.events import session_changed
from bridgeops.extensions import db


def get_conference(slug: str) -> Conference:
    conference = db.session.scalar(sa.select(Conference).where(Conference.slug == slug))
    if conference is None:
        raise NotFound(f"Không có hội nghị '{slug}'.")
    return conference


def get_conference_by_id(conference_id: int) -> Conference:
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        raise NotFound("Không có hội nghị này.")
    return conference


def list_conferences() -> list[Conference]:
    return list(db.session.scalars(sa.select(Conference).order_by(Conference.created_at.desc())))


def get_session(conference: Conference, session_id: int) -> ConferenceSession:
    session = db.session.get(ConferenceSession, session_id)
    if session is None or session.conference_id != conference.id:
        raise NotFound(f"Không có phiên {session_id} trong hội nghị {conference.slug}.")
    return session


def categories_for_level(conference: Conference, level: str) -> list[DelegateCategory]:
    return [c for c in conference.categories if level in c.levels]


def add_session(conference: Conference, kind: str, title: str, starts_at: datetime,
                ends_at: datetime) -> ConferenceSession:
    _check_times(starts_at, ends_at)
    session = ConferenceSession(conference=conference, kind=kind, title=clean(title),
                                starts_at=starts_at, ends_at=ends_at)
    db.session.add(session)
    db.session.flush()
    session_changed.send(session)  # technicians already registered get this session's invite
    return session


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": "Giờ kết thúc phải sau giờ bắt đầu."})


def update_session(session: ConferenceSession, *, title: str | None = None,
                   starts_at: datetime | None = None, ends_at: datetime | None = None,
                   cancelled: bool | None = None, actor: str = "system") -> bool:
    """Change a session's title, times or cancellation; returns whether anything changed.

    A real change raises the iCalendar SEQUENCE and announces ``session_changed`` (invites
    queue the updates for this session only, in the same transaction).
    """
    new_title = clean(title) if title is not None else session.title
    new_start = as_utc(starts_at) if starts_at is not None else session.starts_at
    new_end = as_utc(ends_at) if ends_at is not None else session.ends_at
    if not new_title:
        raise ValidationFailed({"title": "Tên phiên không được để trống."})
    _check_times(new_start, new_end)
    is_cancelled = session.cancelled_at is not None if cancelled is None else cancelled
    changed = (new_title != session.title or new_start != session.starts_at
               or new_end != session.ends_at or is_cancelled != (session.cancelled_at is not None))
    if not changed:
        return False
    before = _session_facts(session)
    session.title, session.starts_at, session.ends_at = new_title, new_start, new_end
    session.cancelled_at = (session.cancelled_at or utcnow()) if is_cancelled else None
    session.sequence += 1
    db.session.flush()
    audit.record(actor, "conference_session", session.id, "update",
                 conference_id=session.conference_id, before=before, after=_session_facts(session))
    session_changed.send(session)
    return True


def _session_facts(session: ConferenceSession) -> dict:
    return {"title": session.title, "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(), "sequence": session.sequence,
            "cancelled": session.cancelled_at is not None}
