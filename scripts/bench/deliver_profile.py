#!/usr/bin/env python3
"""CPU seconds per 1,000 invites, phase by phase, of the outbox deliverer (a focused companion
of ``invites_only.py --phases deliver``).

    .venv/bin/python scripts/bench/deliver_profile.py --database-url URL [--messages 3000]
        [--build] [--repeat 3] [--cprofile FILE]

``--build`` creates the national data set first (``national_data.build``). The first run queues
every session's invites if the outbox is empty. Each repeat then puts the first ``--messages``
invites back to pending (and removes the technicians' invite-link grants, so that each run
issues them as the benchmark's first delivery does), delivers them to a loopback SMTP sink in
another process with ``deliver_all``, and sends the same rendered messages through bare smtplib
on one connection. CPU time is ``time.process_time`` of this process (the sink's is not
counted); wall-clock figures are printed too but are noisy on a shared machine. Rendering the
next message and recording the last one run inside the SMTP send (while the server answers its
MAIL FROM and takes its body), so "smtp" includes most of "render" and "mark+commit".
"""

from __future__ import annotations

import argparse
import cProfile
import json
import signal
import smtplib
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import sqlalchemy as sa  # noqa: E402

CPU: dict[str, float] = defaultdict(float)
WALL: dict[str, float] = defaultdict(float)


def timed(label: str, function: Callable) -> Callable:
    def wrapper(*args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            CPU[label] += time.process_time() - cpu
            WALL[label] += time.perf_counter() - wall

    return wrapper


def per_1k(seconds: dict[str, float], per_k: float) -> dict[str, float]:
    return {label: round(value * per_k, 3) for label, value in sorted(seconds.items())}


def instrument() -> None:
    from bridgeops.mail import service as mail
    from bridgeops.mail import transport

    mail.run_feeders = timed("feeders", mail.run_feeders)
    mail._claim_batch = timed("claim", mail._claim_batch)
    mail._load = timed("load", mail._load)
    mail.prepare_batch = timed("prepare", mail.prepare_batch)
    mail.render = timed("render", mail.render)
    transport.SmtpTransport.send = timed("smtp", transport.SmtpTransport.send)  # type: ignore[method-assign]
    mail._SentMarker.flush = timed("mark+commit", mail._SentMarker.flush)  # type: ignore[method-assign]


def reset(db, count: int) -> list[int]:
    from bridgeops.accounts.models import AccessGrant, GrantKind
    from bridgeops.mail.models import OutboxMessage

    table = OutboxMessage.__table__
    ids = list(db.session.scalars(sa.select(table.c.id).order_by(table.c.id).limit(count)))
    db.session.execute(sa.update(table).values(status="failed", claimed_by=None, claimed_until=None))
    db.session.execute(
        sa.update(table)
        .where(table.c.id.in_(ids))
        .values(status="pending", attempts=0, sent_at=None, last_error=None)
    )
    db.session.execute(sa.delete(AccessGrant).where(AccessGrant.kind == GrantKind.INVITE))
    db.session.commit()
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--cprofile", default="")
    args = parser.parse_args()

    from bridgeops import create_app
    from bridgeops.conference.models import Conference, ConferenceSession
    from bridgeops.extensions import db
    from bridgeops.invites import service as invites
    from bridgeops.mail import service as mail
    from bridgeops.mail.models import OutboxMessage

    if args.build:
        import national_data

        national_data.build(create_app({"DATABASE_URL": args.database_url, "TESTING": True}))
    sink = subprocess.Popen([sys.executable, str(HERE / "smtp_sink.py")], stdout=subprocess.PIPE, text=True)
    port = json.loads(sink.stdout.readline())["port"]  # type: ignore[union-attr]
    app = create_app(
        {
            "DATABASE_URL": args.database_url,
            "TESTING": True,
            "BASE_URL": "http://bridgeops.bench",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
            "SMTP_STARTTLS": False,
        }
    )
    instrument()
    try:
        with app.app_context():
            if not db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)):
                conference = db.session.scalar(
                    sa.select(Conference).where(Conference.slug == "national-bench")
                )
                for session_id in [s.id for s in conference.sessions]:
                    invites.reconcile_session(db.session.get(ConferenceSession, session_id))
                    db.session.commit()
                    db.session.expunge_all()
            for run in range(args.repeat):
                ids = reset(db, args.messages)
                CPU.clear()
                WALL.clear()
                profile = cProfile.Profile() if args.cprofile and run == args.repeat - 1 else None
                cpu, wall = time.process_time(), time.perf_counter()
                if profile:
                    profile.enable()
                sent = 0
                while True:
                    report = mail.deliver_all()
                    sent += report.sent
                    if not report.sent:
                        break
                if profile:
                    profile.disable()
                    profile.dump_stats(args.cprofile)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                phases_cpu, phases_wall = dict(CPU), dict(WALL)
                db.session.remove()
                # The bare baseline: the same messages, rendered beforehand, on one connection.
                rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
                sample = [mail.render(row) for row in rows]
                db.session.rollback()
                bare_cpu, bare_wall = time.process_time(), time.perf_counter()
                with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                    for mime in sample:
                        smtp.sendmail("bench@bench.test", ["ktv@bench.test"], mime)
                bare_cpu, bare_wall = time.process_time() - bare_cpu, time.perf_counter() - bare_wall
                per_k = 1000 / max(sent, 1)
                print(
                    json.dumps(
                        {
                            "engine": db.engine.dialect.name,
                            "run": run,
                            "sent": sent,
                            "cpu_s_per_1k": round(cpu * per_k, 3),
                            "wall_s_per_1k": round(wall * per_k, 3),
                            "phases_cpu_s_per_1k": per_1k(phases_cpu, per_k),
                            "phases_wall_s_per_1k": per_1k(phases_wall, per_k),
                            "bare_cpu_s_per_1k": round(bare_cpu * per_k, 3),
                            "bare_wall_s_per_1k": round(bare_wall * per_k, 3),
                            "wall_ratio": round(wall / bare_wall, 2),
                        }
                    ),
                    flush=True,
                )
    finally:
        sink.send_signal(signal.SIGTERM)
        print(sink.stdout.readline().strip(), file=sys.stderr)  # type: ignore[union-attr]
        sink.wait(10)


if __name__ == "__main__":
    main()
