"""Demo data: the plan's conference (Nam Định, April 2022) on the 2023 map, and a 2027
conference of Ninh Bình on the two-level map in force since 1 July 2025."""

from __future__ import annotations

from datetime import date

from flask import current_app

from bridgeops.conference import service
from bridgeops.conference.models import Conference, SessionKind
from bridgeops.conference.schemas import CategoryIn, ConferenceIn, SessionIn
from bridgeops.core.time import VN_TZ, local_datetime
from bridgeops.extensions import db
from bridgeops.followup import service as followups
from bridgeops.followup.schemas import DeadlinesIn
from bridgeops.registration import service as registration
from bridgeops.units import service as units
from bridgeops.units.models import unit_key

DEMO_SLUG = "namdinh-2022"
NAM_DINH = "36"
PROVINCE_VENUE = "Phòng họp Tầng 3 Tỉnh ủy"
TITLE = "Hội nghị nghiên cứu, học tập, quán triệt Nghị quyết Đại hội đại biểu Phụ nữ toàn quốc lần thứ XIII"

#: (kind, title, day, start h:m, end h:m), local time Asia/Ho_Chi_Minh, April 2022.
SESSIONS = [
    (SessionKind.REHEARSAL, "Tổng duyệt kết nối", 26, (8, 30), (11, 30)),
    (SessionKind.SESSION, "Hội nghị – ngày thứ nhất (khai mạc)", 27, (8, 0), (17, 0)),
    (SessionKind.SESSION, "Hội nghị – ngày thứ hai", 28, (8, 0), (17, 0)),
    (SessionKind.SESSION, "Hội nghị – ngày thứ ba", 29, (8, 0), (17, 0)),
]


#: The plan's deadlines for each level's own conference after the bridge.
FOLLOWUP_DEADLINES = {
    "province": date(2022, 5, 30),
    "district": date(2022, 6, 30),
    "commune": date(2022, 6, 30),
}


def create_demo() -> tuple[Conference, bool]:
    """Create the demo conference if it is missing. Returns (conference, created)."""
    units.import_units(units.gso_rows([NAM_DINH]))
    existing = db.session.scalar(db.select(Conference).where(Conference.slug == DEMO_SLUG))
    if existing is not None:
        return existing, False
    config = current_app.config
    # Built without validation: the contact officer comes from configuration, not a form.
    data = ConferenceIn.model_construct(
        slug=DEMO_SLUG,
        title=TITLE,
        organizer="Đoàn Chủ tịch TW Hội LHPN Việt Nam",
        host_name="Hội LHPN tỉnh Nam Định",
        host_unit_code=NAM_DINH,
        map="2023",
        timezone=VN_TZ,
        registration_closes_at=None,
        contact_name=config["CONTACT_NAME"],
        contact_email=config["CONTACT_EMAIL"],
        contact_phone=config["CONTACT_PHONE"],
        categories=None,
        sessions=[
            SessionIn(
                kind=kind,
                title=title,
                starts_at=local_datetime(2022, 4, day, h1, m1),
                ends_at=local_datetime(2022, 4, day, h2, m2),
            )
            for kind, title, day, (h1, m1), (h2, m2) in SESSIONS
        ],
    )
    conference = service.create_conference(data, actor="system")
    conference.return_code = "BC-HPN"  # the printed return's "Số: …/BC-HPN"
    registration.create_point_record(conference, units.get_unit(NAM_DINH), venue=PROVINCE_VENUE)
    followups.set_deadlines(conference, DeadlinesIn(**FOLLOWUP_DEADLINES), "demo")
    return conference, True


DEMO_2025_SLUG = "ninhbinh-2027"
NINH_BINH_2025 = "37"
TITLE_2027 = (
    "Hội nghị nghiên cứu, học tập, quán triệt Nghị quyết Đại hội đại biểu Phụ nữ toàn quốc lần thứ XIV"
)

#: Two levels: the province and its communes (wards, special zones); no district.
CATEGORIES_2025 = [
    ("bch_tinh", "Ủy viên BCH Hội LHPN tỉnh", "province"),
    ("chuyen_trach_tinh", "Cán bộ chuyên trách Hội cấp tỉnh", "province"),
    ("bch", "Ủy viên BCH Hội LHPN xã, phường, đặc khu", "commune"),
    ("chuyen_trach", "Cán bộ Hội chuyên trách cấp xã", "commune"),
    ("chi_hoi_truong", "Chi hội trưởng chi hội phụ nữ", "commune"),
]

#: (kind, title, day, start h:m, end h:m), local time, April 2027.
SESSIONS_2027 = [
    (SessionKind.REHEARSAL, "Tổng duyệt kết nối", 20, (8, 30), (11, 30)),
    (SessionKind.SESSION, "Hội nghị – ngày thứ nhất (khai mạc)", 21, (8, 0), (17, 0)),
    (SessionKind.SESSION, "Hội nghị – ngày thứ hai", 22, (8, 0), (17, 0)),
]


def create_demo_2025() -> tuple[Conference, bool]:
    """A 2027 conference of Ninh Bình on the 2025 map (Nam Định is part of Ninh Bình now),
    with its province point; loads Ninh Bình's 2025 units. Returns (conference, created)."""
    units.import_units(units.map_rows("2025", [NINH_BINH_2025]))
    existing = db.session.scalar(db.select(Conference).where(Conference.slug == DEMO_2025_SLUG))
    if existing is not None:
        return existing, False
    config = current_app.config
    province = units.get_unit(unit_key("2025", NINH_BINH_2025))
    # Built without validation: the contact officer comes from configuration, not a form.
    data = ConferenceIn.model_construct(
        slug=DEMO_2025_SLUG,
        title=TITLE_2027,
        organizer="Đoàn Chủ tịch TW Hội LHPN Việt Nam",
        host_name="Hội LHPN tỉnh Ninh Bình",
        host_unit_code=province.code,
        map="2025",
        timezone=VN_TZ,
        registration_closes_at=local_datetime(2027, 4, 15, 17, 0),
        contact_name=config["CONTACT_NAME"],
        contact_email=config["CONTACT_EMAIL"],
        contact_phone=config["CONTACT_PHONE"],
        categories=[
            CategoryIn.model_construct(code=code, label=label, levels=levels.split(","))
            for code, label, levels in CATEGORIES_2025
        ],
        sessions=[
            SessionIn(
                kind=kind,
                title=title,
                starts_at=local_datetime(2027, 4, day, h1, m1),
                ends_at=local_datetime(2027, 4, day, h2, m2),
            )
            for kind, title, day, (h1, m1), (h2, m2) in SESSIONS_2027
        ],
    )
    conference = service.create_conference(data, actor="system")
    registration.create_point_record(conference, province, venue=PROVINCE_VENUE)
    return conference, True
