"""Test scenarios of the return: a populated Nam Định conference and a two-level province
(points are built by ``tests.factories``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bridgeops.conference.models import Conference, DelegateCategory
from bridgeops.extensions import db
from bridgeops.units import service as units
from bridgeops.units.service import UnitRow
from tests.factories import make_point


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
