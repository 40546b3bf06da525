"""Queueing mail in the outbox and delivering it; the only writer of outbox_message.

Queueing happens in the caller's transaction (the outbox pattern). Delivery is separate and at
least once: a deliverer claims one message at a time with a conditional UPDATE (so two
deliverers never send the same message), hands it to the transport, and marks it sent in its own
commit right after the server accepted it. A deliverer that dies mid-message leaves a claim that
expires, and the message is sent again (the same Message-ID, so clients show it once).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from bridgeops.core.errors import NotFound
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.mail.builders import Attachment, build_message
from bridgeops.mail.models import OutboxMessage
from bridgeops.mail.transport import (
    Envelope,
    Transport,
    TransportError,
    envelope_address,
    transport_from_config,
)

log = logging.getLogger("bridgeops.mail")

#: After this many failed attempts a message is "failed" and left for an officer to look at.
MAX_ATTEMPTS = 8
#: The wait after the first failure; it doubles after each one, up to BACKOFF_CAP.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
#: How many messages one run looks at.
BATCH_SIZE = 200


def enqueue(*, kind: str, recipient: str, subject: str, text: str, dedupe_key: str,
            html: str | None = None, attachments: tuple[Attachment, ...] = (),
            conference_id: int | None = None, mime: bytes | None = None) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; a known dedupe_key adds nothing.

    Pass ``mime`` to queue a message built elsewhere (e.g. an iTIP invite).
    """
    existing = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    if mime is None:
        mime = build_message(sender=current_app.config["MAIL_FROM"], recipient=recipient,
                             subject=subject, text=text, html=html, attachments=attachments)
    message = OutboxMessage(dedupe_key=dedupe_key, kind=kind, recipient=recipient,
                            subject=subject, mime=mime, conference_id=conference_id)
    db.session.add(message)
    db.session.flush()
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: Due messages left for the next run (connection lost, or claimed by another deliverer).
    skipped: int = 0
    #: Due messages this run looked at (at most its limit).
    due: int = 0

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "retrying", "failed", "skipped", "due"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failures: 30 s, 1 min, 2 min, … ≤ 2 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def deliver_pending(*, now: datetime | None = None, limit: int | None = None,
                    transport: Transport | None = None) -> DeliveryReport:
    """Send every due message once through one transport (one SMTP connection).

    Unlike other services this one commits: after each claim and after each message, so that
    what the server accepted is recorded at once and a crash loses nothing.
    """
    config = current_app.config
    now = now or utcnow()
    limit = limit or BATCH_SIZE
    holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    claim_for = timedelta(seconds=max(int(config["OUTBOX_CLAIM_SECONDS"]),
                                      int(config["SMTP_TIMEOUT"] * 3)))
    sender = envelope_address(config["MAIL_FROM"])
    transport = transport or transport_from_config(config)
    report = DeliveryReport()
    due = list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
               _unclaimed(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)))
    db.session.commit()
    report.due = len(due)
    try:
        for position, message_id in enumerate(due):
            if not _claim(message_id, holder, now, utcnow() + claim_for):
                report.skipped += 1
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                transport.send(Envelope(message.id, sender, envelope_address(message.recipient),
                                        message.mime))
            except TransportError as error:
                outcome = _record_failure(message_id, holder, str(error), error.permanent)
                setattr(report, outcome, getattr(report, outcome) + 1)
                if error.broken:
                    report.skipped += len(due) - position - 1
                    break
                continue
            _record_sent(message_id, holder)
            report.sent += 1
    finally:
        transport.close()
    if report.sent or report.failed or report.retrying:
        log.info("outbox: %s", report)
    return report


def deliver_all(max_batches: int = 50) -> DeliveryReport:
    """Batch after batch (one SMTP connection each) until nothing is due or the server is gone."""
    total = DeliveryReport()
    for _ in range(max_batches):
        report = deliver_pending()
        total.add(report)
        if report.due < BATCH_SIZE or report.skipped:
            break
    return total


def _unclaimed(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)


def _claim(message_id: int, holder: str, now: datetime, until: datetime) -> bool:
    """Take the message if it is still pending and nobody holds a live claim. Commits."""
    table = OutboxMessage.__table__
    taken = db.session.execute(
        sa.update(table)
        .where(table.c.id == message_id, table.c.status == "pending",
               sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now))
        .values(claimed_by=holder, claimed_until=until)
    ).rowcount
    db.session.commit()
    return bool(taken)


def _record_sent(message_id: int, holder: str) -> None:
    table = OutboxMessage.__table__
    done = db.session.execute(
        sa.update(table).where(table.c.id == message_id, table.c.claimed_by == holder)
        .values(status="sent", sent_at=utcnow(), attempts=table.c.attempts + 1,
                claimed_by=None, claimed_until=None, last_error=None)
    ).rowcount
    db.session.commit()
    if not done:
        log.warning("outbox message %s was sent but its claim had passed to another deliverer",
                    message_id)


def _record_failure(message_id: int, holder: str, error: str, permanent: bool) -> str:
    """Count the attempt; schedule the next one with backoff, or give up. Commits."""
    message = db.session.get(OutboxMessage, message_id)
    db.session.refresh(message)
    if message.claimed_by != holder:
        db.session.rollback()
        return "skipped"
    message.attempts += 1
    message.last_error = error[:2000]
    message.claimed_by = None
    message.claimed_until = None
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        outcome = "failed"
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        outcome = "retrying"
    db.session.commit()
    log.warning("outbox message %s attempt %s: %s", message_id, message.attempts, error)
    return outcome


def retry_now(message: OutboxMessage) -> OutboxMessage:
    """Put a failed or waiting message back in the queue for the next run."""
    if message.status != "sent":
        message.status = "pending"
        message.next_attempt_at = utcnow()
        db.session.flush()
    return message


def list_messages(conference_id: int | None = None, status: str | None = None,
                  limit: int = 200) -> list[OutboxMessage]:
    """Newest first, for the officer's outbox page."""
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if conference_id is not None:
        stmt = stmt.where(OutboxMessage.conference_id == conference_id)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return list(db.session.scalars(stmt))


def status_counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                              .group_by(OutboxMessage.status))
    counts = {"pending": 0, "sent": 0, "failed": 0}
    counts.update({status: n for status, n in rows})
    return counts


def get_message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"Không có thư {message_id} trong hộp thư đi.")
    return message
