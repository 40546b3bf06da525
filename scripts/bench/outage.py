#!/usr/bin/env python3
"""A database outage under load: how the service answers, how much it logs, how fast it is back.

    .venv/bin/python scripts/bench/outage.py [--outage 20] [--threads 4]

Starts a PostgreSQL server of its own (initdb in a temporary folder), the real service under
gunicorn (deploy/gunicorn.conf.py, 2 workers) on it, and client threads sending API reads and
heartbeats without pause. Stops the database for ``--outage`` seconds (pg_ctl -m immediate),
starts it again, and prints: answers by status during the outage, the service's log lines per
second during it (all, and errors), and the seconds from the database being back to the first
200 of /healthz and of the API.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.live_server import gunicorn  # noqa: E402
from tests.ops.test_outage import _seed  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402
from tests.registration.helpers import point_body  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    server_pg = PgServer()
    server_pg.start()
    try:
        officer, chair = _seed(server_pg.url)
        with gunicorn(server_pg.url, BRIDGEOPS_WORKERS="2") as web:
            created = requests.post(
                f"{web.url}/api/v1/conferences/namdinh-2022/points",
                json=point_body("358"),
                headers={"Authorization": f"Bearer {chair}"},
                timeout=30,
            )
            technician = created.json()["technician_url"].rsplit("/", 1)[1]
            phase = {"name": "before"}
            answers: dict[str, Counter] = {"before": Counter(), "outage": Counter(), "after": Counter()}
            stop = threading.Event()

            def client(n: int) -> None:
                session = requests.Session()
                while not stop.is_set():
                    try:
                        if n % 2:
                            response = session.post(
                                f"{web.url}/api/v1/heartbeat",
                                timeout=30,
                                headers={"Authorization": f"Bearer {technician}"},
                            )
                        else:
                            response = session.get(
                                f"{web.url}/api/v1/conferences/namdinh-2022/points",
                                timeout=30,
                                headers={"Authorization": f"Bearer {officer}"},
                            )
                        answers[phase["name"]][response.status_code] += 1
                    except requests.RequestException as error:
                        answers[phase["name"]][type(error).__name__] += 1

            threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.threads)]
            for thread in threads:
                thread.start()
            time.sleep(3)
            marker = len(web.output)
            phase["name"] = "outage"
            server_pg.stop("immediate")
            time.sleep(args.outage)
            during = web.output[marker:]
            phase["name"] = "after"
            server_pg.start()
            back = time.monotonic()
            recovered: dict[str, float] = {}
            while len(recovered) < 2 and time.monotonic() - back < 60:
                if (
                    "healthz" not in recovered
                    and requests.get(f"{web.url}/healthz", timeout=30).status_code == 200
                ):
                    recovered["healthz"] = time.monotonic() - back
                if (
                    "api" not in recovered
                    and requests.get(
                        f"{web.url}/api/v1/conferences/namdinh-2022/points",
                        timeout=30,
                        headers={"Authorization": f"Bearer {officer}"},
                    ).status_code
                    == 200
                ):
                    recovered["api"] = time.monotonic() - back
                time.sleep(0.02)
            time.sleep(2)
            stop.set()
            for thread in threads:
                thread.join(timeout=35)
    finally:
        server_pg.cleanup()

    lines = [line for line in during if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            parsed.append({"level": "raw"})
    errors = [p for p in parsed if p.get("level") in ("error", "raw")]
    requests_logged = [p for p in parsed if p.get("logger") == "bridgeops.request"]
    result = {
        "outage_seconds": args.outage,
        "answers": {phase: dict(counter) for phase, counter in answers.items()},
        "log_lines": len(lines),
        "log_bytes": sum(len(line.encode()) for line in lines),
        "log_lines_per_second": round(len(lines) / args.outage, 1),
        "error_lines": len(errors),
        "error_lines_per_second": round(len(errors) / args.outage, 2),
        "request_lines": len(requests_logged),
        "tracebacks": sum("Traceback" in line or '"exception"' in line for line in lines),
        "recovery_seconds": {k: round(v, 2) for k, v in recovered.items()},
    }
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
