"""A province instance and a TW instance, each a real gunicorn with its own database."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager

import requests
import sqlalchemy as sa

from bridgeops import create_app
from bridgeops.accounts import service as accounts
from bridgeops.demo import create_demo
from bridgeops.extensions import db
from bridgeops.federation.models import FederatedReturn
from tests.conftest import bearer
from tests.factories import make_point
from tests.federation.conftest import NATIONAL_SLUG, register
from tests.live_server import gunicorn


@contextmanager
def province_database(path):
    """Nam Định's own instance database (SQLite), with a populated return and an officer;
    yields (app, url, officer token). Push ``app.app_context()`` to change its data."""
    url = f"sqlite:///{path}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "province", "SMTP_HOST": ""})
    with app.app_context():
        db.create_all()
        conference, _ = create_demo()
        make_point(
            conference,
            "36",
            status="confirmed",
            counts={"bch_tinh": 41, "chuyen_trach_tinh": 12, "chu_tich_truc_thuoc": 9},
        )
        make_point(
            conference, "358", status="confirmed", counts={"bch": 25, "chuyen_trach": 6, "chi_hoi_truong": 30}
        )
        accounts.create_user("dau-moi@namdinh.test", "Đầu mối Nam Định", "officer", "mk-123456")
        token = accounts.create_api_token("dau-moi@namdinh.test").token
        db.session.commit()
        db.session.remove()
    try:
        yield app, url, token
    finally:
        with app.app_context():
            db.engine.dispose()


def stored() -> int:
    db.session.rollback()  # see what the TW server committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(FederatedReturn))


def submitted(snapshots: str, token: str, body: dict | None = None) -> dict:
    """Freeze a report on the province instance and submit it to TW: the frozen snapshot."""
    frozen = requests.post(snapshots, json=body, headers=bearer(token), timeout=30)
    assert frozen.status_code == 201, frozen.text
    sent = requests.post(f"{snapshots}/{frozen.json()['id']}/submit", headers=bearer(token), timeout=60)
    assert sent.status_code == 200, sent.text
    assert sent.json()["accepted"] and sent.json()["attempts"][-1]["status_code"] == 201, sent.text
    return frozen.json()


def envelope(snapshot: dict) -> tuple[bytes, str]:
    """The body the province sends for a snapshot, and its Idempotency-Key."""
    body = {
        **snapshot["document"],
        "sha256": snapshot["sha256"],
        "frozen_at": snapshot["created_at"],
        "frozen_by": snapshot["created_by"],
    }
    return json.dumps(body, ensure_ascii=False).encode(), snapshot["sha256"]


def sent_as(credential: str, key: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {credential}",
        "Idempotency-Key": key,
        "Content-Type": "application/json",
    }


def test_province_freezes_and_submits_and_tw_shows_it_refusing_tamper_revoked_and_replay(
    tmp_path, database_url, runner, demo, national, officer, officer_token
):
    # TW: the test database; its officers and Nam Định's credential.
    credential = register(
        runner, "36", "--contact-name", "Nguyễn Thị Đầu Mối", "--contact-phone", "0912 345 678"
    )
    register(runner, "25", "--name", "Tỉnh Phú Thọ", "--contact-phone", "0987 654 321")
    with (
        province_database(tmp_path / "namdinh.sqlite3") as (province_app, province_url, p_token),
        gunicorn(database_url, BRIDGEOPS_WORKERS="1") as tw,
    ):
        receive_url = f"{tw.url}/api/v1/federation/conferences/{NATIONAL_SLUG}/returns"
        with gunicorn(
            province_url,
            BRIDGEOPS_WORKERS="1",
            BRIDGEOPS_TW_RETURN_URL=receive_url,
            BRIDGEOPS_TW_RETURN_TOKEN=credential,
        ) as province:
            api = f"{province.url}/api/v1/conferences/namdinh-2022/return/snapshots"
            first = requests.post(api, headers=bearer(p_token), timeout=30).json()
            sent = requests.post(f"{api}/{first['id']}/submit", json={}, headers=bearer(p_token), timeout=60)
            assert sent.status_code == 200, sent.text
            assert sent.json()["accepted"] and sent.json()["attempts"][0]["status_code"] == 201

            rollup = requests.get(
                f"{tw.url}/api/v1/federation/conferences/{NATIONAL_SLUG}/rollup",
                headers=bearer(officer_token),
                timeout=30,
            ).json()
            assert rollup["submitted"] == 1 and rollup["missing"] == ["25"]
            assert rollup["confirmed"]["delegates"] == 123 and rollup["confirmed"]["points"] == 2

            browser = requests.Session()
            form = browser.get(tw.url + "/login", timeout=10).text
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]
            login = browser.post(
                tw.url + "/login",
                timeout=10,
                allow_redirects=False,
                data={"csrf_token": csrf, "email": officer.email, "password": "mat-khau-123"},
            )
            assert login.status_code == 302
            page = browser.get(f"{tw.url}/federation/conferences/{NATIONAL_SLUG}", timeout=10)
            assert page.status_code == 200, page.text
            assert "Tỉnh Nam Định" in page.text and "Tỉnh Phú Thọ" in page.text
            assert 'href="tel:+84987654321"' in page.text

            # Tampered on the way: the province's frozen body with one count changed.
            detail = requests.get(f"{api}/{first['id']}", headers=bearer(p_token), timeout=30).json()
            body = json.dumps(
                {
                    **detail["document"],
                    "sha256": detail["sha256"],
                    "frozen_at": detail["created_at"],
                    "frozen_by": "x",
                }
            ).encode()
            tampered = body.replace(b'"bch": 25', b'"bch": 250')
            assert tampered != body
            refused = requests.post(
                receive_url,
                data=tampered,
                timeout=30,
                headers={
                    "Authorization": f"Bearer {credential}",
                    "Idempotency-Key": detail["sha256"],
                    "Content-Type": "application/json",
                },
            )
            assert refused.status_code == 422
            assert refused.headers["Content-Type"] == "application/problem+json"
            assert "sha256" in refused.json()["errors"]

            # The province registers one more point and submits again: TW supersedes.
            with province_app.app_context():
                make_point(create_demo()[0], "359", status="confirmed", counts={"bch": 21})
                db.session.commit()
            second = requests.post(api, headers=bearer(p_token), timeout=30).json()
            again = requests.post(
                f"{api}/{second['id']}/submit", json={}, headers=bearer(p_token), timeout=60
            )
            assert again.status_code == 200 and again.json()["accepted"]

            # A replay of the first, superseded submission, forced by the province.
            replay = requests.post(
                f"{api}/{first['id']}/submit", json={"force": True}, headers=bearer(p_token), timeout=60
            )
            assert replay.status_code == 502
            attempts = requests.get(f"{api}/{first['id']}", headers=bearer(p_token), timeout=30).json()[
                "attempts"
            ]
            assert attempts[-1]["status_code"] == 409
            assert "bản cũ" in attempts[-1]["response_excerpt"]

            # The first session's attendance and the follow-up report go to the same address with
            # the same credential; TW tells them apart by their schema.
            with province_app.app_context():
                session_id = min(s.id for s in create_demo()[0].sessions if s.kind == "session")
            reports = f"{province.url}/api/v1/conferences/namdinh-2022"
            attendance = submitted(f"{reports}/attendance/snapshots", p_token, {"session_id": session_id})
            followup = submitted(f"{reports}/followup-report/snapshots", p_token)
            assert stored() == 4

            # A tampered attendance report is refused; so is a replay of the first one once a
            # newer report of the session has superseded it.
            body, key = envelope(attendance)
            tampered = body.replace(b'"reported_points": 0', b'"reported_points": 9', 1)
            assert tampered != body
            refused = requests.post(receive_url, data=tampered, timeout=30, headers=sent_as(credential, key))
            assert refused.status_code == 422 and "sha256" in refused.json()["errors"]
            with province_app.app_context():
                make_point(create_demo()[0], "361", status="confirmed", counts={"bch": 7})
                db.session.commit()
            submitted(f"{reports}/attendance/snapshots", p_token, {"session_id": session_id})
            replay = requests.post(receive_url, data=body, timeout=30, headers=sent_as(credential, key))
            assert replay.status_code == 409
            assert replay.headers["Content-Type"] == "application/problem+json"
            assert "bản cũ" in replay.json()["detail"]
            # The follow-up report sent again is answered with what is stored.
            body, key = envelope(followup)
            repeat = requests.post(receive_url, data=body, timeout=30, headers=sent_as(credential, key))
            assert repeat.status_code == 200 and repeat.json()["kind"] == "followup"
            assert stored() == 5

            national_page = browser.get(f"{tw.url}/federation/conferences/{NATIONAL_SLUG}", timeout=10).text
            assert "Số người dự thực tế" in national_page and "Hội nghị triển khai các cấp" in national_page
            nam_dinh = browser.get(
                f"{tw.url}/federation/conferences/{NATIONAL_SLUG}/provinces/36", timeout=10
            ).text
            assert (
                "Thay đổi so với bản trước" in nam_dinh and "Báo cáo hội nghị triển khai các cấp" in nam_dinh
            )
            for link in set(re.findall(r'href="(/federation/[^"]+/returns/\d+(?:/file\.\w+)?)"', nam_dinh)):
                assert browser.get(tw.url + link, timeout=30).status_code == 200, link

            # Revoked at TW: the province's next submission is refused, saying why.
            assert runner.invoke(args=["federation", "revoke", "--code", "36"]).exit_code == 0
            with province_app.app_context():
                make_point(create_demo()[0], "360", status="confirmed", counts={"bch": 5})
                db.session.commit()
            third = requests.post(api, headers=bearer(p_token), timeout=30).json()
            revoked = requests.post(
                f"{api}/{third['id']}/submit", json={}, headers=bearer(p_token), timeout=60
            )
            assert revoked.status_code == 502
            last = requests.get(f"{api}/{third['id']}", headers=bearer(p_token), timeout=30).json()[
                "attempts"
            ][-1]
            assert last["status_code"] == 401 and "thu hồi" in last["response_excerpt"]

        final = requests.get(
            f"{tw.url}/api/v1/federation/conferences/{NATIONAL_SLUG}/rollup",
            headers=bearer(officer_token),
            timeout=30,
        ).json()
    assert final["confirmed"]["delegates"] == 123 + 21
    assert {p["province"]["code"]: p["submissions"] for p in final["provinces"]} == {"25": 0, "36": 2}
    assert stored() == 2 + 3  # two returns, two attendance reports, one follow-up report
