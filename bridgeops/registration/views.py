"""Registration pages: the chair's magic link and district, the point form, officer pages."""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from bridgeops.accounts import service as accounts
from bridgeops.accounts.access import (
    CHAIR,
    LINK,
    OFFICER,
    REGISTRAR,
    SCOPED_POINT,
    SESSION_GRANT_KEY,
    SIGNED_IN,
    Principal,
    can_edit_point,
    current_principal,
    note_use,
    open_link_session,
    requires,
    unit_in_scope,
)
from bridgeops.accounts.models import GRANT_KIND_LABELS, GrantRole
from bridgeops.conference import service as conferences
from bridgeops.conference.models import Conference
from bridgeops.core.db import get_row
from bridgeops.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    PreconditionFailed,
    ValidationFailed,
)
from bridgeops.core.phones import phone_display
from bridgeops.core.validation import validate
from bridgeops.extensions import db
from bridgeops.registration import carry, chairs, forms, links, queries, service
from bridgeops.registration.models import STATUS_LABELS
from bridgeops.registration.queries import ROW_STATES
from bridgeops.registration.schemas import PointIn, PointQuery
from bridgeops.units.models import LEVEL_LABELS, AdminUnit

bp = Blueprint("registration", __name__)

STALE_MESSAGE = (
    "Điểm cầu này vừa được người khác thay đổi trong lúc bạn đang sửa. Giá trị hiện "
    "tại được hiển thị bên dưới; những gì bạn đã nhập vẫn còn trong biểu mẫu. "
    "Hãy kiểm tra rồi bấm “Lưu” lần nữa."
)


@bp.app_context_processor
def _labels() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "level_labels": LEVEL_LABELS,
        "link_session": SESSION_GRANT_KEY in session,
    }


def no_store(body, status: int = 200):
    """A page showing a one-time link must not stay in any cache."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- The chair's magic link ----------------------------------------------------------------


@bp.route("/c/<token>", methods=["GET", "POST"])
@requires(LINK)
def open_chair_link(token: str):
    """Open the chair's session from her link and take her to her district. An officer logged
    in on this browser is asked first (the link would sign her out)."""
    grant = accounts.grant_by_token(token)
    if grant is None or grant.role != GrantRole.CHAIR:
        return no_store(render_template("registration/link_error.html", gone=False), 404)
    if not accounts.is_live(grant):
        return no_store(render_template("registration/link_error.html", gone=True), 410)
    conference = get_row(Conference, grant.conference_id)
    if current_user.is_authenticated and request.method != "POST":
        return no_store(
            render_template("registration/switch_to_link.html", user=current_user, conference=conference)
        )
    # A fresh session: nothing of an earlier officer login or another link survives.
    logout_user()
    session.clear()
    note_use(grant)
    open_link_session(grant)
    session.permanent = True
    return redirect(url_for("registration.home", slug=conference.slug))


@bp.post("/c/leave")
@requires(LINK)
def leave_chair_session():
    """End the link's session on this phone and any copy of its cookie (the link itself keeps
    working: opening it again starts a new session)."""
    principal = current_principal()
    if principal is not None and principal.grant is not None and principal.user is None:
        accounts.end_link_sessions(principal.grant)
        db.session.commit()
    session.pop(SESSION_GRANT_KEY, None)
    flash("Đã thoát. Mở lại đường dẫn được gửi cho bạn để tiếp tục.", "info")
    return redirect(url_for("home.index"))


@bp.get("/conferences/<slug>/registration")
@requires(SIGNED_IN)
def home(slug: str):
    """A chair's district; officers go to the list of all points."""
    principal = g.principal
    conference = conferences.get_conference(slug)
    if principal.is_technician:
        return redirect(url_for("registration.point_page", point_id=principal.point_id))
    if not principal.is_chair:
        return redirect(url_for("registration.points", slug=slug))
    return _chair_home(conference, principal)


def _chair_home(
    conference: Conference,
    principal: Principal,
    *,
    contact_values=None,
    contact_errors=None,
    status: int = 200,
):
    overview = queries.district_overview(conference, principal)
    show = request.args.get("show")
    contact = chairs.chair_contact(conference, principal.unit_code or "")
    return render_template(
        "registration/chair_home.html",
        conference=conference,
        overview=overview,
        open=service.registration_open(conference),
        show=show if show in ROW_STATES else None,
        row_states=ROW_STATES,
        chair=contact,
        steps=_chair_steps(overview, contact),
        contact_values=contact_values or {},
        contact_errors=contact_errors or {},
    ), status


def _chair_steps(overview: queries.DistrictOverview, contact) -> list[tuple[str, bool]]:
    """The chair's steps, each with whether it is done."""
    own = overview.rows[0]
    communes_placed = all(row.state != "todo" for row in overview.communes)
    return [
        ("Cho biết họ tên và số điện thoại của chị", contact is not None),
        (f"Đăng ký điểm cầu {own.unit.name}", own.state != "todo"),
        ("Đăng ký điểm cầu từng xã có kết nối; xã không có kết nối bấm “Không tham gia”", communes_placed),
        ("Bấm “Lưu và xác nhận” cho mỗi điểm cầu", all(r.state == "done" for r in overview.rows)),
        (
            "Gửi đường dẫn cho kỹ thuật viên qua Zalo (hiện ra sau khi lưu)",
            own.state != "todo" and communes_placed,
        ),
    ]


@bp.post("/conferences/<slug>/registration/chair")
@requires(CHAIR)
def save_chair_contact(slug: str):
    """The chair gives (or corrects) her own name and phone, so the office can call her."""
    principal = g.principal
    conference = conferences.get_conference(slug)
    values = {k: request.form.get(k, "") for k in ("name", "phone", "email")}
    try:
        chairs.save_chair_contact(conference, principal.unit_code, values, principal.actor)
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        return _chair_home(
            conference, principal, contact_values=values, contact_errors=error.errors, status=422
        )
    flash("Đã lưu họ tên và số điện thoại của chị.", "success")
    return redirect(url_for("registration.home", slug=slug))


@bp.post("/conferences/<slug>/units/<code>/absence")
@requires(REGISTRAR)
def unit_absence(slug: str, code: str):
    """Mark a commune "không tham gia" (no connection), or undo it."""
    principal = g.principal
    conference = conferences.get_conference(slug)
    unit = db.session.get(AdminUnit, code)
    try:
        if not principal.is_officer and not service.registration_open(conference):
            raise Conflict("Đã hết hạn đăng ký; xin liên hệ cán bộ đầu mối.")
        if request.form.get("action") == "present":
            chairs.mark_present(conference, code, principal)
            message = f"{unit.name if unit else 'Đơn vị'} lại được tính là cần đăng ký."
        else:
            chairs.mark_absent(conference, code, principal)
            message = f"Đã ghi {unit.name if unit else 'đơn vị'} không tham gia."
        db.session.commit()
        flash(message, "success")
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            raise
        flash("; ".join(error.errors.values()) if error.errors else error.detail, "warning")
    target = request.form.get("show")
    return redirect(url_for("registration.home", slug=slug, show=target if target in ROW_STATES else None))


# --- Lists -----------------------------------------------------------------------------------


@bp.get("/conferences/<slug>/points")
@requires(SIGNED_IN)
def points(slug: str):
    """All points the caller may see (officers: all), with filters, totals and pages."""
    principal = g.principal
    conference = conferences.get_conference(slug)
    args = {k: v for k, v in request.args.items() if v.strip()}
    try:
        query = validate(PointQuery, args)
    except ValidationFailed as error:
        flash("Bộ lọc không hợp lệ: " + "; ".join(error.errors.values()), "warning")
        query = PointQuery()
    page = queries.list_points(conference, principal, query)
    return render_template(
        "registration/points.html",
        conference=conference,
        page=page,
        query=query,
        districts=queries.districts(conference),
        officer=principal.is_officer,
    )


# --- The point form --------------------------------------------------------------------------


def _render_form(
    conference: Conference,
    values: forms.PointFormValues,
    *,
    point=None,
    errors=None,
    current=None,
    status: int = 200,
    editable: bool = True,
):
    level = point.level if point else _unit_level(values.unit)
    return render_template(
        "registration/point_form.html",
        conference=conference,
        point=point,
        values=values,
        errors=errors or {},
        current=current,
        editable=editable,
        categories=conferences.categories_for_level(conference, level),
        unit=point.unit if point else db.session.get(AdminUnit, values.unit),
        open=service.registration_open(conference),
        missing=service.missing_items(point) if point else [],
        technician_links=_technician_links(point),
        grant_kind_labels=GRANT_KIND_LABELS,
    ), status


def _technician_links(point) -> list:
    """The point's live technician links and when each was last opened (staff only)."""
    principal = g.get("principal")
    if point is None or principal is None or not principal.is_officer:
        return []
    return accounts.live_grants(GrantRole.TECHNICIAN, point_id=point.id)


def _unit_level(code: str) -> str:
    unit = db.session.get(AdminUnit, code) if code else None
    return unit.level if unit else ""


@bp.route("/conferences/<slug>/points/new", methods=["GET", "POST"])
@requires(SIGNED_IN)
def new_point(slug: str):
    """Pick a unit in scope (searchable without JavaScript), then fill in the point."""
    principal = g.principal
    conference = conferences.get_conference(slug)
    if principal.is_technician:
        raise Forbidden("Kỹ thuật viên chỉ xem được điểm cầu của mình.")
    unit_code = request.values.get("unit", "")
    unit = db.session.get(AdminUnit, unit_code) if unit_code.isdigit() else None
    if unit is None:
        q = request.args.get("q", "")
        return render_template(
            "registration/pick_unit.html",
            conference=conference,
            q=q,
            choices=queries.units_for_picker(conference, principal, q),
        )
    if not unit_in_scope(principal, unit, conference.id):
        raise Forbidden(f"Bạn không phụ trách {unit.name}.")
    existing = service.point_for_unit(conference, unit.code)
    if existing is not None:
        flash(f"{unit.name} đã có điểm cầu; bạn có thể sửa ở đây.", "info")
        return redirect(url_for("registration.point_page", point_id=existing.id))
    categories = [c.code for c in conferences.categories_for_level(conference, unit.level)]
    if request.method == "GET":
        return _render_form(conference, forms.PointFormValues(unit=unit.code).pad_rows())
    values = forms.values_from_form(request.form, categories)
    values.unit = unit.code
    if "add_technician" in request.form:
        return _render_form(conference, values.pad_rows(extra=1))
    parsed = forms.form_data(values, with_unit=True)
    try:
        created = service.create_point(conference, validate(PointIn, parsed.data), principal)
        confirm_error = (
            _confirm_after_save(created.point, principal) if "and_confirm" in request.form else None
        )
        technician_links = service.links_after_create(created, principal)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _render_form(conference, values.pad_rows(), errors=_errors(error, parsed), status=error.status)
    return _technician_links_page(created.point, technician_links, created=True, confirm_error=confirm_error)


def _confirm_after_save(point, principal: Principal) -> str | None:
    """ "Lưu và xác nhận": confirm what was just saved; what is missing says why not (the save
    stands)."""
    try:
        service.confirm_point(point, principal)
    except ValidationFailed as error:
        return " ".join(error.errors.values()) or error.detail
    return None


def _technician_links_page(point, technician_links, *, created: bool, confirm_error: str | None = None):
    conference = point.conference
    messages = [
        chairs.technician_invitation(
            conference, point, link.url, link.technician.name if link.technician else ""
        )
        for link in technician_links
    ]
    return no_store(
        render_template(
            "registration/technician_link.html",
            point=point,
            conference=conference,
            technician_links=technician_links,
            messages=messages,
            created=created,
            confirm_error=confirm_error,
        )
    )


def _errors(error: DomainError, parsed: forms.PointFormData) -> dict[str, str]:
    if isinstance(error, ValidationFailed):
        return parsed.form_errors(error.errors)
    return {"__all__": error.detail}


@bp.route("/points/<int:point_id>", methods=["GET", "POST"])
@requires(SCOPED_POINT)
def point_page(point_id: int):
    """A point: the edit form for chairs and officers, read-only for its technician."""
    principal, point = g.principal, g.point
    conference = point.conference
    editable = can_edit_point(principal, point) and (
        principal.is_officer or service.registration_open(conference)
    )
    if request.method == "GET":
        return _render_form(conference, forms.values_from_point(point), point=point, editable=editable)
    categories = [c.code for c in conferences.categories_for_level(conference, point.level)]
    values = forms.values_from_form(request.form, categories)
    if "add_technician" in request.form:
        return _render_form(conference, values.pad_rows(extra=1), point=point, editable=editable)
    parsed = forms.form_data(values, with_unit=False)
    version = int(values.version) if values.version.isdigit() else -1
    try:
        service.update_point(point, validate(PointIn, parsed.data), principal, version)
        confirm_error = _confirm_after_save(point, principal) if "and_confirm" in request.form else None
        db.session.commit()
    except PreconditionFailed:
        db.session.rollback()
        point = service.visible_point(principal, point_id)
        values.version = str(point.version)  # a second "Lưu" overwrites, knowingly
        return _render_form(
            conference,
            values.pad_rows(),
            point=point,
            errors={"__all__": STALE_MESSAGE},
            current=forms.values_from_point(point),
            status=409,
            editable=editable,
        )
    except DomainError as error:
        db.session.rollback()
        point = service.visible_point(principal, point_id)
        return _render_form(
            conference,
            values.pad_rows(),
            point=point,
            errors=_errors(error, parsed),
            status=error.status,
            editable=editable,
        )
    if confirm_error:
        flash(f"Đã lưu nhưng chưa xác nhận: {confirm_error}", "warning")
        return redirect(url_for("registration.point_page", point_id=point.id))
    if "and_confirm" in request.form:
        flash(f"Đã lưu và xác nhận {point.name}.", "success")
        return redirect(url_for("registration.home", slug=conference.slug))
    flash("Đã lưu thay đổi.", "success")
    return redirect(url_for("registration.point_page", point_id=point.id))


def _change_status(point_id: int, action, done: str):
    """Confirm or withdraw from the point page, then back to it with a message."""
    principal, point = g.principal, g.point
    version = request.form.get("version", "")
    try:
        action(point, principal, int(version) if version.isdigit() else None)
        db.session.commit()
        flash(done, "success")
    except PreconditionFailed:
        db.session.rollback()
        flash("Điểm cầu vừa được người khác thay đổi; vui lòng xem lại rồi thao tác lại.", "warning")
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            raise
        flash("; ".join(error.errors.values()) if error.errors else error.detail, "error")
    return redirect(url_for("registration.point_page", point_id=point_id))


@bp.post("/points/<int:point_id>/confirm")
@requires(SCOPED_POINT)
def confirm(point_id: int):
    return _change_status(point_id, service.confirm_point, "Đã xác nhận điểm cầu.")


@bp.post("/points/<int:point_id>/withdraw")
@requires(SCOPED_POINT)
def withdraw(point_id: int):
    return _change_status(point_id, service.withdraw_point, "Đã rút điểm cầu. Thông tin vẫn được lưu lại.")


@bp.post("/points/<int:point_id>/technician-link")
@requires(SCOPED_POINT)
def new_technician_link(point_id: int):
    point = g.point
    technician_links = service.issue_technician_links(point, g.principal)
    db.session.commit()
    return _technician_links_page(point, technician_links, created=False)


# --- Officer pages ---------------------------------------------------------------------------


@bp.get("/points/<int:point_id>/history")
@requires(OFFICER)
def history(point_id: int):
    point = service.visible_point(g.principal, point_id)
    return render_template("registration/history.html", point=point, entries=queries.history_entries(point))


@bp.route("/conferences/<slug>/links", methods=["GET", "POST"])
@requires(OFFICER)
def chair_links(slug: str):
    """Issue or revoke the district chairs' links; new links are shown once, each with a ready
    Zalo message and a QR code, and the whole set prints as an A4 sheet."""
    principal = g.principal
    conference = conferences.get_conference(slug)
    issued: list[links.ChairLink] = []
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        unit_code = request.form.get("unit", "")
        units = {u.code: u for u in links.chair_units(conference)}
        if request.form.get("action") == "revoke" and unit_code in units:
            count = links.revoke_chair_links(conference, unit_code, principal.actor)
            flash(f"Đã thu hồi {count} đường dẫn của {units[unit_code].name}.", "success")
        elif unit_code in units:
            values = {k: request.form.get(f"chair_{k}", "") for k in ("name", "phone")}
            try:
                if values["name"] or values["phone"]:
                    chairs.save_chair_contact(conference, unit_code, values, principal.actor)
                issued = [links.issue_chair_link(conference, units[unit_code], principal.actor)]
            except ValidationFailed as error:
                db.session.rollback()
                errors = {f"{unit_code}.{k}": v for k, v in error.errors.items()}
        elif unit_code == "all":
            issued = links.issue_chair_links(conference, principal.actor)
        else:
            flash("Vui lòng chọn đơn vị.", "warning")
        db.session.commit()
    live = {
        grant.unit_code: grant for grant in accounts.live_grants(GrantRole.CHAIR, conference_id=conference.id)
    }
    contacts = chairs.chair_contacts(conference)
    messages = [
        chairs.chair_invitation(
            conference,
            link.unit.name,
            link.url,
            contacts[link.unit.code].name if link.unit.code in contacts else "",
        )
        for link in issued
    ]
    return no_store(
        render_template(
            "registration/links.html",
            conference=conference,
            units=links.chair_units(conference),
            live=live,
            issued=issued,
            messages=messages,
            contacts=contacts,
            errors=errors,
            values=values,
        ),
        422 if errors else 200,
    )


# --- A network carried onto the 2025 map -------------------------------------------------------


@bp.route("/conferences/<slug>/carried", methods=["GET", "POST"])
@requires(OFFICER)
def carried_network(slug: str):
    """For a copied conference: the rooms competing for one new unit (the officer picks the one
    that stays) and the points with no place on the new map (placed by hand)."""
    principal = g.principal
    conference = conferences.get_conference(slug)
    errors: dict[str, str] = {}
    if request.method == "POST":
        point_id = request.form.get("point", "")
        unit_code = request.form.get("unit", "")
        try:
            if not point_id.isdigit():
                raise ValidationFailed({"point": "Vui lòng chọn điểm cầu."})
            if request.form.get("action") == "place":
                placed = carry.place_by_hand(conference, int(point_id), unit_code, principal)
                done = f"Đã chuyển điểm cầu sang {placed.unit.name}."
            else:
                kept = carry.choose_room(conference, unit_code, int(point_id), principal)
                done = f"{kept.unit.name} giữ phòng họp {kept.venue or kept.name}."
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("registration.carried_network", slug=slug))
        except ValidationFailed as error:
            db.session.rollback()
            errors = {f"{point_id}:{field}": message for field, message in error.errors.items()}
    return render_template(
        "registration/carried.html",
        conference=conference,
        network=carry.carried_network(conference),
        errors=errors,
        phone_display=phone_display,
    ), 422 if errors else 200
