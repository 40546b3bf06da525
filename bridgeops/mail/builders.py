"""Pure builders of email messages (bytes in, bytes out), CRLF line ends as SMTP wants."""

from __future__ import annotations

import hashlib
import re
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
from functools import lru_cache


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

    The deliverer renders tens of thousands of these in a row, and most of what the email
    package spends on one (building the tree, folding every part's headers, walking it) comes
    out the same for all of them. So the email package writes the message once per
    (method, filename) with stand-ins (``_skeleton``), and each message puts in its own
    headers (folded by the same policy), boundaries and bodies (encoded by the same codecs):
    byte for byte what ``_calendar_mime(...).as_bytes()`` writes (tests/mail compare them).
    """
    message_id = message_id or make_msgid(domain=msgid_domain)
    values = {
        _DIGEST: _digest(message_id),
        _TEXT: _written(_qp_charset().body_encode(text)),
        _HTML: _written(_qp_charset().body_encode(html)),
        _ICS: _written(_base64(ics)),
    }
    headers = {
        "From": _address_header("From", sender),
        "To": _address_header("To", recipient),
        "Subject": _folded_subject(subject),
        "Date": _CRLF32.fold_binary("Date", _date(date)),
        "Message-ID": _CRLF32.fold_binary("Message-ID", message_id),
    }
    head, body = _skeleton(method, filename)
    return b"".join(
        [
            headers[part] if isinstance(part, str) else part.replace(_DIGEST_BYTES, values[_DIGEST].encode())
            for part in head
        ]
        + [b"\r\n", "".join([values.get(part, part) for part in body]).encode("ascii")]
    )


def _calendar_mime(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    ics: bytes,
    method: str,
    filename: str,
    message_id: str,
    date: datetime | None,
    digest: str,
) -> MIMEMultipart:
    """The message of ``build_calendar_message`` as the email package's compat32 classes build
    it (several times faster than EmailMessage's header parsing)."""
    outer = MIMEMultipart("mixed", boundary=_boundary(digest, "mixed"), policy=_CRLF32)
    outer["From"] = _address(sender)
    outer["To"] = _address(recipient)
    # compat32 takes a Header object (typeshed types the value as str only).
    outer["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
    # A message rendered again after a crash keeps its Message-ID and Date (clients show it once).
    outer["Date"] = _date(date)
    outer["Message-ID"] = message_id
    alternative = MIMEMultipart("alternative", boundary=_boundary(digest, "alternative"), policy=_CRLF32)
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
    return outer


# Stand-ins in the skeleton: ASCII that quoted-printable leaves as it is, a digest as long as a
# real one, and calendar bytes whose base64 no real body part contains.
_DIGEST, _TEXT, _HTML, _ICS = "QXDIGESTQXDIGESTQXDIGEST", "QXTEXTQX", "QXHTMLQX", "QXICSQX"
_DIGEST_BYTES = _DIGEST.encode()
_ICS_STAND_IN = b"QXICSQX\r\n"
#: The outer headers each message writes itself (the others are the skeleton's).
_OWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID")


@lru_cache(maxsize=16)
def _skeleton(method: str, filename: str) -> tuple[tuple[bytes | str, ...], tuple[str, ...]]:
    """The message with stand-ins: its outer headers (folded bytes, or the name of a header
    each message writes), and its body as parts (stand-ins and the text between them)."""
    outer = _calendar_mime(
        sender="s@s",
        recipient="r@r",
        subject="s",
        text=_TEXT,
        html=_HTML,
        ics=_ICS_STAND_IN,
        method=method,
        filename=filename,
        message_id="<m@m>",
        date=None,
        digest=_DIGEST,
    )
    head = tuple(
        name if name in _OWN_HEADERS else _CRLF32.fold_binary(name, value)
        for name, value in outer.raw_items()
    )
    whole = outer.as_bytes().decode("ascii")
    body = whole[whole.index("\r\n\r\n") + 4 :]
    ics = _written(_base64(_ICS_STAND_IN))
    slots = "|".join(re.escape(slot) for slot in (_DIGEST, _TEXT, _HTML, ics))
    parts = [_ICS if part == ics else part for part in re.split(f"({slots})", body) if part]
    return head, tuple(parts)


def _written(payload: str) -> str:
    """A body as the generator writes it: every line end as CRLF (``Generator._write_lines``)."""
    return "\r\n".join(_LINE_END.split(payload))


#: Any line end, as the generator's ``NLCRE`` splits them.
_LINE_END = re.compile(r"\r\n|\r|\n")


def _base64(content: bytes) -> str:
    """What ``encoders.encode_base64`` makes of a part's bytes."""
    return str(encoders._bencode(content), "ascii")  # type: ignore[attr-defined]


def _qp_charset() -> Charset:
    # quoted-printable: 7-bit, so no relay needs 8BITMIME for Vietnamese text.
    charset = Charset("utf-8")
    charset.body_encoding = QP
    return charset


@lru_cache(maxsize=4096)
def _address_header(name: str, value: str) -> bytes:
    """From or To, folded: a technician gets one invite per session, all from the same sender."""
    return _CRLF32.fold_binary(name, _address(value))


@lru_cache(maxsize=256)
def _folded_subject(subject: str) -> bytes:
    # compat32 takes a Header object (typeshed types the value as str only).
    return _CRLF32.fold_binary("Subject", Header(subject, "utf-8"))  # type: ignore[arg-type]


def _date(date: datetime | None) -> str:
    return formatdate(date.timestamp(), localtime=False) if date is not None else formatdate(localtime=False)


#: compat32 semantics with SMTP's CRLF line ends.
_CRLF32 = policy.compat32.clone(linesep="\r\n")


def _digest(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:24]


def _boundary(digest: str, part: str) -> str:
    """A boundary no body can contain: every part is quoted-printable or base64, and neither
    ever writes "=_" (the generator would otherwise scan each body for a random one)."""
    return f"=_{part}_{digest}"


def _text_part(content: str, subtype: str) -> MIMEText:
    charset = _qp_charset()
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
