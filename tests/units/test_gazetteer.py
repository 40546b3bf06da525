import json

import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.units import service
from bridgeops.units.models import AdminUnit
from tests.conftest import bearer


def test_whole_country_loads_with_the_2023_gso_counts(runner):
    result = runner.invoke(args=["units", "import"])
    assert result.exit_code == 0, result.output
    assert service.count_by_level() == {"province": 63, "district": 705, "commune": 10598}


def test_nam_dinh_has_ten_districts_including_my_loc_and_226_communes(runner):
    runner.invoke(args=["units", "import", "--province", "36"])
    districts = service.children("36")
    assert len(districts) == 10
    assert "Huyện Mỹ Lộc" in [d.name for d in districts]
    assert service.count_by_level("36") == {"province": 1, "district": 10, "commune": 226}


def test_import_is_idempotent(runner):
    first = runner.invoke(args=["units", "import", "--province", "36", "--province", "01"])
    second = runner.invoke(args=["units", "import", "--province", "36", "--province", "01"])
    assert "0 mới, 0 cập nhật" in second.output
    assert first.output != second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdminUnit)) == sum(
        service.count_by_level().values()
    )


def test_gso_codes_are_zero_padded_by_level(runner):
    runner.invoke(args=["units", "import", "--province", "1"])
    hanoi = db.session.get(AdminUnit, "01")
    assert hanoi is not None and hanoi.level == "province"
    ba_dinh = db.session.get(AdminUnit, "001")
    assert ba_dinh.parent_code == "01" and ba_dinh.province_code == "01"


def test_a_two_level_country_loads_from_a_csv_file(runner, tmp_path):
    path = tmp_path / "units-2025.csv"
    path.write_text(
        "code,name,kind,parent_code\n"
        "31,Thành phố Hải Phòng,thành phố trung ương,\n"
        "11311,Phường Hồng Bàng,phường,31\n"
        "11312,Xã Bạch Long Vĩ,đặc khu,31\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["units", "import", "--file", str(path)])
    assert result.exit_code == 0, result.output
    commune = db.session.get(AdminUnit, "11311")
    assert commune.level == "commune" and commune.parent_code == "31"
    assert commune.province_code == "31"
    assert [u.code for u in service.children("31")] == ["11311", "11312"]


def test_a_file_with_an_unknown_kind_is_refused_with_a_message(runner, tmp_path):
    path = tmp_path / "units.json"
    path.write_text(json.dumps([{"code": "99", "name": "Vùng X", "kind": "khu vực"}]), encoding="utf-8")
    result = runner.invoke(args=["units", "import", "--file", str(path)])
    assert result.exit_code != 0
    assert "khu vực" in result.output
    assert db.session.get(AdminUnit, "99") is None


def test_search_folds_diacritics(runner):
    runner.invoke(args=["units", "import", "--province", "36"])
    names = [u.name for u in service.search("my loc")]
    assert "Huyện Mỹ Lộc" in names
    assert [u.name for u in service.search("nam dinh")][0].endswith("Nam Định")


def test_units_api_lists_children(client, demo, officer_token):
    response = client.get("/api/v1/units?parent=36", headers=bearer(officer_token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 10
    assert {
        "code": "358",
        "gso_code": "358",
        "map": "2023",
        "name": "Huyện Mỹ Lộc",
        "kind": "huyện",
        "level": "district",
        "parent_code": "36",
    } in body["items"]


def test_units_api_needs_a_token(client, demo):
    response = client.get("/api/v1/units?parent=36")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_units_api_answers_junk_and_unknown_parents_with_problems(client, demo, officer_token):
    junk = client.get("/api/v1/units?parent=abc'--", headers=bearer(officer_token))
    assert junk.status_code == 422
    assert junk.mimetype == "application/problem+json"
    assert "parent" in junk.get_json()["errors"]
    unknown = client.get("/api/v1/units?parent=999999", headers=bearer(officer_token))
    assert unknown.status_code == 404
    assert unknown.get_json()["status"] == 404
