"""Queueing mail in the outbox; the only writer of outbox_message."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from bridgeops.extensions import db
from bridgeops.mail.builders import Attachment, build_message
from bridgeops.mail.models import OutboxMessage


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
