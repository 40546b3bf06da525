"""Officers' conference pages: the home page's overview of the conferences, the set-up wizard,
editing and archiving a conference, and the schedule (change a session's title, times in the
conference's zone, cancel it, add one)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from bridgeops.accounts.access import OFFICER, requires
from bridgeops.conference import service
from bridgeops.conference.models import RETURN_FIELDS, SESSION_KIND_LABELS, Conference, SessionKind
from bridgeops.conference.schemas import ConferenceIn, ConferencePatch, SessionIn, SessionPatch
from bridgeops.core.errors import Conflict, ValidationFailed
from bridgeops.core.time import VN_TZ, local
from bridgeops.core.validation import validate
from bridgeops.events import session_audience
from bridgeops.extensions import db
from bridgeops.units.models import LEVEL_LABELS

bp = Blueprint("conference", __name__)

#: The HTML datetime-local format.
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@bp.context_processor
def _session_kinds() -> dict[str, Any]:
    """The schedule and the wizard name session kinds in Vietnamese."""
    return {"session_kind_labels": SESSION_KIND_LABELS}


@bp.get("/conferences/<slug>/schedule")
@requires(OFFICER)
def schedule(slug: str):
    conference = service.get_conference(slug)
    return render_template(
        "conference/schedule.html",
        conference=conference,
        forms={s.id: _values(conference, s) for s in conference.sessions},
        errors={},
        new={"kind": SessionKind.SESSION},
        new_errors={},
        technicians=_session_audience(conference),
    )


@bp.post("/conferences/<slug>/sessions/<int:session_id>")
@requires(OFFICER)
def update_session(slug: str, session_id: int):
    conference = service.get_conference(slug)
    session = service.get_session(conference, session_id)
    form = {k: request.form.get(k, "") for k in ("title", "starts_at", "ends_at")}
    try:
        patch = validate(
            SessionPatch,
            {
                "title": form["title"],
                "starts_at": _aware(form["starts_at"], conference.timezone),
                "ends_at": _aware(form["ends_at"], conference.timezone),
                "cancelled": request.form.get("cancelled") == "1",
            },
        )
        changed = service.update_session(
            session,
            title=patch.title,
            starts_at=patch.starts_at,
            ends_at=patch.ends_at,
            cancelled=patch.cancelled,
            actor=g.principal.actor,
        )
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        forms = {s.id: _values(conference, s) for s in conference.sessions}
        forms[session.id] = {**form, "cancelled": request.form.get("cancelled") == "1"}
        return render_template(
            "conference/schedule.html",
            conference=conference,
            forms=forms,
            errors={session.id: _errors(error)},
            new={"kind": SessionKind.SESSION},
            new_errors={},
            technicians=_session_audience(conference),
        ), error.status
    db.session.commit()
    flash(
        f'Đã lưu "{session.title}"; lịch của các kỹ thuật viên sẽ được cập nhật.'
        if changed
        else "Không có thay đổi nào.",
        "success" if changed else "info",
    )
    return redirect(url_for("conference.schedule", slug=slug), code=303)


@bp.post("/conferences/<slug>/sessions")
@requires(OFFICER)
def add_session(slug: str):
    conference = service.get_conference(slug)
    form = {k: request.form.get(k, "") for k in ("kind", "title", "starts_at", "ends_at")}
    try:
        data = validate(
            SessionIn,
            {
                **form,
                "starts_at": _aware(form["starts_at"], conference.timezone),
                "ends_at": _aware(form["ends_at"], conference.timezone),
            },
        )
        session = service.add_session_from(conference, data, actor=_actor())
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        return render_template(
            "conference/schedule.html",
            conference=conference,
            forms={s.id: _values(conference, s) for s in conference.sessions},
            errors={},
            new=form,
            new_errors=_errors(error),
            technicians=_session_audience(conference),
        ), error.status
    db.session.commit()
    flash(f'Đã thêm "{session.title}"; kỹ thuật viên các điểm cầu sẽ nhận thư mời.', "success")
    return redirect(url_for("conference.schedule", slug=slug), code=303)


# --- The set-up wizard and the edit page -----------------------------------------------------

#: Empty rows the wizard offers for sessions and categories.
SESSION_ROWS, CATEGORY_ROWS = 6, 10
CONFERENCE_FIELDS = (
    "slug",
    "title",
    "organizer",
    "host_name",
    "host_unit_code",
    "map",
    "timezone",
    "registration_closes_at",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def _actor() -> str:
    return g.principal.actor


def _errors(error: ValidationFailed | Conflict) -> dict[str, str]:
    return error.errors or {"__all__": error.detail}


def _blank_wizard() -> dict[str, Any]:
    sessions = [
        {"kind": SessionKind.REHEARSAL, "title": "Tổng duyệt kết nối"},
        {"kind": SessionKind.SESSION, "title": "Hội nghị – ngày thứ nhất (khai mạc)"},
    ]
    sessions += [{"kind": SessionKind.SESSION, "title": ""} for _ in range(SESSION_ROWS - len(sessions))]
    categories = [{"code": c.code, "label": c.label, "levels": c.levels} for c in service.plan_categories()]
    categories += [{"code": "", "label": "", "levels": []} for _ in range(CATEGORY_ROWS - len(categories))]
    return {
        "map": "2023",
        "timezone": VN_TZ,
        "host_unit_code": "",
        "sessions": sessions,
        "categories": categories,
    }


def _wizard_form() -> dict[str, Any]:
    """The wizard's fields as typed, rows and all, so a refusal shows them again."""
    form: dict[str, Any] = {name: request.form.get(name, "") for name in CONFERENCE_FIELDS}
    form["sessions"] = [
        {
            key: request.form.get(f"sessions-{i}-{key}", "")
            for key in ("kind", "title", "starts_at", "ends_at")
        }
        for i in range(SESSION_ROWS)
    ]
    form["categories"] = [
        {
            "code": request.form.get(f"categories-{i}-code", ""),
            "label": request.form.get(f"categories-{i}-label", ""),
            "levels": request.form.getlist(f"categories-{i}-levels"),
        }
        for i in range(CATEGORY_ROWS)
    ]
    return form


def _wizard_body(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int], dict[str, int]]:
    """The ConferenceIn body from the typed form; empty rows are left out. Also which form
    row each body row came from, so errors land next to the right row."""
    zone = form["timezone"].strip() or VN_TZ
    body: dict[str, Any] = {k: form[k] for k in CONFERENCE_FIELDS}
    body["host_unit_code"] = form["host_unit_code"] or None
    body["registration_closes_at"] = _aware(form["registration_closes_at"], zone) or None
    sessions: list[dict[str, Any]] = []
    session_rows: dict[str, int] = {}
    for index, row in enumerate(form["sessions"]):
        # The first two rows come with a title filled in: only times make them a session.
        if not (row["starts_at"] or row["ends_at"]) and (not row["title"] or index < 2):
            continue
        session_rows[str(len(sessions))] = index
        sessions.append(
            {
                **row,
                "kind": row["kind"] or SessionKind.SESSION,
                "starts_at": _aware(row["starts_at"], zone),
                "ends_at": _aware(row["ends_at"], zone),
            }
        )
    categories: list[dict[str, Any]] = []
    category_rows: dict[str, int] = {}
    for index, row in enumerate(form["categories"]):
        if not (row["code"] or row["label"]):
            continue
        category_rows[str(len(categories))] = index
        categories.append(row)
    body["sessions"], body["categories"] = sessions, categories
    return body, session_rows, category_rows


def _renumber(errors: dict[str, str], prefix: str, rows: dict[str, int]) -> dict[str, str]:
    out = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == prefix and len(parts) > 1 and parts[1] in rows:
            parts[1] = str(rows[parts[1]])
        out[".".join(parts)] = message
    return out


@bp.get("/conferences/new")
@requires(OFFICER)
def new_conference():
    return _wizard(_blank_wizard(), {})


@bp.post("/conferences/new")
@requires(OFFICER)
def create_conference():
    form = _wizard_form()
    body, session_rows, category_rows = _wizard_body(form)
    try:
        if not body["sessions"]:
            raise ValidationFailed({"sessions": "Cần ít nhất một phiên (tổng duyệt hoặc họp)."})
        if not body["categories"]:
            raise ValidationFailed({"categories": "Cần ít nhất một thành phần đại biểu."})
        conference = service.create_conference(validate(ConferenceIn, body), actor=_actor())
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        errors = _renumber(_renumber(_errors(error), "sessions", session_rows), "categories", category_rows)
        return _wizard(form, errors), error.status
    db.session.commit()
    flash(
        f'Đã tạo hội nghị "{conference.title}". Bước tiếp theo: cấp đường dẫn cho chủ tịch các đơn vị.',
        "success",
    )
    return redirect(url_for("home.index"), code=303)


def _wizard(form: dict[str, Any], errors: dict[str, str]):
    return render_template(
        "conference/new.html", form=form, errors=errors, hosts=service.host_choices(), levels=LEVEL_LABELS
    )


@bp.get("/conferences/<slug>/edit")
@requires(OFFICER)
def edit(slug: str):
    conference = service.get_conference(slug)
    return _edit_page(conference, _edit_values(conference), {})


@bp.post("/conferences/<slug>/edit")
@requires(OFFICER)
def update(slug: str):
    conference = service.get_conference(slug)
    names = (
        "title",
        "organizer",
        "host_name",
        "registration_closes_at",
        "contact_name",
        "contact_email",
        "contact_phone",
        *RETURN_FIELDS,
    )
    form = {name: request.form.get(name, "") for name in names}
    try:
        patch = validate(
            ConferencePatch,
            {
                **form,
                "registration_closes_at": _aware(form["registration_closes_at"], conference.timezone) or None,
            },
        )
        changed = service.update_conference(conference, patch, actor=_actor())
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        return _edit_page(conference, form, _errors(error)), error.status
    db.session.commit()
    flash(
        "Đã lưu thông tin hội nghị." if changed else "Không có thay đổi nào.",
        "success" if changed else "info",
    )
    return redirect(url_for("conference.edit", slug=slug), code=303)


@bp.post("/conferences/<slug>/archive")
@requires(OFFICER)
def archive(slug: str):
    conference = service.get_conference(slug)
    service.archive_conference(conference, actor=_actor())
    db.session.commit()
    flash(f'Đã lưu trữ hội nghị "{conference.title}"; hồ sơ chỉ còn để xem.', "success")
    return redirect(url_for("home.index"), code=303)


def _edit_values(conference: Conference) -> dict[str, str]:
    closes = conference.registration_closes_at
    return {
        "title": conference.title,
        "organizer": conference.organizer,
        "host_name": conference.host_name,
        "registration_closes_at": local(closes, conference.timezone).strftime(LOCAL_FORMAT) if closes else "",
        "contact_name": conference.contact_name,
        "contact_email": conference.contact_email,
        "contact_phone": conference.contact_phone,
        **{name: getattr(conference, name) for name in RETURN_FIELDS},
    }


def _edit_page(
    conference: Conference,
    form: dict[str, str],
    errors: dict[str, str],
    categories: dict[str, Any] | None = None,
    category_errors: dict[str, str] | None = None,
):
    return render_template(
        "conference/edit.html",
        conference=conference,
        form=form,
        errors=errors,
        categories=categories or {"categories": _category_values(conference)},
        category_errors=category_errors or {},
        levels=LEVEL_LABELS,
    )


#: Empty rows the edit page offers for new categories.
NEW_CATEGORY_ROWS = 3


def _category_values(conference: Conference) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"code": c.code, "label": c.label, "levels": c.levels, "kept": True} for c in conference.categories
    ]
    return rows + [{"code": "", "label": "", "levels": []} for _ in range(NEW_CATEGORY_ROWS)]


@bp.post("/conferences/<slug>/categories")
@requires(OFFICER)
def update_categories(slug: str):
    """The edit page's categories: rename, change levels, reorder by editing, add, remove."""
    conference = service.get_conference(slug)
    rows = request.form.get("category_rows", 0, type=int) or 0  # not a number: no rows
    typed = [
        {
            "code": request.form.get(f"categories-{i}-code", "").strip(),
            "label": request.form.get(f"categories-{i}-label", ""),
            "levels": request.form.getlist(f"categories-{i}-levels"),
            "kept": bool(request.form.get(f"categories-{i}-kept")),
            "remove": bool(request.form.get(f"categories-{i}-remove")),
        }
        for i in range(min(max(rows, 0), 100))
    ]
    body: list[dict[str, Any]] = []
    form_rows: dict[str, int] = {}
    for index, row in enumerate(typed):
        if row["remove"] or not (row["code"] or row["label"]):
            continue
        form_rows[str(len(body))] = index
        body.append({k: row[k] for k in ("code", "label", "levels")})
    try:
        changed = service.update_conference(
            conference, validate(ConferencePatch, {"categories": body}), actor=_actor()
        )
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        errors = _renumber(_errors(error), "categories", form_rows)
        return _edit_page(
            conference, _edit_values(conference), {}, {"categories": typed}, errors
        ), error.status
    db.session.commit()
    flash(
        "Đã lưu các thành phần đại biểu." if changed else "Không có thay đổi nào.",
        "success" if changed else "info",
    )
    return redirect(url_for("conference.edit", slug=slug, _anchor="thanh-phan"), code=303)


def _values(conference: Conference, session) -> dict:
    zone = conference.timezone
    return {
        "title": session.title,
        "starts_at": local(session.starts_at, zone).strftime(LOCAL_FORMAT),
        "ends_at": local(session.ends_at, zone).strftime(LOCAL_FORMAT),
        "cancelled": session.cancelled_at is not None,
    }


def _aware(value: str, zone: str) -> str:
    """A wall-clock time typed in the conference's zone, as ISO 8601 with its offset; what
    cannot be read is passed on for the schema to name the error in Vietnamese."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    if parsed.tzinfo is None:
        try:
            parsed = parsed.replace(tzinfo=ZoneInfo(zone))
        except (ValueError, ZoneInfoNotFoundError):
            parsed = parsed.replace(tzinfo=ZoneInfo(VN_TZ))  # the zone field names its own error
    return parsed.isoformat()


def _session_audience(conference: Conference) -> int:
    """How many people a schedule change mails (invites answers; conference never asks it)."""
    return sum(count for _receiver, count in session_audience.send(conference))
