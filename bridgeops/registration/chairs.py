"""The district chair's side of the registration: her own contact, the units that take no part,
and the ready messages and reminders the officer sends her.

Writes flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import sqlalchemy as sa
from flask import render_template
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bridgeops.accounts.access import Principal, unit_in_scope
from bridgeops.audit import service as audit
from bridgeops.conference.models import Conference
from bridgeops.core.errors import Conflict, Forbidden, ValidationFailed
from bridgeops.core.time import utcnow
from bridgeops.core.validation import validate
from bridgeops.extensions import db
from bridgeops.mail import service as mail
from bridgeops.registration.models import BridgePoint, ChairContact, PointStatus, UnitAbsence
from bridgeops.registration.schemas import CleanText, RequiredText, normalise_email, normalise_phone
from bridgeops.units.models import AdminUnit


class ChairContactIn(BaseModel):
    """The chair's name and phone (email optional: reminders go there when given)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, RequiredText, Field(max_length=120)]
    phone: Annotated[str, RequiredText, Field(max_length=40)]
    email: Annotated[str, CleanText, Field(max_length=254)] = ""

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalise_phone(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value) if value else ""


def chair_contact(conference: Conference, unit_code: str) -> ChairContact | None:
    return db.session.scalar(
        sa.select(ChairContact).where(
            ChairContact.conference_id == conference.id, ChairContact.unit_code == unit_code
        )
    )


def chair_contacts(conference: Conference) -> dict[str, ChairContact]:
    """Every known chair of the conference by unit code."""
    return {
        c.unit_code: c
        for c in db.session.scalars(
            sa.select(ChairContact).where(ChairContact.conference_id == conference.id)
        )
    }


def save_chair_contact(conference: Conference, unit_code: str, data: dict, actor: str) -> ChairContact:
    """Record (or correct) who chairs a unit; 422 with field messages when the input is wrong."""
    parsed = validate(ChairContactIn, data)
    contact = chair_contact(conference, unit_code)
    before = None
    if contact is None:
        contact = ChairContact(conference_id=conference.id, unit_code=unit_code)
        db.session.add(contact)
    else:
        before = {"name": contact.name, "phone": contact.phone, "email": contact.email}
    contact.name, contact.phone, contact.email = parsed.name, parsed.phone, parsed.email
    contact.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "chair_contact",
        contact.id,
        "update" if before else "create",
        conference_id=conference.id,
        before=before,
        after={"name": contact.name, "phone": contact.phone, "email": contact.email},
    )
    return contact


# --- Units that take no part -------------------------------------------------------------------


def absent_codes(conference: Conference) -> set[str]:
    return set(
        db.session.scalars(sa.select(UnitAbsence.unit_code).where(UnitAbsence.conference_id == conference.id))
    )


def _absence_unit(conference: Conference, unit_code: str, principal: Principal) -> AdminUnit:
    unit = db.session.get(AdminUnit, unit_code)
    if unit is None or not unit_in_scope(principal, unit, conference.id):
        raise Forbidden("Bạn không phụ trách đơn vị này.")
    if unit.level != "commune":
        raise ValidationFailed({"unit": f"{unit.name} là đơn vị chủ trì, phải có điểm cầu."})
    return unit


def mark_absent(conference: Conference, unit_code: str, principal: Principal) -> UnitAbsence:
    """The unit has no connection and takes no part; refused while it has a live point."""
    unit = _absence_unit(conference, unit_code, principal)
    live = db.session.scalar(
        sa.select(BridgePoint.id).where(
            BridgePoint.conference_id == conference.id,
            BridgePoint.unit_code == unit.code,
            BridgePoint.status != PointStatus.WITHDRAWN,
        )
    )
    if live is not None:
        raise Conflict(f"{unit.name} đã có điểm cầu; hãy rút điểm cầu trước.")
    absence = db.session.get(UnitAbsence, (conference.id, unit.code))
    if absence is None:
        absence = UnitAbsence(conference_id=conference.id, unit_code=unit.code, actor=principal.actor)
        db.session.add(absence)
        db.session.flush()
        audit.record(
            principal.actor,
            "unit_absence",
            None,
            "absent",
            conference_id=conference.id,
            after={"unit": unit.code},
        )
    return absence


def mark_present(conference: Conference, unit_code: str, principal: Principal) -> None:
    """Undo "không tham gia": the unit is expected to register again."""
    unit = _absence_unit(conference, unit_code, principal)
    absence = db.session.get(UnitAbsence, (conference.id, unit.code))
    if absence is not None:
        db.session.delete(absence)
        db.session.flush()
        audit.record(
            principal.actor,
            "unit_absence",
            None,
            "present",
            conference_id=conference.id,
            after={"unit": unit.code},
        )


# --- Ready messages and reminders ------------------------------------------------------------


def chair_invitation(conference: Conference, unit_name: str, url: str, chair_name: str = "") -> str:
    """The ready Zalo message that goes with a chair's link: who, what, deadline, link."""
    return render_template(
        "registration/messages/chair_link.txt",
        conference=conference,
        unit_name=unit_name,
        url=url,
        chair_name=chair_name,
    ).strip()


def technician_invitation(
    conference: Conference, point: BridgePoint, url: str, technician_name: str = ""
) -> str:
    """The ready Zalo message that goes with a technician's link."""
    return render_template(
        "registration/messages/technician_link.txt",
        conference=conference,
        point=point,
        url=url,
        technician_name=technician_name,
    ).strip()


@dataclass
class Reminder:
    """One late district: the mail queued to its chair, or the message to send by hand."""

    unit_name: str
    chair: ChairContact | None
    emailed: bool
    text: str


def remind_late(conference: Conference, late: list[tuple[str, str, str]], actor: str) -> list[Reminder]:
    """Remind each late district's chair at once: by email where her address is known, and a
    ready message (Zalo, SMS) for the others. ``late`` holds (unit code, unit name, what is left)."""
    contacts = chair_contacts(conference)
    stamp = utcnow().strftime("%Y%m%d%H%M")
    reminders = []
    for unit_code, unit_name, left in late:
        chair = contacts.get(unit_code)
        text = render_template(
            "registration/messages/reminder.txt",
            conference=conference,
            unit_name=unit_name,
            left=left,
            chair=chair,
        ).strip()
        emailed = bool(chair and chair.email)
        if chair is not None and chair.email:
            mail.enqueue(
                kind="chair_reminder",
                recipient=chair.email,
                conference_id=conference.id,
                subject=f"Nhắc đăng ký điểm cầu: {conference.title}"[:200],
                text=text,
                dedupe_key=f"chair-reminder:{conference.id}:{unit_code}:{stamp}",
            )
        reminders.append(Reminder(unit_name, chair, emailed, text))
    if reminders:
        audit.record(
            actor,
            "conference",
            conference.id,
            "remind",
            conference_id=conference.id,
            after={"units": [code for code, _, _ in late]},
        )
    return reminders
