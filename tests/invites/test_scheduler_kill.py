"""Killing the scheduler in the middle of delivery loses no message.

A real ``bridgeops scheduler`` process delivers to a slow SMTP server on loopback from a file
SQLite database; it is SIGKILLed half-way; two copies are started again (one must wait on the
lease) and the rest arrives. At-least-once: only the message in flight at the kill may arrive
twice, with the same Message-ID.
"""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from tests.invites.scheduler_processes import Schedulers, scheduler_env, seed_outbox, wait_for
from tests.smtp_server import CollectingHandler, LoopbackController


@pytest.mark.slow
def test_killing_the_scheduler_mid_delivery_loses_no_message(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bridgeops.sqlite3'}"
    handler = CollectingHandler(delay=0.25)
    controller = LoopbackController(handler)
    controller.start()
    env = scheduler_env(
        database_url,
        controller.port,
        tmp_path,
        BRIDGEOPS_SMTP_TIMEOUT="1",
        BRIDGEOPS_OUTBOX_CLAIM_SECONDS="3",
    )
    seed_outbox(database_url, 8)
    engine = sa.create_engine(database_url)

    def statuses() -> Counter:
        with engine.connect() as connection:
            return Counter(
                dict(
                    connection.execute(
                        sa.text("SELECT status, count(*) FROM outbox_message GROUP BY status")
                    ).all()
                )
            )

    assert statuses() == Counter(pending=32)
    try:
        with Schedulers(env, tmp_path) as schedulers:
            first = schedulers.start()
            wait_for(lambda: len(handler.received) >= 6, 60, "the first deliveries")
            schedulers.kill(first.pid)
            at_kill = statuses()
            assert 0 < at_kill["pending"] < 32, at_kill  # killed in the middle

            schedulers.start()  # a second copy started by mistake must wait on the lease
            schedulers.start()
            wait_for(lambda: statuses().get("sent") == 32, 120, "every message sent")
        outputs = [schedulers.output(n) for n in (1, 2)]
    finally:
        controller.stop()
        engine.dispose()

    message_ids = Counter(r.message["Message-ID"] for r in handler.received)
    assert len(message_ids) == 32, "every message arrived"
    assert sum(message_ids.values()) - 32 <= 1, "only the one in flight at the kill may repeat"
    with engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT count(DISTINCT dedupe_key) FROM outbox_message"))
        assert keys.scalar() == 32
    assert all("Bộ lập lịch chạy" in out for out in outputs)
