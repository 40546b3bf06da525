import hashlib
import json

from bridgeops.extensions import db
from bridgeops.registration.service import point_for_unit
from bridgeops.returns import service
from bridgeops.returns.models import ReturnSnapshot
from bridgeops.returns.schemas import SnapshotDetailOut
from tests.conftest import bearer
from tests.factories import make_point, set_counts

BASE = "/api/v1/conferences/namdinh-2022/return"


def test_same_data_gives_the_same_hash_and_a_change_gives_another(nam_dinh):
    first = service.freeze(nam_dinh.conference, "officer:a@x.test")
    second = service.freeze(nam_dinh.conference, "officer:b@x.test")
    assert first.id != second.id
    assert first.sha256 == second.sha256
    assert first.payload == second.payload
    assert hashlib.sha256(first.payload.encode()).hexdigest() == first.sha256
    set_counts(point_for_unit(nam_dinh.conference, "359"), {"bch": 22})
    third = service.freeze(nam_dinh.conference, "officer:a@x.test")
    assert third.sha256 != first.sha256


def test_snapshot_payload_is_canonical_json_without_timestamps(nam_dinh):
    snapshot = service.freeze(nam_dinh.conference, "cli")
    document = json.loads(snapshot.payload)
    assert snapshot.payload == json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "generated_at" not in snapshot.payload and "created_at" not in snapshot.payload
    assert "Huyện Mỹ Lộc" in snapshot.payload  # real UTF-8, not \\u escapes


def test_api_freezes_lists_shows_and_diffs_snapshots(client, nam_dinh, officer_token):
    created = client.post(f"{BASE}/snapshots", headers=bearer(officer_token))
    assert created.status_code == 201
    first = created.get_json()
    assert set(first) >= {"id", "sha256", "created_at", "totals"}
    assert first["totals"]["confirmed"]["delegates"] == nam_dinh.expected_confirmed
    assert created.headers["Location"].endswith(f"/return/snapshots/{first['id']}")
    assert first["created_by"] == "officer:officer@hoiphunu.test"

    point = point_for_unit(nam_dinh.conference, "359")
    set_counts(point, {"bch": 24}, status="confirmed")
    make_point(nam_dinh.conference, "13744", status="draft", counts={"bch": 3})
    db.session.commit()
    second = client.post(f"{BASE}/snapshots", headers=bearer(officer_token)).get_json()
    assert second["sha256"] != first["sha256"]

    listing = client.get(f"{BASE}/snapshots", headers=bearer(officer_token)).get_json()
    assert listing["total"] == 2 and listing["items"][0]["id"] == second["id"]
    detail = client.get(f"{BASE}/snapshots/{first['id']}", headers=bearer(officer_token)).get_json()
    assert detail["document"]["schema"] == "bridgeops.return/v1" and detail["attempts"] == []
    SnapshotDetailOut.model_validate(detail)

    diff = client.get(
        f"{BASE}/snapshots/{second['id']}/diff?against={first['id']}", headers=bearer(officer_token)
    ).get_json()
    assert not diff["identical"]
    changes = {p["unit_code"]: p for p in diff["points"]}
    assert set(changes) == {"359", "13744"}
    assert changes["359"]["status_before"] == "draft" and changes["359"]["status_after"] == "confirmed"
    assert changes["359"]["counts"]["bch"] == {"before": 21, "after": 24, "change": 3}
    assert changes["13744"]["kind"] == "added"
    assert diff["confirmed"]["points"]["change"] == 1
    assert diff["confirmed"]["delegates"]["change"] == 24 + 5 + 14
    assert diff["registered"]["delegates"]["change"] == 3 + 3


def test_diff_of_identical_snapshots_says_nothing_changed(client, nam_dinh, officer):
    older = service.freeze(nam_dinh.conference, "cli")
    newer = service.freeze(nam_dinh.conference, "cli")
    db.session.commit()
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get(
        f"/conferences/namdinh-2022/return/snapshots/{newer.id}/diff?against={older.id}"
    ).get_data(as_text=True)
    assert "Không có thay đổi" in page


def test_diff_page_shows_per_point_and_category_changes(client, nam_dinh, officer):
    older = service.freeze(nam_dinh.conference, "cli")
    set_counts(point_for_unit(nam_dinh.conference, "358"), {"chi_hoi_truong": 27})
    newer = service.freeze(nam_dinh.conference, "cli")
    db.session.commit()
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get(
        f"/conferences/namdinh-2022/return/snapshots/{newer.id}/diff?against={older.id}"
    ).get_data(as_text=True)
    assert "Huyện Mỹ Lộc" in page and "Chi trưởng chi hội phụ nữ" in page
    assert "30 → 27" in page and "(-3)" in page


def test_officer_freezes_from_the_page_and_sees_the_list(client, nam_dinh, officer):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    response = client.post("/conferences/namdinh-2022/return/snapshots", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Đã chốt số liệu" in page
    snapshot = db.session.scalar(db.select(ReturnSnapshot))
    assert snapshot.sha256 in page and snapshot.created_by == "officer:officer@hoiphunu.test"
    listing = client.get("/conferences/namdinh-2022/return/snapshots").get_data(as_text=True)
    assert f"#{snapshot.id}" in listing and snapshot.sha256[:16] in listing
    printed = client.get(f"/conferences/namdinh-2022/return/snapshots/{snapshot.id}/print")
    assert f"Bản chốt số {snapshot.id}" in printed.get_data(as_text=True)


def test_cli_snapshot_prints_id_and_hash(runner, nam_dinh):
    result = runner.invoke(args=["return", "snapshot", "--conference", "namdinh-2022"])
    assert result.exit_code == 0, result.output
    snapshot_id, sha = result.output.strip().split("\t")
    assert db.session.get(ReturnSnapshot, int(snapshot_id)).sha256 == sha


def test_snapshot_of_another_conference_is_not_found(client, nam_dinh, two_level, officer_token):
    other = service.freeze(two_level, "cli")
    db.session.commit()
    response = client.get(f"{BASE}/snapshots/{other.id}", headers=bearer(officer_token))
    assert response.status_code == 404


def test_a_snapshot_file_keeps_the_frozen_figures_after_the_data_moves_on(client, nam_dinh, officer):
    snapshot = service.freeze(nam_dinh.conference, "cli")
    set_counts(point_for_unit(nam_dinh.conference, "358"), {"bch": 99})
    db.session.commit()
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    frozen = client.get(f"/conferences/namdinh-2022/return/snapshots/{snapshot.id}/file.csv")
    assert frozen.status_code == 200 and frozen.data.startswith(b"\xef\xbb\xbf")
    frozen_total = frozen.data.decode("utf-8-sig").splitlines()[-1].split(",")[-1]
    assert int(frozen_total) == nam_dinh.expected_confirmed + nam_dinh.expected_draft
    live = service.export(nam_dinh.conference, "csv").content.decode("utf-8-sig")
    assert int(live.splitlines()[-1].split(",")[-1]) == int(frozen_total) + 99 - 25


def test_freezing_is_audited(nam_dinh):
    from bridgeops.audit.models import AuditEvent

    snapshot = service.freeze(nam_dinh.conference, "officer:a@x.test")
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.entity == "return_snapshot"))
    assert (event.actor, event.entity_id, event.action) == ("officer:a@x.test", snapshot.id, "freeze")
    assert event.after["sha256"] == snapshot.sha256
