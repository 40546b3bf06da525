#!/usr/bin/env python3
"""CPU time of the national return's XLSX, for comparing builds on a shared or slow machine.

Run after ``national_data.py`` has filled the database:

    .venv/bin/python scripts/bench/xlsx_profile.py --database-url URL [--repeat 3] [--profile]

Prints, each as the median of ``--repeat`` runs of CPU time (time.process_time, so other
processes on the machine do not count): the XLSX built from the cached document (the builder
alone), the first download of a fresh process (fingerprint, roll-up, document, workbook), a
repeated download, the download on another worker (from the shared table), the download after a
point's counts changed, and the same once the scheduler's job built it; then the builder's peak of
traced Python memory (tracemalloc) and the process's VmHWM.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from national_data import NATIONAL_SLUG  # noqa: E402


def cpu(func, repeat: int) -> tuple[float, object]:
    """Median CPU seconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.process_time()
        result = func()
        times.append(time.process_time() - started)
    return statistics.median(times), result


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="sqlite:///instance/bench-national.sqlite3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one build of the workbook")
    args = parser.parse_args()

    import sqlalchemy as sa

    from bridgeops import create_app
    from bridgeops.conference.service import get_conference
    from bridgeops.core.time import utcnow
    from bridgeops.extensions import db
    from bridgeops.registration.models import BridgePoint, DelegateCount
    from bridgeops.returns import cache, exporters, service
    from bridgeops.returns.models import StoredWorkbook

    app = create_app({"DATABASE_URL": args.database_url})
    with app.app_context():
        conference = get_conference(NATIONAL_SLUG)
        document = json.loads(service.current_document_json(conference))
        print(f"{len(document['points'])} points on {db.engine.dialect.name}, repeat {args.repeat}")

        builder, content = cpu(lambda: exporters.xlsx_bytes(document, utcnow()), args.repeat)
        print(f"XLSX builder (document cached)   {builder:6.3f} s CPU, {len(content) // 1024} KiB")

        def forget_stored() -> None:
            db.session.execute(sa.delete(StoredWorkbook))
            db.session.commit()

        def first() -> bytes:
            cache.clear()
            forget_stored()
            return service.export(conference, "xlsx").content

        cold, _ = cpu(first, args.repeat)
        print(f"first download (nothing cached)  {cold:6.3f} s CPU")
        repeated, _ = cpu(lambda: service.export(conference, "xlsx").content, args.repeat)
        print(f"repeated download                {repeated:6.3f} s CPU")

        def fresh_worker() -> bytes:
            cache.clear()  # another worker or node: only the shared table has it
            return service.export(conference, "xlsx").content

        shared, _ = cpu(fresh_worker, args.repeat)
        print(f"download on another worker       {shared:6.3f} s CPU")

        point_id = db.session.scalar(sa.select(sa.func.min(BridgePoint.id)))
        row = db.session.scalars(sa.select(DelegateCount).where(DelegateCount.point_id == point_id)).first()
        assert row is not None
        original = row.count

        def change() -> None:
            row.count += 1
            db.session.commit()

        try:

            def after_change() -> bytes:
                change()
                return service.export(conference, "xlsx").content

            changed, _ = cpu(after_change, args.repeat)
            print(f"download after a count changed  {changed:6.3f} s CPU")
            prebuilds: list[float] = []

            def after_prebuild() -> bytes:
                change()
                started = time.process_time()
                service.prebuild_workbooks()
                prebuilds.append(time.process_time() - started)
                cache.clear()  # the download comes to a web worker, not to the scheduler
                return service.export(conference, "xlsx").content

            prebuilt, _ = cpu(after_prebuild, args.repeat)
            print(
                f"... once the scheduler built it  {prebuilt - statistics.median(prebuilds):6.3f} s CPU "
                f"(its job: {statistics.median(prebuilds):.3f} s CPU)"
            )
        finally:
            row.count = original
            db.session.commit()
            forget_stored()

        tracemalloc.start()
        exporters.xlsx_bytes(document, utcnow())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"builder traced peak {peak / 2**20:.1f} MiB; process VmHWM {vm_hwm_mb():.0f} MiB")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(exporters.xlsx_bytes, document, utcnow())
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)


if __name__ == "__main__":
    main()
