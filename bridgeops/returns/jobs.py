"""The scheduler tries again to hand TW a return it did not take (no answer, or busy), and
builds the live return's workbook soon after its data moves (shared by every worker)."""

from __future__ import annotations

from flask import Flask

from bridgeops.core.jobs import JobSpec

#: Seconds between two looks; each snapshot has its own, longer wait (returns.service).
RESUBMIT_INTERVAL = 60

#: Seconds between two looks for a return whose data moved. A national workbook takes about a
#: second of CPU: while points keep changing, at most one build per conference per interval.
PREBUILD_INTERVAL = 20


def resubmit(_app: Flask) -> None:
    from bridgeops.returns.service import resubmit_due

    resubmit_due()  # commits after each snapshot


def prebuild(_app: Flask) -> None:
    from bridgeops.returns.service import prebuild_workbooks

    prebuild_workbooks()


def jobs(app: Flask) -> list[JobSpec]:
    return [
        JobSpec("return-resubmit", RESUBMIT_INTERVAL, resubmit),
        JobSpec("return-workbooks", PREBUILD_INTERVAL, prebuild),
    ]
