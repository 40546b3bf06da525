"""Invites a restore leaves behind: technicians invited (after the backup was taken) for points or
sessions the restored database no longer knows. Nothing would ever cancel those calendar
entries, so ``restore`` reads the active invites before it replaces the database and, after,
queues a CANCEL (higher SEQUENCE, same UID) for each one that is no longer active."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from bridgeops.conference.models import Conference, ConferenceSession
from bridgeops.config import base_host
from bridgeops.extensions import db
from bridgeops.invites import messages
from bridgeops.invites.builders import EventDetails, build_cancel
from bridgeops.invites.models import Invite, InviteStatus
from bridgeops.invites.service import ConferenceFacts, PointFacts, SessionFacts, organizer_email
from bridgeops.mail import service as mail
from bridgeops.mail.builders import build_calendar_message
from bridgeops.registration.models import BridgePoint


@dataclass(frozen=True)
class SentInvite:
    """An active invite as plain values, so it outlives the database it was read from."""

    uid: str
    email: str
    name: str
    sequence: int
    conference_id: int
    session: SessionFacts
    point: PointFacts


def active_invites() -> list[SentInvite]:
    """Every invite whose last message was a REQUEST (it sits in a calendar now)."""
    rows = db.session.execute(
        sa.select(
            Invite.uid,
            Invite.email,
            Invite.name,
            Invite.sequence,
            ConferenceSession,
            Conference,
            BridgePoint.id,
            BridgePoint.name,
            BridgePoint.venue,
        )
        .join(ConferenceSession, ConferenceSession.id == Invite.session_id)
        .join(Conference, Conference.id == ConferenceSession.conference_id)
        .join(BridgePoint, BridgePoint.id == Invite.point_id)
        .where(Invite.status == InviteStatus.ACTIVE)
    )
    found = []
    for uid, email, name, sequence, session, conference, point_id, point_name, venue in rows:
        facts = ConferenceFacts(
            conference.title,
            conference.timezone,
            conference.host_name,
            conference.contact_name,
            conference.contact_phone,
            conference.contact_email,
        )
        found.append(
            SentInvite(
                uid,
                email,
                name,
                sequence,
                conference.id,
                SessionFacts(
                    session.id,
                    conference.id,
                    session.title,
                    session.kind,
                    session.starts_at,
                    session.ends_at,
                    facts,
                ),
                PointFacts(point_id, point_name, venue),
            )
        )
    db.session.rollback()
    return found


def cancel_orphans(before: list[SentInvite]) -> int:
    """Queue a CANCEL for each invite of ``before`` that is not active any more (in the
    database as it is now). Flushes; returns how many were queued."""
    still = set(
        db.session.execute(
            sa.select(Invite.uid, Invite.email).where(Invite.status == InviteStatus.ACTIVE)
        ).tuples()
    )
    conferences = set(db.session.scalars(sa.select(Conference.id)))
    config = current_app.config
    domain = base_host(config)
    queued = 0
    for invite in before:
        if (invite.uid, invite.email) in still:
            continue
        sequence = invite.sequence + 1
        texts = messages.cancel_texts(invite.session, invite.point, invite.name, "restored")
        conference = invite.session.conference
        ics = build_cancel(
            EventDetails(
                uid=invite.uid,
                sequence=sequence,
                summary=messages.summary(invite.session, invite.point),
                starts_at=invite.session.starts_at,
                ends_at=invite.session.ends_at,
                timezone=conference.timezone,
                location=messages.location(invite.point),
                description=texts.description,
                organizer_name=conference.contact_name or conference.host_name,
                organizer_email=organizer_email(conference),
                attendees=((invite.name, invite.email),),
                cancelled=True,
            )
        )
        mime = build_calendar_message(
            sender=config["MAIL_FROM"],
            recipient=invite.email,
            subject=texts.subject,
            text=texts.text,
            html=texts.html,
            ics=ics,
            method="CANCEL",
            msgid_domain=domain,
        )
        mail.enqueue(
            kind="cancel",
            recipient=invite.email,
            subject=texts.subject,
            text="",
            mime=mime,
            dedupe_key=f"restore-cancel:{invite.uid}:{invite.email}:{sequence}"[:200],
            conference_id=invite.conference_id if invite.conference_id in conferences else None,
        )
        queued += 1
    return queued
