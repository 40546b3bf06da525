"""The iTIP mail is written from a skeleton the email package builds once per method
(mail.builders._skeleton); each message must be byte for byte what the email package writes."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import formataddr

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgeops.mail import builders

#: Pieces that stress the encoders: line ends of every kind, "From " and a leading dot
#: (mbox and SMTP escapes), "=_" (the boundaries' prefix), Vietnamese and a 4-byte emoji.
PIECES = list("aZ09 .:;,=?_-\\\"'<>@\n\r\t") + list("ĐđệỹữáàảãạƯ🙂") + ["From ", "\r\n.", "=_"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=300).map("".join)
NAME = st.text(alphabet=st.sampled_from(list("aZ ,.\"'") + list("ĐệỹƯ")), max_size=40)


def reference(**values) -> bytes:
    message_id = values["message_id"]
    return builders._calendar_mime(**values, digest=builders._digest(message_id)).as_bytes()


@settings(max_examples=150, deadline=None, database=None)
@given(
    sender_name=NAME,
    recipient_name=NAME,
    subject=TEXT,
    text=TEXT,
    html=TEXT,
    ics=st.binary(max_size=600) | TEXT.map(lambda t: t.replace("\n", "\r\n").encode() + b"\r\n"),
    method=st.sampled_from(["REQUEST", "CANCEL"]),
    filename=st.sampled_from(["invite.ics", "huy-lich.ics"]),
    message_id=st.from_regex(r"<[a-z0-9.\-]{1,120}@[a-z.]{1,40}>", fullmatch=True),
    stamp=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2037, 1, 1)),
)
def test_a_calendar_message_from_the_skeleton_is_what_the_email_package_writes(
    sender_name, recipient_name, subject, text, html, ics, method, filename, message_id, stamp
):
    values = dict(
        sender=formataddr((sender_name, "no-reply@bridgeops.test")),
        recipient=formataddr((recipient_name, "ktv@diemcau.vn")),
        subject=subject,
        text=text,
        html=html,
        ics=ics,
        method=method,
        filename=filename,
        message_id=message_id,
        date=stamp.replace(tzinfo=UTC),
    )
    built = builders.build_calendar_message(**values)
    assert built == reference(**values)
    parsed = message_from_bytes(built, policy=policy.default)
    assert parsed["Message-ID"] == message_id
    attachment = next(part for part in parsed.walk() if part.get_content_type() == "application/ics")
    assert attachment.get_content() == ics and attachment.get_filename() == filename


def test_the_skeleton_is_built_once_per_method():
    builders._skeleton.cache_clear()
    values = dict(sender="a@b.test", recipient="c@d.test", subject="Lời mời", text="x", html="<p>x</p>")
    for n in range(5):
        builders.build_calendar_message(
            **values, ics=b"BEGIN:VCALENDAR\r\n", method="REQUEST", message_id=f"<{n}@x>"
        )
    builders.build_calendar_message(**values, ics=b"BEGIN:VCALENDAR\r\n", method="CANCEL", message_id="<c@x>")
    assert builders._skeleton.cache_info().misses == 2
