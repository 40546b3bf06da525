"""Officers' outbox page: every message with its state, and each message as the client sees it."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from bridgeops.accounts.access import MAILBOX, requires
from bridgeops.extensions import db
from bridgeops.mail import service
from bridgeops.mail.models import KIND_LABELS, STATUS_LABELS, OutboxStatus

bp = Blueprint("mail", __name__)


@bp.get("/outbox")
@requires(MAILBOX)
def outbox():
    status = request.args.get("status") or None
    if status not in tuple(OutboxStatus):
        status = None
    return render_template(
        "mail/outbox.html",
        messages=service.list_messages(status=status),
        counts=service.status_counts(),
        status=status,
        labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
    )


@bp.get("/outbox/<int:message_id>")
@requires(MAILBOX)
def show(message_id: int):
    message = service.get_message(message_id)
    return render_template(
        "mail/message.html",
        message=message,
        labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        parts=_parts(service.preview(message)),
    )


@bp.get("/outbox/<int:message_id>.eml")
@requires(MAILBOX)
def download(message_id: int):
    """The message as sent (or as it will be, a link still to issue shown as a placeholder):
    open it in Thunderbird or Outlook."""
    message = service.get_message(message_id)
    return Response(
        service.preview(message),
        mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="thu-{message.id}.eml"'},
    )


@bp.post("/outbox/<int:message_id>/retry")
@requires(MAILBOX)
def retry(message_id: int):
    service.retry_now(service.get_message(message_id))
    db.session.commit()
    flash("Thư sẽ được gửi lại trong lần gửi tới.", "info")
    return redirect(url_for("mail.show", message_id=message_id), code=303)


def _parts(mime: bytes) -> list[dict]:
    """Each leaf part: its type, parameters and (for text) its decoded content."""
    parsed: EmailMessage = message_from_bytes(mime, policy=policy.default)
    parts = []
    for part in parsed.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        text = None
        if part.get_content_maintype() == "text" or content_type == "application/ics":
            payload = part.get_payload(decode=True)
            payload = payload if isinstance(payload, bytes) else b""
            text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        parts.append(
            {
                "type": content_type,
                "params": dict((part.get_params() or [])[1:]),
                "filename": part.get_filename(),
                "text": text,
            }
        )
    return parts
