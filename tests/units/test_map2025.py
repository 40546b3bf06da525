"""The 2025 two-level map beside the 2023 one, and where Nam Định's units went."""

from __future__ import annotations

import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.units import service
from bridgeops.units.models import AdminUnit
from bridgeops.units.reform import place_units
from tests.conftest import bearer


def _province_names(unit_map: str) -> set[str]:
    return set(
        db.session.scalars(
            sa.select(AdminUnit.name).where(AdminUnit.map == unit_map, AdminUnit.level == "province")
        )
    )


def test_the_2025_map_loads_34_provinces_and_3321_communes_beside_the_2023_map(runner):
    assert runner.invoke(args=["units", "import"]).exit_code == 0
    result = runner.invoke(args=["units", "import", "--map", "2025"])
    assert result.exit_code == 0, result.output
    assert "3.355 mới" in result.output or "3355 mới" in result.output

    assert service.count_by_level(unit_map="2025") == {"province": 34, "commune": 3321}
    assert service.count_by_level() == {"province": 63, "district": 705, "commune": 10598}
    assert "Tỉnh Nam Định" in _province_names("2023")
    assert "Tỉnh Nam Định" not in _province_names("2025")
    assert "Tỉnh Ninh Bình" in _province_names("2025")

    again = runner.invoke(args=["units", "import", "--map", "2025"])
    assert "0 mới, 0 cập nhật" in again.output


def test_a_code_means_a_different_unit_on_each_map(runner):
    runner.invoke(args=["units", "import", "--province", "37"])
    runner.invoke(args=["units", "import", "--map", "2025", "--province", "37"])
    old, new = service.get_unit("37", "2023"), service.get_unit("37", "2025")
    assert (old.code, old.gso_code, old.map) == ("37", "37", "2023")
    assert (new.code, new.gso_code, new.map) == ("202537", "37", "2025")
    assert {u.level for u in service.children(old.code)} == {"district"}
    assert {u.level for u in service.children(new.code)} == {"commune"}
    assert service.count_by_level(new.code) == {"province": 1, "commune": 129}
    # A commune that kept its old code is two units, one per map.
    assert service.get_unit("13366", "2025").parent_code == "202537"


def test_units_api_answers_for_the_map_asked(client, runner, officer_token):
    runner.invoke(args=["units", "import", "--province", "37"])
    runner.invoke(args=["units", "import", "--map", "2025", "--province", "37"])

    provinces = client.get("/api/v1/units?map=2025", headers=bearer(officer_token)).get_json()
    assert [(u["code"], u["gso_code"], u["map"], u["name"]) for u in provinces["items"]] == [
        ("202537", "37", "2025", "Tỉnh Ninh Bình")
    ]

    communes = client.get("/api/v1/units?map=2025&parent=37", headers=bearer(officer_token))
    body = communes.get_json()
    assert communes.status_code == 200 and body["total"] == 129
    assert {(u["level"], u["parent_code"], u["map"]) for u in body["items"]} == {
        ("commune", "202537", "2025")
    }
    by_key = client.get("/api/v1/units?map=2025&parent=202537", headers=bearer(officer_token))
    assert by_key.get_json()["total"] == 129

    old = client.get("/api/v1/units?parent=37", headers=bearer(officer_token)).get_json()
    assert {u["level"] for u in old["items"]} == {"district"}

    wrong = client.get("/api/v1/units?map=2019", headers=bearer(officer_token))
    assert wrong.status_code == 422 and "map" in wrong.get_json()["errors"]


def test_nam_dinh_units_of_2023_land_on_ninh_binh_communes_of_2025(runner):
    runner.invoke(args=["units", "import", "--province", "36"])
    runner.invoke(args=["units", "import", "--map", "2025", "--province", "37"])
    units = {
        u.code: u
        for u in db.session.scalars(sa.select(AdminUnit).where(AdminUnit.province_code.in_(["36", "202537"])))
    }
    nam_dinh = [code for code, u in units.items() if u.province_code == "36"]
    assert len(nam_dinh) == 237

    placement = place_units(nam_dinh, "2023", "2025")

    assert len(placement.target) == 227
    assert sorted(units[c].level for c in placement.unplaced) == ["district"] * 10
    assert placement.target["36"] == "202537"
    assert {units[new].province_code for new in placement.target.values()} == {"202537"}
    assert {units[new].level for code, new in placement.target.items() if code != "36"} == {"commune"}
    by_name = {
        units[c].name: units[placement.target[c]].name
        for c in placement.target
        if units[c].level == "commune"
    }
    # Mỹ Hà (Mỹ Lộc) went into the new ward of Đông A by the package's correspondence; Vị
    # Xuyên merged in 2025 before the reform, took a new code, and is found by its name.
    assert by_name["Xã Mỹ Hà"] == "Phường Đông A"
    assert units[placement.target["13642"]].name == "Phường Nam Định"
    assert len(set(placement.target.values())) == 58  # merged: one new commune, several old


def test_placement_on_the_same_map_is_the_identity_and_backwards_places_nothing(runner):
    runner.invoke(args=["units", "import", "--province", "36"])
    assert place_units(["36", "358"], "2023", "2023").target == {"36": "36", "358": "358"}
    assert place_units(["202537"], "2025", "2023").unplaced == ["202537"]


def test_placement_needs_the_target_map_loaded(runner):
    runner.invoke(args=["units", "import", "--province", "36"])
    placement = place_units(["36", "13642"], "2023", "2025")
    assert placement.target == {} and placement.unplaced == ["36", "13642"]
