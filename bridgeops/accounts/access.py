"""Who is asking: the principal behind a session cookie or a bearer token."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import request, session
from flask_login import current_user

from bridgeops.accounts import service
from bridgeops.accounts.models import AccessGrant, User
from bridgeops.core.errors import Forbidden, Unauthorized


@dataclass(frozen=True)
class Principal:
    """An officer, admin, district chair or technician, with the scope of her grant."""

    kind: str  # officer | admin | chair | technician
    user: User | None = None
    grant: AccessGrant | None = None
    conference_id: int | None = None
    unit_code: str | None = None
    point_id: int | None = None

    @property
    def is_officer(self) -> bool:
        return self.kind in ("officer", "admin")

    @property
    def actor(self) -> str:
        """How the audit trail names this principal."""
        if self.user is not None:
            return f"{self.kind}:{self.user.email}"
        if self.kind == "chair":
            return f"chair:{self.unit_code}"
        return f"{self.kind}:{self.point_id}"


def principal_for_grant(grant: AccessGrant) -> Principal:
    if grant.role == "api":
        user = grant.user
        if user is None or not user.active:
            raise Unauthorized("Mã truy cập không còn hiệu lực.")
        return Principal(kind=user.role, user=user, grant=grant)
    return Principal(kind=grant.role, grant=grant, conference_id=grant.conference_id,
                     unit_code=grant.unit_code, point_id=grant.point_id)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


#: Flask session key holding the id of the grant a magic link opened.
SESSION_GRANT_KEY = "grant_id"

def refuse_token(detail: str = "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi."):
    """A 401 for an unknown, revoked or expired token. ops.security counts these per address
    and throttles the address (valid tokens are never throttled: thousands of points'
    heartbeats may share one NAT address of the government network)."""
    raise Unauthorized(detail)


def current_principal() -> Principal | None:
    """The principal of this request: bearer token, then the logged-in officer, then the
    chair or technician session a magic link opened."""
    token = bearer_token()
    if token is not None:
        grant = service.find_grant(token)
        if grant is None:
            refuse_token()
        return principal_for_grant(grant)
    if current_user.is_authenticated:
        return Principal(kind=current_user.role, user=current_user._get_current_object())
    grant_id = session.get(SESSION_GRANT_KEY)
    if grant_id is not None:
        grant = service.live_grant_by_id(grant_id)
        if grant is not None and grant.role in ("chair", "technician"):
            return principal_for_grant(grant)
        session.pop(SESSION_GRANT_KEY, None)
    return None


# --- The authorization rule, in one place -------------------------------------------------
# An officer sees and edits everything; a chair her unit's point and the points of the units
# directly under it; a technician reads her own point only.


def point_filter(principal: Principal, conference_id: int) -> sa.ColumnElement[bool]:
    """A WHERE clause on BridgePoint limiting a query to what the principal may see."""
    from bridgeops.registration.models import BridgePoint
    from bridgeops.units.models import AdminUnit

    in_conference = BridgePoint.conference_id == conference_id
    if principal.is_officer:
        return in_conference
    if principal.conference_id not in (None, conference_id):
        return sa.false()
    if principal.kind == "chair" and principal.unit_code:
        # One IN on unit_code, so the (conference_id, unit_code) index answers it, not a scan
        # of the conference's points (11,400 nationally).
        scope = sa.select(AdminUnit.code).where(sa.or_(AdminUnit.code == principal.unit_code,
                                                       AdminUnit.parent_code == principal.unit_code))
        return sa.and_(in_conference, BridgePoint.unit_code.in_(scope))
    if principal.kind == "technician" and principal.point_id:
        return sa.and_(in_conference, BridgePoint.id == principal.point_id)
    return sa.false()


def unit_in_scope(principal: Principal | None, unit, conference_id: int | None = None) -> bool:
    """May the principal register or edit a point for this AdminUnit (in that conference)?"""
    if principal is None:
        return False
    if principal.is_officer:
        return True
    if conference_id is not None and principal.conference_id not in (None, conference_id):
        return False
    if principal.kind == "chair" and principal.unit_code:
        return unit.code == principal.unit_code or unit.parent_code == principal.unit_code
    return False


def can_view_point(principal: Principal | None, point) -> bool:
    if principal is None:
        return False
    if principal.is_officer:
        return True
    if principal.conference_id not in (None, point.conference_id):
        return False
    if principal.kind == "technician":
        return principal.point_id == point.id
    return unit_in_scope(principal, point.unit)


def can_edit_point(principal: Principal | None, point) -> bool:
    """Technicians read only; chairs edit within their scope; officers edit all."""
    if principal is None or principal.kind == "technician":
        return False
    return can_view_point(principal, point)


def can_use_conference(principal: Principal | None, conference_id: int) -> bool:
    """Links are issued for one conference; officers work on all of them."""
    return principal is not None and principal.conference_id in (None, conference_id)


def can_manage_registration(principal: Principal | None) -> bool:
    """Officer-only registration pages: all points, chair links, audit history."""
    return principal is not None and principal.is_officer


def require_api_principal(level: str | None) -> Principal | None:
    """Enforce an operation's auth level; returns the principal (None for public calls)."""
    principal = current_principal() if level is not None or bearer_token() else None
    if level is None:
        return principal
    if principal is None:
        raise Unauthorized("Cần gửi Authorization: Bearer <mã truy cập>.")
    if level == "officer" and not principal.is_officer:
        raise Forbidden("Chỉ cán bộ đầu mối (officer) được thực hiện thao tác này.")
    if level == "technician" and principal.kind != "technician":
        raise Forbidden("Cần mã truy cập của kỹ thuật viên điểm cầu.")
    return principal
