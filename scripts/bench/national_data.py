#!/usr/bin/env python3
"""A national conference for benchmarks: every GSO unit (63 provinces, 705 districts, 10,598
communes), one bridge point per unit with realistic delegate counts, one or two technicians per
point, probe targets on loopback, and the tokens the benchmark needs.

Importable (``build(app, ...)``) and a CLI:

    .venv/bin/python scripts/bench/national_data.py [--database-url URL] [--tokens-out FILE]

Writes go through the services (units import, registration's ``bulk_create_points``, which
validates every row like a single registration, conference sessions, officer account and API
token); technician and chair grants are inserted in bulk through the models, since the accounts
service issues one grant per flush.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

NATIONAL_SLUG = "national-bench"
REGISTRATION_SLUG = "national-register"
OFFICER_EMAIL = "officer@bench.test"
OFFICER_PASSWORD = "bench-password"
SEED = 20220427

#: (code, label, levels): the plan's six categories.
CATEGORIES = [
    ("bch_tinh", "Ủy viên BCH Hội LHPN tỉnh", "province"),
    ("chuyen_trach_tinh", "Cán bộ chuyên trách Hội cấp tỉnh", "province"),
    ("chu_tich_truc_thuoc", "Chủ tịch Hội Phụ nữ các đơn vị trực thuộc", "province"),
    ("bch", "Ủy viên BCH Hội LHPN huyện, thành phố, xã, phường, thị trấn", "district,commune"),
    ("chuyen_trach", "Cán bộ Hội chuyên trách các cấp", "district,commune"),
    ("chi_hoi_truong", "Chi trưởng chi hội phụ nữ", "district,commune"),
]

#: (low, high) delegates per category at each level: a province room seats its executive
#: committee, a district room its committee and staff, a commune room its branch heads.
COUNT_RANGES = {
    "province": {"bch_tinh": (30, 45), "chuyen_trach_tinh": (8, 15), "chu_tich_truc_thuoc": (10, 25)},
    "district": {"bch": (19, 31), "chuyen_trach": (3, 6), "chi_hoi_truong": (0, 4)},
    "commune": {"bch": (11, 21), "chuyen_trach": (1, 3), "chi_hoi_truong": (4, 18)},
}
#: Registration refuses special-use domains such as .test, so the bench uses a plain one; mail
#: only ever goes to the loopback SMTP server.
EMAIL_DOMAIN = "bench-diemcau.vn"
#: Mobile prefixes of the Vietnamese networks (after +84).
PHONE_PREFIXES = ("91", "94", "88", "98", "97", "96", "86", "90", "93", "35", "32", "70", "81")


@dataclass
class NationalData:
    """What a benchmark needs to drive the instance."""

    conference_id: int
    slug: str
    points: int
    technicians: int
    officer_token: str
    chair_token: str
    chair_district: str
    technician_tokens: list[str]
    registration_slug: str
    free_units: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def vn_phone(n: int) -> str:
    """A valid Vietnamese mobile number in E.164, different for every n."""
    return f"+84{PHONE_PREFIXES[n % len(PHONE_PREFIXES)]}{n % 10_000_000:07d}"


def counts_for(level: str, rng: random.Random) -> dict[str, int]:
    return {code: rng.randint(low, high) for code, (low, high) in COUNT_RANGES[level].items()}


def default_probe_target(index: int) -> str | None:
    """Where a point's room answers; the benchmark passes its own loopback listeners."""
    return f"tcp://127.0.0.1:{20000 + index % 1000}"


def reset_schema() -> None:
    from bridgeops.extensions import db

    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()


def _conference(slug: str, title: str, now) -> object:
    from bridgeops.conference import service as conferences
    from bridgeops.conference.models import Conference, DelegateCategory
    from bridgeops.extensions import db

    conference = Conference(
        slug=slug,
        title=title,
        organizer="Đoàn Chủ tịch TW Hội LHPN Việt Nam",
        host_name="Trung ương Hội LHPN Việt Nam",
        host_unit_code=None,
        timezone="Asia/Ho_Chi_Minh",
        contact_name="Ban Tuyên giáo",
        contact_email="tuyengiao@bench.test",
    )
    db.session.add(conference)
    for position, (code, label, levels) in enumerate(CATEGORIES):
        db.session.add(
            DelegateCategory(
                conference=conference, code=code, label=label, levels_csv=levels, position=position
            )
        )
    db.session.flush()
    # The rehearsal is on now, so the board, the status API and the sweep see a live window.
    conferences.add_session(
        conference, "rehearsal", "Tổng duyệt kết nối", now - timedelta(minutes=20), now + timedelta(hours=3)
    )
    for day in (1, 2, 3):
        start = (now + timedelta(days=day)).replace(hour=1, minute=0, second=0, microsecond=0)
        conferences.add_session(
            conference, "session", f"Hội nghị – ngày thứ {day}", start, start + timedelta(hours=9)
        )
    return conference


def point_rows(units, rng: random.Random, probe_target: Callable[[int], str | None]) -> list[dict]:
    """One registration per unit (registration's PointIn plus a status): venue, counts, one
    technician with email and phone, and half the rooms a phone-only second one."""
    rows = []
    for index, (code, name, level) in enumerate(units):
        technicians = [
            {
                "name": f"Kỹ thuật viên {index}",
                "phone": vn_phone(2 * index),
                "email": f"ktv{index}@{EMAIL_DOMAIN}",
            }
        ]
        if rng.random() < 0.5:
            technicians.append(
                {"name": f"Kỹ thuật viên dự phòng {index}", "phone": vn_phone(2 * index + 1), "email": ""}
            )
        target = probe_target(index)
        rows.append(
            {
                "unit": code,
                "name": f"Điểm cầu {name}",
                "venue": f"Hội trường {name}",
                "capacity": 150 if level != "commune" else 80,
                "status": "confirmed" if rng.random() < 0.85 else "draft",
                "counts": counts_for(level, rng),
                "technicians": technicians,
                "probe": {"target": target} if target else {},
            }
        )
    return rows


def create_points(conference, rows: list[dict]) -> list[int]:
    """Point ids in the order of ``rows``, through registration's bulk path."""
    from bridgeops.registration import service as registration

    return registration.bulk_create_points(conference, rows, actor="system:bench")


def _bulk_grants(role: str, scopes: list[dict]) -> list[str]:
    """Grants inserted in bulk (the accounts service issues one per flush); the tokens back."""
    from bridgeops.accounts.models import AccessGrant
    from bridgeops.accounts.tokens import hash_token, new_token
    from bridgeops.core.time import utcnow
    from bridgeops.extensions import db

    tokens = [new_token() for _ in scopes]
    now = utcnow()
    db.session.execute(
        sa.insert(AccessGrant),
        [
            {
                "token_hash": hash_token(token),
                "role": role,
                "created_at": now,
                "expires_at": now + timedelta(days=60),
                "label": f"bench {role}",
                **scope,
            }
            for token, scope in zip(tokens, scopes, strict=True)
        ],
    )
    return tokens


def has_health() -> bool:
    import importlib.util

    return importlib.util.find_spec("bridgeops.health") is not None


def build(
    app,
    *,
    probe_target: Callable[[int], str | None] = default_probe_target,
    reset: bool = True,
    log: Callable[[str], None] = print,
) -> NationalData:
    """Create the national data set in the app's database (drops every table when ``reset``)."""
    from bridgeops.accounts import service as accounts
    from bridgeops.core.time import utcnow
    from bridgeops.extensions import db
    from bridgeops.units import service as units
    from bridgeops.units.models import AdminUnit

    seconds: dict[str, float] = {}

    def step(label: str, started: float) -> None:
        seconds[label] = round(time.perf_counter() - started, 2)
        log(f"  {label}: {seconds[label]:.1f} s")

    with app.app_context():
        started = time.perf_counter()
        if reset:
            reset_schema()
        units.import_units(units.gso_rows())
        db.session.commit()
        step("units", started)

        started = time.perf_counter()
        now = utcnow()
        conference = _conference(NATIONAL_SLUG, "Hội nghị toàn quốc (benchmark)", now)
        register = _conference(REGISTRATION_SLUG, "Hội nghị đăng ký (benchmark)", now)
        all_units = db.session.execute(
            sa.select(AdminUnit.code, AdminUnit.name, AdminUnit.level).order_by(
                AdminUnit.province_code, AdminUnit.code
            )
        ).all()
        rows = point_rows(all_units, random.Random(SEED), probe_target)
        point_ids = create_points(conference, rows)
        db.session.commit()
        step("points", started)

        started = time.perf_counter()
        accounts.create_user(OFFICER_EMAIL, "Cán bộ benchmark", "officer", OFFICER_PASSWORD)
        officer_token = accounts.create_api_token(OFFICER_EMAIL).token
        technician_tokens = _bulk_grants(
            "technician", [{"conference_id": conference.id, "point_id": pid} for pid in point_ids]
        )
        district = next(code for code, _, level in all_units if level == "district")
        chair_token = _bulk_grants("chair", [{"conference_id": conference.id, "unit_code": district}])[0]
        db.session.commit()
        step("tokens", started)
        if has_health():
            # What the first sweep does: every monitored point gets its current-state row.
            from bridgeops.health import service as health

            health.ensure_state_rows(conference.id, utcnow())
            db.session.commit()
        technicians = sum(len(r["technicians"]) for r in rows)
        data = NationalData(
            conference_id=conference.id,
            slug=conference.slug,
            points=len(point_ids),
            technicians=technicians,
            officer_token=officer_token,
            chair_token=chair_token,
            chair_district=district,
            technician_tokens=technician_tokens,
            registration_slug=register.slug,
            free_units=[code for code, _, level in all_units if level == "commune"],
            seconds=seconds,
        )
        if db.engine.dialect.name == "postgresql":
            # Fresh planner statistics, as autovacuum would gather soon after a bulk load.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
        db.session.remove()
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: instance/bench-national.sqlite3")
    parser.add_argument("--tokens-out", default="", help="write the tokens as JSON here")
    args = parser.parse_args()
    from bridgeops import create_app

    url = args.database_url or f"sqlite:///{ROOT / 'instance' / 'bench-national.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    started = time.perf_counter()
    data = build(app)
    print(
        f"{data.points} points, {data.technicians} technicians in "
        f"{time.perf_counter() - started:.1f} s on {url}"
    )
    if args.tokens_out:
        Path(args.tokens_out).write_text(json.dumps(data.as_json()), encoding="utf-8")


if __name__ == "__main__":
    main()
