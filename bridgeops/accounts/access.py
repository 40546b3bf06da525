"""Who is asking: the principal behind a session cookie or a bearer token."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
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


def current_principal() -> Principal | None:
    """The principal of this request: bearer token first, then the logged-in officer."""
    token = bearer_token()
    if token is not None:
        grant = service.find_grant(token)
        if grant is None:
            raise Unauthorized("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
        return principal_for_grant(grant)
    if current_user.is_authenticated:
        return Principal(kind=current_user.role, user=current_user._get_current_object())
    return None


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
