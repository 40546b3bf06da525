"""Several conferences at once: the 2022 demo beside 2027 conferences created through the page,
the API and the CLI. Each has its own chair links, points, categories, invites, return and board,
and a link of one opens nothing of another."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bridgeops.conference import service
from bridgeops.extensions import db
from bridgeops.invites.models import Invite
from bridgeops.mail.service import run_feeders
from tests.conference.conftest import conference_body
from tests.conftest import bearer

DISTRICT = "356"


def _wizard_form(slug: str) -> dict:
    """What the officer types into the set-up wizard."""
    return {
        "title": "Hội nghị tập huấn kỹ thuật điểm cầu năm 2027",
        "slug": slug,
        "organizer": "Trung ương Hội LHPN Việt Nam",
        "host_unit_code": "36",
        "host_name": "Hội LHPN tỉnh Nam Định",
        "map": "2023",
        "timezone": "Asia/Ho_Chi_Minh",
        "contact_name": "Chị Lan, Ban Tuyên giáo",
        "contact_email": "lan@hoiphunu.example.vn",
        "contact_phone": "0912 000 111",
        "registration_closes_at": "2027-05-10T17:00",
        "sessions-0-kind": "rehearsal",
        "sessions-0-title": "Tổng duyệt kết nối",
        "sessions-0-starts_at": "2027-05-12T08:30",
        "sessions-0-ends_at": "2027-05-12T10:30",
        "sessions-1-kind": "session",
        "sessions-1-title": "Tập huấn",
        "sessions-1-starts_at": "2027-05-13T08:00",
        "sessions-1-ends_at": "2027-05-13T11:30",
        "categories-0-code": "can_bo_ky_thuat",
        "categories-0-label": "Cán bộ kỹ thuật",
        "categories-0-levels": ["province", "district", "commune"],
    }


def _chair_tokens(runner, slug: str) -> dict[str, str]:
    result = runner.invoke(args=["links", "issue", "--conference", slug])
    assert result.exit_code == 0, result.output
    return {
        code: url.rsplit("/", 1)[1]
        for code, _, url in (line.split("\t") for line in result.output.strip().splitlines())
    }


def _register(client, slug: str, token: str, category: str, email: str):
    return client.post(
        f"/api/v1/conferences/{slug}/points",
        headers=bearer(token),
        json={
            "unit": DISTRICT,
            "venue": f"Hội trường ({slug})",
            "counts": {category: 7},
            "technicians": [{"name": "Nguyễn Thị Hòa", "phone": "0912 345 678", "email": email}],
        },
    )


def test_four_conferences_run_side_by_side(client, runner, demo, officer, officer_token, tmp_path):
    # One through the API, one through the CLI, one through the wizard page.
    api = client.post(
        "/api/v1/conferences", json=conference_body("namdinh-2027"), headers=bearer(officer_token)
    )
    assert api.status_code == 201, api.get_json()
    path = tmp_path / "cli.json"
    path.write_text(
        json.dumps(
            conference_body(
                "namdinh-2027-b",
                categories=[
                    {"code": "dai_bieu", "label": "Đại biểu", "levels": ["province", "district", "commune"]}
                ],
            )
        )
    )
    assert runner.invoke(args=["conference", "create", "--file", str(path)]).exit_code == 0
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.post("/conferences/new", data=_wizard_form("taphuan-2027"))
    assert page.status_code == 303, page.get_data(as_text=True)
    client.post("/logout")

    conferences = {
        "namdinh-2022": "bch",
        "namdinh-2027": "hoi_vien",
        "namdinh-2027-b": "dai_bieu",
        "taphuan-2027": "can_bo_ky_thuat",
    }
    tokens = {slug: _chair_tokens(runner, slug)[DISTRICT] for slug in conferences}
    assert len(set(tokens.values())) == 4
    for slug, category in conferences.items():
        response = _register(client, slug, tokens[slug], category, f"ktv@{slug}.example.vn")
        assert response.status_code == 201, (slug, response.get_json())

    # A category of another conference is refused; a chair link opens nothing elsewhere.
    wrong = _register(client, "namdinh-2027", tokens["namdinh-2027"], "bch", "x@example.vn")
    assert wrong.status_code in (409, 422)
    for slug in conferences:
        other = next(s for s in conferences if s != slug)
        points = client.get(f"/api/v1/conferences/{other}/points", headers=bearer(tokens[slug]))
        assert points.status_code in (403, 404)
        assert client.get(f"/api/v1/conferences/{other}", headers=bearer(tokens[slug])).status_code in (
            403,
            404,
        )
        assert _register(client, other, tokens[slug], conferences[other], "y@example.vn").status_code in (
            403,
            404,
        )

    # Invites (queued by the outbox job after the registrations): each conference's technician
    # for its own sessions, no two UIDs alike.
    run_feeders()
    invites = list(db.session.scalars(sa.select(Invite)))
    assert len({i.uid for i in invites}) == len(invites)
    for slug in conferences:
        conference = service.get_conference(slug)
        own = [i for i in invites if i.email == f"ktv@{slug}.example.vn"]
        live = [s for s in conference.sessions if s.cancelled_at is None]
        assert {i.session_id for i in own} == {s.id for s in live}

    # Return and board: each counts its own point only.
    for slug, category in conferences.items():
        rollup = client.get(f"/api/v1/conferences/{slug}/return", headers=bearer(officer_token))
        assert rollup.status_code == 200
        body = rollup.get_json()
        assert body["conference"]["slug"] == slug
        assert body["totals"]["registered"]["delegates"] == 7
        assert [c["code"] for c in body["categories"]].count(category) == 1
        status = client.get(f"/api/v1/conferences/{slug}/status", headers=bearer(officer_token))
        expected_points = 2 if slug == "namdinh-2022" else 1  # the demo has its province point
        assert status.get_json()["total"] == expected_points

    # The officer's home lists all four with their state.
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    home = client.get("/").get_data(as_text=True)
    for slug in conferences:
        assert f'data-slug="{slug}"' in home
    assert "Đã diễn ra" in home and "Sắp diễn ra" in home
    assert "1/10 đơn vị đã đăng ký" in home


def test_a_chair_link_opens_no_page_or_feed_of_another_conference(client, runner, demo, officer_token):
    created = client.post(
        "/api/v1/conferences", json=conference_body("namdinh-2027"), headers=bearer(officer_token)
    )
    assert created.status_code == 201
    token = _chair_tokens(runner, "namdinh-2027")[DISTRICT]
    opened = client.get(f"/c/{token}")
    assert opened.headers["Location"].endswith("/conferences/namdinh-2027/registration")
    assert client.get("/conferences/namdinh-2027/registration").status_code == 200
    for path in (
        "/conferences/namdinh-2022/registration",
        "/conferences/namdinh-2022/points",
        "/conferences/namdinh-2022/board",
        "/conferences/namdinh-2022/points/new",
    ):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert demo.title not in response.get_data(as_text=True)
    feed = client.get(f"/calendar/{token}.ics").get_data(as_text=True)
    assert "Tổng duyệt kết nối" in feed or "BEGIN:VCALENDAR" in feed
    demo_uids = [f"session-{s.id}-" for s in demo.sessions]
    assert not any(uid in feed for uid in demo_uids)
