"""The state rule of a point, as pure functions: one check in, the next state out.

unknown → up, or → pending → down after ``failures_before_down`` failed checks in a row;
down → up after ``RECOVERY_SUCCESSES`` good checks or at once on a fresh heartbeat. A point
with a heartbeat and a probe is alive if either says so. A failing point whose upstream is
down is "unreachable" instead (no alert of its own); while the upstream is still deciding
(pending) the point waits in pending, so a district and its communes fail as one group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from bridgeops.health.probes import ProbeResult

RECOVERY_SUCCESSES = 2
BAD_STATES = ("down", "unreachable")


@dataclass(frozen=True)
class Observation:
    """What one sweep knows about a point."""

    point_id: int
    state: str
    failures: int
    successes: int
    probe: ProbeResult | None
    heartbeat_fresh: bool
    heartbeat_known: bool


@dataclass(frozen=True)
class Verdict:
    """The point's state after this sweep; ``checked`` False when nothing could be observed."""

    point_id: int
    state: str
    failures: int
    successes: int
    reason: str
    checked: bool
    alive: bool = False
    cause_point_id: int | None = None


def _reason(obs: Observation, alive: bool) -> str:
    if alive:
        if obs.probe is not None and obs.probe.ok:
            return obs.probe.detail
        return "Có tín hiệu heartbeat"
    if obs.probe is None:
        return "Mất tín hiệu heartbeat"
    if obs.heartbeat_known:
        return f"{obs.probe.detail}; không có heartbeat"
    return obs.probe.detail


def judge(obs: Observation, failures_before_down: int) -> Verdict:
    """The next state from this sweep's evidence, before looking at the upstream."""
    if obs.probe is None and not obs.heartbeat_known:
        return Verdict(obs.point_id, obs.state, obs.failures, obs.successes, "", checked=False)
    alive = bool(obs.probe is not None and obs.probe.ok) or obs.heartbeat_fresh
    reason = _reason(obs, alive)
    # Counters stop where they stop mattering, so a steady point's row does not change.
    if alive:
        successes = min(obs.successes + 1, RECOVERY_SUCCESSES)
        state = obs.state
        if state not in BAD_STATES or successes >= RECOVERY_SUCCESSES or obs.heartbeat_fresh:
            state = "up"
        return Verdict(obs.point_id, state, 0, successes, reason, checked=True, alive=True)
    failures = min(obs.failures + 1, max(failures_before_down, 1))
    if failures >= failures_before_down:
        state = "down"
    elif obs.state in BAD_STATES:
        state = obs.state
    else:
        state = "pending"
    return Verdict(obs.point_id, state, failures, 0, reason, checked=True)


def resolve_upstream(
    verdicts: Mapping[int, Verdict], upstream: Mapping[int, int | None], names: Mapping[int, str]
) -> dict[int, Verdict]:
    """Failing points behind a down upstream become unreachable (cause: the root outage)."""
    resolved: dict[int, Verdict] = {}
    visiting: set[int] = set()

    def resolve(point_id: int) -> Verdict:
        if point_id in resolved:
            return resolved[point_id]
        verdict = verdicts[point_id]
        parent = upstream.get(point_id)
        if (
            verdict.state in ("down", "unreachable")
            and not verdict.alive
            and parent is not None
            and parent in verdicts
            and point_id not in visiting
        ):
            visiting.add(point_id)
            above = resolve(parent)
            visiting.discard(point_id)
            if above.state in BAD_STATES:
                root = (
                    above.cause_point_id if above.state == "unreachable" and above.cause_point_id else parent
                )
                verdict = replace(
                    verdict,
                    state="unreachable",
                    cause_point_id=root,
                    reason=f"Tuyến trên mất kết nối: {names.get(root, root)}",
                )
            elif above.state == "pending" and verdict.state == "down" and verdict.checked:
                verdict = replace(verdict, state="pending")
            elif verdict.state == "unreachable":
                verdict = replace(verdict, state="down", cause_point_id=None)
        elif verdict.state == "unreachable" and verdict.checked and not verdict.alive:
            verdict = replace(verdict, state="down", cause_point_id=None)
        resolved[point_id] = verdict
        return verdict

    for point_id in verdicts:
        resolve(point_id)
    return resolved
