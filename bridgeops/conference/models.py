"""A conference received in one province and relayed to its bridge points."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridgeops.core.keys import new_public_key
from bridgeops.core.time import utcnow
from bridgeops.core.types import EnumString, UTCDateTime, one_of
from bridgeops.extensions import Model


class SessionKind(StrEnum):
    """A rehearsal (technicians test the link) or a session of the conference itself."""

    REHEARSAL = "rehearsal"
    SESSION = "session"


SESSION_KIND_LABELS = {SessionKind.REHEARSAL: "Tổng duyệt", SessionKind.SESSION: "Phiên họp"}


#: The conference's fields that print on its return (addressee, document code, signer).
RETURN_FIELDS = (
    "return_recipient",
    "return_code",
    "return_signer_for",
    "return_signer_title",
    "return_signer_name",
)


class Conference(Model):
    __tablename__ = "conference"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL name, e.g. "namdinh-2022".
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Title as printed on the plan.
    title: Mapped[str] = mapped_column(sa.String(400))
    #: Who holds the conference (TW).
    organizer: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The receiving organisation, printed on the return ("Hội LHPN tỉnh Nam Định").
    host_name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The province (or the country's root unit) whose points register.
    host_unit_code: Mapped[str | None] = mapped_column(sa.ForeignKey("admin_unit.code"))
    #: IANA zone the conference is shown in.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Ho_Chi_Minh")
    #: After this, chairs read but do not change.
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The contact officer, as printed in invites and the return.
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    #: Whom the printed return is addressed to ("Nơi nhận"); empty: the organizer.
    return_recipient: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    #: The return's document code after "Số: …/", e.g. "BC-HPN".
    return_code: Mapped[str] = mapped_column(sa.String(40), default="BC", server_default="BC")
    #: The signer's block: on whose behalf ("TM. BAN THƯỜNG VỤ"), her title and her name.
    return_signer_for: Mapped[str] = mapped_column(
        sa.String(120), default="TM. BAN THƯỜNG VỤ", server_default="TM. BAN THƯỜNG VỤ"
    )
    return_signer_title: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    return_signer_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    #: Which administrative map the units come from: "2023" (63 provinces, three levels) or
    #: "2025" (34 provinces, two levels).
    unit_map: Mapped[str] = mapped_column(sa.String(4), default="2023", server_default="2023")
    #: The conference this one was copied from (its categories, sessions and points).
    copied_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conference.id"))
    #: Set when the conference is archived: its records are then read-only.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def return_addressee(self) -> str:
        """Whom the return goes to: the configured recipient, else the organizer (TW)."""
        return self.return_recipient or self.organizer or "Ban Tổ chức Trung ương"

    sessions: Mapped[list[ConferenceSession]] = relationship(
        back_populates="conference", order_by="ConferenceSession.starts_at"
    )
    categories: Mapped[list[DelegateCategory]] = relationship(
        back_populates="conference", order_by="DelegateCategory.position"
    )


class ConferenceSession(Model):
    __tablename__ = "conference_session"
    __table_args__ = (one_of("kind", SessionKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random key in the session's calendar UIDs (ids restart after a restore; this never
    #: does). Sessions from before it existed carry their id, so sent UIDs stay the same.
    uid_key: Mapped[str] = mapped_column(sa.String(32), default=new_public_key)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    kind: Mapped[SessionKind] = mapped_column(EnumString(SessionKind, 16))
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: iCalendar SEQUENCE: goes up on every change attendees must see.
    sequence: Mapped[int] = mapped_column(default=0)
    #: Set when the session is cancelled; invites then carry METHOD:CANCEL.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conference: Mapped[Conference] = relationship(back_populates="sessions")


class DelegateCategory(Model):
    __tablename__ = "delegate_category"
    __table_args__ = (sa.UniqueConstraint("conference_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    #: Stable code used in JSON and files: "bch_tinh".
    code: Mapped[str] = mapped_column(sa.String(40))
    #: Label shown to people.
    label: Mapped[str] = mapped_column(sa.String(200))
    #: Comma-separated point levels this category applies to: "district,commune".
    levels_csv: Mapped[str] = mapped_column(sa.String(60))
    #: Order of columns in forms and files.
    position: Mapped[int] = mapped_column(default=0)

    conference: Mapped[Conference] = relationship(back_populates="categories")

    @property
    def levels(self) -> list[str]:
        return [level for level in self.levels_csv.split(",") if level]
