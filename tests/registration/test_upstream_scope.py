"""A point's upstream (issue 14, row 8): only the point of an ancestor unit in the caller's
scope; no cycles; the same answer for an id that does not exist and one that is not hers."""

from __future__ import annotations

from tests.conftest import bearer
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, VU_BAN, commune_of, point_body


def _create(client, token: str, unit: str) -> dict:
    response = client.post(
        "/api/v1/conferences/namdinh-2022/points", json=point_body(unit), headers=bearer(token)
    )
    assert response.status_code == 201, response.get_json()
    return {**response.get_json(), "etag": response.headers["ETag"]}


def _set_upstream(client, token: str, point: dict, upstream: int):
    current = client.get(f"/api/v1/points/{point['id']}", headers=bearer(token))
    return client.patch(
        f"/api/v1/points/{point['id']}",
        json={"upstream": upstream},
        headers={**bearer(token), "If-Match": current.headers["ETag"]},
    )


def test_upstream_must_be_an_ancestor_in_scope(client, demo, officer_token):
    chair = chair_token(demo, MY_LOC)
    district = _create(client, chair, MY_LOC)
    commune = _create(client, chair, commune_of(MY_LOC))
    other_commune = _create(client, chair, commune_of(MY_LOC, 1))
    elsewhere = _create(client, officer_token, VU_BAN)

    other_district = _set_upstream(client, chair, commune, elsewhere["id"])
    missing = _set_upstream(client, chair, commune, 2_000_000)
    assert other_district.status_code == missing.status_code == 422
    assert other_district.get_json() == missing.get_json()  # nothing tells which ids exist

    cycle = _set_upstream(client, chair, district, commune["id"])
    sibling = _set_upstream(client, chair, commune, other_commune["id"])
    assert cycle.status_code == sibling.status_code == 422
    assert "upstream" in cycle.get_json()["errors"]

    ok = _set_upstream(client, chair, commune, district["id"])
    assert ok.status_code == 200
    assert (
        client.get(f"/api/v1/points/{district['id']}", headers=bearer(chair)).get_json()["version"]
        == district["version"]
    )
