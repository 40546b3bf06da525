"""The scheduler tries again to hand TW a return it did not take (no answer, or busy)."""

from __future__ import annotations

from flask import Flask

from bridgeops.core.jobs import JobSpec

#: Seconds between two looks; each snapshot has its own, longer wait (returns.service).
RESUBMIT_INTERVAL = 60


def resubmit(_app: Flask) -> None:
    from bridgeops.returns.service import resubmit_due

    resubmit_due()  # commits after each snapshot


def jobs(app: Flask) -> list[JobSpec]:
    return [JobSpec("return-resubmit", RESUBMIT_INTERVAL, resubmit)]
