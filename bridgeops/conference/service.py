"""Conferences, sessions and categories; the only writer of their tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bridgeops.conference.models import Conference, ConferenceSession, DelegateCategory
from bridgeops.core.errors import NotFound, ValidationFailed
from bridgeops.core.text import clean
from bridgeops.extensions import db


def get_conference(slug: str) -> Conference:
    conference = db.session.scalar(sa.select(Conference).where(Conference.slug == slug))
    if conference is None:
        raise NotFound(f"Không có hội nghị '{slug}'.")
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
    return session


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": "Giờ kết thúc phải sau giờ bắt đầu."})
