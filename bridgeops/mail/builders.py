"""Pure builders of email messages (bytes in, bytes out), CRLF line ends as SMTP wants."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)


def build_message(*, sender: str, recipient: str, subject: str, text: str,
                  html: str | None = None, attachments: tuple[Attachment, ...] = (),
                  msgid_domain: str = "bridgeops.local") -> bytes:
    """A UTF-8 message: text (and HTML alternative), then attachments."""
    message = _headers(sender, recipient, subject, msgid_domain)
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for item in attachments:
        message.add_attachment(item.content, maintype=item.maintype, subtype=item.subtype,
                               filename=item.filename, params=item.params or None)
    return message.as_bytes(policy=policy.SMTP)


def build_calendar_message(*, sender: str, recipient: str, subject: str, text: str, html: str,
                           ics: bytes, method: str, msgid_domain: str = "bridgeops.local",
                           filename: str = "invite.ics") -> bytes:
    """An iTIP mail as calendar clients expect it.

    multipart/mixed
      multipart/alternative: text/plain, text/html, text/calendar; method=…; charset=UTF-8
      the same .ics as an attachment (application/ics) for clients that ignore the inline part
    """
    alternative = MIMEPart(policy=policy.SMTP)
    # 7-bit transfer encodings: no relay needs 8BITMIME for Vietnamese text.
    alternative.set_content(text, charset="utf-8", cte="quoted-printable")
    alternative.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    calendar_part = MIMEPart(policy=policy.SMTP)
    # base64 keeps the calendar's CRLF line ends and folding byte-exact through any relay.
    calendar_part.set_content(ics, maintype="text", subtype="calendar", cte="base64",
                              params={"method": method, "charset": "UTF-8"})
    alternative.attach(calendar_part)

    message = _headers(sender, recipient, subject, msgid_domain)
    message.make_mixed()
    message.attach(alternative)
    attachment = MIMEPart(policy=policy.SMTP)
    attachment.set_content(ics, maintype="application", subtype="ics", cte="base64",
                           disposition="attachment", filename=filename)
    message.attach(attachment)
    return message.as_bytes(policy=policy.SMTP)


def _headers(sender: str, recipient: str, subject: str, msgid_domain: str) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=msgid_domain)
    message["MIME-Version"] = "1.0"
    return message
