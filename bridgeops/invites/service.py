"""Keeping every technician's calendar right; the only writer of the invite table.

Desired invites are (session, technician) for every session that is not cancelled and every
technician with an email at a point that is not withdrawn. ``reconcile_*`` compares them with
what was last sent and queues, in the caller's transaction, exactly the difference: a REQUEST
for a new invite, a REQUEST with a higher SEQUENCE for a changed one, a CANCEL for one that is no
longer wanted. Running it again queues nothing.

Everything is set-based so that a national session change (~17,000 technicians) fits in one
request: the comparison reads plain rows, the invite table is written with executemany, and the
outbox gets compact rows (the builder inputs as a JSON payload); ``render_message`` builds the
iTIP mail from them when the deliverer sends it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from bridgeops.audit.models import AuditEvent
from bridgeops.conference.models import Conference, ConferenceSession, SessionKind
from bridgeops.config import base_host
from bridgeops.core.batches import chunks
from bridgeops.core.db import execute_core, rows_matched, table_of
from bridgeops.core.time import local, utcnow
from bridgeops.extensions import db
from bridgeops.invites import links, messages
from bridgeops.invites.builders import EventDetails, build_cancel, build_request
from bridgeops.invites.models import Invite, InviteBacklog, InviteStatus
from bridgeops.mail import service as mail
from bridgeops.mail.builders import build_calendar_message
from bridgeops.mail.models import OutboxMessage
from bridgeops.registration.models import BridgePoint, Contact, ContactRole, PointStatus

Key = tuple[int, int]  # (session id, contact id)
#: The name invites' outbox payloads are rendered under (``mail.service.register_renderer``).
RENDERER = "itip"
#: Rows per ``IN (…)`` lookup and per executemany.
CHUNK = 500


@dataclass(frozen=True)
class PointFacts:
    """What an invite says about a point (a plain row, not an ORM object)."""

    id: int
    name: str
    venue: str | None
    status: str = "registered"
    #: BridgePoint.uid_key, the point's part of its calendar UIDs.
    uid_key: str = ""


@dataclass(frozen=True)
class ContactFacts:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class SessionFacts:
    """A session as it was when the message was queued (what the mail must say)."""

    id: int
    conference_id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    conference: Conference | ConferenceFacts


@dataclass(frozen=True)
class Wanted:
    """One invite that should be in a technician's calendar."""

    session: ConferenceSession
    point: PointFacts
    contact: ContactFacts


def uid_for(session_key: str, point_key: str) -> str:
    """The event's UID, stable per (session, point) whatever else changes: built from their
    ``uid_key`` (random; the id for rows older than the key, so sent UIDs keep their form
    "session-3-point-17@host"), never from ids a restore could hand out again."""
    host = base_host(current_app.config)
    return f"session-{session_key}-point-{point_key}@{host}"


def _uid(session: ConferenceSession, point: PointFacts) -> str:
    return uid_for(session.uid_key, point.uid_key or str(point.id))


def recipients(point: BridgePoint) -> list[Contact]:
    """The point's technicians who can receive mail."""
    return [c for c in point.technicians if c.email]


def _point_facts(point: BridgePoint) -> PointFacts:
    return PointFacts(point.id, point.name, point.venue, point.status, point.uid_key)


_SENT_COLUMNS = (
    Invite.id,
    Invite.session_id,
    Invite.point_id,
    Invite.contact_id,
    Invite.sequence,
    Invite.fingerprint,
    Invite.email,
    Invite.name,
    Invite.status,
)


def reconcile_point(point: BridgePoint) -> int:
    """Queue what the point's technicians need after the point (or its technicians) changed.

    Returns how many messages were queued."""
    db.session.flush()
    sessions = {s.id: s for s in point.conference.sessions}
    facts = _point_facts(point)
    wanted: dict[Key, Wanted] = {}
    if point.status != PointStatus.WITHDRAWN:
        for session in sessions.values():
            if session.cancelled_at is None:
                for contact in recipients(point):
                    wanted[(session.id, contact.id)] = Wanted(
                        session, facts, ContactFacts(contact.id, contact.name, contact.email)
                    )
    sent = db.session.execute(sa.select(*_SENT_COLUMNS).where(Invite.point_id == point.id)).all()
    return _reconcile(wanted, sent, sessions, {point.id: facts})


@cache
def _mark_due() -> sa.Update:
    # Built once: a statement keeps its cache key, which is then not worked out on every call.
    return (
        sa.update(table_of(BridgePoint))
        .where(table_of(BridgePoint).c.id == sa.bindparam("point_id"))
        .values(invites_due_at=sa.bindparam("due_at"))
    )


def note_point_changed(point: BridgePoint, created: bool = False) -> None:
    """Mark, in the caller's transaction, the point's invites as due (``reconcile_backlog`` does
    the work after the commit). A Core UPDATE: the point's version, its ETag, stays. A point
    registered through ``registration.service`` carries the mark from its INSERT already."""
    if created and point.invites_due_at is not None:
        return
    due_at = utcnow()
    if rows_matched(execute_core(_mark_due(), {"point_id": point.id, "due_at": due_at})) != 1:
        raise LookupError(f"no bridge point {point.id!r} to mark: flush it before point_changed")
    set_committed_value(point, "invites_due_at", due_at)


@cache
def _clear_due() -> sa.Update:
    # Only a mark the job saw: one set again meanwhile (a change after its read) stays due.
    table = table_of(BridgePoint)
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("point_id"), table.c.invites_due_at == sa.bindparam("seen"))
        .values(invites_due_at=None)
    )


def reconcile_backlog(limit: int = CHUNK) -> int:
    """Reconcile the invites of up to ``limit`` points marked due and clear their marks, in the
    caller's transaction (the caller commits). Returns how many points were taken: 0 when none
    is due.

    On PostgreSQL the points are locked (FOR NO KEY UPDATE SKIP LOCKED), so two runs never take
    the same ones; an edit of one of them waits for this chunk's commit, while rows that only
    refer to them (a technician's link, a health change) do not. A crash before the commit leaves
    the marks for the next run (reconciling is idempotent). A mark set again after it was read is
    not cleared: that change is reconciled by the next run.
    """
    _fold_legacy_backlog(limit)
    due = (
        sa.select(BridgePoint.id, BridgePoint.invites_due_at)
        .where(BridgePoint.invites_due_at.is_not(None))
        .order_by(BridgePoint.invites_due_at, BridgePoint.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, key_share=True)
    rows = db.session.execute(due).all()
    if not rows:
        return 0
    points = db.session.scalars(
        sa.select(BridgePoint)
        .options(
            selectinload(BridgePoint.contacts),
            joinedload(BridgePoint.conference).selectinload(Conference.sessions),
        )
        .where(BridgePoint.id.in_([row.id for row in rows]))
        .order_by(BridgePoint.id)
    ).all()
    for point in points:
        reconcile_point(point)
    execute_core(_clear_due(), [{"point_id": row.id, "seen": row.invites_due_at} for row in rows])
    return len(rows)


def _fold_legacy_backlog(limit: int) -> None:
    """Rows the previous release's workers wrote to ``invite_backlog`` while an upgrade was
    under way become due marks (see ``InviteBacklog``); one SELECT when there are none."""
    table = table_of(InviteBacklog)
    taken = sa.select(table.c.id, table.c.point_id).order_by(table.c.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        taken = taken.with_for_update(skip_locked=True)
    rows = db.session.execute(taken).all()
    if not rows:
        return
    due_at = utcnow()
    execute_core(
        _mark_due(), [{"point_id": point_id, "due_at": due_at} for point_id in {r.point_id for r in rows}]
    )
    execute_core(sa.delete(table).where(table.c.id.in_([row.id for row in rows])))


def reconcile_session(session: ConferenceSession) -> int:
    """Queue what every technician needs after one session changed; other sessions untouched.

    Returns how many messages were queued."""
    db.session.flush()
    wanted: dict[Key, Wanted] = {}
    points: dict[int, PointFacts] = {}
    if session.cancelled_at is None:
        rows = db.session.execute(
            sa.select(
                BridgePoint.id,
                BridgePoint.name,
                BridgePoint.venue,
                BridgePoint.status,
                BridgePoint.uid_key,
                Contact.id,
                Contact.name,
                Contact.email,
            )
            .join(Contact, Contact.point_id == BridgePoint.id)
            .where(
                BridgePoint.conference_id == session.conference_id,
                BridgePoint.status != PointStatus.WITHDRAWN,
                Contact.role == ContactRole.TECHNICIAN,
                Contact.email.is_not(None),
                Contact.email != "",
            )
        )
        for point_id, point_name, venue, status, uid_key, contact_id, name, email in rows:
            point = points.get(point_id)
            if point is None:
                point = points[point_id] = PointFacts(point_id, point_name, venue, status, uid_key)
            wanted[(session.id, contact_id)] = Wanted(session, point, ContactFacts(contact_id, name, email))
    sent = db.session.execute(sa.select(*_SENT_COLUMNS).where(Invite.session_id == session.id)).all()
    return _reconcile(wanted, sent, {session.id: session}, points)


def _reconcile(
    wanted: dict[Key, Wanted],
    sent: Sequence[Any],
    sessions: dict[int, ConferenceSession],
    points: dict[int, PointFacts],
) -> int:
    by_key = {(row.session_id, row.contact_id): row for row in sent}
    top: dict[Key, int] = {}  # (session, point) → highest sequence sent for that UID
    for row in sent:
        uid_key = (row.session_id, row.point_id)
        top[uid_key] = max(top.get(uid_key, -1), row.sequence)
    # One sequence per UID for the whole pass, so all attendees of one change get the same one.
    sequences: dict[Key, int] = {}

    def next_sequence(session: ConferenceSession, point_id: int) -> int:
        """Higher than anything sent for this UID, and never below the session's own sequence."""
        uid_key = (session.id, point_id)
        if uid_key not in sequences:
            sequences[uid_key] = max(session.sequence, top.get(uid_key, -1) + 1)
        return sequences[uid_key]

    now = utcnow()
    queued: list[mail.Queued] = []
    inserts: list[dict] = []
    updates: list[dict] = []
    for key, want in sorted(wanted.items()):
        row = by_key.get(key)
        fingerprint = _fingerprint(want)
        if row is not None and row.status == InviteStatus.ACTIVE and row.fingerprint == fingerprint:
            continue
        session, point, contact = want.session, want.point, want.contact
        sequence = next_sequence(session, point.id)
        if row is not None and row.status == InviteStatus.ACTIVE and row.email != contact.email:
            # The old address must drop the event before the new one gets it.
            queued.append(
                _message(
                    session, point, row.contact_id, row.name, row.email, sequence, "cancel", "email_changed"
                )
            )
        kind = "invite" if row is None or row.status == InviteStatus.CANCELLED else "update"
        values = {
            "sequence": sequence,
            "fingerprint": fingerprint,
            "status": InviteStatus.ACTIVE,
            "email": contact.email,
            "name": contact.name,
            "updated_at": now,
        }
        if row is None:
            inserts.append(
                {
                    **values,
                    "session_id": session.id,
                    "point_id": point.id,
                    "contact_id": contact.id,
                    "uid": _uid(session, point),
                    "created_at": now,
                }
            )
        else:
            updates.append({**values, "invite_id": row.id})
        queued.append(_message(session, point, contact.id, contact.name, contact.email, sequence, kind))
    gone = [
        row for key, row in sorted(by_key.items()) if key not in wanted and row.status == InviteStatus.ACTIVE
    ]
    _load_points(points, {row.point_id for row in gone})
    for row in gone:
        session, point = sessions[row.session_id], points[row.point_id]
        sequence = next_sequence(session, row.point_id)
        updates.append(
            {
                "sequence": sequence,
                "fingerprint": row.fingerprint,
                "status": InviteStatus.CANCELLED,
                "email": row.email,
                "name": row.name,
                "updated_at": now,
                "invite_id": row.id,
            }
        )
        reason = (
            "session_cancelled"
            if session.cancelled_at is not None
            else "point_withdrawn"
            if point.status == PointStatus.WITHDRAWN
            else "removed"
        )
        queued.append(
            _message(session, point, row.contact_id, row.name, row.email, sequence, "cancel", reason)
        )
    _write_invites(inserts, updates)
    return mail.enqueue_rendered(queued)


def _load_points(points: dict[int, PointFacts], wanted_ids: Iterable[int]) -> None:
    missing = sorted(set(wanted_ids) - points.keys())
    for chunk in chunks(missing, CHUNK):
        for point_id, name, venue, status, uid_key in db.session.execute(
            sa.select(
                BridgePoint.id, BridgePoint.name, BridgePoint.venue, BridgePoint.status, BridgePoint.uid_key
            ).where(BridgePoint.id.in_(chunk))
        ):
            points[point_id] = PointFacts(point_id, name, venue, status, uid_key)


def _write_invites(inserts: list[dict], updates: list[dict]) -> None:
    """Both with executemany; Invite objects already loaded in the session are expired."""
    table = table_of(Invite)
    for chunk in chunks(inserts, CHUNK):
        db.session.execute(sa.insert(table), chunk)
    if updates:
        stmt = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("invite_id"))
            .values(
                {
                    name: sa.bindparam(name)
                    for name in ("sequence", "fingerprint", "status", "email", "name", "updated_at")
                }
            )
        )
        for chunk in chunks(updates, CHUNK):
            db.session.connection().execute(stmt, chunk)
    if inserts or updates:
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Invite):
                db.session.expire(obj)


def _fingerprint(want: Wanted) -> str:
    facts = [
        want.session.starts_at.isoformat(),
        want.session.ends_at.isoformat(),
        messages.summary(want.session, want.point),
        messages.location(want.point),
        want.contact.email.lower(),
    ]
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()


def _message(
    session: ConferenceSession,
    point: PointFacts,
    contact_id: int,
    name: str,
    email: str,
    sequence: int,
    kind: str,
    reason: str = "",
) -> mail.Queued:
    """A compact outbox row: who, which (session, point, sequence), and what the mail says."""
    method = "CANCEL" if kind == "cancel" else "REQUEST"
    subject = (
        messages.cancel_subject(session, point)
        if kind == "cancel"
        else messages.invite_subject(session, kind)
    )
    payload = {
        "renderer": RENDERER,
        "method": method,
        "kind": kind,
        "reason": reason,
        "session_id": session.id,
        "point_id": point.id,
        "contact_id": contact_id,
        "sequence": sequence,
        "name": name,
        "email": email,
        "title": session.title,
        "session_kind": session.kind,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "point_name": point.name,
        "venue": point.venue,
        "uid": _uid(session, point),
    }
    return mail.Queued(
        kind=kind,
        recipient=email,
        subject=subject,
        payload=payload,
        dedupe_key=f"invite:{session.id}:{contact_id}:{sequence}:{method.lower()}",
        conference_id=session.conference_id,
    )


def _event(
    session: SessionFacts,
    point: PointFacts,
    uid: str,
    sequence: int,
    name: str,
    email: str,
    description: str,
    dtstamp: datetime,
    url: str = "",
    cancelled: bool = False,
) -> EventDetails:
    conference = session.conference
    return EventDetails(
        uid=uid,
        sequence=sequence,
        summary=messages.summary(session, point),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        timezone=conference.timezone,
        location=messages.location(point),
        description=description,
        organizer_name=conference.contact_name or conference.host_name,
        organizer_email=organizer_email(conference),
        attendees=((name, email),),
        url=url,
        cancelled=cancelled,
        dtstamp=dtstamp,
    )


def organizer_email(conference: Conference | ConferenceFacts) -> str:
    return conference.contact_email or current_app.config["CONTACT_EMAIL"]


#: What a preview shows instead of a technician link that sending will issue.
LINK_PLACEHOLDER = "(đường dẫn sẽ được tạo khi gửi)"


@dataclass(frozen=True)
class ConferenceFacts:
    """What a mail says about the conference (plain values: commits do not expire them)."""

    title: str
    timezone: str
    host_name: str
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None


@dataclass(frozen=True)
class RenderContext:
    """What rendering a batch of invites reads from the database, read once for the batch."""

    #: session id → (its conference id, the conference's facts).
    sessions: dict[int, tuple[int, ConferenceFacts]]
    #: contact id → the technician's link token (REQUESTs only).
    tokens: dict[int, str]
    #: Technicians whose link is issued only when the mail is sent (a preview's context).
    unissued: frozenset[int] = frozenset()


def prepare_render(rows: list[OutboxMessage]) -> RenderContext:
    """One query for the batch's sessions, a few for its technicians' link tokens (issuing the
    missing grants in one insert)."""
    return _prepare(rows, issue=True)


def prepare_preview(rows: list[OutboxMessage]) -> RenderContext:
    """``prepare_render`` that writes nothing: a technician without a link yet is marked
    ``unissued`` and her mail shows ``LINK_PLACEHOLDER`` (the outbox page is a GET)."""
    return _prepare(rows, issue=False)


def _prepare(rows: list[OutboxMessage], issue: bool) -> RenderContext:
    payloads = [row.payload or {} for row in rows]
    session_ids = sorted({p["session_id"] for p in payloads if "session_id" in p})
    sessions = {}
    for stored in db.session.scalars(
        sa.select(ConferenceSession)
        .options(joinedload(ConferenceSession.conference))
        .where(ConferenceSession.id.in_(session_ids))
    ):
        c = stored.conference
        sessions[stored.id] = (
            stored.conference_id,
            ConferenceFacts(
                c.title, c.timezone, c.host_name, c.contact_name, c.contact_phone, c.contact_email
            ),
        )
    contact_ids = sorted({p["contact_id"] for p in payloads if p.get("method") == "REQUEST"})
    contacts = [
        contact
        for chunk in chunks(contact_ids, CHUNK)
        for contact in db.session.scalars(sa.select(Contact).where(Contact.id.in_(chunk)))
    ]
    tokens = links.technician_tokens(contacts, issue=issue)
    return RenderContext(sessions, tokens, frozenset(c.id for c in contacts if c.id not in tokens))


def render_message(message: OutboxMessage, context: RenderContext | None = None) -> bytes:
    """The iTIP mail of a compact outbox row, built by the deliverer just before sending.

    Deterministic for one row (Message-ID, Date and DTSTAMP come from the row), so a message
    sent again after a crash is the same message. Without a batch ``context`` it prepares its
    own, which may issue the technician's link grant.
    """
    payload = message.payload or {}
    context = context or prepare_render([message])
    stored = context.sessions.get(payload["session_id"])
    if stored is None:
        raise LookupError(f"session {payload['session_id']} no longer exists")
    conference_id, conference = stored
    session = SessionFacts(
        id=payload["session_id"],
        conference_id=conference_id,
        title=payload["title"],
        kind=payload["session_kind"],
        starts_at=datetime.fromisoformat(payload["starts_at"]),
        ends_at=datetime.fromisoformat(payload["ends_at"]),
        conference=conference,
    )
    point = PointFacts(payload["point_id"], payload["point_name"], payload["venue"])
    # Rows queued before UIDs had random keys carry none: their UID was built from the ids.
    uid = payload.get("uid") or uid_for(str(payload["session_id"]), str(payload["point_id"]))
    name, email, sequence = payload["name"], payload["email"], payload["sequence"]
    created = message.created_at
    if payload["method"] == "CANCEL":
        texts = messages.cancel_texts(session, point, name, payload["reason"])
        ics = build_cancel(
            _event(session, point, uid, sequence, name, email, texts.description, created, cancelled=True)
        )
    else:
        token = context.tokens.get(payload["contact_id"])
        if token is not None:
            url, feed = links.technician_url(token), links.feed_url(token)
        elif payload["contact_id"] in context.unissued:
            url, feed = LINK_PLACEHOLDER, LINK_PLACEHOLDER
        else:
            raise LookupError(f"technician {payload['contact_id']} no longer exists")
        texts = messages.invite_texts(session, point, name, url, feed, payload["kind"])
        ics = build_request(
            _event(
                session,
                point,
                uid,
                sequence,
                name,
                email,
                texts.description,
                created,
                url=url if token else "",
            )
        )
    config = current_app.config
    domain = base_host(config)
    return build_calendar_message(
        sender=config["MAIL_FROM"],
        recipient=email,
        subject=message.subject,
        text=texts.text,
        html=texts.html,
        ics=ics,
        method=payload["method"],
        msgid_domain=domain,
        message_id=f"<outbox-{message.message_key}.{message.dedupe_key.replace(':', '.')}@{domain}>",
        date=created,
    )


# --- Reminders and acknowledgement --------------------------------------------------------

#: Reminders go out from this local hour on the day before the rehearsal.
REMINDER_HOUR = 8


def queue_rehearsal_reminders(now: datetime | None = None) -> list[OutboxMessage]:
    """On the day before a rehearsal, remind every technician who has not acknowledged.

    Idempotent: one reminder per (rehearsal, technician) whatever the number of runs. Batched
    like the invite renderer: the technicians in one query, the reminders already queued in one
    query per chunk, every link token in one lookup (and one bulk grant insert for those who
    have none yet), the new reminders in one executemany and read back in one query: a fixed
    number of statements per rehearsal, whatever the number of technicians.
    """
    now = now or utcnow()
    rehearsals = db.session.scalars(
        sa.select(ConferenceSession).where(
            ConferenceSession.kind == SessionKind.REHEARSAL,
            ConferenceSession.cancelled_at.is_(None),
            ConferenceSession.starts_at > now,
            ConferenceSession.starts_at <= now + timedelta(days=2),
        )
    )
    queued: list[OutboxMessage] = []
    for rehearsal in rehearsals:
        zone = rehearsal.conference.timezone
        start_local = local(rehearsal.starts_at, zone)
        window_opens = (start_local - timedelta(days=1)).replace(
            hour=REMINDER_HOUR, minute=0, second=0, microsecond=0
        )
        if local(now, zone) < window_opens:
            continue
        waiting = db.session.execute(
            sa.select(BridgePoint, Contact)
            .join(Contact, Contact.point_id == BridgePoint.id)
            .where(
                BridgePoint.conference_id == rehearsal.conference_id,
                BridgePoint.status != PointStatus.WITHDRAWN,
                Contact.role == ContactRole.TECHNICIAN,
                Contact.email != "",
                Contact.acknowledged_at.is_(None),
            )
            .order_by(BridgePoint.id, Contact.id)
        ).all()
        keys = {contact.id: f"reminder:{rehearsal.id}:{contact.id}" for _, contact in waiting}
        known = _queued_by_key(list(keys.values()))
        fresh = [(point, contact) for point, contact in waiting if keys[contact.id] not in known]
        tokens = links.technician_tokens([contact for _, contact in fresh])
        new = []
        for point, contact in fresh:
            texts = messages.reminder_texts(
                rehearsal, point, contact.name, links.technician_url(tokens[contact.id])
            )
            new.append(
                mail.built(
                    kind="reminder",
                    recipient=contact.email,
                    subject=texts.subject,
                    text=texts.text,
                    html=texts.html,
                    dedupe_key=keys[contact.id],
                    conference_id=rehearsal.conference_id,
                )
            )
        if mail.enqueue_rendered(new):
            known = _queued_by_key(list(keys.values()))
        queued.extend(known[keys[contact.id]] for _, contact in waiting if keys[contact.id] in known)
    return queued


def _queued_by_key(keys: list[str]) -> dict[str, OutboxMessage]:
    return {
        message.dedupe_key: message
        for chunk in chunks(keys, CHUNK)
        for message in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key.in_(chunk)))
    }


@dataclass(frozen=True)
class AcknowledgementRow:
    point: BridgePoint
    contact: Contact
    invites_sent: int


def acknowledgements(conference: Conference) -> list[AcknowledgementRow]:
    """Every technician of the conference's live points, for the officers' page."""
    counts = dict(
        db.session.execute(
            sa.select(Invite.contact_id, sa.func.count())
            .join(ConferenceSession, ConferenceSession.id == Invite.session_id)
            .where(ConferenceSession.conference_id == conference.id, Invite.status == InviteStatus.ACTIVE)
            .group_by(Invite.contact_id)
        )
        .tuples()
        .all()
    )
    rows = db.session.execute(
        sa.select(BridgePoint, Contact)
        .join(Contact, Contact.point_id == BridgePoint.id)
        .where(
            BridgePoint.conference_id == conference.id,
            BridgePoint.status != PointStatus.WITHDRAWN,
            Contact.role == ContactRole.TECHNICIAN,
        )
        .order_by(BridgePoint.level, BridgePoint.name, Contact.id)
    )
    return [AcknowledgementRow(point, contact, counts.get(contact.id, 0)) for point, contact in rows]


def schedule_changed_at(conference_id: int) -> datetime | None:
    """When a session of the conference last changed (time, title or cancellation): an
    "Đã nhận lịch" given before then was for the old schedule."""

    return db.session.scalar(
        sa.select(sa.func.max(AuditEvent.at)).where(
            AuditEvent.entity == "conference_session",
            AuditEvent.action == "update",
            AuditEvent.conference_id == conference_id,
        )
    )


def acknowledged_current(contact: Contact, changed_at: datetime | None) -> bool:
    """She acknowledged the schedule as it is now (not only an older one)."""
    return contact.acknowledged_at is not None and (
        changed_at is None or contact.acknowledged_at >= changed_at
    )
