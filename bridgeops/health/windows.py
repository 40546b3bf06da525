"""Session windows: monitoring runs from 30 minutes before a session (or the rehearsal) to its end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bridgeops.conference.models import Conference, ConferenceSession
from bridgeops.extensions import db

#: How long before a session monitoring starts, so rooms connect and get fixed in time.
LEAD_TIME = timedelta(minutes=30)


@dataclass(frozen=True)
class Window:
    """A session's monitoring window; ``active`` when now is inside it."""

    session: ConferenceSession
    opens_at: datetime
    closes_at: datetime
    active: bool


def window_of(session: ConferenceSession, now: datetime) -> Window:
    opens_at = session.starts_at - LEAD_TIME
    return Window(session, opens_at, session.ends_at, opens_at <= now < session.ends_at)


def current_or_next_window(conference: Conference, now: datetime) -> Window | None:
    """The active window of the conference, else the next one, else None (all over)."""
    sessions = db.session.scalars(
        sa.select(ConferenceSession)
        .where(
            ConferenceSession.conference_id == conference.id,
            ConferenceSession.cancelled_at.is_(None),
            ConferenceSession.ends_at > now,
        )
        .order_by(ConferenceSession.starts_at)
    )
    windows = [window_of(s, now) for s in sessions]
    active = [w for w in windows if w.active]
    if active:
        return active[0]
    return min(windows, key=lambda w: w.opens_at, default=None)


def active_windows(now: datetime) -> list[Window]:
    """One active window per conference being monitored now (the earliest-starting session)."""
    sessions = db.session.scalars(
        sa.select(ConferenceSession)
        .where(
            ConferenceSession.cancelled_at.is_(None),
            ConferenceSession.starts_at <= now + LEAD_TIME,
            ConferenceSession.ends_at > now,
        )
        .order_by(ConferenceSession.conference_id, ConferenceSession.starts_at)
    )
    chosen: dict[int, Window] = {}
    for session in sessions:
        window = window_of(session, now)
        if window.active and session.conference_id not in chosen:
            chosen[session.conference_id] = window
    return list(chosen.values())
