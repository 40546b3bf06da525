"""The plan's conference (Nam Định, April 2022), reproduced as demo data."""

from __future__ import annotations

from flask import current_app

from bridgeops.conference import service
from bridgeops.conference.models import Conference
from bridgeops.conference.schemas import ConferenceIn, SessionIn
from bridgeops.core.time import VN_TZ, local_datetime
from bridgeops.extensions import db
from bridgeops.registration import service as registration
from bridgeops.units import service as units

DEMO_SLUG = "namdinh-2022"
NAM_DINH = "36"
PROVINCE_VENUE = "Phòng họp Tầng 3 Tỉnh ủy"
TITLE = ("Hội nghị nghiên cứu, học tập, quán triệt Nghị quyết Đại hội đại biểu "
         "Phụ nữ toàn quốc lần thứ XIII")

#: (kind, title, day, start h:m, end h:m), local time Asia/Ho_Chi_Minh, April 2022.
SESSIONS = [
    ("rehearsal", "Tổng duyệt kết nối", 26, (8, 30), (11, 30)),
    ("session", "Hội nghị – ngày thứ nhất (khai mạc)", 27, (8, 0), (17, 0)),
    ("session", "Hội nghị – ngày thứ hai", 28, (8, 0), (17, 0)),
    ("session", "Hội nghị – ngày thứ ba", 29, (8, 0), (17, 0)),
]


def create_demo() -> tuple[Conference, bool]:
    """Create the demo conference if it is missing. Returns (conference, created)."""
    units.import_units(units.gso_rows([NAM_DINH]))
    existing = db.session.scalar(db.select(Conference).where(Conference.slug == DEMO_SLUG))
    if existing is not None:
        return existing, False
    config = current_app.config
    # Built without validation: the contact officer comes from configuration, not a form.
    data = ConferenceIn.model_construct(
        slug=DEMO_SLUG, title=TITLE, organizer="Đoàn Chủ tịch TW Hội LHPN Việt Nam",
        host_name="Hội LHPN tỉnh Nam Định", host_unit_code=NAM_DINH, map="2023",
        timezone=VN_TZ, registration_closes_at=None,
        contact_name=config["CONTACT_NAME"], contact_email=config["CONTACT_EMAIL"],
        contact_phone=config["CONTACT_PHONE"], categories=None,
        sessions=[SessionIn(kind=kind, title=title,
                            starts_at=local_datetime(2022, 4, day, h1, m1),
                            ends_at=local_datetime(2022, 4, day, h2, m2))
                  for kind, title, day, (h1, m1), (h2, m2) in SESSIONS])
    conference = service.create_conference(data, actor="system")
    conference.return_code = "BC-HPN"  # the printed return's "Số: …/BC-HPN"
    registration.create_point_record(conference, units.get_unit(NAM_DINH), venue=PROVINCE_VENUE)
    return conference, True
