"""Who is asking, and who may call what: the one authorization rule of BridgeOps.

Every route declares its access with one requirement, directly under the route decorator::

    @bp.get("/conferences/<slug>/return")
    @requires(OFFICER)
    def dashboard(slug): ...

    @api_bp.patch("/points/<int:point_id>")
    @requires(SCOPED_POINT)            # above @operation on API routes
    @operation("Sửa điểm cầu", body=PointIn, ...)
    def patch_point(point_id, body): ...

The requirements (pick the narrowest that fits):

========================  =====================================================================
``PUBLIC``                anyone, signed in or not (login page, /healthz, the OpenAPI document)
``LINK``                  anyone: the path holds a magic-link token the view itself checks
``SIGNED_IN``             any principal: officer, admin, viewer, chair or technician; queries
                          narrow what she sees with ``point_filter``
``BOARD``                 staff (admin, officer, viewer) and district chairs
``REGISTRAR``             staff and district chairs, who register units (a viewer reads)
``CHAIR``                 a district chair's link (her own name and phone)
``OFFICER``               staff of the province office: admin and officer; a viewer reads
``ADMIN``                 admins only (officer accounts)
``MAILBOX``               admins and officers, not viewers: the outbox holds live links
``TECHNICIAN``            a technician's token (heartbeats)
``SCOPED_POINT``          any principal who may see the route's ``point_id`` (404 otherwise,
                          the same answer as for a point that does not exist); ``g.point``
``BOARD_POINT``           ``BOARD`` and ``SCOPED_POINT`` together (a point's health page)
``SIGN_OUT``              any principal, viewers included (logout)
``FEDERATION``            a province instance submitting its return to TW: the bearer token is
                          the province's federation credential, which the view checks
                          (``federation.service.authenticate``), not an access grant
========================  =====================================================================

Rules applied by every requirement, here and nowhere else:

- a viewer (read-only leadership) may not use POST, PUT, PATCH or DELETE;
- a chair's or technician's link works for its own conference only: a route with ``<slug>``
  answers 403 for another conference;
- anonymous callers of a page go to the login page; of the API, 401 problem+json;
- the principal is left in ``g.principal``.

``tests/accounts/test_route_inventory.py`` fails when a route declares nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any, NoReturn

from flask import abort, g, redirect, request, session, url_for
from flask_login import current_user

from bridgeops.accounts import service
from bridgeops.accounts.models import AccessGrant, GrantRole, User
from bridgeops.core.errors import Forbidden, NotFound, Unauthorized
from bridgeops.extensions import db


class Kind(StrEnum):
    """What kind of principal is asking."""

    ADMIN = "admin"
    OFFICER = "officer"
    VIEWER = "viewer"
    CHAIR = "chair"
    TECHNICIAN = "technician"


#: The province office: sees every point of every conference.
STAFF = frozenset({Kind.ADMIN, Kind.OFFICER, Kind.VIEWER})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """An officer, admin, viewer, district chair or technician, with the scope of her grant."""

    kind: str
    user: User | None = None
    grant: AccessGrant | None = None
    conference_id: int | None = None
    unit_code: str | None = None
    point_id: int | None = None

    @property
    def is_officer(self) -> bool:
        """Province staff (admin, officer, viewer): sees everything. Writes are kept from
        viewers by ``requires``."""
        return self.kind in STAFF

    @property
    def may_write(self) -> bool:
        """Everyone but a viewer (read-only leadership) may change what her scope allows."""
        return self.kind != Kind.VIEWER

    @property
    def is_admin(self) -> bool:
        return self.kind == Kind.ADMIN

    @property
    def is_chair(self) -> bool:
        return self.kind == Kind.CHAIR and bool(self.unit_code)

    @property
    def is_technician(self) -> bool:
        return self.kind == Kind.TECHNICIAN

    @property
    def actor(self) -> str:
        """How the audit trail names this principal."""
        if self.user is not None:
            return f"{self.kind}:{self.user.email}"
        if self.kind == Kind.CHAIR:
            return f"chair:{self.unit_code}"
        return f"{self.kind}:{self.point_id}"


def principal_for_grant(grant: AccessGrant) -> Principal:
    """The principal a live grant stands for. A feed grant is not a principal: it opens one
    calendar feed and nothing else."""
    if grant.role == GrantRole.API:
        user = grant.user
        if user is None or not user.active:
            raise Unauthorized("Mã truy cập không còn hiệu lực.")
        return Principal(kind=user.role, user=user, grant=grant)
    if grant.role not in (GrantRole.CHAIR, GrantRole.TECHNICIAN):
        raise Unauthorized("Mã này chỉ dùng để đăng ký lịch (webcal), không dùng cho API.")
    return Principal(
        kind=grant.role,
        grant=grant,
        conference_id=grant.conference_id,
        unit_code=grant.unit_code,
        point_id=grant.point_id,
    )


def note_use(grant: AccessGrant) -> None:
    """Record that a link or token was used (throttled, ``service.record_use``). Called before
    the view runs, so the commit holds nothing but this; most calls write nothing."""
    if service.record_use(grant):
        db.session.commit()


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


#: Flask session keys holding the grant a magic link opened and that grant's session version.
SESSION_GRANT_KEY = "grant_id"
SESSION_GRANT_VERSION_KEY = "grant_sv"


def refuse_token(detail: str = "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.") -> NoReturn:
    """A 401 for an unknown, revoked or expired token. ops.security counts these per address
    and throttles the address (valid tokens are never throttled: thousands of points'
    heartbeats may share one NAT address of the government network)."""
    raise Unauthorized(detail)


def _is_api_write() -> bool:
    return request.path.startswith("/api/") and request.method not in SAFE_METHODS


def current_principal() -> Principal | None:
    """The principal of this request: bearer token, then the logged-in officer, then the
    chair or technician session a magic link opened. Writes to the API take a bearer token
    only: a cookie rides along with any cross-site form post (CSRF)."""
    token = bearer_token()
    if token is not None:
        grant = service.find_grant(token)
        if grant is None:
            refuse_token()
        principal = principal_for_grant(grant)
        note_use(grant)
        return principal
    if _is_api_write():
        return None
    if current_user.is_authenticated:
        return Principal(kind=current_user.role, user=current_user._get_current_object())
    grant_id = session.get(SESSION_GRANT_KEY)
    if grant_id is not None:
        grant = service.live_grant_by_id(grant_id)
        if (
            grant is not None
            and grant.role in (GrantRole.CHAIR, GrantRole.TECHNICIAN)
            and session.get(SESSION_GRANT_VERSION_KEY, 1) == grant.session_version
        ):
            principal = principal_for_grant(grant)
            note_use(grant)
            return principal
        session.pop(SESSION_GRANT_KEY, None)
    return None


def open_link_session(grant: AccessGrant) -> None:
    """Remember on this device the grant a magic link opened (ended by ``end_link_session``)."""
    session[SESSION_GRANT_KEY] = grant.id
    session[SESSION_GRANT_VERSION_KEY] = grant.session_version


# --- Scope: the rule behind every requirement and every query -----------------------------
# Staff see everything; a chair her unit's point and the points of the units directly under
# it; a technician her own point only. The same rule as a WHERE clause on points lives with
# the points: ``registration.scope.point_filter``.


def unit_in_scope(principal: Principal | None, unit, conference_id: int | None = None) -> bool:
    """May the principal register or edit a point for this AdminUnit (in that conference)?"""
    if principal is None:
        return False
    if principal.is_officer:
        return True
    if conference_id is not None and principal.conference_id not in (None, conference_id):
        return False
    if principal.is_chair:
        return unit.code == principal.unit_code or unit.parent_code == principal.unit_code
    return False


def can_view_point(principal: Principal | None, point) -> bool:
    """May this principal see this point: the one place the question is answered."""
    if principal is None:
        return False
    if principal.is_officer:
        return True
    if principal.conference_id not in (None, point.conference_id):
        return False
    if principal.is_technician:
        return principal.point_id == point.id
    return unit_in_scope(principal, point.unit)


def can_edit_point(principal: Principal | None, point) -> bool:
    """Technicians and viewers read only; chairs edit within their scope; officers edit all."""
    if principal is None or principal.is_technician or not principal.may_write:
        return False
    return can_view_point(principal, point)


def can_use_conference(principal: Principal | None, conference_id: int) -> bool:
    """Links are issued for one conference; staff work on all of them."""
    return principal is not None and principal.conference_id in (None, conference_id)


# --- Declarations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """Who may call a route. ``kinds`` None: anyone, signed in or not."""

    name: str
    kinds: frozenset[str] | None
    refusal: str = "Bạn không có quyền truy cập trang này."
    #: The route's ``point_id`` must be a point the principal may see.
    scoped_point: bool = False
    #: Viewers may use unsafe methods here (logout).
    viewer_may_write: bool = False

    def __str__(self) -> str:
        return self.name


EVERYONE = frozenset(Kind)
PUBLIC = Requirement("public", None)
LINK = Requirement("link", None)
SIGNED_IN = Requirement("signed-in", EVERYONE)
BOARD = Requirement(
    "board", STAFF | {Kind.CHAIR}, "Bảng theo dõi dành cho cán bộ đầu mối và chủ tịch Hội cấp huyện."
)
OFFICER = Requirement("officer", STAFF, "Trang này dành cho cán bộ đầu mối.")
REGISTRAR = Requirement(
    "registrar", STAFF | {Kind.CHAIR}, "Trang này dành cho chủ tịch Hội và cán bộ đầu mối."
)
CHAIR = Requirement("chair", frozenset({Kind.CHAIR}), "Chỉ chủ tịch Hội của đơn vị điền thông tin này.")
ADMIN = Requirement("admin", frozenset({Kind.ADMIN}), "Chỉ quản trị viên được quản lý tài khoản cán bộ.")
MAILBOX = Requirement(
    "mailbox",
    frozenset({Kind.ADMIN, Kind.OFFICER}),
    "Hộp thư đi chứa đường dẫn đăng nhập; chỉ cán bộ đầu mối được xem.",
)
TECHNICIAN = Requirement(
    "technician", frozenset({Kind.TECHNICIAN}), "Cần mã truy cập của kỹ thuật viên điểm cầu."
)
SCOPED_POINT = Requirement("scoped-point", EVERYONE, scoped_point=True)
BOARD_POINT = Requirement("board-point", BOARD.kinds, BOARD.refusal, scoped_point=True)
#: Signing out: any principal, viewers included.
SIGN_OUT = Requirement("sign-out", EVERYONE, viewer_may_write=True)
#: A province's federation credential, checked by the view (it is not an access grant).
FEDERATION = Requirement("federation", None)

REQUIREMENTS = (
    PUBLIC,
    LINK,
    SIGNED_IN,
    BOARD,
    REGISTRAR,
    CHAIR,
    OFFICER,
    ADMIN,
    MAILBOX,
    TECHNICIAN,
    SCOPED_POINT,
    BOARD_POINT,
    SIGN_OUT,
    FEDERATION,
)


@dataclass
class Resources:
    """How requirements find what a route names. Accounts sits below conferences and points,
    so their owners register these at app setup (``bridgeops.setup.register_access``)."""

    #: A conference slug → its id (NotFound for an unknown slug).
    conference_id: Callable[[str], int]
    #: A point id → the point, or None.
    point: Callable[[int], Any]


def _unregistered(*_args: Any) -> Any:
    raise RuntimeError("access resources are not registered; create the app first")


_resources = Resources(conference_id=_unregistered, point=_unregistered)


def register_resources(*, conference_id: Callable[[str], int], point: Callable[[int], Any]) -> None:
    """Tell ``authorize`` how to resolve ``<slug>`` and ``<point_id>`` (once per app setup)."""
    _resources.conference_id = conference_id
    _resources.point = point


def _anonymous(redirect_anonymous: bool):
    if request.path.startswith("/api/") or not redirect_anonymous:
        raise Unauthorized(
            "Cần gửi Authorization: Bearer <mã truy cập>."
            if request.path.startswith("/api/")
            else "Phiên đăng nhập đã hết; tải lại trang để đăng nhập."
        )
    abort(redirect(url_for("accounts.login", next=request.full_path.rstrip("?"))))


def authorize(
    requirement: Requirement, view_args: dict[str, Any], redirect_anonymous: bool = True
) -> Principal | None:
    """Check a requirement for this request; the principal (None on public routes)."""
    if requirement.kinds is None:
        return None
    principal = current_principal()
    if principal is None:
        _anonymous(redirect_anonymous)
    assert principal is not None
    if principal.kind not in requirement.kinds:
        raise Forbidden(requirement.refusal)
    if (
        principal.kind == Kind.VIEWER
        and request.method not in SAFE_METHODS
        and not requirement.viewer_may_write
    ):
        raise Forbidden("Tài khoản của bạn chỉ được xem, không được thay đổi dữ liệu.")
    slug = view_args.get("slug")
    if (
        slug is not None
        and principal.conference_id is not None
        and _resources.conference_id(slug) != principal.conference_id
    ):
        raise Forbidden("Đường dẫn của bạn dành cho hội nghị khác.")
    if requirement.scoped_point:
        point_id = view_args.get("point_id")
        point = _resources.point(point_id) if isinstance(point_id, int) else None
        if point is None or not can_view_point(principal, point):
            raise NotFound(f"Không có điểm cầu số {point_id} trong phạm vi của bạn.")
        g.point = point
    return principal


#: Where ``requires`` marks the request as checked (read by ``@operation``).
AUTHORIZED_KEY = "bridgeops.authorized"


def requires(requirement: Requirement, *, redirect_anonymous: bool = True) -> Callable:
    """Declare who may call a route (see the module docstring); put it right under the route
    decorator, above ``@operation`` on API routes."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            g.principal = authorize(requirement, kwargs, redirect_anonymous)
            request.environ[AUTHORIZED_KEY] = requirement
            return view(*args, **kwargs)

        wrapper.access = requirement  # type: ignore[attr-defined]
        return wrapper

    return decorator


def declared_access(view: Callable | None) -> Requirement | None:
    """The requirement a view function declares, if any (the route-inventory test uses it)."""
    return getattr(view, "access", None)
