"""The board's figures are kept per process while nothing they show has moved."""

from __future__ import annotations

import sqlalchemy as sa

from bridgeops.accounts.access import Principal
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.health import board, service
from bridgeops.health.models import PointHealth
from tests.factories import make_point
from tests.health.conftest import DISTRICT, PROVINCE, communes_of

OFFICER = Principal(kind="officer")


def _points(demo):
    points = [make_point(demo, PROVINCE), make_point(demo, DISTRICT)]
    points += [make_point(demo, code) for code in communes_of(DISTRICT, 3)]
    service.ensure_state_rows(demo.id, utcnow())
    db.session.commit()
    return points


def test_a_state_change_reaches_the_board_at_once(demo):
    points = _points(demo)
    before = board.build_board(OFFICER, demo, utcnow())
    assert before.summary.counts["down"] == 0
    db.session.execute(
        sa.update(PointHealth)
        .where(PointHealth.point_id == points[2].id)
        .values(state="down", reason="Quá thời gian chờ 2 giây")
    )
    db.session.commit()
    after = board.build_board(OFFICER, demo, utcnow())
    assert after.summary.counts["down"] == 1
    assert [p.id for p in after.problems] == [points[2].id]
    assert after.problems[0].reason == "Quá thời gian chờ 2 giây"


def test_a_new_point_reaches_the_board_at_once(demo):
    _points(demo)
    before = board.build_board(OFFICER, demo, utcnow()).summary.total
    make_point(demo, communes_of(DISTRICT, 4)[-1])
    db.session.commit()
    assert board.build_board(OFFICER, demo, utcnow()).summary.total == before + 1


def test_a_heartbeat_alone_keeps_the_cached_figures(demo):
    points = _points(demo)
    first = board.build_board(OFFICER, demo, utcnow())
    service.record_heartbeat(points[0].id, utcnow())
    db.session.commit()
    again = board.build_board(OFFICER, demo, utcnow())
    assert again.districts is first.districts
