"""What invites, updates, cancellations and reminders say (Vietnamese), as plain text and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import current_app

from bridgeops.conference.models import SessionKind
from bridgeops.core.time import VN_TZ, format_date_vi, local


# What the texts read, from the ORM rows (a change as it happens) or from the plain facts an
# outbox payload keeps (invites.service: what the session was when the mail was queued).
class ConferenceLike(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def contact_name(self) -> str | None: ...
    @property
    def contact_phone(self) -> str | None: ...
    @property
    def contact_email(self) -> str | None: ...


class SessionLike(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def conference(self) -> ConferenceLike: ...


class PointLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def venue(self) -> str | None: ...


@dataclass(frozen=True)
class Texts:
    subject: str
    text: str
    html: str
    #: The event's DESCRIPTION.
    description: str


#: The HTML part of every technician mail; the text part is built here.
HTML_TEMPLATE = "mail/technician.html"

SUBJECT_PREFIX = {
    "invite": "Lời mời",
    "update": "Cập nhật lịch",
    "cancel": "Hủy lịch",
    "reminder": "Nhắc lịch",
}

CANCEL_REASONS = {
    "session_cancelled": "Phiên này đã bị hủy.",
    "point_withdrawn": "Điểm cầu đã rút khỏi hội nghị.",
    "removed": "Chị/anh không còn là kỹ thuật viên của điểm cầu này.",
    "email_changed": "Lịch được gửi sang địa chỉ email mới của chị/anh.",
    "restored": "Đăng ký này không còn trong hệ thống (dữ liệu đã được khôi phục từ bản sao lưu "
    "trước khi lịch được gửi); nếu điểm cầu vẫn tham dự, chị/anh sẽ nhận lịch mới.",
}


def summary(session: SessionLike, point: PointLike) -> str:
    return f"{session.title} – {point.name}"


def location(point: PointLike) -> str:
    return point.venue or point.name


def when(session: SessionLike) -> str:
    """'08:30–11:30, Thứ Ba, 26/4/2022 (giờ Asia/Ho_Chi_Minh)'."""
    zone = session.conference.timezone
    start, end = local(session.starts_at, zone), local(session.ends_at, zone)
    if start.date() == end.date():
        span = f"{start:%H:%M}–{end:%H:%M}, {format_date_vi(session.starts_at, zone)}"
    else:
        span = (
            f"{start:%H:%M} {format_date_vi(session.starts_at, zone)} – "
            f"{end:%H:%M} {format_date_vi(session.ends_at, zone)}"
        )
    return f"{span} (giờ Việt Nam)" if zone == VN_TZ else f"{span} (giờ {zone})"


def _todo(session: SessionLike, technician_url: str, feed_url: str) -> list[str]:
    steps = [
        f'Mở đường dẫn của điểm cầu và bấm "Đã nhận lịch": {technician_url}',
        "Có mặt tại phòng họp trước giờ bắt đầu 30 phút, kiểm tra âm thanh, hình ảnh, "
        "đường truyền và máy chiếu.",
        f"Theo dõi lịch luôn cập nhật trên điện thoại (đăng ký lịch): {feed_url}",
    ]
    if session.kind == SessionKind.REHEARSAL:
        steps.insert(
            2, "Tham gia tổng duyệt kết nối với điểm cầu tỉnh và báo kết quả trên trang của điểm cầu."
        )
    return steps


def _contact_line(session: SessionLike) -> str:
    conference = session.conference
    parts = [p for p in (conference.contact_name, conference.contact_phone, conference.contact_email) if p]
    return "Liên hệ: " + " · ".join(parts) if parts else ""


def invite_subject(session: SessionLike, kind: str) -> str:
    return f"{SUBJECT_PREFIX[kind]}: {session.title} – {when(session)}"


def cancel_subject(session: SessionLike, point: PointLike) -> str:
    return f"{SUBJECT_PREFIX['cancel']}: {session.title} – {point.name}"


def invite_texts(
    session: SessionLike, point: PointLike, name: str, technician_url: str, feed_url: str, kind: str
) -> Texts:
    conference = session.conference
    lead = (
        "Lịch đã thay đổi, vui lòng cập nhật lịch của chị/anh."
        if kind == "update"
        else "Trân trọng mời chị/anh bảo đảm kỹ thuật tại điểm cầu."
    )
    facts = [
        ("Hội nghị", conference.title),
        ("Phiên", session.title),
        ("Thời gian", when(session)),
        ("Điểm cầu", point.name),
        ("Địa điểm", location(point)),
    ]
    steps = _todo(session, technician_url, feed_url)
    contact = _contact_line(session)
    description = "\n".join(
        [f"{label}: {value}" for label, value in facts]
        + ["", "Việc cần làm:"]
        + [f"- {step}" for step in steps]
        + ([contact] if contact else [])
    )
    text = "\n".join(
        [
            f"Kính gửi {name},",
            "",
            lead,
            "",
            description,
            "",
            "Tệp lịch (invite.ics) đính kèm; mở tệp để thêm vào lịch nếu ứng dụng thư không tự thêm.",
        ]
    )
    html = _html(name, lead, facts, steps, contact)
    return Texts(invite_subject(session, kind), text, html, description)


def cancel_texts(session: SessionLike, point: PointLike, name: str, reason: str) -> Texts:
    conference = session.conference
    lead = "Lịch dưới đây đã bị hủy. " + CANCEL_REASONS.get(reason, "")
    facts = [
        ("Hội nghị", conference.title),
        ("Phiên", session.title),
        ("Thời gian", when(session)),
        ("Điểm cầu", point.name),
        ("Địa điểm", location(point)),
    ]
    contact = _contact_line(session)
    description = "\n".join(
        [lead, ""] + [f"{label}: {value}" for label, value in facts] + ([contact] if contact else [])
    )
    text = "\n".join([f"Kính gửi {name},", "", description])
    html = _html(name, lead, facts, [], contact)
    return Texts(cancel_subject(session, point), text, html, description)


def reminder_texts(session: SessionLike, point: PointLike, name: str, technician_url: str) -> Texts:
    lead = (
        f"Ngày mai là {session.title.lower()} ({when(session)}). Chị/anh chưa xác nhận đã "
        'nhận lịch; vui lòng mở đường dẫn dưới đây và bấm "Đã nhận lịch".'
    )
    facts = [("Điểm cầu", point.name), ("Địa điểm", location(point))]
    steps = [f"Xác nhận đã nhận lịch: {technician_url}"]
    contact = _contact_line(session)
    text = "\n".join(
        [f"Kính gửi {name},", "", lead, ""]
        + [f"{label}: {value}" for label, value in facts]
        + ["", *steps]
        + ([contact] if contact else [])
    )
    subject = f"{SUBJECT_PREFIX['reminder']}: {session.title} – {when(session)}"
    return Texts(subject, text, _html(name, lead, facts, steps, contact), lead)


def _html(name: str, lead: str, facts: list[tuple[str, str]], steps: list[str], contact: str) -> str:
    template = current_app.jinja_env.get_template(HTML_TEMPLATE)
    linked = [_link_step(step) for step in steps]
    return template.render(name=name, lead=lead, facts=facts, steps=linked, contact=contact)


def _link_step(step: str) -> tuple[str, str | None]:
    """A step ending in ": <url>" as (its text, the url) for the template to link; else (step, None)."""
    text, sep, url = step.rpartition(": ")
    if sep and url.startswith(("http://", "https://")):
        return text, url
    return step, None


def feed_description(session: SessionLike, point: PointLike) -> str:
    conference = session.conference
    lines = [
        conference.title,
        f"Phiên: {session.title}",
        f"Thời gian: {when(session)}",
        f"Điểm cầu: {point.name}",
        f"Địa điểm: {location(point)}",
    ]
    contact = _contact_line(session)
    return "\n".join(lines + ([contact] if contact else []))
