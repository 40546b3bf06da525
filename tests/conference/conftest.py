"""A 2027 conference body, as the officer would send it."""

from __future__ import annotations

import pytest


def conference_body(slug: str = "namdinh-2027", **overrides) -> dict:
    body = {
        "slug": slug,
        "title": "Hội nghị quán triệt Nghị quyết Đại hội Phụ nữ tỉnh Nam Định năm 2027",
        "organizer": "Đoàn Chủ tịch TW Hội LHPN Việt Nam",
        "host_name": "Hội LHPN tỉnh Nam Định",
        "host_unit_code": "36",
        "map": "2023",
        "timezone": "Asia/Ho_Chi_Minh",
        "registration_closes_at": "2027-03-20T17:00:00+07:00",
        "contact_name": "Ban Tổ chức Hội LHPN tỉnh",
        "contact_email": "bantochuc@hoiphunu.example.vn",
        "contact_phone": "0228 3849 123",
        "sessions": [
            {
                "kind": "rehearsal",
                "title": "Tổng duyệt kết nối",
                "starts_at": "2027-03-24T08:30:00+07:00",
                "ends_at": "2027-03-24T11:30:00+07:00",
            },
            {
                "kind": "session",
                "title": "Hội nghị – khai mạc",
                "starts_at": "2027-03-25T08:00:00+07:00",
                "ends_at": "2027-03-25T17:00:00+07:00",
            },
        ],
        "categories": [
            {"code": "bch_tinh", "label": "Ủy viên BCH Hội LHPN tỉnh", "levels": ["province"]},
            {"code": "hoi_vien", "label": "Hội viên tiêu biểu", "levels": ["district", "commune"]},
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def body() -> dict:
    return conference_body()
