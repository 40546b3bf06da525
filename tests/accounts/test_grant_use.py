"""Links and tokens record when they were last used (at most every five minutes), and the
officer sees it where the links are listed: "Lần mở gần nhất", or "chưa mở"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bridgeops.accounts import service as accounts
from bridgeops.accounts.models import AccessGrant, GrantKind
from bridgeops.accounts.tokens import hash_token
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.invites import links
from tests.conftest import bearer
from tests.factories import chair_token, make_point
from tests.health.conftest import DISTRICT, technician_token
from tests.registration.helpers import MY_LOC

LAST_OPENED = re.compile(r"Lần mở gần nhất: \d{2}:\d{2} ngày \d{1,2}/\d{1,2}/\d{4}")


def grant_of(token: str) -> AccessGrant:
    db.session.expire_all()
    return db.session.scalar(sa.select(AccessGrant).where(AccessGrant.token_hash == hash_token(token)))


def sign_in(client, officer) -> None:
    response = client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    assert response.status_code == 302


def test_the_chair_links_page_shows_when_each_link_was_last_opened(app, client, demo, officer):
    token = chair_token(demo, MY_LOC)
    sign_in(client, officer)
    page = client.get("/conferences/namdinh-2022/links").get_data(as_text=True)
    assert "Lần mở gần nhất: chưa mở" in page and not LAST_OPENED.search(page)

    chair = app.test_client()
    assert chair.get(f"/c/{token}").status_code == 302
    assert grant_of(token).last_used_at is not None

    page = client.get("/conferences/namdinh-2022/links").get_data(as_text=True)
    assert LAST_OPENED.search(page) and "chưa mở" not in page


def test_the_point_page_shows_the_officer_when_each_technician_link_was_last_opened(
    app, client, demo, officer
):
    point = make_point(demo, DISTRICT, technicians=(("Trần Văn Kỹ", "+84912345678", "ky@example.vn"),))
    own = links.technician_token(point.technicians[0])
    db.session.commit()
    sign_in(client, officer)
    page = client.get(f"/points/{point.id}").get_data(as_text=True)
    assert "Trần Văn Kỹ · Đường dẫn riêng trong thư mời" in page
    assert "Lần mở gần nhất: chưa mở" in page and not LAST_OPENED.search(page)

    assert app.test_client().get(f"/t/{own}").status_code == 200
    page = client.get(f"/points/{point.id}").get_data(as_text=True)
    assert LAST_OPENED.search(page) and "chưa mở" not in page


def test_a_chair_does_not_see_the_technician_links_of_her_points(app, demo):
    point = make_point(demo, DISTRICT, technicians=(("Trần Văn Kỹ", "+84912345678", "ky@example.vn"),))
    links.technician_token(point.technicians[0])
    token = chair_token(demo, MY_LOC)
    chair = app.test_client()
    chair.get(f"/c/{token}")
    page = chair.get(f"/points/{point.id}").get_data(as_text=True)
    assert "Lần mở gần nhất" not in page


def test_a_use_is_recorded_only_when_the_last_one_is_five_minutes_old(client, demo):
    point = make_point(demo, DISTRICT)
    token = technician_token(point)
    db.session.commit()
    assert grant_of(token).last_used_at is None
    assert client.post("/api/v1/heartbeat", headers=bearer(token)).status_code == 204
    first = grant_of(token).last_used_at
    assert first is not None

    recent = utcnow() - timedelta(minutes=4)
    grant_of(token).last_used_at = recent
    db.session.commit()
    client.post("/api/v1/heartbeat", headers=bearer(token))
    assert grant_of(token).last_used_at == recent  # throttled: nothing written

    stale = utcnow() - timedelta(minutes=6)
    grant_of(token).last_used_at = stale
    db.session.commit()
    client.post("/api/v1/heartbeat", headers=bearer(token))
    assert grant_of(token).last_used_at > recent


@pytest.mark.parametrize("path", ["/api/v1/conferences", "/calendar/{token}.ics"])
def test_api_and_feed_tokens_record_their_use(client, demo, officer, path):
    issued = accounts.create_api_token(officer.email, feed="calendar" in path)
    db.session.commit()
    assert client.get(path.format(token=issued.token), headers=bearer(issued.token)).status_code == 200
    assert grant_of(issued.token).last_used_at is not None


def test_a_refused_token_records_nothing(client, demo, officer):
    issued = accounts.create_api_token(officer.email, feed=True)
    db.session.commit()
    assert client.get("/api/v1/conferences", headers=bearer(issued.token)).status_code == 401
    assert grant_of(issued.token).last_used_at is None


def test_a_technicians_own_link_is_told_apart_by_its_kind_not_its_label(client, demo, officer):
    point = make_point(demo, DISTRICT, technicians=(("Trần Văn Kỹ", "+84912345678", "ky@example.vn"),))
    own = links.technician_token(point.technicians[0])
    issued = accounts.issue_grant("technician", point_id=point.id, conference_id=demo.id, label="invite:x")
    db.session.commit()
    grant = grant_of(own)
    assert grant.kind == GrantKind.INVITE and grant.nonce and grant.nonce not in grant.label
    assert grant.label == "Kỹ thuật viên Trần Văn Kỹ (đường dẫn trong thư mời)"
    # The same link is printed again, from the nonce column.
    assert links.technician_token(point.technicians[0]) == own
    # An issued grant whose label happens to start with "invite:" is an issued grant.
    assert grant_of(issued.token).kind == GrantKind.ISSUED
    sign_in(client, officer)
    assert client.post(f"/points/{point.id}/technician-link").status_code == 200
    assert grant_of(issued.token).revoked_at is not None
    assert grant_of(own).revoked_at is None
