"""Keeping every technician's calendar right; the only writer of the invite table.

Desired invites are (session, technician) for every session that is not cancelled and every
technician with an email at a point that is not withdrawn. ``reconcile_*`` compares them with
what was last sent and queues, in the caller's transaction, exactly the difference: a REQUEST
for a new invite, a REQUEST with a higher SEQUENCE for a changed one, a CANCEL for one that is no
longer wanted. Running it again queues nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from bridgeops.conference.models import Conference, ConferenceSession
from bridgeops.core.time import local, utcnow
from bridgeops.extensions import db
from bridgeops.invites import links, messages
from bridgeops.invites.builders import EventDetails, build_cancel, build_request
from bridgeops.invites.models import Invite
from bridgeops.mail import service as mail
from bridgeops.mail.builders import build_calendar_message
from bridgeops.mail.models import OutboxMessage
from bridgeops.registration.models import BridgePoint, Contact

Key = tuple[int, int]  # (session id, contact id)


@dataclass(frozen=True)
class Wanted:
    """One invite that should be in a technician's calendar."""

    session: ConferenceSession
    point: BridgePoint
    contact: Contact


def uid_for(session_id: int, point_id: int) -> str:
    """The event's UID, stable per (session, point) whatever else changes."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "bridgeops.local"
    return f"session-{session_id}-point-{point_id}@{host}"


def recipients(point: BridgePoint) -> list[Contact]:
    """The point's technicians who can receive mail."""
    return [c for c in point.technicians if c.email]


def reconcile_point(point: BridgePoint) -> list[OutboxMessage]:
    """Queue what the point's technicians need after the point (or its technicians) changed."""
    wanted: dict[Key, Wanted] = {}
    if point.status != "withdrawn":
        for session in point.conference.sessions:
            if session.cancelled_at is None:
                for contact in recipients(point):
                    wanted[(session.id, contact.id)] = Wanted(session, point, contact)
    sent = db.session.scalars(sa.select(Invite).where(Invite.point_id == point.id))
    return _reconcile(wanted, list(sent))


def reconcile_session(session: ConferenceSession) -> list[OutboxMessage]:
    """Queue what every technician needs after one session changed; other sessions untouched."""
    wanted: dict[Key, Wanted] = {}
    if session.cancelled_at is None:
        points = db.session.scalars(
            sa.select(BridgePoint).options(selectinload(BridgePoint.contacts))
            .where(BridgePoint.conference_id == session.conference_id,
                   BridgePoint.status != "withdrawn"))
        for point in points:
            for contact in recipients(point):
                wanted[(session.id, contact.id)] = Wanted(session, point, contact)
    sent = db.session.scalars(sa.select(Invite).where(Invite.session_id == session.id))
    return _reconcile(wanted, list(sent))


def _reconcile(wanted: dict[Key, Wanted], sent: list[Invite]) -> list[OutboxMessage]:
    by_key = {(row.session_id, row.contact_id): row for row in sent}
    by_uid: dict[Key, list[Invite]] = defaultdict(list)  # (session, point) → rows
    for row in sent:
        by_uid[(row.session_id, row.point_id)].append(row)
    # One sequence per UID for the whole pass, so all attendees of one change get the same one.
    sequences: dict[Key, int] = {}

    def next_sequence(session: ConferenceSession, point_id: int) -> int:
        uid_key = (session.id, point_id)
        if uid_key not in sequences:
            sequences[uid_key] = _next_sequence(session, by_uid[uid_key])
        return sequences[uid_key]

    queued: list[OutboxMessage] = []
    for key, want in sorted(wanted.items()):
        row = by_key.get(key)
        fingerprint = _fingerprint(want)
        if row is not None and row.status == "active" and row.fingerprint == fingerprint:
            continue
        sequence = next_sequence(want.session, want.point.id)
        if row is not None and row.status == "active" and row.email != want.contact.email:
            # The old address must drop the event before the new one gets it.
            queued.append(_cancel(row, want.session, want.point, sequence, "email_changed"))
        kind = "invite" if row is None or row.status == "cancelled" else "update"
        if row is None:
            row = Invite(session_id=want.session.id, point_id=want.point.id,
                         contact_id=want.contact.id,
                         uid=uid_for(want.session.id, want.point.id))
            db.session.add(row)
        row.sequence, row.fingerprint, row.status = sequence, fingerprint, "active"
        row.email, row.name, row.updated_at = want.contact.email, want.contact.name, utcnow()
        queued.append(_request(want, row, kind))
    for key, row in sorted(by_key.items()):
        if key in wanted or row.status != "active":
            continue
        session = db.session.get(ConferenceSession, row.session_id)
        point = db.session.get(BridgePoint, row.point_id)
        row.sequence = next_sequence(session, row.point_id)
        row.status, row.updated_at = "cancelled", utcnow()
        reason = ("session_cancelled" if session.cancelled_at is not None
                  else "point_withdrawn" if point.status == "withdrawn" else "removed")
        queued.append(_cancel(row, session, point, row.sequence, reason))
    db.session.flush()
    return queued


def _next_sequence(session: ConferenceSession, same_uid: list[Invite]) -> int:
    """Higher than anything sent for this UID, and never below the session's own sequence."""
    return max([session.sequence] + [row.sequence + 1 for row in same_uid])


def _fingerprint(want: Wanted) -> str:
    facts = [want.session.starts_at.isoformat(), want.session.ends_at.isoformat(),
             messages.summary(want.session, want.point), messages.location(want.point),
             want.contact.email.lower()]
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()


def _event(session: ConferenceSession, point: BridgePoint, sequence: int, name: str, email: str,
           description: str, url: str = "", cancelled: bool = False) -> EventDetails:
    conference = session.conference
    return EventDetails(
        uid=uid_for(session.id, point.id), sequence=sequence,
        summary=messages.summary(session, point), starts_at=session.starts_at,
        ends_at=session.ends_at, timezone=conference.timezone,
        location=messages.location(point), description=description,
        organizer_name=conference.contact_name or conference.host_name,
        organizer_email=organizer_email(conference), attendees=((name, email),), url=url,
        cancelled=cancelled, dtstamp=utcnow())


def organizer_email(conference: Conference) -> str:
    return conference.contact_email or current_app.config["CONTACT_EMAIL"]


def _request(want: Wanted, row: Invite, kind: str) -> OutboxMessage:
    token = links.technician_token(want.contact)
    texts = messages.invite_texts(want.session, want.point, want.contact.name,
                                  links.technician_url(token), links.feed_url(token), kind)
    ics = build_request(_event(want.session, want.point, row.sequence, want.contact.name,
                               want.contact.email, texts.description,
                               url=links.technician_url(token)))
    return _enqueue(kind, want.session, row.contact_id, row.email, row.sequence, texts, ics,
                    "REQUEST")


def _cancel(row: Invite, session: ConferenceSession, point: BridgePoint, sequence: int,
            reason: str) -> OutboxMessage:
    texts = messages.cancel_texts(session, point, row.name, reason)
    ics = build_cancel(_event(session, point, sequence, row.name, row.email, texts.description,
                              cancelled=True))
    return _enqueue("cancel", session, row.contact_id, row.email, sequence, texts, ics, "CANCEL")


def _enqueue(kind: str, session: ConferenceSession, contact_id: int, email: str, sequence: int,
             texts: messages.Texts, ics: bytes, method: str) -> OutboxMessage:
    config = current_app.config
    mime = build_calendar_message(
        sender=config["MAIL_FROM"], recipient=email, subject=texts.subject, text=texts.text,
        html=texts.html, ics=ics, method=method,
        msgid_domain=urlsplit(config["BASE_URL"]).hostname or "bridgeops.local")
    return mail.enqueue(
        kind=kind, recipient=email, subject=texts.subject, text=texts.text,
        dedupe_key=f"invite:{session.id}:{contact_id}:{sequence}:{method.lower()}",
        conference_id=session.conference_id, mime=mime)


# --- Reminders and acknowledgement --------------------------------------------------------

#: Reminders go out from this local hour on the day before the rehearsal.
REMINDER_HOUR = 8


def queue_rehearsal_reminders(now: datetime | None = None) -> list[OutboxMessage]:
    """On the day before a rehearsal, remind every technician who has not acknowledged.

    Idempotent: one reminder per (rehearsal, technician) whatever the number of runs.
    """
    now = now or utcnow()
    rehearsals = db.session.scalars(sa.select(ConferenceSession).where(
        ConferenceSession.kind == "rehearsal", ConferenceSession.cancelled_at.is_(None),
        ConferenceSession.starts_at > now,
        ConferenceSession.starts_at <= now + timedelta(days=2)))
    queued = []
    for rehearsal in rehearsals:
        zone = rehearsal.conference.timezone
        start_local = local(rehearsal.starts_at, zone)
        window_opens = (start_local - timedelta(days=1)).replace(
            hour=REMINDER_HOUR, minute=0, second=0, microsecond=0)
        if local(now, zone) < window_opens:
            continue
        points = db.session.scalars(sa.select(BridgePoint).where(
            BridgePoint.conference_id == rehearsal.conference_id,
            BridgePoint.status != "withdrawn"))
        for point in points:
            for contact in recipients(point):
                if contact.acknowledged_at is not None:
                    continue
                token = links.technician_token(contact)
                texts = messages.reminder_texts(rehearsal, point, contact.name,
                                                links.technician_url(token))
                queued.append(mail.enqueue(
                    kind="reminder", recipient=contact.email, subject=texts.subject,
                    text=texts.text, html=texts.html,
                    dedupe_key=f"reminder:{rehearsal.id}:{contact.id}",
                    conference_id=rehearsal.conference_id))
    return queued


@dataclass(frozen=True)
class AcknowledgementRow:
    point: BridgePoint
    contact: Contact
    invites_sent: int


def acknowledgements(conference: Conference) -> list[AcknowledgementRow]:
    """Every technician of the conference's live points, for the officers' page."""
    counts = dict(db.session.execute(
        sa.select(Invite.contact_id, sa.func.count()).join(
            ConferenceSession, ConferenceSession.id == Invite.session_id)
        .where(ConferenceSession.conference_id == conference.id, Invite.status == "active")
        .group_by(Invite.contact_id)).all())
    rows = db.session.execute(
        sa.select(BridgePoint, Contact).join(Contact, Contact.point_id == BridgePoint.id)
        .where(BridgePoint.conference_id == conference.id, BridgePoint.status != "withdrawn",
               Contact.role == "technician")
        .order_by(BridgePoint.level, BridgePoint.name, Contact.id))
    return [AcknowledgementRow(point, contact, counts.get(contact.id, 0))
            for point, contact in rows]
