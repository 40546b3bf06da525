"""Officers' outbox page: the messages of a conference (or all) with their state, and each message
as the client sees it."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from bridgeops.accounts.access import MAILBOX, requires
from bridgeops.conference import service as conferences
from bridgeops.extensions import db
from bridgeops.mail import service
from bridgeops.mail.models import KIND_LABELS, STATUS_LABELS, OutboxStatus

bp = Blueprint("mail", __name__)


#: Messages on one page of the outbox.
PER_PAGE = 100


@bp.get("/outbox")
@requires(MAILBOX)
def outbox():
    """The mail of one conference (``?conference=slug``) or of all, by state, to an address."""
    status = request.args.get("status") or None
    if status not in tuple(OutboxStatus):
        status = None
    recipient = (request.args.get("to") or "").strip()[:254]
    everyone = conferences.list_conferences()
    conference = next((c for c in everyone if c.slug == request.args.get("conference")), None)
    conference_id = conference.id if conference else None
    counts = service.status_counts(conference_id, recipient)
    total = counts[status] if status else sum(counts.values())
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    messages = service.list_messages(
        conference_id, status, PER_PAGE, recipient=recipient, offset=(page - 1) * PER_PAGE
    )
    params = {"conference": conference.slug if conference else None, "status": status, "to": recipient}
    return render_template(
        "mail/outbox.html",
        messages=messages,
        counts=counts,
        status=status,
        labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        conference=conference,
        conferences=everyone,
        titles={c.id: c.title for c in everyone},
        recipient=recipient,
        page=page,
        pages=pages,
        total=total,
        params={k: v for k, v in params.items() if v},
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
