"""The printed return's letterhead and signature, set by the officer: on the print page and in
the XLSX, through the edit page and the API, and carried by a copy."""

from __future__ import annotations

import io
import re

import openpyxl

from bridgeops.conference import service
from bridgeops.extensions import db
from tests.conftest import bearer

SIGNER = {
    "return_recipient": "Ban Tổ chức TW Hội LHPN Việt Nam",
    "return_code": "BC-HPN",
    "return_signer_for": "TM. Ban Thường vụ",
    "return_signer_title": "Phó Chủ tịch",
    "return_signer_name": "Trần Thị Mai",
}


def _cells(content: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_the_officer_sets_who_signs_and_the_print_page_and_xlsx_show_it(client, demo, officer, officer_token):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    before = _cells(
        client.get("/api/v1/conferences/namdinh-2022/return?format=xlsx", headers=bearer(officer_token)).data
    )
    assert "TM. BAN THƯỜNG VỤ" in before and "Trần Thị Mai" not in before
    page = client.get("/conferences/namdinh-2022/edit").get_data(as_text=True)
    assert 'name="return_signer_name"' in page and 'value="BC-HPN"' in page  # the demo's code
    form = {
        "title": demo.title,
        "organizer": demo.organizer,
        "host_name": demo.host_name,
        "registration_closes_at": "",
        "contact_name": demo.contact_name,
        "contact_email": "lan@hoiphunu.example.vn",
        "contact_phone": demo.contact_phone,
        **SIGNER,
    }
    saved = client.post("/conferences/namdinh-2022/edit", data=form)
    assert saved.status_code == 303, re.findall(r'error[^"]*"[^>]*>([^<]+)', saved.get_data(as_text=True))

    printed = client.get("/conferences/namdinh-2022/return/print").get_data(as_text=True)
    for text in ("PHÓ CHỦ TỊCH", "Trần Thị Mai", "Ban Tổ chức TW Hội LHPN Việt Nam", "/BC-HPN"):
        assert text in printed
    after = _cells(
        client.get("/api/v1/conferences/namdinh-2022/return?format=xlsx", headers=bearer(officer_token)).data
    )
    assert {"TM. BAN THƯỜNG VỤ", "PHÓ CHỦ TỊCH", "Trần Thị Mai"} <= set(after)
    assert "- Ban Tổ chức TW Hội LHPN Việt Nam;" in after

    too_long = client.post("/conferences/namdinh-2022/edit", data={**form, "return_signer_name": "x" * 121})
    assert too_long.status_code == 422 and 'value="Phó Chủ tịch"' in too_long.get_data(as_text=True)


def test_the_api_reads_and_changes_the_signature_and_a_copy_keeps_it(client, demo, officer_token):
    patched = client.patch("/api/v1/conferences/namdinh-2022", headers=bearer(officer_token), json=SIGNER)
    assert patched.status_code == 200
    assert {k: patched.get_json()[k] for k in SIGNER} == SIGNER
    refused = client.patch(
        "/api/v1/conferences/namdinh-2022", headers=bearer(officer_token), json={"return_code": "B" * 41}
    )
    assert refused.status_code == 422 and "return_code" in refused.get_json()["errors"]
    copied = client.post(
        "/api/v1/conferences/namdinh-2022/copy",
        headers=bearer(officer_token),
        json={"slug": "namdinh-2027", "shift_days": 1826},
    )
    assert copied.status_code == 201, copied.get_json()
    db.session.expire_all()
    assert service.get_conference("namdinh-2027").return_signer_name == "Trần Thị Mai"
