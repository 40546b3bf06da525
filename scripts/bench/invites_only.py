#!/usr/bin/env python3
"""Targeted invite timings on the national data set (a quicker companion of ``run.py --only jobs``).

    .venv/bin/python scripts/bench/invites_only.py --database-url URL [--skip-build]

Each phase runs in its own process (its VmHWM is its own): build the national data; queue every
session's invites (``reconcile_session``, as run.py's queue child); one session change through
``conference.service.update_session`` (what ``PATCH …/sessions/{id}`` runs) and its commit;
registration POSTs in-process (Flask test client, officer token; no HTTP server, so compare
POST times between code versions, not with run.py's wrk rates) and a bare one-row insert;
delivery of the whole outbox at the scheduler's 5 s cadence to a loopback SMTP sink that counts
connections. Prints one JSON line per phase.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_app(url: str, **extra):
    from bridgeops import create_app

    return create_app({"DATABASE_URL": url, "TESTING": True, "BASE_URL": "http://bridgeops.bench", **extra})


def phase_build(url: str) -> dict:
    import national_data

    started = time.perf_counter()
    data = national_data.build(make_app(url))
    return {"seconds": time.perf_counter() - started, "points": data.points, "technicians": data.technicians}


def _national(db):
    import sqlalchemy as sa

    from bridgeops.conference.models import Conference

    return db.session.scalar(sa.select(Conference).where(Conference.slug == "national-bench"))


def phase_queue(url: str) -> dict:
    import sqlalchemy as sa

    from bridgeops.conference.models import ConferenceSession
    from bridgeops.extensions import db
    from bridgeops.invites import service as invites
    from bridgeops.mail.models import OutboxMessage

    app = make_app(url)
    out: dict = {"sessions": []}
    with app.app_context():
        ids = [s.id for s in _national(db).sessions]
        for session_id in ids:
            started = time.perf_counter()
            invites.reconcile_session(db.session.get(ConferenceSession, session_id))
            db.session.commit()
            db.session.expunge_all()
            out["sessions"].append(round(time.perf_counter() - started, 2))
        out["queued"] = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    out["vm_hwm_mb"] = vm_hwm_mb()
    return out


def phase_change(url: str) -> dict:
    import sqlalchemy as sa

    from bridgeops.conference import service as conference_service
    from bridgeops.extensions import db
    from bridgeops.mail.models import OutboxMessage

    app = make_app(url)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        session = sorted(_national(db).sessions, key=lambda s: s.starts_at)[0]
        started = time.perf_counter()
        conference_service.update_session(
            session,
            starts_at=session.starts_at + timedelta(minutes=30),
            ends_at=session.ends_at + timedelta(minutes=30),
            actor="bench",
        )
        db.session.commit()
        seconds = time.perf_counter() - started
        after = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    return {"seconds": round(seconds, 2), "queued": after - before, "vm_hwm_mb": vm_hwm_mb()}


def phase_register(url: str, count: int = 60) -> dict:
    import sqlalchemy as sa

    from bridgeops.extensions import db
    from bridgeops.registration.models import BridgePoint
    from bridgeops.units.models import AdminUnit

    app = make_app(url)
    client = app.test_client()
    with app.app_context():
        from bridgeops.accounts import service as accounts

        token = accounts.create_api_token("officer@bench.test").token
        db.session.commit()
        from bridgeops.conference.models import Conference

        register = db.session.scalar(sa.select(Conference.id).where(Conference.slug == "national-register"))
        taken = sa.select(BridgePoint.unit_code).where(BridgePoint.conference_id == register)
        units = list(
            db.session.scalars(
                sa.select(AdminUnit.code)
                .where(AdminUnit.level == "commune", AdminUnit.code.not_in(taken))
                .limit(count)
            )
        )
        db.session.remove()
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for n, unit in enumerate(units):
        body = {
            "unit": unit,
            "venue": "Hội trường UBND",
            "capacity": 80,
            "counts": {"bch": 15, "chuyen_trach": 2, "chi_hoi_truong": 9},
            "technicians": [
                {
                    "name": f"Kỹ thuật viên {unit}",
                    "phone": f"0912{n:06d}",
                    "email": f"reg{unit}@bench-mail.vn",
                }
            ],
        }
        started = time.perf_counter()
        response = client.post("/api/v1/conferences/national-register/points", json=body, headers=headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 201, response.get_data(as_text=True)[:500]
    # The bare baseline in the same process: one row insert and commit per request.
    with app.app_context():
        engine = db.engine
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE IF NOT EXISTS bench_row (id INTEGER PRIMARY KEY, name VARCHAR(100))")
        )
    inserts = []
    for n in range(200):
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO bench_row (id, name) VALUES (:i, :n)"), {"i": n + 1, "n": f"row {n}"}
            )
        inserts.append(time.perf_counter() - started)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE bench_row"))
    timings.sort()
    post_ms = 1000 * sum(timings) / len(timings)
    insert_ms = 1000 * sum(inserts) / len(inserts)
    return {
        "posts": len(timings),
        "post_mean_ms": round(post_ms, 1),
        "post_p95_ms": round(1000 * timings[int(len(timings) * 0.95) - 1], 1),
        "insert_mean_ms": round(insert_ms, 2),
    }


def phase_deliver(url: str, port: int, budget: float = 300.0) -> dict:
    import sqlalchemy as sa

    from bridgeops.extensions import db
    from bridgeops.mail import jobs as mail_jobs
    from bridgeops.mail.models import OutboxMessage

    app = make_app(url, SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)

    def count(status: str) -> int:
        value = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)
        )
        db.session.remove()
        return value

    with app.app_context():
        queued = count("pending")
        started, runs = time.perf_counter(), 0
        while True:
            mail_jobs.deliver(app)
            runs += 1
            left = count("pending")
            elapsed = time.perf_counter() - started
            if not left or elapsed > budget:
                break
            tick = math.ceil(elapsed / mail_jobs.DELIVERY_INTERVAL + 1e-9) * mail_jobs.DELIVERY_INTERVAL
            time.sleep(max(0.0, tick - elapsed))
        seconds = time.perf_counter() - started
        sent = count("sent")
    return {
        "queued": queued,
        "sent": sent,
        "left": left,
        "seconds": round(seconds, 1),
        "rate": round(sent / seconds, 1),
        "runs": runs,
        "vm_hwm_mb": vm_hwm_mb(),
    }


def child(phase: str, url: str, *extra: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--database-url", url, *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("PHASE ")), None)
    if line is None:
        raise RuntimeError(f"{phase} failed:\n{result.stderr[-4000:]}")
    return json.loads(line[len("PHASE ") :])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--phases", default="build,queue,change,register,deliver")
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    if args.phase:
        function = {
            "build": phase_build,
            "queue": phase_queue,
            "change": phase_change,
            "register": phase_register,
        }.get(args.phase)
        result = (
            phase_deliver(args.database_url, args.port)
            if args.phase == "deliver"
            else function(args.database_url)
        )
        print("PHASE " + json.dumps(result), flush=True)
        return
    for phase in args.phases.split(","):
        if phase == "build" and args.skip_build:
            continue
        if phase == "deliver":
            sink = subprocess.Popen(
                [sys.executable, str(HERE / "smtp_sink.py")], stdout=subprocess.PIPE, text=True
            )
            port = json.loads(sink.stdout.readline())["port"]
            try:
                result = child(phase, args.database_url, "--port", str(port))
            finally:
                sink.send_signal(signal.SIGTERM)
                result_sink = json.loads(sink.stdout.readline() or "{}")
                sink.wait(10)
            result["smtp"] = result_sink
        else:
            result = child(phase, args.database_url)
        print(json.dumps({"phase": phase, **result}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
