"""API schemas of conferences and sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bridgeops.conference.models import SessionKind
from bridgeops.core.text import clean
from bridgeops.core.time import VN_TZ
from bridgeops.core.validation import normalise_email, normalise_phone


class SessionOut(BaseModel):
    id: int
    kind: SessionKind
    title: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    cancelled: bool


class CategoryOut(BaseModel):
    code: str
    label: str
    levels: list[str]


class ConferenceOut(BaseModel):
    slug: str
    title: str
    organizer: str
    host_name: str
    host_unit_code: str | None
    map: str
    timezone: str
    registration_closes_at: datetime | None
    contact_name: str
    contact_email: str
    contact_phone: str
    return_recipient: str
    return_code: str
    return_signer_for: str
    return_signer_title: str
    return_signer_name: str
    copied_from: str | None
    archived: bool
    sessions: list[SessionOut]
    categories: list[CategoryOut]


class SessionPatch(BaseModel):
    """Change a session's times or title; invites are updated for that session only."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    #: true cancels the session (technicians get METHOD:CANCEL), false restores it.
    cancelled: bool | None = None


# --- Setting up a conference ------------------------------------------------------------------

#: The two administrative maps a conference's units come from.
UnitMap = Literal["2023", "2025"]
Level = Literal["province", "district", "commune"]

#: A session outside these bounds is a typing slip, not a conference.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099
MAX_SESSION_HOURS = 24


def _clean_text(value: Any) -> Any:
    return clean(value) if isinstance(value, str) else value


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _required_text(value: Any) -> Any:
    value = _clean_text(value)
    if value == "":
        raise PydanticCustomError("required", "Không được để trống.")
    return value


Text = Annotated[str, BeforeValidator(_clean_text)]
Required = BeforeValidator(_required_text)
Slug = Annotated[
    str,
    BeforeValidator(_clean_text),
    Field(min_length=3, max_length=64, pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"),
]
OptionalCode = Annotated[Annotated[str, Field(max_length=10)] | None, BeforeValidator(_blank_to_none)]


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise PydanticCustomError(
            "timezone_invalid", "Múi giờ không hợp lệ (ví dụ Asia/Ho_Chi_Minh)."
        ) from None
    return value


def check_session_times(starts_at: datetime, ends_at: datetime) -> str | None:
    """The Vietnamese reason a session's times make no sense, or None."""
    if ends_at <= starts_at:
        return "Giờ kết thúc phải sau giờ bắt đầu."
    if not EARLIEST_YEAR <= starts_at.year <= LATEST_YEAR:
        return f"Phiên phải diễn ra trong các năm {EARLIEST_YEAR}–{LATEST_YEAR}."
    if ends_at - starts_at > timedelta(hours=MAX_SESSION_HOURS):
        return (
            f"Một phiên dài tối đa {MAX_SESSION_HOURS} giờ; hội nghị nhiều ngày thì thêm mỗi ngày một phiên."
        )
    return None


class SessionIn(BaseModel):
    """A rehearsal or a conference day."""

    model_config = ConfigDict(extra="forbid")

    kind: SessionKind = SessionKind.SESSION
    title: Annotated[str, Required, Field(max_length=200)]
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _sensible(self) -> SessionIn:
        problem = check_session_times(self.starts_at, self.ends_at)
        if problem:
            raise PydanticCustomError("session_times", problem)
        return self


class CategoryIn(BaseModel):
    """A delegate category and the point levels it is counted at."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[
        str, BeforeValidator(_clean_text), Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    ]
    label: Annotated[str, Required, Field(max_length=200)]
    levels: list[Level]

    @field_validator("levels")
    @classmethod
    def _some_level(cls, value: list[str]) -> list[str]:
        if not value:
            raise PydanticCustomError(
                "levels_missing", "Chọn ít nhất một cấp (tỉnh, huyện hoặc xã) cho thành phần."
            )
        return list(dict.fromkeys(value))


def unique_codes(value: list[CategoryIn] | None) -> list[CategoryIn] | None:
    """Categories are told apart by their code: one code, one category."""
    codes = [c.code for c in value or []]
    if len(codes) != len(set(codes)):
        raise PydanticCustomError("duplicate_code", "Mỗi thành phần cần một mã riêng.")
    return value


class ConferenceFields(BaseModel):
    """What the officer says about a conference besides its sessions and categories."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Required, Field(max_length=400)]
    organizer: Annotated[Text, Field(max_length=200)] = ""
    host_name: Annotated[Text, Field(max_length=200)] = ""
    registration_closes_at: AwareDatetime | None = None
    contact_name: Annotated[Text, Field(max_length=200)] = ""
    contact_email: Annotated[Text, Field(max_length=254)] = ""
    contact_phone: Annotated[Text, Field(max_length=40)] = ""
    #: The printed return: whom it is addressed to (empty: the organizer), its document code
    #: ("Số: …/BC-HPN") and its signer's block.
    return_recipient: Annotated[Text, Field(max_length=300)] = ""
    return_code: Annotated[Text, Field(max_length=40)] = "BC"
    return_signer_for: Annotated[Text, Field(max_length=120)] = "TM. BAN THƯỜNG VỤ"
    return_signer_title: Annotated[Text, Field(max_length=120)] = ""
    return_signer_name: Annotated[Text, Field(max_length=120)] = ""

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value) if value else ""

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalise_phone(value) if value else ""


class ConferenceIn(ConferenceFields):
    """A new conference (POST /api/v1/conferences, the wizard, ``conference create``)."""

    slug: Slug
    host_unit_code: OptionalCode = None
    map: UnitMap = "2023"
    timezone: Annotated[str, BeforeValidator(_clean_text), Field(max_length=64)] = VN_TZ
    sessions: Annotated[list[SessionIn], Field(max_length=60)] = []
    #: None: the plan's six categories as a starting set.
    categories: Annotated[list[CategoryIn], Field(max_length=60)] | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("categories")
    @classmethod
    def _unique_codes(cls, value: list[CategoryIn] | None) -> list[CategoryIn] | None:
        return unique_codes(value)


class ConferencePatch(BaseModel):
    """Change what the officer said (PATCH /api/v1/conferences/{slug}); unset fields stay."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Required, Field(max_length=400)] | None = None
    organizer: Annotated[Text, Field(max_length=200)] | None = None
    host_name: Annotated[Text, Field(max_length=200)] | None = None
    registration_closes_at: AwareDatetime | None = None
    contact_name: Annotated[Text, Field(max_length=200)] | None = None
    contact_email: Annotated[Text, Field(max_length=254)] | None = None
    contact_phone: Annotated[Text, Field(max_length=40)] | None = None
    return_recipient: Annotated[Text, Field(max_length=300)] | None = None
    return_code: Annotated[Text, Field(max_length=40)] | None = None
    return_signer_for: Annotated[Text, Field(max_length=120)] | None = None
    return_signer_title: Annotated[Text, Field(max_length=120)] | None = None
    return_signer_name: Annotated[Text, Field(max_length=120)] | None = None
    #: The whole list, in column order: labels and levels of existing codes change, new codes
    #: are added, missing ones removed (unless points have counted them).
    categories: Annotated[list[CategoryIn], Field(min_length=1, max_length=60)] | None = None

    @field_validator("categories")
    @classmethod
    def _unique_codes(cls, value: list[CategoryIn] | None) -> list[CategoryIn] | None:
        return unique_codes(value)

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return normalise_email(value) if value else value

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else value


class CopyIn(BaseModel):
    """Copy a conference (POST /api/v1/conferences/{slug}/copy, ``conference copy``)."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug
    title: Annotated[str, Required, Field(max_length=400)] | None = None
    #: Sessions and the deadline move by this many days.
    shift_days: Annotated[int, Field(ge=-3650, le=3650)] = 0
    #: None: the source's map.
    map: UnitMap | None = None
    #: Unset: the source's host; null: a national conference.
    host_unit_code: OptionalCode = None


class UnplacedOut(BaseModel):
    unit: str
    name: str


class CopyOut(ConferenceOut):
    carried: int
    unplaced: list[UnplacedOut]


class ConferenceList(BaseModel):
    items: list[ConferenceOut]
