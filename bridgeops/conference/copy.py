"""Copying a conference: next year's edition starts from this year's rooms and people.

One request carries the categories, the sessions (moved by N days) and every live point as a
draft of the new conference (name, venue, capacity, technicians, probe target, upstream; no
delegate counts). The source is only read. Invites go out for the new sessions only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bridgeops.audit import service as audit
from bridgeops.conference import service
from bridgeops.conference.models import RETURN_FIELDS, Conference, ConferenceSession
from bridgeops.conference.schemas import (
    CategoryIn,
    ConferenceIn,
    CopyIn,
    SessionIn,
    check_session_times,
)
from bridgeops.core.errors import ValidationFailed
from bridgeops.events import conference_copied, session_changed


@dataclass(frozen=True)
class CopyResult:
    conference: Conference
    #: How many of the source's points became draft points of the copy.
    carried: int
    #: (unit code, unit name) of source points with no place in the copy.
    unplaced: list[tuple[str, str]]


def copy_conference(source: Conference, data: CopyIn, *, actor: str) -> CopyResult:
    """A new conference from ``source``; see the module docstring. 409 for a slug in use."""
    host = data.host_unit_code if "host_unit_code" in data.model_fields_set else source.host_unit_code
    to_map = data.map or source.unit_map
    shift = timedelta(days=data.shift_days)
    new_sessions = [_shifted(s, shift) for s in source.sessions if s.cancelled_at is None]
    closes = source.registration_closes_at
    # Built without re-validation: the source's own fields were validated when it was created.
    fields = ConferenceIn.model_construct(
        slug=data.slug,
        title=data.title or source.title,
        organizer=source.organizer,
        host_name=source.host_name if host == source.host_unit_code else "",
        host_unit_code=host,
        map=to_map,
        timezone=source.timezone,
        registration_closes_at=closes + shift if closes else None,
        contact_name=source.contact_name,
        contact_email=source.contact_email,
        contact_phone=source.contact_phone,
        **{name: getattr(source, name) for name in RETURN_FIELDS},
        sessions=new_sessions,
        categories=[
            CategoryIn.model_construct(code=c.code, label=c.label, levels=c.levels) for c in source.categories
        ],
    )
    conference = service.create_conference(fields, actor=actor, copied_from=source)
    carried, unplaced = 0, []
    # Registration carries the points over (a receiver, so conference never imports it).
    for _receiver, (count, missing) in conference_copied.send(conference, source=source, actor=actor):
        carried += count
        unplaced.extend(missing)
    for session in conference.sessions:
        session_changed.send(session)  # the carried technicians' invites, new sessions only
    audit.record(
        actor,
        "conference",
        conference.id,
        "copy",
        conference_id=conference.id,
        after={
            "from": source.slug,
            "shift_days": data.shift_days,
            "map": to_map,
            "carried": carried,
            "unplaced": [code for code, _ in unplaced],
        },
    )
    return CopyResult(conference, carried, unplaced)


def _shifted(session: ConferenceSession, shift: timedelta) -> SessionIn:
    starts, ends = session.starts_at + shift, session.ends_at + shift
    problem = check_session_times(starts, ends)
    if problem:
        raise ValidationFailed({"shift_days": f"{session.title}: {problem}"})
    return SessionIn.model_construct(kind=session.kind, title=session.title, starts_at=starts, ends_at=ends)
