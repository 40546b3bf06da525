"""Officer accounts and access grants; the only writer of user and access_grant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from bridgeops.accounts.models import USER_ROLES, AccessGrant, GrantKind, GrantRole, User
from bridgeops.accounts.tokens import hash_token, new_token
from bridgeops.audit import service as audit
from bridgeops.core.db import execute_core, table_of
from bridgeops.core.errors import Conflict, NotFound, ValidationFailed
from bridgeops.core.text import clean
from bridgeops.core.time import utcnow
from bridgeops.extensions import db


@dataclass
class IssuedGrant:
    """A grant and its token, which exists only here, once."""

    grant: AccessGrant
    token: str


#: Session key: when the officer logged in (epoch seconds); officer sessions are short.
LOGIN_AT_KEY = "login_at"


def create_user(email: str, name: str, role: str, password: str) -> User:
    """A new officer or admin account with a hashed password."""
    email = clean(email).lower()
    errors = {}
    if "@" not in email:
        errors["email"] = "Email không hợp lệ."
    if role not in USER_ROLES:
        errors["role"] = "Vai trò phải là quản trị viên, cán bộ đầu mối hoặc lãnh đạo (chỉ xem)."
    if len(password) < 8:
        errors["password"] = "Mật khẩu cần ít nhất 8 ký tự."
    if errors:
        raise ValidationFailed(errors)
    if db.session.scalar(sa.select(User).where(User.email == email)):
        raise Conflict(f"Đã có tài khoản {email}.")
    user = User(email=email, name=clean(name), role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


#: Checked against when the email is unknown, so an unknown email takes as long to refuse as a
#: wrong password (no timing oracle for which emails have accounts).
_DUMMY_HASH = generate_password_hash("bridgeops-dummy-password")


def authenticate(email: str, password: str) -> User | None:
    """The active user with that email and password, or None (in the same time either way)."""
    user = db.session.scalar(sa.select(User).where(User.email == clean(email).lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def user_for_session(
    session_id: str, login_at: float | None, max_age: timedelta, now: datetime | None = None
) -> User | None:
    """The user a session cookie names, if the cookie is still good: the account is active,
    the session version matches (logout and deactivation bump it) and it is not older than
    ``max_age`` (officer sessions are short)."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit() or login_at is None:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    now = now or utcnow()
    if now.timestamp() - float(login_at) > max_age.total_seconds():
        return None
    return user


def end_sessions(user: User) -> None:
    """Every session cookie of this user stops working (logout signs out everywhere)."""
    user.session_version += 1
    db.session.flush()


def end_link_sessions(grant: AccessGrant) -> None:
    """Every session a magic link opened stops working; the link itself keeps working."""
    grant.session_version += 1
    db.session.flush()


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.name)))


def deactivate_user(user: User) -> int:
    """The account can no longer log in; its sessions end and its tokens are revoked.
    Returns how many tokens were revoked."""
    user.active = False
    end_sessions(user)
    tokens = list(
        db.session.scalars(
            sa.select(AccessGrant).where(AccessGrant.user_id == user.id, AccessGrant.revoked_at.is_(None))
        )
    )
    return revoke_grants(tokens)


def reactivate_user(user: User) -> None:
    user.active = True
    db.session.flush()


def get_user_by_email(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == clean(email).lower()))
    if user is None:
        raise NotFound(f"Không có tài khoản {email}.")
    return user


def issue_grant(
    role: str,
    *,
    user_id: int | None = None,
    conference_id: int | None = None,
    unit_code: str | None = None,
    point_id: int | None = None,
    contact_id: int | None = None,
    label: str = "",
    ttl: timedelta | None = None,
    token: str | None = None,
) -> IssuedGrant:
    """A new access grant; returns the token once (``token`` when the caller derived one)."""
    token = token or new_token()
    grant = AccessGrant(
        token_hash=hash_token(token),
        role=role,
        user_id=user_id,
        conference_id=conference_id,
        unit_code=unit_code,
        point_id=point_id,
        contact_id=contact_id,
        label=label,
        expires_at=utcnow() + ttl if ttl else None,
    )
    db.session.add(grant)
    db.session.flush()
    return IssuedGrant(grant, token)


@cache
def _insert_grant() -> sa.Insert:
    table = table_of(AccessGrant)
    return sa.insert(table).returning(table.c.id)


def insert_grant(
    role: str,
    *,
    conference_id: int | None = None,
    point_id: int | None = None,
    contact_id: int | None = None,
    label: str = "",
    ttl: timedelta | None = None,
    token: str | None = None,
) -> tuple[int, str]:
    """Like ``issue_grant``, in one Core INSERT that builds no ORM object: (the grant's id, its
    token), for a hot path that needs only those (a registration's technician link)."""
    token = token or new_token()
    now = utcnow()
    grant_id = execute_core(
        _insert_grant(),
        {
            "token_hash": hash_token(token),
            "role": role,
            "kind": GrantKind.ISSUED,
            "nonce": None,
            "user_id": None,
            "conference_id": conference_id,
            "unit_code": None,
            "point_id": point_id,
            "contact_id": contact_id,
            "label": label,
            "created_at": now,
            "expires_at": now + ttl if ttl else None,
            "revoked_at": None,
            "last_used_at": None,
            "session_version": 1,
        },
    ).scalar_one()
    return grant_id, token


def issue_grants(role: str, grants: list[dict], ttl: timedelta | None = None) -> int:
    """Many grants at once (one executemany): each dict holds a ``token`` the caller derived and
    the grant's scope columns (conference_id, point_id, contact_id, label, …) and, for a
    technician's own link, its ``kind`` and ``nonce``."""
    now = utcnow()
    rows = [
        {
            "user_id": None,
            "conference_id": None,
            "unit_code": None,
            "point_id": None,
            "contact_id": None,
            "label": "",
            "kind": GrantKind.ISSUED,
            "nonce": None,
            **{k: v for k, v in grant.items() if k != "token"},
            "token_hash": hash_token(grant["token"]),
            "role": role,
            "created_at": now,
            "expires_at": now + ttl if ttl else None,
        }
        for grant in grants
    ]
    if rows:
        db.session.execute(sa.insert(table_of(AccessGrant)), rows)
    return len(rows)


#: API tokens expire after this many days unless the operator asks for another lifetime.
API_TOKEN_DAYS = 90


def create_api_token(email: str, days: int = API_TOKEN_DAYS, feed: bool = False) -> IssuedGrant:
    """A bearer API token acting for that officer, or (``feed``) a read-only calendar feed
    token that opens ``/calendar/<token>.ics`` and nothing else."""
    user = get_user_by_email(email)
    if not user.active:
        raise ValidationFailed({"email": f"Tài khoản {user.email} đã bị khóa."})
    if days < 1:
        raise ValidationFailed({"days": "Thời hạn phải từ 1 ngày trở lên."})
    role = GrantRole.FEED if feed else GrantRole.API
    label = f"{'Calendar feed' if feed else 'API token'} for {user.email}"
    return issue_grant(role, user_id=user.id, label=label, ttl=timedelta(days=days))


def officer_tokens(email: str | None = None) -> list[AccessGrant]:
    """API and feed tokens, live or not, newest first; optionally of one officer."""
    stmt = sa.select(AccessGrant).where(AccessGrant.role.in_([GrantRole.API, GrantRole.FEED]))
    if email:
        stmt = stmt.where(AccessGrant.user_id == get_user_by_email(email).id)
    return list(db.session.scalars(stmt.order_by(AccessGrant.id.desc())))


def revoke_officer_token(grant_id: int) -> AccessGrant:
    grant = db.session.get(AccessGrant, grant_id)
    if grant is None or grant.role not in (GrantRole.API, GrantRole.FEED):
        raise NotFound(f"Không có mã API số {grant_id}.")
    if grant.revoked_at is None:
        revoke_grant(grant)
    return grant


@cache
def _grant_by_hash() -> sa.Select[tuple[AccessGrant]]:
    # Built once: a statement keeps its cache key, which is then not worked out on every call.
    return (
        sa.select(AccessGrant)
        .options(joinedload(AccessGrant.user))
        .where(AccessGrant.token_hash == sa.bindparam("token_hash"))
    )


def find_grant(token: str, now: datetime | None = None) -> AccessGrant | None:
    """The live grant for a token: not revoked, not expired; an API token's officer comes in the
    same statement (every API call reads her)."""
    if not token or len(token) > 200:
        return None
    grant = db.session.scalar(_grant_by_hash(), {"token_hash": hash_token(token)})
    return grant if grant is not None and is_live(grant, now) else None


#: ``last_used_at`` is written only when older than this: heartbeats every 30 seconds and page
#: loads write at most once per grant per five minutes.
USE_RECORD_EVERY = timedelta(minutes=5)


def record_use(grant: AccessGrant, now: datetime | None = None) -> bool:
    """Note that the link or token was just used (a page, a heartbeat, an API call), unless that
    was already noted less than ``USE_RECORD_EVERY`` ago. True when it wrote (the caller commits)."""
    now = now or utcnow()
    if grant.last_used_at is not None and now - grant.last_used_at < USE_RECORD_EVERY:
        return False
    grant.last_used_at = now
    db.session.flush()
    return True


def live_grant_by_id(grant_id: int) -> AccessGrant | None:
    """The grant with that id if it is neither revoked nor expired."""
    grant = db.session.get(AccessGrant, grant_id)
    return grant if grant is not None and is_live(grant) else None


def revoke_grant(grant: AccessGrant) -> None:
    grant.revoked_at = utcnow()
    db.session.flush()


def grant_by_token(token: str) -> AccessGrant | None:
    """The grant a token was issued for, live or not (to tell "unknown" from "revoked")."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(sa.select(AccessGrant).where(AccessGrant.token_hash == hash_token(token)))


def is_live(grant: AccessGrant, now: datetime | None = None) -> bool:
    """Neither revoked nor expired (at ``now``, default: this instant)."""
    return grant.live_at(now or utcnow())


def live_grants(
    role: str,
    *,
    conference_id: int | None = None,
    unit_code: str | None = None,
    point_id: int | None = None,
    kind: GrantKind | None = None,
) -> list[AccessGrant]:
    """Unrevoked, unexpired grants of a role, narrowed by conference, unit, point or kind."""
    stmt = sa.select(AccessGrant).where(AccessGrant.role == role, AccessGrant.live_clause(utcnow()))
    if conference_id is not None:
        stmt = stmt.where(AccessGrant.conference_id == conference_id)
    if unit_code is not None:
        stmt = stmt.where(AccessGrant.unit_code == unit_code)
    if point_id is not None:
        stmt = stmt.where(AccessGrant.point_id == point_id)
    if kind is not None:
        stmt = stmt.where(AccessGrant.kind == kind)
    return list(db.session.scalars(stmt.order_by(AccessGrant.id)))


def revoke_grants(grants: list[AccessGrant]) -> int:
    """Revoke each grant now; returns how many."""
    now = utcnow()
    for grant in grants:
        grant.revoked_at = now
    db.session.flush()
    return len(grants)


#: How long an officer's invitation link works.
INVITE_DAYS = 7


def invite_user(email: str, name: str, role: str, actor: str) -> IssuedGrant:
    """A new account without a usable password, and the one-time link to choose one."""
    errors = {}
    if not clean(name):
        errors["name"] = "Vui lòng nhập họ tên."
    try:
        user = create_user(email, name or "-", role, new_token())
    except ValidationFailed as error:
        raise ValidationFailed({**error.errors, **errors}) from None
    except Conflict:
        raise ValidationFailed({**errors, "email": "Email này đã có tài khoản."}) from None
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = "!"  # no password matches until the invitation is accepted
    audit.record(actor, "user", user.id, "invite", after={"email": user.email, "role": role})
    return issue_grant(
        GrantRole.INVITE,
        user_id=user.id,
        label=f"Invitation of {user.email}",
        ttl=timedelta(days=INVITE_DAYS),
    )


def find_invite(token: str) -> AccessGrant | None:
    grant = find_grant(token)
    if grant is None or grant.role != GrantRole.INVITE or grant.user is None:
        return None
    return grant


def accept_invite(grant: AccessGrant, password: str) -> User:
    user = grant.user
    assert user is not None, "find_invite returns only grants with a user"
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    revoke_grant(grant)
    return user
