#!/usr/bin/env python3
"""The national benchmark: ~11,400 points on one instance, each figure next to a baseline
measured in the same run.

    .venv/bin/python scripts/bench/run.py [--database-url postgresql://…/bridgeops_national]
                                          [--duration 10] [--only web|jobs|pages|nodes|registration|mixed]

Starts the real service under gunicorn (deploy/gunicorn.conf.py) on a free loopback port, drives
it with wrk, runs the scheduler's jobs (probe sweep, invite delivery) in a child process against
loopback listeners and a loopback SMTP server, prints a table, and writes
bench-results/latest.json and docs/BENCHMARKS.md. A measurement whose feature is not in this
tree reports "not available: <why>" instead of a number.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import national_data  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
WRK = shutil.which("wrk") or "/usr/bin/wrk"
LUA = HERE / "lua"
SILENT_SHARE = 0.10
INVITES_TARGET = 45_000
DELIVERY_INTERVAL = 5.0  # the scheduler's outbox job interval (bridgeops/mail/jobs.py)


#: The packages the figures depend on; their versions go into every result's header.
VERSIONED_PACKAGES = (
    "flask",
    "werkzeug",
    "jinja2",
    "sqlalchemy",
    "psycopg",
    "gunicorn",
    "xlsxwriter",
    "flask-limiter",
    "redis",
    "pydantic",
)


def dependency_versions() -> dict[str, str]:
    """name → installed version of VERSIONED_PACKAGES (and wrk), so two runs can be compared."""
    from importlib import metadata

    versions = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run([WRK, "-v"], capture_output=True, text=True, timeout=10)
        versions["wrk"] = (out.stdout + out.stderr).split()[1]
    return versions


# --- Results ------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    value: float | None = None
    unit: str = ""
    baseline_name: str = ""
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""

    def cells(self) -> list[str]:
        if self.value is None:
            return [self.name, "—", "—", "—", self.target, self.note]
        base = f"{_fmt(self.baseline)} {self.unit} ({self.baseline_name})" if self.baseline else ""
        verdict = {True: "✅ ", False: "❌ ", None: ""}[self.ok]
        return [
            self.name,
            f"{_fmt(self.value)} {self.unit}",
            base,
            f"{self.ratio:.2f}×" if self.ratio is not None else "",
            f"{verdict}{self.target}",
            self.note,
        ]


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


class Results:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.extra: dict = {}

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print("  " + " | ".join(c for c in row.cells() if c), flush=True)
        return row

    def missing(self, name: str, why: str, target: str = "") -> None:
        self.add(Row(name, target=target, note=f"not available: {why}"))

    def table(self) -> str:
        head = ["measurement", "value", "baseline (same run)", "ratio", "target", "note"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "/") for c in r.cells()) + " |" for r in self.rows]
        return "\n".join(lines)


def has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


# --- Processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def vm_hwm_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(match.group(1)) / 1024 if match else None


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port."""

    def __init__(self, app: str, env: dict[str, str], logdir: Path, name: str, chdir: Path = ROOT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (logdir / f"{name}.log").open("w")
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--chdir",
                str(chdir),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                str(logdir / f"{name}.access"),
                "--error-logfile",
                "-",
                app,
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str = "/healthz", timeout: float = 180) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log.name}")
            with contextlib.suppress(requests.RequestException):
                # Every worker up, not only the first.
                if (
                    requests.get(self.url + path, timeout=2).status_code < 500
                    and len(children_of(self.process.pid)) >= self.workers()
                ):
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn not ready: see {self.log.name}")

    def wait_warm(self, timeout: float = 180) -> float:
        """Wait until every worker's warm-up (bridgeops.ops.warmup) has finished, so that a
        throughput run and its baseline share the CPU with nothing else; the seconds waited."""
        started = time.monotonic()
        log = Path(self.log.name)
        while time.monotonic() - started < timeout:
            self.log.flush()
            if log.read_text(errors="replace").count("warm-up done") >= self.workers():
                break
            time.sleep(0.3)
        return time.monotonic() - started

    def workers(self) -> int:
        return int(os.environ.get("BRIDGEOPS_WORKERS", min((os.cpu_count() or 1) * 2 + 1, 9)))

    def worker_hwm_mb(self) -> list[float]:
        return [m for m in (vm_hwm_mb(p) for p in children_of(self.process.pid)) if m is not None]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def wrk(
    url: str, script: str, *args: str, threads: int = 2, connections: int = 16, duration: float = 10
) -> dict:
    """Run wrk with one of our Lua scripts; the parsed JSON line of lua/report.lua."""
    command = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA / script),
        url,
    ]
    if args:
        command += ["--", *args]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    for line in out.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON ") :])
    raise RuntimeError(f"wrk gave no result: {out.stdout}\n{out.stderr}")


# --- Web measurements ---------------------------------------------------------------------------


def measure_rates(
    results: Results, web: Gunicorn, baseline: Gunicorn | None, data, files: dict, duration: float
) -> None:
    healthz = wrk(web.url + "/healthz", "get.lua", duration=duration)
    results.extra["healthz"] = healthz
    if has("bridgeops.health.api"):
        beat = wrk(web.url, "heartbeat.lua", str(files["tokens"]), duration=duration)
        results.extra["heartbeat"] = beat
        ratio = beat["rps"] / healthz["rps"]
        results.add(
            Row(
                "heartbeat ingestion",
                beat["rps"],
                "req/s",
                "GET /healthz",
                healthz["rps"],
                ratio,
                "≥ 0.7×",
                ratio >= 0.7,
                _errors(beat) + f"p95 {beat['p95_ms']:.0f} ms",
            )
        )
    else:
        results.missing("heartbeat ingestion", "POST /api/v1/heartbeat (health) not in this tree", "≥ 0.7×")
    measure_registration(results, web, baseline, data, files, duration)


#: Baseline and registration runs, alternately: on a shared machine the rate drifts by up to
#: 1.6x between two runs of 10 s, and each pair's ratio takes its two rates at nearly the same
#: time. The row shows the pair with the median ratio; the note lists every pair's.
REGISTRATION_PAIRS = 3


def measure_registration(
    results: Results, web: Gunicorn, baseline: Gunicorn | None, data, files: dict, duration: float
) -> None:
    if has("bridgeops.registration.api") and baseline is not None:
        pairs, ran_out = [], 0
        for units, size in _unit_shares(files["units"], data.free_units, REGISTRATION_PAIRS):
            insert = wrk(baseline.url + "/rows", "baseline_insert.lua", duration=duration)
            register = _register(web, data, {**files, "units": units}, duration)
            pairs.append((_good_rate(register) / insert["rps"], insert, register))
            # register.lua starts its list over when it runs out: every request after is a 409.
            ran_out += register["requests"] > size
        results.extra["registration_pairs"] = [{"baseline_insert": i, "registration": r} for _, i, r in pairs]
        ratio, insert, register = sorted(pairs, key=lambda pair: pair[0])[len(pairs) // 2]
        ratios = ", ".join(f"{r:.2f}×" for r, _, _ in pairs)
        errors = sum(r["errors_status"] + r["errors_socket"] for _, _, r in pairs)
        results.add(
            Row(
                "registration POST (201s)",
                _good_rate(register),
                "req/s",
                "bare 1-row insert",
                insert["rps"],
                ratio,
                "≥ 0.5×",
                ratio >= 0.5,
                (f"{errors} errors; " if errors else "")
                + (f"{ran_out} runs ran out of units (rate capped; shorten --duration); " if ran_out else "")
                + f"median of {len(pairs)} alternate pairs ({ratios}); p95 {register['p95_ms']:.0f} ms",
            )
        )
    else:
        results.missing("registration POST", "POST …/points (registration API) not in this tree", "≥ 0.5×")


def _unit_shares(path: Path, units: list[str], parts: int) -> list[tuple[Path, int]]:
    """``units`` in ``parts`` files beside ``path``, none shared, each with its number of units:
    each run registers points for units no earlier run took. A run's share caps its rate (10,598
    communes in three shares: ~350 registrations a second over 10 s); the row says when a run
    went past it."""
    shares = []
    for part in range(parts):
        share, chosen = path.with_name(f"{path.stem}-{part + 1}{path.suffix}"), units[part::parts]
        share.write_text("\n".join(chosen) + "\n")
        shares.append((share, len(chosen)))
    return shares


def _register(web: Gunicorn, data, files: dict, duration: float, connections: int = 16) -> dict:
    """wrk POSTing a new point per request. One wrk thread: one Lua state hands out each unit
    once."""
    return wrk(
        web.url,
        "register.lua",
        str(files["units"]),
        data.officer_token,
        data.registration_slug,
        threads=1,
        connections=connections,
        duration=duration,
    )


def _good_rate(report: dict) -> float:
    """Requests per second that got a 2xx."""
    return (report["requests"] - report["errors_status"]) / (report["duration_us"] / 1e6)


def measure_mixed(results: Results, web: Gunicorn, data, files: dict, duration: float) -> None:
    """Heartbeats alone, then during a registration burst on the same instance: what the
    registrations' turns on SQLite's write lock (``core/writeturn.py``) cost the heartbeats,
    which write without a turn."""
    from concurrent.futures import ThreadPoolExecutor

    alone = wrk(web.url, "heartbeat.lua", str(files["tokens"]), threads=1, connections=8, duration=duration)
    with ThreadPoolExecutor(2) as pool:
        beats = pool.submit(
            wrk, web.url, "heartbeat.lua", str(files["tokens"]), threads=1, connections=8, duration=duration
        )
        burst = pool.submit(_register, web, data, files, duration, 8)
        mixed, registered = beats.result(), burst.result()
    results.extra["heartbeats_alone"], results.extra["heartbeats_mixed"] = alone, mixed
    results.extra["registration_burst"] = registered
    results.add(
        Row(
            "heartbeats during a registration burst",
            mixed["rps"],
            "req/s",
            "heartbeats alone, same connections",
            alone["rps"],
            mixed["rps"] / alone["rps"],
            "measured (no target)",
            None,
            _errors(mixed) + f"p95 {mixed['p95_ms']:.0f} ms vs {alone['p95_ms']:.0f} ms alone; "
            f"{_good_rate(registered):.0f} registrations/s meanwhile "
            f"({_errors(registered)}p95 {registered['p95_ms']:.0f} ms)",
        )
    )


def _errors(report: dict) -> str:
    bad = report["errors_status"] + report["errors_socket"]
    return f"{bad} errors of {report['requests']}; " if bad else ""


def raw_read_seconds(app, conference_id: int) -> float:
    """The same rows the return reads (points and their counts), fetched raw, median of 5."""
    import sqlalchemy as sa

    from bridgeops.extensions import db

    query = sa.text(
        "SELECT p.unit_code, p.name, p.level, p.district_code, p.status, p.total_delegates, "
        "c.category_code, c.count FROM bridge_point p LEFT JOIN delegate_count c "
        "ON c.point_id = p.id WHERE p.conference_id = :cid"
    )
    timings = []
    with app.app_context():
        for _ in range(5):
            started = time.perf_counter()
            with db.engine.connect() as conn:
                conn.execute(query, {"cid": conference_id}).fetchall()
            timings.append(time.perf_counter() - started)
        db.session.remove()
    return statistics.median(timings)


def measure_return(results: Results, app, web: Gunicorn, data) -> None:
    import requests

    if not has("bridgeops.returns.api"):
        for fmt in ("JSON", "CSV", "XLSX"):
            results.missing(f"national return {fmt}", "returns not in this tree")
        return
    raw = raw_read_seconds(app, data.conference_id)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {data.officer_token}"
    url = f"{web.url}/api/v1/conferences/{data.slug}/return"
    cases = [("json", 0.5, 5), ("csv", 1.0, 5), ("xlsx", 3.0, 3), ("xlsx-changed", 3.0, 3)]
    prebuild = _prebuild_job(app)
    if prebuild is not None:
        cases.append(("xlsx-prebuilt", 3.0, 3))
    for fmt, limit, runs in cases:
        timings, size, builds = [], 0, []
        changed, prebuilt = fmt == "xlsx-changed", fmt == "xlsx-prebuilt"
        fmt = fmt.removesuffix("-changed").removesuffix("-prebuilt")
        for _ in range(runs):
            if changed or prebuilt:  # one count moves: every worker's cached file is stale
                _touch_a_count(app, data.conference_id)
            if prebuilt and prebuild is not None:  # the scheduler's next look builds it
                started = time.perf_counter()
                prebuild()
                builds.append(time.perf_counter() - started)
            started = time.perf_counter()
            response = session.get(url, params={"format": fmt} if fmt != "json" else None, timeout=120)
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
            size = len(response.content)
        median = statistics.median(timings)
        name = f"national return {fmt.upper()}"
        if changed:
            name += ", first after a change"
        elif prebuilt:
            name += ", first after a change the scheduler has built"
        note = f"median of {runs}, max {max(timings):.2f} s, {size // 1024} KiB"
        if builds:
            note += f"; the job's build {statistics.median(builds):.2f} s"
        results.add(
            Row(
                name,
                median,
                "s",
                "raw read of its rows",
                raw,
                median / raw,
                f"≤ {limit:g} s",
                median <= limit,
                note,
            )
        )


def _prebuild_job(app):
    """The scheduler's workbook job, run in this process against the service's database; None
    in a tree without it."""
    try:
        from bridgeops.returns.service import prebuild_workbooks
    except ImportError:
        return None

    def run() -> None:
        from bridgeops.extensions import db

        with app.app_context():
            prebuild_workbooks()
            db.session.remove()

    return run


def _touch_a_count(app, conference_id: int) -> None:
    """One delegate count of the conference goes up by one, as a chair's edit would."""
    import sqlalchemy as sa

    from bridgeops.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE delegate_count SET count = count + 1 WHERE point_id = "
                    "(SELECT min(id) FROM bridge_point WHERE conference_id = :cid) "
                    "AND category_code = (SELECT min(category_code) FROM delegate_count WHERE point_id = "
                    "(SELECT min(id) FROM bridge_point WHERE conference_id = :cid))"
                ),
                {"cid": conference_id},
            )
        db.session.remove()


def measure_return_pages(results: Results, web: Gunicorn, data) -> None:
    """The national return's dashboard and printed page, province by province (and one
    province opened), against the budget of the files: ≤ 0.5 s and ≤ 300 KB of HTML."""
    import requests

    if not has("bridgeops.returns.national"):
        results.missing("national return pages", "returns.national not in this tree")
        return
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {data.officer_token}"
    base = f"{web.url}/conferences/{data.slug}/return"
    cases = [
        ("national return dashboard page", base, None),
        ("national return print page", base + "/print", None),
        ("one province's return page (national)", base, {"province": "01"}),
    ]
    runs = 10  # two a worker: its first request builds that process's cached roll-up
    for name, url, params in cases:
        timings, size = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            response = session.get(url, params=params, timeout=120)
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
            size = len(response.content)
        median = statistics.median(timings)
        results.add(
            Row(
                name,
                median,
                "s",
                "",
                None,
                None,
                "≤ 0.5 s, ≤ 300 KB",
                median <= 0.5 and size <= 300 * 1024,
                f"median of {runs}, max {max(timings):.2f} s (a cold worker), {size // 1024} KiB HTML",
            )
        )


#: Provinces since the 2025 reform: the federation row's simulated submitters.
FEDERATION_PROVINCES = 34


def _province_bodies(app, data) -> list[tuple[str, str, bytes]]:
    """(credential, sha256, body) of 34 provinces, each registered at this (TW) instance, each
    body a province's part of the national return frozen as that province would send it."""
    from bridgeops.conference.service import get_conference
    from bridgeops.core.time import utcnow
    from bridgeops.extensions import db
    from bridgeops.federation import service as federation
    from bridgeops.returns import document as documents
    from bridgeops.returns import national
    from bridgeops.returns import service as returns

    def total(districts: list[dict], status: str) -> dict:
        tally = {"points": 0, "delegates": 0, "counts": {}}
        for district in districts:
            tally["points"] += district[status]["points"]
            tally["delegates"] += district[status]["delegates"]
            for code, n in district[status]["counts"].items():
                tally["counts"][code] = tally["counts"].get(code, 0) + n
        return tally

    bodies = []
    with app.app_context():
        document = returns.current_document(get_conference(data.slug))
        province_of = national.province_of_groups(document)
        codes = sorted(set(province_of.values()))[:FEDERATION_PROVINCES]
        names = national.province_names(set(codes))
        for code in codes:
            part = national.document_by_province(document, province_of, code)
            part["conference"] = {
                **part["conference"],
                "slug": f"tinh-{code}",
                "host_unit_code": code,
                "host_name": names[code],
            }
            part["totals"] = {
                status: total(part["districts"], status) for status in ("confirmed", "draft", "registered")
            }
            part["totals"]["withdrawn_points"] = sum(d["withdrawn_points"] for d in part["districts"])
            sha256 = documents.sha256_of(part)
            token = federation.register_province(code, names[code]).token
            bodies.append(
                (
                    token,
                    sha256,
                    json.dumps(
                        {**part, "sha256": sha256, "frozen_at": utcnow().isoformat(), "frozen_by": "bench"},
                        ensure_ascii=False,
                    ).encode(),
                )
            )
        db.session.commit()
        db.session.remove()
    return bodies


def measure_federation(results: Results, app, web: Gunicorn, baseline: Gunicorn | None, data) -> None:
    """34 provinces submit to one TW instance at once; the time until TW's national roll-up
    has every one of them, beside the same 34 bodies POSTed to the bare insert app."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    if not has("bridgeops.federation.service"):
        results.missing("federation roll-up", "federation not in this tree")
        return
    bodies = _province_bodies(app, data)
    receive = f"{web.url}/api/v1/federation/conferences/{data.slug}/returns"

    def submit(item: tuple[str, str, bytes]) -> int:
        token, sha256, body = item
        return requests.post(
            receive,
            data=body,
            timeout=120,
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": sha256,
                "Content-Type": "application/json",
            },
        ).status_code

    def bare(item: tuple[str, str, bytes]) -> int:
        assert baseline is not None
        return requests.post(
            baseline.url + "/rows", data=item[2], timeout=120, headers={"Content-Type": "application/json"}
        ).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        base = None
        if baseline is not None:
            started = time.perf_counter()
            list(pool.map(bare, bodies))
            base = time.perf_counter() - started
        started = time.perf_counter()
        statuses = list(pool.map(submit, bodies))
        rollup = requests.get(
            f"{web.url}/api/v1/federation/conferences/{data.slug}/rollup",
            headers={"Authorization": f"Bearer {data.officer_token}"},
            timeout=120,
        ).json()
        elapsed = time.perf_counter() - started
    complete = rollup.get("submitted") == len(bodies) and statuses.count(201) == len(bodies)
    size = sum(len(b) for _, _, b in bodies) // len(bodies) // 1024
    results.add(
        Row(
            f"federation: {len(bodies)} provinces submit, national roll-up",
            elapsed,
            "s",
            f"{len(bodies)} bare POSTs",
            base,
            elapsed / base if base else None,
            "complete, one request's time",
            complete,
            f"{statuses.count(201)} × 201, roll-up has {rollup.get('submitted')}; ~{size} KiB a body",
        )
    )


def measure_board(results: Results, web: Gunicorn, data, duration: float) -> None:
    if not has("bridgeops.health.views"):
        results.missing("board page and status API", "health not in this tree", "p95 ≤ 150 ms")
        return
    light = wrk(web.url + "/healthz", "get.lua", threads=1, connections=2, duration=duration)
    base = light["p95_ms"]
    cases = [
        ("officer board page (national)", f"/conferences/{data.slug}/board", data.officer_token, 150),
        ("status API (national)", f"/api/v1/conferences/{data.slug}/status", data.officer_token, 150),
        ("district board page (chair)", f"/conferences/{data.slug}/board", data.chair_token, 50),
        ("district status API (chair)", f"/api/v1/conferences/{data.slug}/status", data.chair_token, 50),
    ]
    for name, path, token, limit in cases:
        report = wrk(web.url + path, "get.lua", token, threads=1, connections=2, duration=duration)
        results.extra[name] = report
        results.add(
            Row(
                name,
                report["p95_ms"],
                "ms p95",
                "GET /healthz p95",
                base,
                report["p95_ms"] / base if base else None,
                f"p95 ≤ {limit} ms",
                report["p95_ms"] <= limit and report["errors_status"] == 0,
                _errors(report) + f"{report['rps']:.0f} req/s at 2 connections",
            )
        )


def _workers() -> int:
    return int(os.environ.get("BRIDGEOPS_WORKERS", min((os.cpu_count() or 1) * 2 + 1, 9)))


def measure_nodes(
    results: Results, url: str, workdir: Path, files: dict, duration: float, redis_url: str
) -> None:
    """Heartbeats over two web nodes (two gunicorn instances on their own ports, one database,
    rate limits in Redis), wrk split over both at once, beside one node taking the same load.
    On one machine both nodes share its CPUs: this shows the split works (no errors, nothing
    serialised between the nodes), not what a second host's CPUs add."""
    env = {
        "BRIDGEOPS_DATABASE_URL": url,
        "BRIDGEOPS_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnop",
        "BRIDGEOPS_BASE_URL": "http://bridgeops.bench",
        "BRIDGEOPS_SMTP_HOST": "",
        "BRIDGEOPS_OUTBOX_DIR": str(workdir / "outbox"),
        "BRIDGEOPS_RATELIMIT_STORAGE_URI": redis_url,
        "BRIDGEOPS_RATELIMIT_KEY_PREFIX": "bench-nodes",
    }
    nodes = [Gunicorn("wsgi:app", env, workdir, f"node{i}") for i in (1, 2)]
    try:
        for node in nodes:
            node.wait_ready()
        from concurrent.futures import ThreadPoolExecutor

        one = wrk(nodes[0].url, "heartbeat.lua", str(files["tokens"]), duration=duration)
        with ThreadPoolExecutor(2) as pool:
            both = list(
                pool.map(
                    lambda node: wrk(
                        node.url,
                        "heartbeat.lua",
                        str(files["tokens"]),
                        threads=1,
                        connections=8,
                        duration=duration,
                    ),
                    nodes,
                )
            )
    finally:
        for node in nodes:
            node.stop()
    results.extra["nodes"] = {"one": one, "two": both}
    total = sum(r["rps"] for r in both)
    errors = sum(r["errors_status"] + r["errors_socket"] for r in both)
    p95 = max(r["p95_ms"] for r in both)
    split = " + ".join(f"{r['rps']:.0f}" for r in both)
    results.add(
        Row(
            "heartbeats over two web nodes",
            total,
            "req/s",
            "one node, same load",
            one["rps"],
            total / one["rps"],
            "≥ 0.9× of one node, 0 errors",
            total >= 0.9 * one["rps"] and errors == 0,
            f"{errors} errors; p95 {p95:.0f} ms vs {one['p95_ms']:.0f} ms; "
            f"{split} req/s; {_workers()} workers a node; "
            "both nodes on this machine's CPUs; rate limits in Redis",
        )
    )


# --- Scheduler jobs (child process) -------------------------------------------------------------


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_jobs(config: dict) -> None:
    """Run in a child process: what the scheduler does, at national scale. Prints one JSON line."""
    import logging

    from bridgeops import create_app
    from bridgeops.extensions import db

    logging.basicConfig(level=logging.WARNING)
    out: dict = {}
    app = create_app(
        {
            "DATABASE_URL": config["database_url"],
            "TESTING": True,
            "SMTP_HOST": "127.0.0.1" if config.get("smtp_port") else "",
            "SMTP_PORT": config.get("smtp_port") or 25,
            "SMTP_STARTTLS": False,
            "PROBE_TIMEOUT": 2.0,
            "PROBE_INTERVAL": 30,
            "PROBE_ALLOW": "127.0.0.0/8",  # the bench's targets are on loopback
            "BASE_URL": "http://bridgeops.bench",
            "OUTBOX_DIR": config["outbox_dir"],
        }
    )
    if has("bridgeops.health.jobs"):
        from bridgeops.health import probes
        from bridgeops.health import service as health
        from bridgeops.health.jobs import run_probe_sweep

        with app.app_context():
            targets = health.probe_targets([config["conference_id"]])
            db.session.remove()
        cpu, started = cpu_seconds(), time.perf_counter()
        results = probes.run_sweep(
            targets, timeout=2.0, policy=probes.ProbePolicy(allow=probes.parse_networks("127.0.0.0/8"))
        )
        out["probes"] = {
            "targets": len(targets),
            "ok": sum(r.ok for r in results.values()),
            "seconds": time.perf_counter() - started,
            "cpu": cpu_seconds() - cpu,
        }
        for label in ("sweep_first", "sweep_steady"):
            cpu, started = cpu_seconds(), time.perf_counter()
            with app.app_context():
                outcomes = run_probe_sweep(app)
                db.session.remove()
            out[label] = {
                "seconds": time.perf_counter() - started,
                "cpu": cpu_seconds() - cpu,
                "checked": sum(o.checked for o in outcomes),
            }
    prebuild = _prebuild_job(app)
    if prebuild is not None:  # nothing stored yet: the job builds every open conference's workbook
        cpu, started = cpu_seconds(), time.perf_counter()
        prebuild()
        out["workbooks"] = {"seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu}
    if config.get("smtp_port") and has("bridgeops.invites.service"):
        out["mail"] = _child_invites(app, config)
    out["vm_hwm_mb"] = vm_hwm_mb(os.getpid())
    print("JOBSJSON " + json.dumps(out), flush=True)


def child_queue(config: dict) -> None:
    """Run in a child process: every technician's invites queued, session by session, as a
    change of each session would queue them. Prints one JSON line."""
    import sqlalchemy as sa

    from bridgeops import create_app
    from bridgeops.conference.models import Conference, ConferenceSession
    from bridgeops.extensions import db
    from bridgeops.invites import service as invites
    from bridgeops.mail.models import OutboxMessage

    app = create_app(
        {
            "DATABASE_URL": config["database_url"],
            "TESTING": True,
            "BASE_URL": "http://bridgeops.bench",
            "OUTBOX_DIR": config["outbox_dir"],
        }
    )
    out: dict = {"sessions": []}
    with app.app_context():
        conference = db.session.get(Conference, config["conference_id"])
        session_ids = [s.id for s in conference.sessions]
        for session_id in session_ids:
            started = time.perf_counter()
            invites.reconcile_session(db.session.get(ConferenceSession, session_id))
            db.session.commit()
            db.session.expunge_all()
            out["sessions"].append(time.perf_counter() - started)
        out["queued"] = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.conference_id == config["conference_id"])
        )
        db.session.remove()
    out["vm_hwm_mb"] = vm_hwm_mb(os.getpid())
    print("QUEUEJSON " + json.dumps(out), flush=True)


def _child_invites(app, config: dict) -> dict:
    import smtplib

    import sqlalchemy as sa

    from bridgeops.extensions import db
    from bridgeops.mail import jobs as mail_jobs
    from bridgeops.mail.models import OutboxMessage

    result: dict = {}
    with app.app_context():
        result["queued"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
        # Invites are rendered at delivery: the baseline sends the same messages, rendered here.
        from bridgeops.mail.service import render

        sample = [
            render(m)
            for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id).limit(2000))
        ]
        db.session.rollback()
        db.session.remove()

    # Baseline: the same messages straight through smtplib on one connection.
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", config["smtp_port"], timeout=30) as smtp:
        for mime in sample:
            smtp.sendmail("bench@bench.test", ["ktv@bench.test"], mime)
    result["raw_rate"] = len(sample) / (time.perf_counter() - started)

    # The outbox job at the scheduler's cadence: a run every DELIVERY_INTERVAL seconds, a run
    # that overruns its interval makes the next tick wait (max_instances=1).
    started = time.perf_counter()
    runs = 0
    with app.app_context():
        while True:
            mail_jobs.deliver(app)
            runs += 1
            left = db.session.scalar(
                sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
            db.session.remove()
            if not left or time.perf_counter() - started > config.get("mail_budget", 300):
                break
            elapsed = time.perf_counter() - started
            next_tick = math.ceil(elapsed / DELIVERY_INTERVAL + 1e-9) * DELIVERY_INTERVAL
            time.sleep(max(0.0, next_tick - elapsed))
        sent = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
        )
        db.session.remove()
    result.update(deliver_seconds=time.perf_counter() - started, runs=runs, sent=sent, left=left)
    return result


def _queue_invites(results: Results, config: dict) -> None:
    queued = subprocess.run(
        [PYTHON, str(Path(__file__)), "--child-queue", json.dumps(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=3600,
    )
    line = next((ln for ln in queued.stdout.splitlines() if ln.startswith("QUEUEJSON ")), None)
    if line is None:
        raise RuntimeError(f"queue child failed:\n{queued.stderr[-5000:]}")
    queue = json.loads(line[len("QUEUEJSON ") :])
    results.extra["queue"] = queue
    worst = max(queue["sessions"])
    results.add(
        Row(
            "invites queued for one session change",
            worst,
            "s",
            "gunicorn timeout",
            60.0,
            worst / 60,
            "≤ 60 s (one request)",
            worst <= 60,
            f"{queue['queued']:,} invites over {len(queue['sessions'])} sessions; "
            f"peak {queue['vm_hwm_mb']:.0f} MB in the process that queued them",
        )
    )


def invites_row(mail: dict, smtp_counts: dict) -> Row:
    """Delivery time next to what bare smtplib needs for as many messages (same run's rate)."""
    rate = mail["sent"] / mail["deliver_seconds"]
    raw_seconds = mail["sent"] / mail["raw_rate"]
    return Row(
        f"invites delivered ({mail['sent']:,})",
        mail["deliver_seconds"],
        "s",
        "bare smtplib, one connection, same messages",
        raw_seconds,
        mail["deliver_seconds"] / raw_seconds,
        "≤ 300 s",
        mail["deliver_seconds"] <= 300 and not mail["left"],
        f"{rate:.0f} msg/s vs {mail['raw_rate']:.0f} msg/s raw; {mail['queued']:,} queued at the start, "
        "the rest fed from the registrations' due marks by the same job; "
        f"{smtp_counts.get('connections', '?')} SMTP connections, {mail['runs']} outbox "
        f"run{'s' if mail['runs'] != 1 else ''} at the scheduler's 5 s cadence",
    )


def measure_jobs(results: Results, config: dict, workdir: Path) -> None:
    smtp = None
    if has("bridgeops.invites.service") and has("bridgeops.mail.transport"):
        smtp = subprocess.Popen([PYTHON, str(HERE / "smtp_sink.py")], stdout=subprocess.PIPE, text=True)
        config["smtp_port"] = json.loads(smtp.stdout.readline())["port"]
    config["outbox_dir"] = str(workdir / "outbox")
    try:
        if smtp is not None:
            _queue_invites(results, config)
        child = subprocess.run(
            [PYTHON, str(Path(__file__)), "--child-jobs", json.dumps(config)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=1800,
        )
    finally:
        smtp_counts = {}
        if smtp is not None:
            smtp.send_signal(signal.SIGTERM)
            smtp_counts = json.loads(smtp.stdout.readline() or "{}")
            smtp.wait(10)
    line = next((ln for ln in child.stdout.splitlines() if ln.startswith("JOBSJSON ")), None)
    if line is None:
        raise RuntimeError(f"jobs child failed:\n{child.stdout[-3000:]}\n{child.stderr[-5000:]}")
    out = json.loads(line[len("JOBSJSON ") :])
    results.extra["jobs"] = out
    results.extra["smtp"] = smtp_counts

    if "sweep_steady" in out:
        probes_only = out["probes"]
        silent = probes_only["targets"] - probes_only["ok"]
        for label, key in (
            ("probe sweep: probes only", "probes"),
            ("probe sweep: full job (first)", "sweep_first"),
            ("probe sweep: full job (steady)", "sweep_steady"),
        ):
            sweep = out[key]
            results.add(
                Row(
                    label,
                    sweep["seconds"],
                    "s",
                    "probe interval",
                    30.0,
                    sweep["seconds"] / 30,
                    "≤ 30 s",
                    sweep["seconds"] <= 30,
                    f"CPU {sweep['cpu']:.1f} s; {probes_only['targets']} targets, "
                    f"{silent} not answering (2 s timeout)",
                )
            )
    else:
        results.missing("probe sweep", "health sweep (bridgeops.health.jobs) not in this tree", "≤ 30 s")

    workbooks = out.get("workbooks")
    if workbooks:
        from bridgeops.returns.jobs import PREBUILD_INTERVAL

        results.add(
            Row(
                "return workbooks job (the national return changed)",
                workbooks["seconds"],
                "s",
                "job interval",
                PREBUILD_INTERVAL,
                workbooks["seconds"] / PREBUILD_INTERVAL,
                f"≤ {PREBUILD_INTERVAL} s",
                workbooks["seconds"] <= PREBUILD_INTERVAL,
                f"CPU {workbooks['cpu']:.1f} s; roll-up, document and XLSX of the national conference "
                "(11,366 points) and of the registration one, stored for every worker",
            )
        )
    mail = out.get("mail")
    if mail:
        results.add(invites_row(mail, smtp_counts))
    else:
        results.missing("45,000 invites over SMTP", "invites and SMTP delivery not in this tree", "≤ 300 s")
    if "vm_hwm_mb" in out and ("sweep_steady" in out or mail):
        hwm = out["vm_hwm_mb"]
        results.add(
            Row(
                "scheduler peak memory",
                hwm,
                "MB",
                "",
                None,
                None,
                "≤ 200 MB",
                hwm <= 200,
                "VmHWM of one process running the sweep, workbook and delivery jobs above",
            )
        )
    else:
        results.missing("scheduler peak memory", "no scheduler job to run in this tree", "≤ 200 MB")


# --- Report -------------------------------------------------------------------------------------


def db_version(app) -> str:
    import sqlalchemy as sa

    from bridgeops.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            version = db.session.scalar(sa.text("SHOW server_version"))
            name = "PostgreSQL"
        else:
            version = db.session.scalar(sa.text("SELECT sqlite_version()"))
            name = "SQLite (WAL)"
        db.session.remove()
    return f"{name} {version}"


def machine() -> dict:
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.machine(),
    )
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(int(mem) / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
    }


def write_reports(results: Results, meta: dict, partial: bool = False) -> None:
    """latest.json, latest-<database>.json and docs/BENCHMARKS.md. A partial run (--only) keeps
    the other rows of the previous run of that database, marked with their date."""
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    key = "postgresql" if meta["database"].startswith("PostgreSQL") else "sqlite"
    rows = [asdict(r) for r in results.rows]
    previous = out / f"latest-{key}.json"
    if partial and previous.exists():
        old = json.loads(previous.read_text())
        names = {r["name"] for r in rows}
        kept = [
            {
                **r,
                "note": r["note"]
                if "(run of " in r["note"]
                else f"{r['note']} (run of {old['date']})".strip(),
            }
            for r in old["rows"]
            if r["name"] not in names
        ]
        rows += kept
        meta = {**meta, "earlier_rows_from": old["date"]}
        results.extra = {**old.get("raw", {}), **results.extra}
    document = {**meta, "rows": rows, "raw": results.extra}
    (out / "latest.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    (out / f"latest-{key}.json").write_text(json.dumps(document, indent=2, ensure_ascii=False))
    write_markdown(out)
    print(f"\nwrote {out / 'latest.json'} and docs/BENCHMARKS.md")


def rerender(out: Path) -> None:
    """Rebuild the rows that are derived from raw numbers (the invites row), then the page."""
    for path in out.glob("latest-*.json"):
        doc = json.loads(path.read_text())
        mail = doc["raw"].get("jobs", {}).get("mail")
        if mail:
            doc["rows"] = [
                _rebuilt_invites_row(r, mail, doc["raw"].get("smtp", {}))
                if r["name"].startswith("invites delivered")
                else r
                for r in doc["rows"]
            ]
            path.write_text(json.dumps(doc, indent=2, ensure_ascii=False))
    write_markdown(out)


def _rebuilt_invites_row(old: dict, mail: dict, smtp: dict) -> dict:
    """The invites row from its raw numbers, keeping the "(run of …)" of a partial rerun."""
    row = asdict(invites_row(mail, smtp))
    run_of = re.search(r" \(run of [^)]*\)$", old["note"])
    if run_of:
        row["note"] += run_of.group(0)
    return row


def write_markdown(out: Path) -> None:
    """docs/BENCHMARKS.md: the latest table of each database, with the machine it ran on."""
    parts = [
        "# Benchmarks: one national instance",
        "",
        "Written by `scripts/bench/run.py` (run by hand; not part of the test command). Each figure "
        "stands next to a baseline measured in the same run on the same machine. National data set: "
        "every GSO unit (63 provinces, 705 districts, 10,598 communes) has one bridge point with "
        "realistic counts and one or two technicians (`scripts/bench/national_data.py`).",
        "",
    ]
    for key, title in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        path = out / f"latest-{key}.json"
        if not path.exists():
            continue
        doc = json.loads(path.read_text())
        rows = [Row(**r) for r in doc["rows"]]
        table = Results()
        table.rows = rows
        m = doc["machine"]
        parts += [
            f"## {title}",
            "",
            f"{doc['date']} · {doc['database']} · {m['nproc']} CPUs ({m['cpu']}), "
            f"{m['memory_gb']} GB · Python {m['python']} · {m['os']} · gunicorn "
            f"{doc['gunicorn']['workers']} workers × {doc['gunicorn']['threads']} threads · "
            f"{doc['points']:,} points, {doc['technicians']:,} technicians · wrk "
            f"{doc['wrk_seconds']:g} s per run"
            + (
                " · " + ", ".join(f"{k} {v}" for k, v in doc["versions"].items())
                if doc.get("versions")
                else ""
            ),
            "",
            table.table(),
            "",
        ]
    notes = ROOT / "docs" / "benchmarks-notes.md"
    if notes.exists():
        parts += [notes.read_text()]
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "BENCHMARKS.md").write_text("\n".join(parts).rstrip() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument(
        "--only",
        choices=("web", "jobs", "pages", "nodes", "registration", "mixed"),
        default=None,
        help="pages: the national return pages and the federation row only; nodes: heartbeats "
        "over one and two web nodes (rate limits in Redis, --redis-url); registration: the "
        "registration POST against the bare insert only; mixed: heartbeats alone and during a "
        "registration burst",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/15",
        help="rate-limit storage shared by the web nodes of --only nodes",
    )
    parser.add_argument(
        "--render",
        action="store_true",
        help="only rewrite docs/BENCHMARKS.md from bench-results/latest-*.json",
    )
    parser.add_argument("--child-jobs", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-queue", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_jobs:
        child_jobs(json.loads(args.child_jobs))
        return
    if args.child_queue:
        child_queue(json.loads(args.child_queue))
        return
    if args.render:
        rerender(ROOT / "bench-results")
        return

    from bridgeops import create_app

    workdir = Path(tempfile.mkdtemp(prefix="bridgeops-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    results = Results()
    started_at = datetime.now(UTC)
    listeners = subprocess.Popen([PYTHON, str(HERE / "listeners.py")], stdout=subprocess.PIPE, text=True)
    web = baseline = None
    try:
        ports = json.loads(listeners.stdout.readline())
        silent_every = round(1 / SILENT_SHARE)

        def probe_target(index: int) -> str:
            if index % silent_every == 0:
                return f"http://127.0.0.1:{ports['silent']}/"
            if index % 5 == 1:
                return f"tcp://127.0.0.1:{ports['tcp'][index % len(ports['tcp'])]}"
            return f"http://127.0.0.1:{ports['http'][index % len(ports['http'])]}/"

        print(f"national data on {url}")
        data = national_data.build(app, probe_target=probe_target)
        print(f"  {data.points} points, {data.technicians} technicians")
        files = {"tokens": workdir / "tokens.txt", "units": workdir / "units.txt"}
        files["tokens"].write_text("\n".join(data.technician_tokens) + "\n")
        files["units"].write_text("\n".join(data.free_units) + "\n")
        database = db_version(app)

        if args.only in (None, "web", "pages", "registration", "mixed"):
            env = {
                "BRIDGEOPS_DATABASE_URL": url,
                "BRIDGEOPS_SECRET_KEY": "bench-secret-key-0123-long-enough-for-the-check",
                "BRIDGEOPS_BASE_URL": "http://bridgeops.bench",
                "BRIDGEOPS_SMTP_HOST": "",
                "BRIDGEOPS_OUTBOX_DIR": str(workdir / "outbox"),
            }
            web = Gunicorn("wsgi:app", env, workdir, "web")
            baseline_url = url
            if url.startswith("sqlite"):
                baseline_url = f"sqlite:///{workdir / 'baseline.sqlite3'}"
            os.environ["BENCH_BASELINE_DATABASE_URL"] = baseline_url
            import baseline_app

            baseline_app.create_table()
            baseline = Gunicorn(
                "baseline_app:app",
                {"BENCH_BASELINE_DATABASE_URL": baseline_url},
                workdir,
                "baseline",
                chdir=HERE,
            )
            web.wait_ready()
            baseline.wait_ready("/rows")
            print("web measurements")
            if args.only == "registration":
                print(f"workers warmed up in {web.wait_warm():.1f} s")
                measure_registration(results, web, baseline, data, files, args.duration)
            elif args.only == "mixed":
                print(f"workers warmed up in {web.wait_warm():.1f} s")
                measure_mixed(results, web, data, files, args.duration)
            elif args.only != "pages":
                print(f"workers warmed up in {web.wait_warm():.1f} s")
                measure_rates(results, web, baseline, data, files, args.duration)
                measure_return(results, app, web, data)
                measure_board(results, web, data, args.duration / 2)
            if args.only not in ("registration", "mixed"):
                measure_return_pages(results, web, data)
                measure_federation(results, app, web, baseline, data)
            hwm = web.worker_hwm_mb()
            if hwm and args.only not in ("pages", "registration", "mixed"):
                results.add(
                    Row(
                        "web worker peak memory",
                        max(hwm),
                        "MB",
                        "",
                        None,
                        None,
                        "≤ 150 MB",
                        max(hwm) <= 150,
                        f"VmHWM, max of {len(hwm)} gunicorn workers after the runs above",
                    )
                )
            web.stop()
            baseline.stop()
        if args.only == "nodes":
            measure_nodes(results, url, workdir, files, args.duration, args.redis_url)
        if args.only in (None, "jobs"):
            print("scheduler jobs")
            try:
                measure_jobs(results, {"database_url": url, "conference_id": data.conference_id}, workdir)
            except (RuntimeError, subprocess.SubprocessError) as error:
                results.add(Row("scheduler jobs", note=f"failed: {str(error)[-300:]}"))
    finally:
        for server in (web, baseline):
            if server is not None:
                server.stop()
        listeners.terminate()
        listeners.wait(10)

    meta = {
        "date": started_at.isoformat(timespec="seconds"),
        "database": database,
        "machine": machine(),
        "points": data.points,
        "technicians": data.technicians,
        "gunicorn": {
            "workers": Gunicorn.workers(web) if web else _workers(),
            "threads": int(os.environ.get("BRIDGEOPS_THREADS", 4)),
        },
        "wrk_seconds": args.duration,
        "data_seconds": data.seconds,
        "versions": dependency_versions(),
    }
    print("\n" + results.table())
    write_reports(results, meta, partial=args.only is not None)


if __name__ == "__main__":
    main()
