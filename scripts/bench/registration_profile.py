#!/usr/bin/env python3
"""The registration POST against a bare one-row insert, in-process (no gunicorn, no wrk).

Builds the national data set (``national_data.build``) in the given database, then POSTs
``--requests`` new points (the body of ``lua/register.lua``) through BridgeOps' test client and
as many bare inserts through ``baseline_app``'s, on the same database. Reports CPU time and SQL
statements per request and the ratio of the two rates; ``--profile`` prints the top of a
cProfile of the registrations.

    .venv/bin/python scripts/bench/registration_profile.py [--database-url URL] [--requests 300]

CPU time (``time.process_time``), not wall-clock: the machine is shared. On PostgreSQL the
server's own CPU is not counted, on SQLite the engine runs in-process and is.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "scripts" / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from sqlalchemy import event  # noqa: E402


def register_body(unit: str, i: int) -> dict:
    """The body wrk's register.lua sends."""
    return {
        "unit": unit,
        "venue": "Hội trường UBND",
        "capacity": 80,
        "counts": {"bch": 15, "chuyen_trach": 2, "chi_hoi_truong": 9},
        "technicians": [
            {"name": f"Kỹ thuật viên {unit}", "phone": f"0912{i:06d}", "email": f"reg{unit}@bench-mail.vn"}
        ],
        "probe": {"target": "tcp://127.0.0.1:9"},
    }


class StatementCounter:
    def __init__(self, engine) -> None:
        self.count = 0
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement, *_args) -> None:
        self.count += 1
        self.statements.append(statement.split("\n")[0][:110])


def measure(client_call, n: int, engine, label: str) -> tuple[float, float]:
    """(CPU ms per request, statements per request) over ``n`` calls of ``client_call(i)``."""
    counter = StatementCounter(engine)
    for i in range(5):  # warm-up: caches, connection, first-request work
        client_call(i)
    counter.count, counter.statements = 0, []
    started = time.process_time()
    for i in range(5, n + 5):
        client_call(i)
    cpu = time.process_time() - started
    print(f"{label}: {1000 * cpu / n:.2f} ms CPU/request, {counter.count / n:.1f} statements/request")
    return 1000 * cpu / n, counter.count / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="cProfile the registrations")
    parser.add_argument("--statements", action="store_true", help="list one request's statements")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/registration-profile.sqlite3"
    os.environ["BENCH_BASELINE_DATABASE_URL"] = url

    import baseline_app
    import national_data

    from bridgeops import create_app
    from bridgeops.extensions import db

    app = create_app(
        {"DATABASE_URL": url, "TESTING": True, "BASE_URL": "http://bridgeops.test", "SMTP_HOST": ""}
    )
    data = national_data.build(app, log=lambda _line: None)
    baseline_app.create_table()
    units = data.free_units
    client, bare = app.test_client(), baseline_app.app.test_client()
    headers = {"Authorization": f"Bearer {data.officer_token}"}
    path = f"/api/v1/conferences/{data.registration_slug}/points"

    def register(i: int) -> None:
        response = client.post(path, json=register_body(units[i], i), headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)

    def insert(i: int) -> None:
        response = bare.post("/rows", json={"value": f"row {i}"})
        assert response.status_code == 201

    with app.app_context():
        engine = db.engine
    with baseline_app.app.app_context():
        bare_engine = baseline_app.db.engine
    print(f"{url.split(':')[0]}, {args.requests} requests each, load {os.getloadavg()[0]:.2f}")
    bare_ms, bare_statements = measure(insert, args.requests, bare_engine, "bare insert ")
    offset = args.requests + 20
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
    reg_ms, reg_statements = measure(lambda i: register(offset + i), args.requests, engine, "registration")
    if args.profile:
        profiler.disable()
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(os.environ["PROFILE_DUMP"])
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(os.environ.get("PROFILE_FILTER", ""), 60)
    if args.statements:  # one request in the steady state: the token's use already noted
        counter = StatementCounter(engine)
        register(args.requests + 10)
        print("\n".join(f"  {s}" for s in counter.statements))
    print(f"ratio (registration rate / bare rate): {bare_ms / reg_ms:.2f}x")


if __name__ == "__main__":
    main()
