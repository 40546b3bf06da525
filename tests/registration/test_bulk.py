"""Registering many points at once: the same rules as one by one, a few statements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bridgeops.audit.models import AuditEvent
from bridgeops.core.errors import Conflict, ValidationFailed
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from bridgeops.registration.service import bulk_create_points, get_point
from tests.registration.helpers import MY_LOC, VU_BAN, commune_of, point_body


def test_bulk_points_carry_counts_technicians_status_and_relay_from_their_district(demo):
    commune = commune_of(MY_LOC)
    ids = bulk_create_points(
        demo,
        [
            {**point_body(MY_LOC), "status": "confirmed"},
            point_body(commune, counts={"bch": 4, "chi_hoi_truong": 9}),
        ],
        actor="system:test",
    )
    db.session.commit()
    district, village = get_point(ids[0]), get_point(ids[1])
    assert (district.status, district.total_delegates, district.confirmed_at is not None) == (
        "confirmed",
        15,
        True,
    )
    assert village.counts_by_code == {"bch": 4, "chi_hoi_truong": 9}
    assert village.district_code == MY_LOC and village.upstream_point_id == district.id
    assert [(t.name, t.phone, t.email) for t in village.technicians] == [
        ("Trần Văn Kỹ", "+84912345678", "ky@example.vn")
    ]
    assert db.session.scalar(sa.select(AuditEvent.after).where(AuditEvent.action == "bulk_create")) == {
        "points": 2
    }


def test_bulk_rows_are_validated_like_one_point_and_nothing_is_written(demo):
    rows = [
        point_body(MY_LOC),
        point_body(VU_BAN, technicians=[{"name": "A", "phone": "12", "email": ""}]),
        {**point_body(commune_of(VU_BAN), venue=""), "status": "confirmed"},
    ]
    with pytest.raises(ValidationFailed) as failed:
        bulk_create_points(demo, rows, actor="system:test")
    assert set(failed.value.errors) == {"1.technicians.0.phone", "2.status"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BridgePoint)) == 1  # demo's


def test_bulk_refuses_a_unit_that_already_has_a_point(demo):
    with pytest.raises(Conflict):
        bulk_create_points(demo, [point_body("36")], actor="system:test")


def test_a_unit_registered_a_moment_ago_by_someone_else_is_a_conflict_not_a_crash(demo):
    from bridgeops.registration.service import _flush_new, _new_point
    from bridgeops.units import service as units

    unit = units.get_unit(MY_LOC)
    racing = _new_point(demo, unit)  # checked before the other registration lands
    bulk_create_points(demo, [point_body(MY_LOC)], actor="system:other-chair")
    with pytest.raises(Conflict, match="đã có điểm cầu"):
        _flush_new(racing)
