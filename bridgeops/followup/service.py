"""Follow-up conferences: the province's deadlines, each unit's report, the tracker and the
reminders to chairs. The only writer of followup_conference and followup_deadline."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from bridgeops.accounts.access import Principal, unit_in_scope
from bridgeops.audit import service as audit
from bridgeops.conference.models import Conference
from bridgeops.core.db import get_row
from bridgeops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from bridgeops.core.time import local, utcnow
from bridgeops.extensions import db
from bridgeops.followup.models import LEVELS, FollowupConference, FollowupDeadline
from bridgeops.followup.schemas import DeadlinesIn, FollowupIn, TrackerState
from bridgeops.mail import service as mail
from bridgeops.mail.models import OutboxMessage
from bridgeops.registration.models import BridgePoint, Contact
from bridgeops.returns.service import Phone, freeze_document, place_of
from bridgeops.units.models import AdminUnit

#: Fields of a follow-up that its form and the API set, in the audit trail's order.
FIELDS = (
    "planned_on",
    "held_on",
    "format",
    "presenter",
    "officials",
    "members",
    "women",
    "branches_total",
    "branches_reached",
    "chair_name",
    "chair_phone",
    "chair_email",
    "note",
)
#: Reminders before a deadline: (kind, days before). The week's goes out from 7 days before,
#: the day's from the day before; each once per chair.
REMINDERS = (("week", 7), ("day", 1))
ARCHIVED = "Hội nghị này đã được lưu trữ; hồ sơ chỉ để xem, không thay đổi được."


def today(conference: Conference, now: datetime | None = None) -> date:
    """Today in the conference's zone: deadlines are local dates."""
    return local(now or utcnow(), conference.timezone).date()


# --- Deadlines --------------------------------------------------------------------------------


def deadlines(conference: Conference) -> dict[str, date]:
    rows = db.session.scalars(
        sa.select(FollowupDeadline).where(FollowupDeadline.conference_id == conference.id)
    )
    return {row.level: row.due_on for row in rows}


def set_deadlines(conference: Conference, data: DeadlinesIn, actor: str) -> dict[str, date]:
    """Set (or clear, with None) the deadline of each level; audited."""
    if conference.archived_at is not None:
        raise Conflict(ARCHIVED)
    existing = {
        row.level: row
        for row in db.session.scalars(
            sa.select(FollowupDeadline).where(FollowupDeadline.conference_id == conference.id)
        )
    }
    before = {level: row.due_on.isoformat() for level, row in existing.items()}
    for level in LEVELS:
        due_on = getattr(data, level)
        row = existing.get(level)
        if due_on is None:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = FollowupDeadline(conference_id=conference.id, level=level, due_on=due_on)
            db.session.add(row)
        row.due_on, row.updated_by, row.updated_at = due_on, actor, utcnow()
    db.session.flush()
    after = deadlines(conference)
    audit.record(
        actor,
        "followup_deadline",
        None,
        "set",
        conference_id=conference.id,
        before=before,
        after={k: v.isoformat() for k, v in after.items()},
    )
    return after


# --- Units and their reports ------------------------------------------------------------------


def units_of_level(conference: Conference, level: str) -> list[AdminUnit]:
    """The units of the conference's territory that hold a follow-up at that level."""
    if level not in LEVELS:
        raise ValidationFailed({"level": "Cấp phải là tỉnh, huyện hoặc xã."})
    stmt = sa.select(AdminUnit).where(AdminUnit.level == level).order_by(AdminUnit.code)
    if conference.host_unit_code:
        host = get_row(AdminUnit, conference.host_unit_code)
        stmt = stmt.where(AdminUnit.province_code == host.province_code)
    return list(db.session.scalars(stmt))


def get_unit(conference: Conference, unit_code: str) -> AdminUnit:
    unit = db.session.get(AdminUnit, unit_code)
    if unit is None or unit.level not in LEVELS:
        raise NotFound(f"Không có đơn vị {unit_code}.")
    if conference.host_unit_code:
        host = get_row(AdminUnit, conference.host_unit_code)
        if unit.province_code != host.province_code:
            raise NotFound(f"Đơn vị {unit_code} không thuộc hội nghị này.")
    return unit


def get_followup(conference: Conference, unit_code: str) -> FollowupConference | None:
    return db.session.scalar(
        sa.select(FollowupConference).where(
            FollowupConference.conference_id == conference.id, FollowupConference.unit_code == unit_code
        )
    )


def may_report(principal: Principal | None, conference: Conference, unit: AdminUnit) -> bool:
    """Officers for every unit; a chair for her own unit and the units directly under it."""
    return unit_in_scope(principal, unit, conference.id)


def _check(data: FollowupIn, today_: date) -> None:
    errors = {}
    if data.branches_reached > data.branches_total:
        errors["branches_reached"] = "Số chi/tổ hội được quán triệt không được lớn hơn tổng số."
    if data.held_on is not None:
        if data.held_on > today_:
            errors["held_on"] = "Ngày tổ chức chưa đến; hãy ghi vào ngày dự kiến."
        if data.format is None:
            errors["format"] = "Hãy chọn hình thức tổ chức (trực tiếp hoặc trực tuyến)."
        if not data.presenter:
            errors["presenter"] = "Hãy ghi tên báo cáo viên."
    if errors:
        raise ValidationFailed(errors)


def _facts(followup: FollowupConference) -> dict[str, Any]:
    values = {name: getattr(followup, name) for name in FIELDS}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def record(
    conference: Conference, unit: AdminUnit, data: FollowupIn, principal: Principal
) -> FollowupConference:
    """Create or change the unit's follow-up report; audited, late when after the deadline.

    A ``version`` older than the stored one is refused (two people editing one report never
    overwrite each other)."""
    if not may_report(principal, conference, unit):
        raise Forbidden(
            "Chỉ chủ tịch Hội của đơn vị (hoặc đơn vị cấp trên) và cán bộ đầu mối "
            "được ghi hội nghị triển khai của đơn vị này."
        )
    if conference.archived_at is not None:
        raise Conflict(ARCHIVED)
    today_ = today(conference)
    _check(data, today_)
    followup = get_followup(conference, unit.code)
    if followup is not None and data.version is not None and data.version != followup.version:
        raise Conflict(
            "Báo cáo này vừa được người khác sửa. Hãy xem lại số liệu mới rồi lưu "
            "lại; những gì chị/anh vừa nhập vẫn còn trên mẫu."
        )
    before = _facts(followup) if followup is not None else None
    if followup is None:
        followup = FollowupConference(conference_id=conference.id, unit_code=unit.code, level=unit.level)
        db.session.add(followup)
    for name in FIELDS:
        setattr(followup, name, getattr(data, name))
    followup.updated_by, followup.updated_at = principal.actor, utcnow()
    db.session.flush()
    due = deadlines(conference).get(unit.level)
    audit.record(
        principal.actor,
        "followup_conference",
        followup.id,
        "create" if before is None else "update",
        conference_id=conference.id,
        before=before,
        after={"unit": unit.code, **_facts(followup)},
        late=due is not None and today_ > due,
    )
    return followup


# --- The tracker ------------------------------------------------------------------------------

STATE_ORDER = {"overdue": 0, "pending": 1, "held_late": 2, "held": 3}
STATE_LABELS = {
    "overdue": "Quá hạn",
    "pending": "Chưa tổ chức",
    "held_late": "Tổ chức muộn",
    "held": "Đã tổ chức",
}


@dataclass
class TrackerRow:
    unit: AdminUnit
    followup: FollowupConference | None
    deadline: date | None
    state: TrackerState
    chairs: list[Phone] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class Tracker:
    level: str
    deadline: date | None
    rows: list[TrackerRow]

    @property
    def units_total(self) -> int:
        return len(self.rows)

    @property
    def units_held(self) -> int:
        return sum(1 for r in self.rows if r.state in ("held", "held_late"))

    @property
    def branches_total(self) -> int:
        return sum(r.followup.branches_total for r in self.rows if r.followup)

    @property
    def branches_reached(self) -> int:
        return sum(r.followup.branches_reached for r in self.rows if r.followup and r.followup.held_on)

    @property
    def branches_percent(self) -> float | None:
        total = self.branches_total
        return round(100 * self.branches_reached / total, 1) if total else None


def state_of(followup: FollowupConference | None, deadline: date | None, today_: date) -> TrackerState:
    """overdue (not held, deadline passed), pending, held_late (after the deadline), held."""
    held_on = followup.held_on if followup else None
    if held_on is None:
        return "overdue" if deadline is not None and today_ > deadline else "pending"
    return "held_late" if deadline is not None and held_on > deadline else "held"


def chairs_of(conference: Conference, unit_codes: list[str]) -> dict[str, list[Contact]]:
    """Chair contacts of each unit's bridge point in the conference (the registration's)."""
    by_unit: dict[str, list[Contact]] = {}
    if not unit_codes:
        return by_unit
    rows = db.session.execute(
        sa.select(BridgePoint.unit_code, Contact)
        .join(Contact, Contact.point_id == BridgePoint.id)
        .where(
            BridgePoint.conference_id == conference.id,
            BridgePoint.unit_code.in_(unit_codes),
            Contact.role == "chair",
        )
        .order_by(Contact.id)
    )
    for unit_code, contact in rows:
        by_unit.setdefault(unit_code, []).append(contact)
    return by_unit


@dataclass(frozen=True)
class Chair:
    name: str
    phone: str
    email: str


def chairs_for(
    unit_code: str, followup: FollowupConference | None, contacts: dict[str, list[Contact]]
) -> list[Chair]:
    """The chair named on the follow-up report, then the chairs known from registration."""
    chairs = []
    if followup is not None and (followup.chair_phone or followup.chair_email):
        chairs.append(Chair(followup.chair_name, followup.chair_phone, followup.chair_email))
    chairs += [Chair(c.name, c.phone, c.email) for c in contacts.get(unit_code, [])]
    unique: dict[str, Chair] = {}
    for chair in chairs:
        unique.setdefault(chair.email.lower() or chair.phone, chair)
    return list(unique.values())


def tracker(conference: Conference, level: str = "district", now: datetime | None = None) -> Tracker:
    """Every unit of the level: x of N held, the share of chi/tổ hội reached, overdue first."""
    units = units_of_level(conference, level)
    deadline = deadlines(conference).get(level)
    today_ = today(conference, now)
    followups = {
        f.unit_code: f
        for f in db.session.scalars(
            sa.select(FollowupConference).where(
                FollowupConference.conference_id == conference.id, FollowupConference.level == level
            )
        )
    }
    contacts = chairs_of(conference, [u.code for u in units])
    rows = []
    for unit in units:
        followup = followups.get(unit.code)
        chairs = chairs_for(unit.code, followup, contacts)
        rows.append(
            TrackerRow(
                unit,
                followup,
                deadline,
                state_of(followup, deadline, today_),
                [Phone(c.name, "chair", c.phone) for c in chairs if c.phone],
            )
        )
    rows.sort(key=lambda r: (STATE_ORDER[r.state], r.unit.code))
    return Tracker(level, deadline, rows)


# --- Reminders --------------------------------------------------------------------------------


def _reminder_due(due_on: date, today_: date) -> str | None:
    """Which reminder is due today: the day's from the day before, the week's before that."""
    days_left = (due_on - today_).days
    if days_left < 0:
        return None
    for kind, days in reversed(REMINDERS):
        if days_left <= days:
            return kind
    return None


def queue_reminders(now: datetime | None = None) -> list[OutboxMessage]:
    """Remind the chair of every unit that has not held its follow-up, a week and a day before
    its level's deadline. Idempotent: the outbox's dedupe key holds the deadline, the unit, the
    reminder and the chair, so each chair gets each reminder exactly once."""
    now = now or utcnow()
    queued = []
    for deadline in db.session.scalars(sa.select(FollowupDeadline).order_by(FollowupDeadline.id)):
        conference = get_row(Conference, deadline.conference_id)
        kind = _reminder_due(deadline.due_on, today(conference, now))
        if kind is None:
            continue
        units = units_of_level(conference, deadline.level)
        held = set(
            db.session.scalars(
                sa.select(FollowupConference.unit_code).where(
                    FollowupConference.conference_id == conference.id, FollowupConference.held_on.is_not(None)
                )
            )
        )
        pending = [u for u in units if u.code not in held]
        contacts = chairs_of(conference, [u.code for u in pending])
        followups = {
            f.unit_code: f
            for f in db.session.scalars(
                sa.select(FollowupConference).where(FollowupConference.conference_id == conference.id)
            )
        }
        for unit in pending:
            for chair in chairs_for(unit.code, followups.get(unit.code), contacts):
                if not chair.email:
                    continue
                who = hashlib.sha256(chair.email.lower().encode()).hexdigest()[:16]
                key = f"followup-{kind}:{conference.id}:{unit.code}:{deadline.due_on:%Y%m%d}:{who}"
                subject, text = _reminder_texts(conference, unit, chair, deadline.due_on, kind)
                queued.append(
                    mail.enqueue(
                        kind="reminder",
                        recipient=chair.email,
                        subject=subject,
                        text=text,
                        dedupe_key=key,
                        conference_id=conference.id,
                    )
                )
    return queued


def _reminder_texts(
    conference: Conference, unit: AdminUnit, chair: Chair, due_on: date, kind: str
) -> tuple[str, str]:
    due = f"{due_on.day}/{due_on.month}/{due_on.year}"
    subject = f"Nhắc hạn tổ chức hội nghị triển khai Nghị quyết: {unit.name} – hạn {due}"
    # The job runs without a request: render the template alone, not through the page
    # context processors (they read the request's session).
    template = current_app.jinja_env.get_template("followup/reminder.txt")
    text = template.render(
        conference=conference,
        unit=unit,
        chair=chair,
        due=due,
        kind=kind,
        contact_name=conference.contact_name or current_app.config.get("CONTACT_NAME", ""),
        contact_phone=conference.contact_phone,
    )
    return subject, text


# --- The consolidated report to TW ------------------------------------------------------------


def report_levels(conference: Conference) -> list[str]:
    """The levels the conference's territory has (a two-level province has no districts)."""
    return [level for level in LEVELS if units_of_level(conference, level)]


def document_of(conference: Conference, now: datetime | None = None) -> dict[str, Any]:
    from bridgeops.followup.document import build_document

    now = now or utcnow()
    return build_document(
        conference,
        [tracker(conference, level, now) for level in report_levels(conference)],
        place_of(conference),
        today(conference, now),
    )


def freeze(conference: Conference, actor: str):
    """Freeze the consolidated report as a snapshot (kind "followup")."""

    document = document_of(conference)
    return freeze_document(
        conference,
        "followup",
        document,
        actor,
        audit_after={
            "held": {lv["level"]: f"{lv['units_held']}/{lv['units_total']}" for lv in document["levels"]}
        },
    )
