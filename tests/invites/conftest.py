from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from bridgeops.units.models import AdminUnit
from tests.factories import make_point
from tests.smtp_server import CollectingHandler, LoopbackController


@pytest.fixture
def smtp(app) -> Iterator[CollectingHandler]:
    """A real SMTP server on loopback; the app sends to it during the test."""
    handler = CollectingHandler()
    controller = LoopbackController(handler)
    controller.start()
    saved = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False)
    handler.port = controller.port  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        app.config.update(saved)
        controller.stop()


def districts(conference, count: int) -> list[AdminUnit]:
    return list(
        db.session.scalars(
            sa.select(AdminUnit)
            .where(AdminUnit.parent_code == conference.host_unit_code)
            .order_by(AdminUnit.code)
            .limit(count)
        )
    )


def register_point(
    conference, unit: AdminUnit, technicians: list[tuple[str, str]], venue: str = "Hội trường Ủy ban nhân dân"
) -> BridgePoint:
    """A registered point with its technicians (name, email); committed."""
    point = make_point(
        conference,
        unit.code,
        venue=f"{venue} {unit.name}",
        technicians=tuple((name, "", email) for name, email in technicians),
    )
    db.session.commit()
    return point


def queue_invites() -> int:
    """What the scheduler's outbox job does first: reconcile the invites of the points
    changed since its last run (``mail.jobs.deliver``), committed."""
    from bridgeops.mail.service import run_feeders

    return run_feeders()


@pytest.fixture
def three_points(demo) -> list[BridgePoint]:
    """Three district points: two with one technician, one with two (4 technicians), and
    their invites queued by the outbox job."""
    units = districts(demo, 3)
    points = [
        register_point(demo, units[0], [("Nguyễn Thị Hoa", "hoa@mylocs.example.vn")]),
        register_point(
            demo, units[1], [("Trần Văn Nam", "nam@vuban.example.vn"), ("Lê Thị Lan", "lan@vuban.example.vn")]
        ),
        register_point(demo, units[2], [("Phạm Minh Đức", "duc@yyen.example.vn")]),
    ]
    queue_invites()
    return points
