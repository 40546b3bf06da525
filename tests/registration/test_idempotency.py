"""POST …/points with an Idempotency-Key: a retry after a lost answer gets the same point and a
technician link that works, instead of a 409 that loses the one-time link."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from tests.conftest import bearer
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, VU_BAN, point_body

URL = "/api/v1/conferences/namdinh-2022/points"


def _points() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BridgePoint))


def _link_works(client, url: str) -> bool:
    return client.get(urlsplit(url).path, follow_redirects=True).status_code == 200


def test_a_retry_with_the_same_key_returns_the_same_point_and_a_working_link(client, demo):
    token = chair_token(demo, MY_LOC)
    headers = {**bearer(token), "Idempotency-Key": "5f0c7a52-3d1e-4b8e-9d3c-1c2b3a4d5e6f"}
    existing = _points()
    first = client.post(URL, json=point_body(MY_LOC), headers=headers)
    assert first.status_code == 201
    # The answer was lost on the way (a worker killed after the commit): the client retries.
    retry = client.post(URL, json=point_body(MY_LOC), headers=headers)
    assert retry.status_code == 200
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert retry.headers["Location"] == first.headers["Location"]
    assert _points() == existing + 1
    assert _link_works(client, retry.get_json()["technician_url"])


def test_without_a_key_a_second_post_is_still_a_conflict(client, demo):
    token = chair_token(demo, MY_LOC)
    assert client.post(URL, json=point_body(MY_LOC), headers=bearer(token)).status_code == 201
    again = client.post(URL, json=point_body(MY_LOC), headers=bearer(token))
    assert again.status_code == 409


def test_a_key_answers_only_its_own_sender(client, demo, officer_token):
    key = {"Idempotency-Key": "shared-key"}
    existing = _points()
    chair = chair_token(demo, MY_LOC)
    assert client.post(URL, json=point_body(MY_LOC), headers={**bearer(chair), **key}).status_code == 201
    # The officer's request with the same key is a different request: it gets its own answer.
    other = client.post(URL, json=point_body(MY_LOC), headers={**bearer(officer_token), **key})
    assert other.status_code == 409
    fresh = client.post(URL, json=point_body(VU_BAN), headers={**bearer(officer_token), **key})
    assert fresh.status_code == 201 and _points() == existing + 2


def test_a_bad_key_is_a_422_with_the_field_named(client, demo):
    token = chair_token(demo, MY_LOC)
    existing = _points()
    response = client.post(
        URL, json=point_body(MY_LOC), headers={**bearer(token), "Idempotency-Key": "x" * 201}
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert _points() == existing
