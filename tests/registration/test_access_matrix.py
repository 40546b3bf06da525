"""Every registration endpoint × anonymous, chair A, chair B, technician of A's point, officer.

Chair A runs Huyện Mỹ Lộc, where the point under test is; chair B runs Huyện Vụ Bản.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from bridgeops.accounts import access
from bridgeops.accounts.access import Principal
from bridgeops.accounts.models import AccessGrant
from bridgeops.accounts.tokens import hash_token
from bridgeops.extensions import db
from bridgeops.registration import service
from bridgeops.registration.models import BridgePoint
from bridgeops.registration.schemas import PointIn
from tests.conftest import bearer
from tests.factories import chair_token
from tests.registration.helpers import MY_LOC, VU_BAN, commune_of, point_body

WHO = ("anonymous", "chair_a", "chair_b", "technician", "officer")


@dataclass
class World:
    point_id: int
    version: int
    commune: str
    tokens: dict[str, str | None]


@pytest.fixture
def world(demo, officer, officer_token) -> World:
    actor = Principal(kind="officer", user=officer)
    created = service.create_point(demo, PointIn(**point_body(MY_LOC)), actor)
    db.session.commit()
    return World(
        point_id=created.point.id,
        version=created.point.version,
        commune=commune_of(MY_LOC, 1),
        tokens={
            "anonymous": None,
            "chair_a": chair_token(demo, MY_LOC),
            "chair_b": chair_token(demo, VU_BAN),
            "technician": created.technician_url.rsplit("/", 1)[-1],
            "officer": officer_token,
        },
    )


def _headers(world: World, who: str, **extra) -> dict[str, str]:
    token = world.tokens[who]
    return {**(bearer(token) if token else {}), **extra}


# --- API ---------------------------------------------------------------------------------------

API = {
    "list": ("GET", "/api/v1/conferences/namdinh-2022/points", None, [401, 200, 200, 200, 200]),
    "create": ("POST", "/api/v1/conferences/namdinh-2022/points", "commune", [401, 201, 403, 403, 201]),
    "read": ("GET", "/api/v1/points/{id}", None, [401, 200, 404, 200, 200]),
    "patch": ("PATCH", "/api/v1/points/{id}", {"venue": "Phòng họp mới"}, [401, 200, 404, 403, 200]),
    "confirm": ("POST", "/api/v1/points/{id}/confirm", None, [401, 200, 404, 403, 200]),
    "technician_link": ("POST", "/api/v1/points/{id}/technician-link", None, [401, 200, 404, 403, 200]),
    "withdraw": ("DELETE", "/api/v1/points/{id}", None, [401, 200, 404, 403, 200]),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(API))
def test_api_endpoint_obeys_the_scope_rule(client, world, endpoint, who):
    method, path, body, expected = API[endpoint]
    path = path.format(id=world.point_id)
    if body == "commune":
        body = point_body(world.commune)
    headers = _headers(world, who, **({"If-Match": f'"{world.version}"'} if method == "PATCH" else {}))
    before = db.session.get(BridgePoint, world.point_id).version
    db.session.rollback()
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == expected[WHO.index(who)], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
        db.session.expire_all()
        assert db.session.get(BridgePoint, world.point_id).version == before


@pytest.mark.parametrize("who", WHO[1:])
def test_api_list_holds_only_points_in_scope(client, world, who):
    items = client.get("/api/v1/conferences/namdinh-2022/points", headers=_headers(world, who)).get_json()[
        "items"
    ]
    units = {item["unit"]["code"] for item in items}
    expected = {"chair_a": {MY_LOC}, "chair_b": set(), "technician": {MY_LOC}, "officer": {MY_LOC, "36"}}[who]
    assert units == expected


# --- Pages -------------------------------------------------------------------------------------

PAGES = {
    "home": ("GET", "/conferences/namdinh-2022/registration", None, [302, 200, 200, 302, 302]),
    "list": ("GET", "/conferences/namdinh-2022/points", None, [302, 200, 200, 200, 200]),
    "new_form": (
        "GET",
        "/conferences/namdinh-2022/points/new?unit={commune}",
        None,
        [302, 200, 403, 403, 200],
    ),
    "new_submit": (
        "POST",
        "/conferences/namdinh-2022/points/new?unit={commune}",
        "form",
        [302, 200, 403, 403, 200],
    ),
    "point": ("GET", "/points/{id}", None, [302, 200, 404, 200, 200]),
    "edit": ("POST", "/points/{id}", "form", [302, 302, 404, 403, 302]),
    "confirm": ("POST", "/points/{id}/confirm", {}, [302, 302, 404, 403, 302]),
    "withdraw": ("POST", "/points/{id}/withdraw", {}, [302, 302, 404, 403, 302]),
    "technician_link": ("POST", "/points/{id}/technician-link", {}, [302, 200, 404, 403, 200]),
    "history": ("GET", "/points/{id}/history", None, [302, 403, 403, 403, 200]),
    "links": ("GET", "/conferences/namdinh-2022/links", None, [302, 403, 403, 403, 200]),
    "links_issue": ("POST", "/conferences/namdinh-2022/links", {"unit": MY_LOC}, [302, 403, 403, 403, 200]),
}

FORM = {
    "venue": "Hội trường",
    "capacity": "50",
    "count_bch": "4",
    "technician_rows": "2",
    "technician_0_name": "Kỹ thuật viên",
    "technician_0_phone": "0912345678",
    "technician_0_email": "",
    "technician_1_name": "",
    "technician_1_phone": "",
    "technician_1_email": "",
}


def page_client(app, world: World, who: str, officer_email: str = "officer@hoiphunu.test"):
    client = app.test_client()
    if who in ("chair_a", "chair_b"):
        assert client.get(f"/c/{world.tokens[who]}").status_code == 302
    elif who == "technician":
        grant = db.session.scalar(
            sa.select(AccessGrant).where(AccessGrant.token_hash == hash_token(world.tokens[who]))
        )
        with client.session_transaction() as session:
            session[access.SESSION_GRANT_KEY] = grant.id
    elif who == "officer":
        client.post("/login", data={"email": officer_email, "password": "mat-khau-123"})
    return client


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_page_obeys_the_scope_rule(app, world, page, who):
    method, path, data, expected = PAGES[page]
    path = path.format(id=world.point_id, commune=world.commune)
    if data == "form":
        data = {**FORM, "version": str(world.version)}
    client = page_client(app, world, who)
    response = client.open(path, method=method, data=data)
    assert response.status_code == expected[WHO.index(who)], response.get_data(as_text=True)[:2000]
    if who == "anonymous":
        assert "/login" in response.headers["Location"]
