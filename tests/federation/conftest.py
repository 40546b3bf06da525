"""A national conference at TW, registered provinces, and a real Nam Định return to submit."""

from __future__ import annotations

import pytest

from bridgeops.conference.models import Conference
from bridgeops.extensions import db
from bridgeops.returns import service as returns
from tests.factories import make_point

NATIONAL_SLUG = "toan-quoc-2022"


def national_conference() -> Conference:
    conference = Conference(
        slug=NATIONAL_SLUG,
        title="Hội nghị toàn quốc quán triệt Nghị quyết",
        organizer="Đoàn Chủ tịch TW Hội LHPN Việt Nam",
        host_name="Trung ương Hội LHPN Việt Nam",
        host_unit_code=None,
    )
    db.session.add(conference)
    db.session.flush()
    return conference


@pytest.fixture
def national(app) -> Conference:
    conference = national_conference()
    db.session.commit()
    return conference


def register(runner, code: str, *extra: str) -> str:
    """Register a province with the CLI; its credential is the last line printed."""
    result = runner.invoke(args=["federation", "register", "--code", code, *extra])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


@pytest.fixture
def nam_dinh_token(runner, demo) -> str:
    return register(runner, "36", "--contact-name", "Nguyễn Thị Đầu Mối", "--contact-phone", "0912 345 678")


@pytest.fixture
def nam_dinh_return(demo):
    """Nam Định's province point and Mỹ Lộc confirmed, frozen: (snapshot, body)."""
    make_point(
        demo,
        "36",
        status="confirmed",
        venue="Phòng họp Tầng 3 Tỉnh ủy",
        counts={"bch_tinh": 41, "chuyen_trach_tinh": 12, "chu_tich_truc_thuoc": 9},
    )
    make_point(demo, "358", status="confirmed", counts={"bch": 25, "chuyen_trach": 6, "chi_hoi_truong": 30})
    snapshot = returns.freeze(demo, "officer:test")
    db.session.commit()
    return snapshot


def submit_url(slug: str = NATIONAL_SLUG) -> str:
    return f"/api/v1/federation/conferences/{slug}/returns"


def headers(token: str, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"}
