"""Where each conference stands, for the officer's home page (reading only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bridgeops.accounts.models import AccessGrant
from bridgeops.conference.models import Conference, ConferenceSession
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint, PointStatus
from bridgeops.returns.models import ReturnSnapshot
from bridgeops.units.models import AdminUnit

PHASE_LABELS = {
    "upcoming": "Sắp diễn ra",
    "active": "Đang diễn ra",
    "past": "Đã diễn ra",
    "archived": "Đã lưu trữ",
}


@dataclass(frozen=True)
class NextStep:
    """The officer's next task: what to do, and which page (endpoint) does it."""

    label: str
    endpoint: str


@dataclass(frozen=True)
class ConferenceCard:
    conference: Conference
    #: upcoming | active | past | archived.
    phase: str
    #: Units under the host that have a live point, of the units whose chairs register.
    registered: int
    expected: int
    points: int
    confirmed: int
    next_session: ConferenceSession | None
    return_submitted: bool
    next_step: NextStep

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase]


def phase_of(conference: Conference, now: datetime) -> str:
    if conference.archived_at is not None:
        return "archived"
    live = [s for s in conference.sessions if s.cancelled_at is None]
    if not live or now < min(s.starts_at for s in live):
        return "upcoming"
    if now <= max(s.ends_at for s in live):
        return "active"
    return "past"


def conference_cards(conferences: list[Conference], now: datetime | None = None) -> list[ConferenceCard]:
    """One card per conference, active first, then upcoming, past and archived."""
    now = now or utcnow()
    ids = [c.id for c in conferences]
    if not ids:
        return []
    live = sa.and_(BridgePoint.conference_id.in_(ids), BridgePoint.status != PointStatus.WITHDRAWN)
    counts = {
        cid: (total, confirmed)
        for cid, total, confirmed in db.session.execute(
            sa.select(
                BridgePoint.conference_id,
                sa.func.count(),
                sa.func.count().filter(BridgePoint.status == PointStatus.CONFIRMED),
            )
            .where(live)
            .group_by(BridgePoint.conference_id)
        )
    }
    areas: dict[int, set[str]] = {}
    for cid, code in db.session.execute(
        sa.select(BridgePoint.conference_id, BridgePoint.district_code).distinct().where(live)
    ):
        areas.setdefault(cid, set()).add(code)
    submitted = set(
        db.session.scalars(
            sa.select(ReturnSnapshot.conference_id).where(
                ReturnSnapshot.conference_id.in_(ids), ReturnSnapshot.accepted_at.is_not(None)
            )
        )
    )
    linked = set(
        db.session.scalars(
            sa.select(AccessGrant.conference_id).where(
                AccessGrant.conference_id.in_(ids), AccessGrant.role == "chair"
            )
        )
    )
    hosts = {c.host_unit_code for c in conferences if c.host_unit_code}
    units = list(
        db.session.execute(
            sa.select(AdminUnit.code, AdminUnit.parent_code, AdminUnit.level).where(
                sa.or_(AdminUnit.code.in_(hosts), AdminUnit.parent_code.in_(hosts))
            )
        )
    )
    levels = {code: level for code, _, level in units}
    registering: dict[str, set[str]] = {}
    for code, parent, _ in units:
        if parent in hosts:
            registering.setdefault(parent, set()).add(code)
    cards = []
    for conference in conferences:
        host = conference.host_unit_code
        # A district-hosted conference has one registering unit: the district itself.
        expected_units = (
            {host} if levels.get(host) == "district" else registering.get(host, set()) if host else set()
        )
        total, confirmed = counts.get(conference.id, (0, 0))
        registered = len(expected_units & areas.get(conference.id, set()))
        phase = phase_of(conference, now)
        upcoming = [s for s in conference.sessions if s.cancelled_at is None and s.ends_at >= now]
        card_facts = dict(
            conference=conference,
            phase=phase,
            registered=registered,
            expected=len(expected_units),
            points=total,
            confirmed=confirmed,
            next_session=upcoming[0] if upcoming else None,
            return_submitted=conference.id in submitted,
        )
        step = _next_step(
            conference,
            phase,
            linked=conference.id in linked,
            **{
                k: card_facts[k]
                for k in ("registered", "expected", "points", "confirmed", "return_submitted")
            },
        )
        cards.append(ConferenceCard(**card_facts, next_step=step))
    order = {"active": 0, "upcoming": 1, "past": 2, "archived": 3}
    return sorted(cards, key=lambda card: order[card.phase])


def _next_step(
    conference: Conference,
    phase: str,
    *,
    linked: bool,
    registered: int,
    expected: int,
    points: int,
    confirmed: int,
    return_submitted: bool,
) -> NextStep:
    if phase == "archived":
        return NextStep("Hồ sơ đã lưu trữ, chỉ để xem", "returns.dashboard")
    if phase == "past":
        return NextStep("Lưu trữ hội nghị khi đã xong báo cáo", "conference.edit")
    if phase == "active":
        return NextStep("Theo dõi bảng trực tiếp", "health.live_board")
    if not conference.sessions:
        return NextStep("Thêm lịch tổng duyệt và các phiên", "conference.schedule")
    if not linked and expected:
        return NextStep("Cấp đường dẫn cho chủ tịch các đơn vị", "registration.chair_links")
    if registered < expected or confirmed < points:
        return NextStep("Nhắc các đơn vị chưa đăng ký hoặc chưa xác nhận", "returns.dashboard")
    if not return_submitted:
        return NextStep("Chốt và gửi báo cáo số liệu về TW", "returns.dashboard")
    return NextStep("Chuẩn bị tổng duyệt kết nối", "health.rehearsal_matrix")
