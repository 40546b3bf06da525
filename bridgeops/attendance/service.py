"""Actual attendance: the report window, recording a point's report, and the roll-up of
confirmed against present. The only writer of attendance_report.

The roll-up starts from the headcount return's (returns.rollup): the same points, districts and
categories, with each point's report beside its confirmed counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bridgeops.accounts.access import Principal
from bridgeops.attendance.models import AttendanceReport
from bridgeops.audit import service as audit
from bridgeops.conference.models import Conference, ConferenceSession, DelegateCategory
from bridgeops.conference.service import categories_for_level
from bridgeops.core.errors import Conflict, NotFound, ValidationFailed
from bridgeops.core.time import format_datetime_vi, utcnow
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint, Contact, PointStatus
from bridgeops.returns import service as returns
from bridgeops.returns.rollup import Category, build_rollup

ARCHIVED = "Hội nghị này đã được lưu trữ; hồ sơ chỉ để xem, không thay đổi được."
#: The form stays open this long after a session ends: rooms empty, then people count.
OPEN_AFTER_END = timedelta(hours=4)


# --- The report window ------------------------------------------------------------------------


def window(session: ConferenceSession) -> tuple[datetime, datetime]:
    """From the session's start to OPEN_AFTER_END after its end."""
    return session.starts_at, session.ends_at + OPEN_AFTER_END


def is_open(session: ConferenceSession, now: datetime) -> bool:
    opens, closes = window(session)
    return session.kind == "session" and session.cancelled_at is None and opens <= now <= closes


def reportable_sessions(conference: Conference) -> list[ConferenceSession]:
    """The conference's sessions (not the rehearsal), in order."""
    return [s for s in conference.sessions if s.kind == "session" and s.cancelled_at is None]


def open_sessions(conference: Conference, now: datetime) -> list[ConferenceSession]:
    return [s for s in reportable_sessions(conference) if is_open(s, now)]


def get_session(conference: Conference, session_id: int) -> ConferenceSession:
    session = db.session.get(ConferenceSession, session_id)
    if session is None or session.conference_id != conference.id or session.kind != "session":
        raise NotFound(f"Không có phiên hội nghị số {session_id} trong hội nghị này.")
    return session


def current_or_last_session(conference: Conference, now: datetime) -> ConferenceSession | None:
    """The session open for reports now, else the last one that started, else the first."""
    sessions = reportable_sessions(conference)
    started = [s for s in sessions if s.starts_at <= now]
    opened = [s for s in started if is_open(s, now)]
    if opened:
        return opened[-1]
    return started[-1] if started else (sessions[0] if sessions else None)


def chosen_or_current_session(
    conference: Conference, session_id: int | None, now: datetime
) -> ConferenceSession:
    """The session asked for, else the one ``current_or_last_session`` picks; NotFound when
    the conference has none."""
    if session_id is not None:
        return get_session(conference, session_id)
    session = current_or_last_session(conference, now)
    if session is None:
        raise NotFound("Hội nghị chưa có phiên nào.")
    return session


# --- Recording a report -----------------------------------------------------------------------


def categories_for(point: BridgePoint) -> list[DelegateCategory]:
    return categories_for_level(point.conference, point.level)


def get_report(session: ConferenceSession, point: BridgePoint) -> AttendanceReport | None:
    return db.session.scalar(
        sa.select(AttendanceReport).where(
            AttendanceReport.session_id == session.id, AttendanceReport.point_id == point.id
        )
    )


def record(
    point: BridgePoint,
    session: ConferenceSession,
    counts: dict[str, int],
    principal: Principal,
    now: datetime | None = None,
) -> AttendanceReport:
    """Record (or correct) how many were present at the point in the session, by category.

    Open from the session's start to OPEN_AFTER_END after its end; officers may correct later.
    Categories the point does not have are refused; missing ones count as nobody.
    """
    now = now or utcnow()
    if session.conference_id != point.conference_id or session.kind != "session":
        raise NotFound("Phiên này không thuộc hội nghị của điểm cầu.")
    if point.conference.archived_at is not None:
        raise Conflict(ARCHIVED)
    if point.status == PointStatus.WITHDRAWN:
        raise Conflict("Điểm cầu đã rút khỏi hội nghị, không ghi số người dự.")
    if session.cancelled_at is not None:
        raise Conflict("Phiên này đã bị hủy.")
    opens, closes = window(session)
    if not principal.is_officer and not opens <= now <= closes:
        tz = point.conference.timezone
        raise Conflict(
            f"Chỉ ghi được số người dự của “{session.title}” từ "
            f"{format_datetime_vi(opens, tz)} đến {format_datetime_vi(closes, tz)}."
        )
    allowed = [c.code for c in categories_for(point)]
    unknown = {
        f"counts.{code}": "Thành phần này không thuộc điểm cầu này." for code in counts if code not in allowed
    }
    if unknown:
        raise ValidationFailed(unknown)
    full = {code: int(counts.get(code, 0)) for code in allowed}
    report = get_report(session, point)
    before = {"counts": report.counts, "present": report.present} if report else None
    if report is None:
        report = AttendanceReport(
            session_id=session.id, point_id=point.id, reported_at=now, reported_by=principal.actor
        )
        db.session.add(report)
    report.counts = full
    report.present = sum(full.values())
    report.reported_by = principal.actor
    report.updated_at = now
    db.session.flush()
    audit.record(
        principal.actor,
        "attendance_report",
        report.id,
        "create" if before is None else "update",
        conference_id=point.conference_id,
        before=before,
        after={"session_id": session.id, "point_id": point.id, "counts": full, "present": report.present},
        late=now > closes,
    )
    return report


# --- Confirmed against present ----------------------------------------------------------------


@dataclass
class PointAttendance:
    id: int
    unit_code: str
    unit_name: str
    name: str
    venue: str
    level: str
    district_code: str
    status: str
    confirmed: dict[str, int]
    #: None until the point reported.
    present: dict[str, int] | None
    reported_at: datetime | None = None
    phones: list[returns.Phone] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        return self.present is not None

    @property
    def confirmed_total(self) -> int:
        return sum(self.confirmed.values())

    @property
    def present_total(self) -> int:
        return sum(self.present.values()) if self.present else 0


@dataclass
class GroupAttendance:
    """A district (or the province point on its own), or the whole conference."""

    code: str
    name: str
    points: int = 0
    reported_points: int = 0
    confirmed: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)

    def add(self, point: PointAttendance) -> None:
        self.points += 1
        for code, n in point.confirmed.items():
            self.confirmed[code] = self.confirmed.get(code, 0) + n
        if point.present is not None:
            self.reported_points += 1
            for code, n in point.present.items():
                self.present[code] = self.present.get(code, 0) + n

    @property
    def confirmed_total(self) -> int:
        return sum(self.confirmed.values())

    @property
    def present_total(self) -> int:
        return sum(self.present.values())


@dataclass
class AttendanceSummary:
    conference: Conference
    session: ConferenceSession
    categories: list[Category]
    points: list[PointAttendance]
    districts: list[GroupAttendance]
    totals: GroupAttendance

    @property
    def not_reported(self) -> list[PointAttendance]:
        return [p for p in self.points if not p.reported]


def summary(conference: Conference, session: ConferenceSession) -> AttendanceSummary:
    """Every confirmed point (and any draft that reported) with its confirmed counts and its
    report, rolled up per district and in total; points not reported carry their phones."""
    rollup = build_rollup(conference)
    codes = rollup.category_codes
    reports = {
        r.point_id: r
        for r in db.session.scalars(
            sa.select(AttendanceReport).where(AttendanceReport.session_id == session.id)
        )
    }
    lines = [p for p in rollup.points if p.status == PointStatus.CONFIRMED or p.id in reports]
    missing_ids = [p.id for p in lines if p.id not in reports]
    phones: dict[int, list[returns.Phone]] = {}
    if missing_ids:
        for contact in db.session.scalars(
            sa.select(Contact)
            .where(Contact.point_id.in_(missing_ids), Contact.phone != "")
            .order_by(Contact.role, Contact.id)
        ):
            phones.setdefault(contact.point_id, []).append(
                returns.Phone(contact.name, contact.role, contact.phone)
            )
    points = []
    for line in lines:
        report = reports.get(line.id)
        confirmed = (
            {c: line.counts.get(c, 0) for c in codes}
            if line.status == PointStatus.CONFIRMED
            else {c: 0 for c in codes}
        )
        present = {c: int(report.counts.get(c, 0)) for c in codes} if report else None
        points.append(
            PointAttendance(
                line.id,
                line.unit_code,
                line.unit_name,
                line.name,
                line.venue,
                line.level,
                line.district_code,
                line.status,
                confirmed,
                present,
                report.updated_at if report else None,
                phones.get(line.id, []),
            )
        )
    groups = {d.code: GroupAttendance(d.code, d.name) for d in rollup.districts}
    totals = GroupAttendance("", "Tổng cộng")
    for point in points:
        group = groups.setdefault(
            point.district_code, GroupAttendance(point.district_code, point.district_code)
        )
        group.add(point)
        totals.add(point)
    for group in groups.values():
        for code in codes:
            group.confirmed.setdefault(code, 0)
            group.present.setdefault(code, 0)
    for code in codes:
        totals.confirmed.setdefault(code, 0)
        totals.present.setdefault(code, 0)
    return AttendanceSummary(
        conference, session, rollup.categories, points, [g for g in groups.values() if g.points], totals
    )


# --- The attendance return: document, files, snapshots ----------------------------------------


def document_of(conference: Conference, session: ConferenceSession) -> dict[str, Any]:
    from bridgeops.attendance.document import build_document

    return build_document(summary(conference, session), place=returns.place_of(conference))


def freeze(conference: Conference, session: ConferenceSession, actor: str):
    """Freeze the session's attendance as a snapshot (kind "attendance")."""
    document = document_of(conference, session)
    return returns.freeze_document(
        conference,
        "attendance",
        document,
        actor,
        audit_after={"session_id": session.id, "present": document["totals"]["present"]},
    )
