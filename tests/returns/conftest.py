"""Test helpers of the return: the ONE place that builds points (adapt here if registration's
service changes), a populated Nam Định conference, and a two-level province."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bridgeops.conference.models import Conference, DelegateCategory
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint, Contact, DelegateCount
from bridgeops.registration.service import create_point_record, point_for_unit
from bridgeops.units import service as units
from bridgeops.units.service import UnitRow


def make_point(
    conference: Conference,
    unit_code: str,
    *,
    status: str | None = None,
    counts: dict[str, int] | None = None,
    venue: str = "",
    name: str | None = None,
    chair: tuple[str, str] | None = None,
    technicians: tuple[tuple[str, str], ...] = (),
) -> BridgePoint:
    """A point (new ones are drafts) with counts and contacts (chair/technicians as
    (name, E.164 phone)); for an existing point, only what is given changes."""
    point = point_for_unit(conference, unit_code)
    if point is None:
        point = create_point_record(conference, units.get_unit(unit_code), venue=venue, name=name)
    elif venue:
        point.venue = venue
    if counts:
        set_counts(point, counts)
    if status:
        point.status = status
    if chair:
        point.contacts.append(Contact(role="chair", name=chair[0], phone=chair[1]))
    for tech_name, phone in technicians:
        point.contacts.append(Contact(role="technician", name=tech_name, phone=phone))
    db.session.flush()
    return point


def set_counts(point: BridgePoint, counts: dict[str, int], status: str | None = None) -> None:
    """Change a point's counts (and status) as a chair would."""
    existing = {c.category_code: c for c in point.counts}
    for code, n in counts.items():
        if code in existing:
            existing[code].count = n
        else:
            point.counts.append(DelegateCount(category_code=code, count=n))
    point.total_delegates = sum(c.count for c in point.counts)
    if status:
        point.status = status
    db.session.flush()


@dataclass
class Scenario:
    conference: Conference
    expected_confirmed: int
    expected_draft: int


@pytest.fixture
def nam_dinh(demo) -> Scenario:
    """Nam Định with a confirmed province point, Mỹ Lộc fully confirmed, Vụ Bản in draft,
    a withdrawn commune, a formula-looking venue, and every other district missing."""
    conference = demo
    make_point(
        conference,
        "36",
        status="confirmed",
        venue="Phòng họp Tầng 3 Tỉnh ủy",
        counts={"bch_tinh": 41, "chuyen_trach_tinh": 12, "chu_tich_truc_thuoc": 9},
    )
    make_point(
        conference,
        "358",
        status="confirmed",
        venue="Hội trường Huyện ủy Mỹ Lộc",
        counts={"bch": 25, "chuyen_trach": 6, "chi_hoi_truong": 30},
        chair=("Trần Thị Bình", "+84912345678"),
    )
    make_point(
        conference,
        "13708",
        status="confirmed",
        venue="=cmd()|' /C calc'!A0",
        counts={"bch": 11, "chuyen_trach": 2, "chi_hoi_truong": 8},
    )
    make_point(conference, "13711", status="withdrawn", counts={"bch": 100})
    make_point(
        conference,
        "359",
        status="draft",
        venue="Nhà văn hóa huyện Vụ Bản",
        counts={"bch": 21, "chuyen_trach": 5, "chi_hoi_truong": 14},
        technicians=(("Lê Văn Cường", "+84987654321"),),
    )
    make_point(
        conference,
        "13741",
        status="draft",
        counts={"bch": 9, "chi_hoi_truong": 4},
        technicians=(("Phạm Thị Dung", "+84911222333"),),
    )
    db.session.commit()
    return Scenario(
        conference,
        expected_confirmed=41 + 12 + 9 + 25 + 6 + 30 + 11 + 2 + 8,
        expected_draft=21 + 5 + 14 + 9 + 4,
    )


@pytest.fixture
def two_level(app) -> Conference:
    """A province with communes directly under it (Vietnam since 2025): no districts."""
    units.import_units(
        [
            UnitRow("91", "Tỉnh Hai Cấp", "tỉnh", "province", None, "91"),
            UnitRow("91001", "Phường Một", "phường", "commune", "91", "91"),
            UnitRow("91002", "Xã Hai", "xã", "commune", "91", "91"),
            UnitRow("91003", "Xã Ba", "xã", "commune", "91", "91"),
        ]
    )
    conference = Conference(
        slug="haicap-2026", title="Hội nghị hai cấp", host_name="Hội LHPN tỉnh Hai Cấp", host_unit_code="91"
    )
    db.session.add(conference)
    for position, (code, levels) in enumerate([("bch_tinh", "province"), ("bch", "commune")]):
        db.session.add(
            DelegateCategory(
                conference=conference,
                code=code,
                label=f"Thành phần {code}",
                levels_csv=levels,
                position=position,
            )
        )
    db.session.flush()
    make_point(conference, "91", status="confirmed", counts={"bch_tinh": 20})
    make_point(conference, "91001", status="confirmed", counts={"bch": 7})
    make_point(conference, "91002", status="draft", counts={"bch": 5})
    db.session.commit()
    return conference
