"""A national conference's return pages go province by province, as the board does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bridgeops.conference.models import Conference, DelegateCategory
from bridgeops.extensions import db
from bridgeops.units import service as units
from bridgeops.units.models import AdminUnit
from tests.factories import make_point


@pytest.fixture
def national(app, officer) -> Conference:
    """Nam Định and Hà Nam on one national conference, with points in both."""
    units.import_units(units.gso_rows(["35", "36"]))
    conference = Conference(
        slug="toan-quoc",
        title="Hội nghị toàn quốc",
        host_unit_code=None,
        host_name="Trung ương Hội LHPN Việt Nam",
    )
    conference.categories = [
        DelegateCategory(code="bch", label="Ủy viên BCH", levels_csv="province,district,commune")
    ]
    db.session.add(conference)
    db.session.flush()
    make_point(
        conference,
        "36",
        status="confirmed",
        venue="Phòng họp Tầng 3 Tỉnh ủy",
        counts={"bch": 40},
        chair=("Trần Thị Bình", "+84912345678"),
    )
    make_point(conference, "358", status="confirmed", venue="Hội trường Mỹ Lộc", counts={"bch": 25})
    make_point(conference, "35", status="draft", venue="Hội trường Hà Nam", counts={"bch": 30})
    db.session.commit()
    return conference


def login(client, officer) -> None:
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})


def test_national_dashboard_lists_provinces_and_opens_one(client, officer, national):
    login(client, officer)
    page = client.get("/conferences/toan-quoc/return").get_data(as_text=True)
    assert "Theo tỉnh" in page and "Tỉnh đã hoàn thành" in page
    assert "Tỉnh Nam Định" in page and "Tỉnh Hà Nam" in page
    assert "Huyện Mỹ Lộc" not in page and "Huyện Vụ Bản" not in page
    assert 'href="/conferences/toan-quoc/return?province=36"' in page
    nam_dinh_units = db.session.scalar(
        sa.select(sa.func.count()).select_from(AdminUnit).where(AdminUnit.province_code == "36")
    )
    assert f"2/{nam_dinh_units}" in page  # every unit of the province, not only those registered

    one = client.get("/conferences/toan-quoc/return?province=36").get_data(as_text=True)
    assert "Theo huyện" in one and "Huyện Mỹ Lộc" in one and "Huyện Vụ Bản" in one
    assert "Tỉnh Hà Nam" not in one
    assert client.get("/conferences/toan-quoc/return?province=99").status_code == 404


def test_national_print_has_a_line_per_province_and_one_province_in_full(client, officer, national):
    login(client, officer)
    page = client.get("/conferences/toan-quoc/return/print").get_data(as_text=True)
    assert "Cộng Tỉnh Nam Định" in page and "Cộng Tỉnh Hà Nam" in page
    assert "Cộng Huyện Mỹ Lộc" not in page and "Hội trường Mỹ Lộc" not in page
    assert "TỔNG CỘNG" in page

    one = client.get("/conferences/toan-quoc/return/print?province=36").get_data(as_text=True)
    assert "Hội trường Mỹ Lộc" in one and "Cộng Huyện Mỹ Lộc" in one
    assert "Hội trường Hà Nam" not in one


def test_a_province_conference_still_lists_its_districts(client, officer, demo):
    make_point(demo, "358", status="confirmed", counts={"bch": 25})
    db.session.commit()
    login(client, officer)
    page = client.get("/conferences/namdinh-2022/return").get_data(as_text=True)
    assert "Theo huyện" in page and "Huyện Mỹ Lộc" in page and "?province=" not in page
