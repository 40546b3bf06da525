"""National scale: ~11,400 points. A sweep's probes fit in one interval and its writes, the
board and the status API stay fast because they work on current-state rows in bulk."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bridgeops.accounts.access import Principal
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.health import board, service
from bridgeops.health.models import PointHealth
from bridgeops.health.probes import ProbePolicy, ProbeResult, parse_networks, run_sweep
from bridgeops.health.windows import window_of
from bridgeops.registration.models import BridgePoint
from bridgeops.units.models import AdminUnit
from tests.health.conftest import move_window_to_now

POINTS = 11_400
DISTRICTS = 705

PEER = textwrap.dedent("""
    import asyncio, socket, sys
    async def answer(reader, writer):
        await reader.readline()
        writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n")
        await writer.drain()
        writer.close()
    async def main():
        server = await asyncio.start_server(answer, "127.0.0.1", 0, backlog=4096)
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(4096)
        print(server.sockets[0].getsockname()[1], silent.getsockname()[1], flush=True)
        await server.serve_forever()
    asyncio.run(main())
""")

#: The listeners of these tests are on loopback, which the default probe policy refuses.
LOOPBACK = ProbePolicy(allow=parse_networks("127.0.0.0/8"))


@pytest.mark.slow
def test_a_national_sweep_with_a_tenth_silent_fits_in_one_interval():
    peer = subprocess.Popen([sys.executable, "-c", PEER], stdout=subprocess.PIPE, text=True)
    try:
        fast, silent = (int(p) for p in peer.stdout.readline().split())
        silent_count = POINTS // 10
        targets = {i: f"http://127.0.0.1:{silent if i < silent_count else fast}/" for i in range(POINTS)}
        started = time.monotonic()
        results = run_sweep(targets, timeout=2.0, policy=LOOPBACK)
        elapsed = time.monotonic() - started
    finally:
        peer.terminate()
        peer.wait()
        peer.stdout.close()
    print(f"\nprobe sweep: {POINTS} targets, {silent_count} silent, 2 s timeout: {elapsed:.1f} s")
    assert sum(r.ok for r in results.values()) == POINTS - silent_count
    assert all(not results[i].ok for i in range(silent_count))
    assert elapsed < 30


def national_points(conference) -> list[int]:
    """A synthetic two-tier tree of 705 districts and their communes under one province."""
    root = conference.host_unit_code
    per_district = (POINTS - 1 - DISTRICTS) // DISTRICTS + 1
    units, districts = [], []
    for d in range(DISTRICTS):
        code = f"9{d:04d}"
        districts.append(code)
        units.append(
            {
                "code": code,
                "name": f"Huyện {d}",
                "name_folded": f"huyen {d}",
                "kind": "huyện",
                "level": "district",
                "parent_code": root,
                "province_code": root,
            }
        )
    communes = []
    for d, district in enumerate(districts):
        for c in range(per_district):
            if len(communes) >= POINTS - 1 - DISTRICTS:
                break
            code = f"8{d:04d}{c:02d}"
            communes.append(code)
            units.append(
                {
                    "code": code,
                    "name": f"Xã {d}-{c}",
                    "name_folded": f"xa {d}-{c}",
                    "kind": "xã",
                    "level": "commune",
                    "parent_code": district,
                    "province_code": root,
                }
            )
    db.session.execute(sa.insert(AdminUnit), units)
    now = utcnow()
    rows = [
        {
            "conference_id": conference.id,
            "unit_code": u["code"],
            "level": u["level"],
            "district_code": u["parent_code"] if u["level"] == "commune" else u["code"],
            "name": f"Điểm cầu {u['name']}",
            "status": "confirmed",
            "version": 1,
            "total_delegates": 0,
            "created_at": now,
            "updated_at": now,
            "probe_target": "tcp://192.0.2.1:1720",
        }
        for u in units
    ]
    db.session.execute(sa.insert(BridgePoint), rows)
    db.session.commit()
    return list(
        db.session.scalars(sa.select(BridgePoint.id).where(BridgePoint.conference_id == conference.id))
    )


@pytest.mark.slow
def test_sweep_writes_board_and_status_stay_fast_at_national_scale(app, demo):
    session = move_window_to_now(demo)
    ids = national_points(demo)
    assert len(ids) == POINTS
    window = window_of(session, utcnow())
    first_district = db.session.scalar(sa.select(BridgePoint.id).where(BridgePoint.unit_code == "90000"))
    behind = set(
        db.session.scalars(
            sa.select(BridgePoint.id).where(
                BridgePoint.district_code == "90000", BridgePoint.level == "commune"
            )
        )
    )
    timings = {}
    outcome = None
    for sweep_number in range(4):
        now = utcnow() + timedelta(seconds=30 * sweep_number)
        failing = {first_district, *behind} if sweep_number else set()
        results = {pid: ProbeResult(pid not in failing, "x") for pid in ids}
        started = time.monotonic()
        outcome = service.apply_sweep(
            demo, window, results, now, failures_before_down=3, heartbeat_fresh_for=timedelta(seconds=90)
        )
        db.session.commit()
        timings[f"sweep {sweep_number}"] = time.monotonic() - started
    assert [(g.kind, g.root_id, len(g.affected)) for g in outcome.groups] == [
        ("down", first_district, len(behind))
    ]
    officer = Principal(kind="officer")
    started = time.monotonic()
    data = board.build_board(officer, demo, utcnow())
    timings["board"] = time.monotonic() - started
    started = time.monotonic()
    rows, total = board.point_rows(officer, demo, offset=0, limit=100)
    timings["status page"] = time.monotonic() - started
    print(
        "\n"
        + ", ".join(f"{k}: {v * 1000:.0f} ms" for k, v in timings.items())
        + f" ({db.engine.dialect.name}, {POINTS} points)"
    )
    assert data.summary.total == POINTS and data.summary.counts["down"] == 1
    assert data.summary.counts["unreachable"] == len(behind)
    assert data.dots is None and len(data.districts) == DISTRICTS
    assert total == POINTS and rows[0].id == first_district
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PointHealth)) == POINTS
    assert max(timings.values()) < 10
