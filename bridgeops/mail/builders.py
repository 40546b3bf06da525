"""Pure builders of email messages (bytes in, bytes out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
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
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=msgid_domain)
    message.set_content(text, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    for item in attachments:
        message.add_attachment(item.content, maintype=item.maintype, subtype=item.subtype,
                               filename=item.filename, params=item.params or None)
    return message.as_bytes()
