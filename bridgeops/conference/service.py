"""Conferences, sessions and categories; the only writer of their tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bridgeops.audit import service as audit
from bridgeops.conference.models import RETURN_FIELDS, Conference, ConferenceSession, DelegateCategory
from bridgeops.conference.schemas import (
    CategoryIn,
    ConferenceIn,
    ConferencePatch,
    SessionIn,
    check_session_times,
)
from bridgeops.core.errors import Conflict, NotFound, ValidationFailed
from bridgeops.core.text import clean
from bridgeops.core.time import as_utc, utcnow
from bridgeops.events import category_use, session_changed
from bridgeops.extensions import db
from bridgeops.units.models import LEVEL_LABELS, AdminUnit
from bridgeops.units.service import find_unit


@cache
def _conference_by_slug() -> sa.Select[tuple[Conference]]:
    # Built once: a statement keeps its cache key, which is then not worked out on every call.
    return sa.select(Conference).where(Conference.slug == sa.bindparam("slug"))


def get_conference(slug: str) -> Conference:
    """The conference with this slug (404 if none)."""
    conference = db.session.scalars(_conference_by_slug(), {"slug": slug}).one_or_none()
    if conference is None:
        raise NotFound(f"Không có hội nghị '{slug}'.")
    return conference


def get_conference_by_id(conference_id: int) -> Conference:
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        raise NotFound("Không có hội nghị này.")
    return conference


def list_conferences() -> list[Conference]:
    """Every conference, newest first."""
    return list(
        db.session.scalars(sa.select(Conference).order_by(Conference.created_at.desc(), Conference.id.desc()))
    )


#: The plan's six categories (code, label, levels), offered as the starting set of a new
#: conference.
PLAN_CATEGORIES = [
    ("bch_tinh", "Ủy viên BCH Hội LHPN tỉnh khóa XVII", ["province"]),
    ("chuyen_trach_tinh", "Cán bộ chuyên trách Hội cấp tỉnh", ["province"]),
    ("chu_tich_truc_thuoc", "Chủ tịch Hội Phụ nữ các đơn vị trực thuộc", ["province"]),
    ("bch", "Ủy viên BCH Hội LHPN huyện, thành phố, xã, phường, thị trấn", ["district", "commune"]),
    ("chuyen_trach", "Cán bộ Hội chuyên trách các cấp", ["district", "commune"]),
    ("chi_hoi_truong", "Chi trưởng chi hội phụ nữ", ["district", "commune"]),
]


def plan_categories() -> list[CategoryIn]:
    return [
        CategoryIn.model_validate({"code": code, "label": label, "levels": levels})
        for code, label, levels in PLAN_CATEGORIES
    ]


# --- Setting up -------------------------------------------------------------------------------


def check_host(unit_code: str | None, unit_map: str = "2023") -> str | None:
    """The host must be a province or a district of the gazetteer (None: national), on the
    conference's map; given by its key or its GSO code there. Returns its key."""
    if unit_code is None:
        return None

    unit = find_unit(unit_code, unit_map)
    if unit is None or unit.map != unit_map:
        raise ValidationFailed({"host_unit_code": f"Không có đơn vị hành chính mã {unit_code}."})
    if unit.level not in ("province", "district"):
        raise ValidationFailed(
            {
                "host_unit_code": "Đơn vị chủ trì phải là một tỉnh hoặc một "
                "huyện (để trống: hội nghị toàn quốc)."
            }
        )
    return unit.code


def host_choices() -> list[tuple[AdminUnit, list[AdminUnit]]]:
    """Loaded provinces, each with its districts, for the host picker."""
    rows = list(
        db.session.scalars(
            sa.select(AdminUnit).where(AdminUnit.level.in_(("province", "district"))).order_by(AdminUnit.code)
        )
    )
    districts: dict[str, list[AdminUnit]] = {}
    for unit in rows:
        if unit.level == "district":
            districts.setdefault(unit.province_code, []).append(unit)
    return [(unit, districts.get(unit.code, [])) for unit in rows if unit.level == "province"]


def _check_slug_free(slug: str) -> None:
    if db.session.scalar(sa.select(Conference.id).where(Conference.slug == slug)) is not None:
        raise Conflict(
            f"Đã có hội nghị mang mã '{slug}'; hãy chọn mã khác.",
            {"slug": "Mã này đã được dùng cho một hội nghị khác."},
        )


def _flush_new(conference: Conference) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        # Someone created the same slug a moment ago.
        raise Conflict(
            f"Đã có hội nghị mang mã '{conference.slug}'; hãy chọn mã khác.",
            {"slug": "Mã này đã được dùng cho một hội nghị khác."},
        ) from None


def create_conference(data: ConferenceIn, *, actor: str, copied_from: Conference | None = None) -> Conference:
    """A new conference with its categories (the plan's six when none are given) and sessions.

    409 for a slug in use; 422 for an unknown host unit."""
    _check_slug_free(data.slug)
    host = check_host(data.host_unit_code, data.map)
    conference = Conference(
        slug=data.slug,
        title=data.title,
        organizer=data.organizer,
        host_name=data.host_name,
        host_unit_code=host,
        unit_map=data.map,
        timezone=data.timezone,
        registration_closes_at=as_utc(data.registration_closes_at) if data.registration_closes_at else None,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        contact_phone=data.contact_phone,
        copied_from_id=copied_from.id if copied_from else None,
        **{name: getattr(data, name) for name in RETURN_FIELDS},
    )
    db.session.add(conference)
    categories = plan_categories() if data.categories is None else data.categories
    for position, category in enumerate(categories):
        db.session.add(
            DelegateCategory(
                conference=conference,
                code=category.code,
                label=category.label,
                levels_csv=",".join(category.levels),
                position=position,
            )
        )
    for session in data.sessions:
        db.session.add(
            ConferenceSession(
                conference=conference,
                kind=session.kind,
                title=session.title,
                starts_at=as_utc(session.starts_at),
                ends_at=as_utc(session.ends_at),
            )
        )
    _flush_new(conference)
    audit.record(
        actor,
        "conference",
        conference.id,
        "create",
        conference_id=conference.id,
        after=conference_facts(conference),
    )
    return conference


def conference_facts(conference: Conference) -> dict[str, Any]:
    """What the audit trail keeps of a conference's own fields."""
    closes = conference.registration_closes_at
    return {
        "slug": conference.slug,
        "title": conference.title,
        "organizer": conference.organizer,
        "host_name": conference.host_name,
        "host_unit_code": conference.host_unit_code,
        "map": conference.unit_map,
        "timezone": conference.timezone,
        "registration_closes_at": closes.isoformat() if closes else None,
        "contact_name": conference.contact_name,
        "contact_email": conference.contact_email,
        "contact_phone": conference.contact_phone,
        **{name: getattr(conference, name) for name in RETURN_FIELDS},
    }


def update_conference(conference: Conference, changes: ConferencePatch, *, actor: str) -> bool:
    """Apply the fields set in ``changes`` (the deadline may be cleared with null); audited.
    Returns whether anything changed."""
    require_active(conference)
    sent = changes.model_dump(exclude_unset=True, exclude={"categories"})
    if sent.get("title", "") is None:
        raise ValidationFailed({"title": "Tên hội nghị không được để trống."})
    recategorised = changes.categories is not None and replace_categories(
        conference, changes.categories, actor=actor
    )
    before = conference_facts(conference)
    for name, value in sent.items():
        if name == "registration_closes_at":
            value = as_utc(value) if value is not None else None
        elif value is None:
            value = ""
        setattr(conference, name, value)
    after = conference_facts(conference)
    if after == before:
        return recategorised
    db.session.flush()
    audit.record(
        actor, "conference", conference.id, "update", conference_id=conference.id, before=before, after=after
    )
    return True


def replace_categories(conference: Conference, wanted: list[CategoryIn], *, actor: str) -> bool:
    """Make the conference's delegate categories ``wanted``, in that column order: a known code
    keeps its counts and takes the new label and levels, a new code is added, a code left out
    is removed. What points have already counted (more than 0, at a level) is not taken away:
    422 naming the category and how many points counted it. Audited; returns whether anything
    changed."""
    require_active(conference)
    if not wanted:
        raise ValidationFailed({"categories": "Cần ít nhất một thành phần đại biểu."})
    if len({c.code for c in wanted}) != len(wanted):
        raise ValidationFailed({"categories": "Mỗi thành phần cần một mã riêng."})
    current = {category.code: category for category in conference.categories}
    before = [_category_facts(c) for c in conference.categories]
    used: dict[tuple[str, str], int] = {}
    for _receiver, answer in category_use.send(conference):
        used.update(answer or {})
    errors: dict[str, str] = {}
    kept = {category.code: (index, category) for index, category in enumerate(wanted)}
    for code, category in current.items():
        levels = set(kept[code][1].levels) if code in kept else set()
        taken = [(level, used.get((code, level), 0)) for level in category.levels if level not in levels]
        taken = [(level, n) for level, n in taken if n]
        if not taken:
            continue
        where = ", ".join(f"{n} điểm cầu cấp {LEVEL_LABELS[level].lower()}" for level, n in taken)
        key = f"categories.{kept[code][0]}.levels" if code in kept else "categories"
        errors[key] = (errors[key] + " " if key in errors else "") + (
            f'Không bỏ được thành phần "{category.label}"'
            + (" ở cấp này" if code in kept else "")
            + f": {where} đã ghi số đại biểu. Hãy đưa các số đó về 0 trước."
        )
    if errors:
        raise ValidationFailed(errors)
    for code, category in current.items():
        if code not in kept:
            conference.categories.remove(category)
            db.session.delete(category)
    for position, data in enumerate(wanted):
        category = current.get(data.code) or DelegateCategory(conference=conference, code=data.code)
        category.label, category.levels_csv, category.position = data.label, ",".join(data.levels), position
        if data.code not in current:
            db.session.add(category)
    conference.categories.sort(key=lambda c: c.position)
    after = [_category_facts(c) for c in conference.categories]
    if after == before:
        return False
    db.session.flush()
    audit.record(
        actor,
        "conference",
        conference.id,
        "categories",
        conference_id=conference.id,
        before={"categories": before},
        after={"categories": after},
    )
    return True


def _category_facts(category: DelegateCategory) -> dict[str, Any]:
    return {"code": category.code, "label": category.label, "levels": category.levels}


def require_active(conference: Conference) -> None:
    """Archived conferences are read-only records."""
    if conference.archived_at is not None:
        raise Conflict("Hội nghị này đã được lưu trữ; hồ sơ chỉ để xem, không thay đổi được.")


def archive_conference(conference: Conference, *, actor: str) -> bool:
    """Make a past conference read-only. Returns whether it was active."""
    if conference.archived_at is not None:
        return False
    conference.archived_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "conference",
        conference.id,
        "archive",
        conference_id=conference.id,
        after={"archived_at": conference.archived_at.isoformat()},
    )
    return True


def get_session(conference: Conference, session_id: int) -> ConferenceSession:
    session = db.session.get(ConferenceSession, session_id)
    if session is None or session.conference_id != conference.id:
        raise NotFound(f"Không có phiên {session_id} trong hội nghị {conference.slug}.")
    return session


def categories_for_level(conference: Conference, level: str) -> list[DelegateCategory]:
    """The conference's delegate categories that apply to points of ``level``, in column order
    (the one place that says which categories a level has)."""
    return [c for c in conference.categories if level in c.levels]


@cache
def _category_rows() -> sa.Select[tuple[str, str, str]]:
    return (
        sa.select(DelegateCategory.code, DelegateCategory.label, DelegateCategory.levels_csv)
        .where(DelegateCategory.conference_id == sa.bindparam("conference_id"))
        .order_by(DelegateCategory.position)
    )


def category_labels(conference: Conference, level: str) -> dict[str, str]:
    """code → label of the categories that apply to points of ``level``, in column order: from
    the conference's categories when they are loaded, else read as plain rows in one SELECT
    that builds no objects (a registration, the hot write path, needs only these pairs)."""
    if "categories" not in sa.inspect(conference).unloaded:
        return {c.code: c.label for c in categories_for_level(conference, level)}
    return labels_of_level(db.session.execute(_category_rows(), {"conference_id": conference.id}), level)


def labels_of_level(rows: Iterable[Sequence[str]], level: str) -> dict[str, str]:
    """code → label of the (code, label, levels_csv) rows, in their order, that apply to points
    of ``level`` (``categories_for_level`` for plain rows)."""
    return {code: label for code, label, levels in rows if level in levels.split(",")}


def add_session(
    conference: Conference,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    *,
    actor: str = "system",
) -> ConferenceSession:
    """A new session; every technician of the conference is sent its invite."""
    require_active(conference)
    _check_times(starts_at, ends_at)
    session = ConferenceSession(
        conference=conference,
        kind=kind,
        title=clean(title),
        starts_at=as_utc(starts_at),
        ends_at=as_utc(ends_at),
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        actor,
        "conference_session",
        session.id,
        "create",
        conference_id=conference.id,
        after=_session_facts(session),
    )
    session_changed.send(session)  # technicians already registered get this session's invite
    return session


def add_session_from(conference: Conference, data: SessionIn, *, actor: str) -> ConferenceSession:
    return add_session(conference, data.kind, data.title, data.starts_at, data.ends_at, actor=actor)


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    problem = check_session_times(starts_at, ends_at)
    if problem:
        raise ValidationFailed({"ends_at": problem})


def update_session(
    session: ConferenceSession,
    *,
    title: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    cancelled: bool | None = None,
    actor: str = "system",
) -> bool:
    """Change a session's title, times or cancellation; returns whether anything changed.

    A real change raises the iCalendar SEQUENCE and announces ``session_changed`` (invites
    queue the updates for this session only, in the same transaction).
    """
    new_title = clean(title) if title is not None else session.title
    new_start = as_utc(starts_at) if starts_at is not None else session.starts_at
    new_end = as_utc(ends_at) if ends_at is not None else session.ends_at
    if not new_title:
        raise ValidationFailed({"title": "Tên phiên không được để trống."})
    _check_times(new_start, new_end)
    require_active(session.conference)
    is_cancelled = session.cancelled_at is not None if cancelled is None else cancelled
    changed = (
        new_title != session.title
        or new_start != session.starts_at
        or new_end != session.ends_at
        or is_cancelled != (session.cancelled_at is not None)
    )
    if not changed:
        return False
    before = _session_facts(session)
    session.title, session.starts_at, session.ends_at = new_title, new_start, new_end
    session.cancelled_at = (session.cancelled_at or utcnow()) if is_cancelled else None
    session.sequence += 1
    db.session.flush()
    audit.record(
        actor,
        "conference_session",
        session.id,
        "update",
        conference_id=session.conference_id,
        before=before,
        after=_session_facts(session),
    )
    session_changed.send(session)
    return True


def _session_facts(session: ConferenceSession) -> dict:
    return {
        "title": session.title,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "sequence": session.sequence,
        "cancelled": session.cancelled_at is not None,
    }
