"""The plan's conference (Nam Định, April 2022), reproduced as demo data."""

from __future__ import annotations

from flask import current_app

from bridgeops.conference.models import Conference, ConferenceSession, DelegateCategory
from bridgeops.core.time import local_datetime
from bridgeops.extensions import db
from bridgeops.registration import service as registration
from bridgeops.units import service as units

DEMO_SLUG = "namdinh-2022"
NAM_DINH = "36"
PROVINCE_VENUE = "Phòng họp Tầng 3 Tỉnh ủy"
TITLE = ("Hội nghị nghiên cứu, học tập, quán triệt Nghị quyết Đại hội đại biểu "
         "Phụ nữ toàn quốc lần thứ XIII")

#: (code, label, levels) in the plan's order.
CATEGORIES = [
    ("bch_tinh", "Ủy viên BCH Hội LHPN tỉnh khóa XVII", "province"),
    ("chuyen_trach_tinh", "Cán bộ chuyên trách Hội cấp tỉnh", "province"),
    ("chu_tich_truc_thuoc", "Chủ tịch Hội Phụ nữ các đơn vị trực thuộc", "province"),
    ("bch", "Ủy viên BCH Hội LHPN huyện, thành phố, xã, phường, thị trấn", "district,commune"),
    ("chuyen_trach", "Cán bộ Hội chuyên trách các cấp", "district,commune"),
    ("chi_hoi_truong", "Chi trưởng chi hội phụ nữ", "district,commune"),
]

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
    conference = Conference(
        slug=DEMO_SLUG, title=TITLE,
        organizer="Đoàn Chủ tịch TW Hội LHPN Việt Nam", return_code="BC-HPN",
        host_name="Hội LHPN tỉnh Nam Định", host_unit_code=NAM_DINH,
        timezone="Asia/Ho_Chi_Minh",
        contact_name=config["CONTACT_NAME"], contact_email=config["CONTACT_EMAIL"],
        contact_phone=config["CONTACT_PHONE"],
    )
    db.session.add(conference)
    for position, (code, label, levels) in enumerate(CATEGORIES):
        db.session.add(DelegateCategory(conference=conference, code=code, label=label,
                                        levels_csv=levels, position=position))
    for kind, title, day, (h1, m1), (h2, m2) in SESSIONS:
        db.session.add(ConferenceSession(
            conference=conference, kind=kind, title=title,
            starts_at=local_datetime(2022, 4, day, h1, m1),
            ends_at=local_datetime(2022, 4, day, h2, m2)))
    db.session.flush()
    registration.create_point_record(conference, units.get_unit(NAM_DINH), venue=PROVINCE_VENUE)
    return conference, True
