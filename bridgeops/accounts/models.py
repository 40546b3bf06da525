"""Officer accounts and access grants (hashed tokens)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridgeops.core.time import utcnow
from bridgeops.core.types import EnumString, UTCDateTime, one_of
from bridgeops.extensions import Model


class UserRole(StrEnum):
    """admin: manages officer accounts; officer: runs conferences; viewer: reads (leadership)."""

    ADMIN = "admin"
    OFFICER = "officer"
    VIEWER = "viewer"


class GrantRole(StrEnum):
    """chair and technician: magic links; api: an officer's bearer token; feed: one read-only
    calendar feed URL of an officer (never an API credential); invite: a new officer's one-time
    link to choose her password."""

    CHAIR = "chair"
    TECHNICIAN = "technician"
    API = "api"
    FEED = "feed"
    INVITE = "invite"


class GrantKind(StrEnum):
    """issued: a random token, shown once when the grant is issued (every role);
    invite: a technician's own link, written into every invite she gets: its token is derived
    from the app's secret key and the grant's ``nonce``, so a later invite prints it again."""

    ISSUED = "issued"
    INVITE = "invite"


USER_ROLES = tuple(UserRole)
ROLE_LABELS = {
    UserRole.ADMIN: "Quản trị viên",
    UserRole.OFFICER: "Cán bộ đầu mối",
    UserRole.VIEWER: "Lãnh đạo (chỉ xem)",
}
GRANT_ROLE_LABELS = {
    GrantRole.CHAIR: "Chủ tịch Hội",
    GrantRole.TECHNICIAN: "Kỹ thuật viên",
    GrantRole.API: "Mã API",
    GrantRole.FEED: "Lịch đăng ký (webcal)",
    GrantRole.INVITE: "Lời mời tạo tài khoản",
}
GRANT_KIND_LABELS = {
    GrantKind.ISSUED: "Đường dẫn được cấp",
    GrantKind.INVITE: "Đường dẫn riêng trong thư mời",
}


class User(UserMixin, Model):
    __tablename__ = "user"
    __table_args__ = (one_of("role", UserRole),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case login email.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[UserRole] = mapped_column(EnumString(UserRole, 16), default=UserRole.OFFICER)
    #: werkzeug scrypt hash.
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Bumped at logout and deactivation: every session cookie signed before stops working.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the session holds the id and the session version
        return f"{self.id}:{self.session_version}"


class AccessGrant(Model):
    __tablename__ = "access_grant"
    __table_args__ = (
        one_of("role", GrantRole),
        one_of("kind", GrantKind),
        # Only a technician's own link is derived from a nonce, and it always has one.
        sa.CheckConstraint(
            "(kind = 'invite' AND role = 'technician' AND nonce IS NOT NULL)"
            " OR (kind = 'issued' AND nonce IS NULL)",
            name="nonce_of_invite_links",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 hex of the token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[GrantRole] = mapped_column(EnumString(GrantRole, 16))
    kind: Mapped[GrantKind] = mapped_column(
        EnumString(GrantKind, 8), default=GrantKind.ISSUED, server_default=GrantKind.ISSUED.value
    )
    #: The random nonce an invite link's token is derived from (``invites.links``); None for
    #: issued grants. Without the secret key it reveals nothing.
    nonce: Mapped[str | None] = mapped_column(sa.String(64))
    #: The officer an API token acts for.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    conference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conference.id"))
    #: A chair's scope: her district (or province) unit.
    unit_code: Mapped[str | None] = mapped_column(sa.ForeignKey("admin_unit.code"))
    #: A technician's scope: her point.
    point_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("bridge_point.id", ondelete="CASCADE"), index=True
    )
    #: The technician contact this link was made for, when there is one.
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact.id", ondelete="SET NULL"))
    #: For people: "Kỹ thuật viên Nguyễn Thị Hoa", "API token for a@b.vn".
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the link or token was last used (a page, a heartbeat, an API call), kept to within
    #: ``accounts.service.USE_RECORD_EVERY``; None: never used.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bumped when a phone leaves the link's session: the cookies it signed stop working.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    user: Mapped[User | None] = relationship()

    def live_at(self, now: datetime) -> bool:
        """The one rule for a grant that still opens doors: not revoked, and without an expiry
        or expiring after ``now``. ``live_clause`` says the same in SQL, for queries."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @classmethod
    def live_clause(cls, now: datetime) -> sa.ColumnElement[bool]:
        """``live_at`` as a SQL condition."""
        return sa.and_(cls.revoked_at.is_(None), sa.or_(cls.expires_at.is_(None), cls.expires_at > now))
