"""TW's admin registers provinces and revokes their credentials from a page, not only the CLI."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from bridgeops.accounts import service as accounts
from bridgeops.audit.models import AuditEvent
from bridgeops.extensions import db
from bridgeops.federation import service
from bridgeops.federation.models import FederatedProvince
from tests.federation.conftest import NATIONAL_SLUG, headers, submit_url

PASSWORD = "mat-khau-quan-tri-123"
PAGE = "/federation/provinces"
NAM_DINH = {"code": "36", "name": "", "contact_name": "Nguyễn Thị Đầu Mối", "contact_phone": "0912 345 678"}


@pytest.fixture
def admin_client(app, client):
    accounts.create_user("admin@hoiphunu.test", "Quản Trị Viên", "admin", PASSWORD)
    db.session.commit()
    assert (
        client.post("/login", data={"email": "admin@hoiphunu.test", "password": PASSWORD}).status_code == 302
    )
    return client


def credential_on(page: str) -> str:
    match = re.search(r'value="([^"]+)" aria-label="Mã gửi báo cáo của', page)
    assert match, "the credential is shown"
    return match.group(1)


def test_an_admin_registers_a_province_and_sees_its_credential_once(admin_client, demo, national):
    response = admin_client.post(PAGE, data=NAM_DINH)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = credential_on(page)
    province = service.live_province(token)
    assert province is not None and province.code == "36" and province.name == "Tỉnh Nam Định"
    assert province.contact_phone == "+84912345678"
    # What the province's technician puts in its settings, for the national conference.
    assert (
        f"BRIDGEOPS_TW_RETURN_URL=http://localhost/api/v1/federation/conferences/{NATIONAL_SLUG}/returns"
        in page
    )
    assert f"BRIDGEOPS_TW_RETURN_TOKEN={token}" in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "federated_province"))
    assert event.action == "register" and event.actor == "admin:admin@hoiphunu.test"

    again = admin_client.get(PAGE).get_data(as_text=True)
    assert token not in again, "shown once"
    assert "1 tỉnh đã đăng ký" in again and "Tỉnh Nam Định" in again and "Nguyễn Thị Đầu Mối" in again
    assert "0912 345 678" in again and "Đang dùng" in again and "Chưa gửi" in again


def test_a_wrong_field_is_answered_next_to_it_and_nothing_is_saved(admin_client, demo):
    response = admin_client.post(PAGE, data={**NAM_DINH, "contact_phone": "số máy bàn"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    field = page[page.index('id="contact_phone"') :]
    assert field.index('class="error"') < field.index("</div>"), "the message sits under the field"
    assert 'value="Nguyễn Thị Đầu Mối"' in page, "what was typed is kept"
    unknown = admin_client.post(PAGE, data={**NAM_DINH, "code": "999"})
    assert unknown.status_code == 422
    assert "Cần tên tỉnh (mã này không có trong danh mục đơn vị)." in unknown.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FederatedProvince)) == 0


def test_a_province_registered_twice_is_refused_until_revoked(admin_client, demo):
    first = credential_on(admin_client.post(PAGE, data=NAM_DINH).get_data(as_text=True))
    twice = admin_client.post(PAGE, data=NAM_DINH)
    assert twice.status_code == 409
    assert "đã được đăng ký; thu hồi mã cũ trước khi cấp mã mới" in twice.get_data(as_text=True)
    assert service.live_province(first) is not None, "the first credential still works"


def test_revoking_refuses_the_credential_and_a_new_one_can_be_issued(admin_client, demo, national):
    token = credential_on(admin_client.post(PAGE, data=NAM_DINH).get_data(as_text=True))
    revoked = admin_client.post(f"{PAGE}/36/revoke")
    assert revoked.status_code == 303 and revoked.headers["Location"].endswith(PAGE)
    assert service.live_province(token) is None
    refused = admin_client.post(submit_url(), data=b"{}", headers=headers(token, "0" * 64))
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert "Đã thu hồi mã gửi báo cáo của Tỉnh Nam Định" in page and "Đã thu hồi" in page
    renewed = credential_on(admin_client.post(PAGE, data=NAM_DINH).get_data(as_text=True))
    assert renewed != token and service.live_province(renewed).code == "36"


def test_only_an_admin_manages_provinces(client, officer, demo):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=NAM_DINH).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FederatedProvince)) == 0


def test_an_unknown_province_cannot_be_revoked(admin_client, demo):
    response = admin_client.post(f"{PAGE}/99/revoke")
    assert response.status_code == 404
    assert "Không có tỉnh mã 99" in response.get_data(as_text=True)
