"""Pure builders of email messages (bytes in, bytes out), CRLF line ends as SMTP wants."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email import encoders, policy
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
    msgid_domain: str = "bridgeops.local",
) -> bytes:
    """A UTF-8 message: text (and HTML alternative), then attachments."""
    message = _headers(sender, recipient, subject, msgid_domain)
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for item in attachments:
        message.add_attachment(
            item.content,
            maintype=item.maintype,
            subtype=item.subtype,
            filename=item.filename,
            params=item.params or None,
        )
    return message.as_bytes(policy=policy.SMTP)


def build_calendar_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    ics: bytes,
    method: str,
    msgid_domain: str = "bridgeops.local",
    filename: str = "invite.ics",
    message_id: str | None = None,
    date: datetime | None = None,
) -> bytes:
    """An iTIP mail as calendar clients expect it.

    multipart/mixed
      multipart/alternative: text/plain, text/html, text/calendar; method=…; charset=UTF-8
      the same .ics as an attachment (application/ics) for clients that ignore the inline part

    Built with the compat32 classes: a province's worth of invites is queued inside one request,
    and they are several times faster than EmailMessage's header parsing.
    """
    message_id = message_id or make_msgid(domain=msgid_domain)
    outer = MIMEMultipart("mixed", boundary=_boundary(message_id, "mixed"), policy=_CRLF32)
    outer["From"] = _address(sender)
    outer["To"] = _address(recipient)
    # compat32 takes a Header object (typeshed types the value as str only).
    outer["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
    # A message rendered again after a crash keeps its Message-ID and Date (clients show it once).
    outer["Date"] = (
        formatdate(date.timestamp(), localtime=False) if date is not None else formatdate(localtime=False)
    )
    outer["Message-ID"] = message_id
    alternative = MIMEMultipart("alternative", boundary=_boundary(message_id, "alternative"), policy=_CRLF32)
    alternative.attach(_text_part(text, "plain"))
    alternative.attach(_text_part(html, "html"))
    # base64 keeps the calendar's CRLF line ends and folding byte-exact through any relay.
    inline = MIMEBase("text", "calendar", method=method, charset="UTF-8", policy=_CRLF32)
    inline.set_payload(ics)
    encoders.encode_base64(inline)
    alternative.attach(inline)
    attachment = MIMEBase("application", "ics", name=filename, policy=_CRLF32)
    attachment.set_payload(ics)
    encoders.encode_base64(attachment)
    attachment.add_header("Content-Disposition", "attachment", filename=filename)
    for part in (alternative, inline, attachment):
        del part["MIME-Version"]
    outer.attach(alternative)
    outer.attach(attachment)
    return outer.as_bytes()


#: compat32 semantics with SMTP's CRLF line ends.
_CRLF32 = policy.compat32.clone(linesep="\r\n")


def _boundary(message_id: str, part: str) -> str:
    """A boundary no body can contain: every part is quoted-printable or base64, and neither
    ever writes "=_" (the generator would otherwise scan each body for a random one)."""
    return f"=_{part}_{hashlib.sha256(message_id.encode()).hexdigest()[:24]}"


def _text_part(content: str, subtype: str) -> MIMEText:
    # quoted-printable: 7-bit, so no relay needs 8BITMIME for Vietnamese text.
    charset = Charset("utf-8")
    charset.body_encoding = QP
    # MIMEText takes a Charset as well as its name (typeshed: str only); QP comes with it.
    part = MIMEText(content, subtype, charset, policy=_CRLF32)  # type: ignore[arg-type]
    del part["MIME-Version"]
    return part


def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if address else value


def _headers(sender: str, recipient: str, subject: str, msgid_domain: str) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=msgid_domain)
    message["MIME-Version"] = "1.0"
    return message
