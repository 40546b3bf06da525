"""The state rule and the session windows, on plain values."""

from __future__ import annotations

from datetime import timedelta

from bridgeops.core.time import utcnow
from bridgeops.health.probes import ProbeResult, parse_target
from bridgeops.health.states import Observation, judge, resolve_upstream
from bridgeops.health.windows import LEAD_TIME, current_or_next_window
from tests.health.conftest import move_window_to_now

OK = ProbeResult(True, "HTTP 200")
FAIL = ProbeResult(False, "Cổng từ chối kết nối")


def run(results, state="unknown", failures=0, successes=0, heartbeat=False, known=False, n=3):
    verdict = None
    for probe in results:
        verdict = judge(Observation(1, state, failures, successes, probe, heartbeat, known), n)
        state, failures, successes = verdict.state, verdict.failures, verdict.successes
    return verdict


def test_a_point_goes_pending_then_down_after_the_configured_failures():
    assert run([FAIL]).state == "pending"
    assert run([FAIL, FAIL]).state == "pending"
    assert run([FAIL, FAIL, FAIL]).state == "down"
    assert run([FAIL], n=1).state == "down"


def test_a_down_point_needs_two_good_checks_or_a_fresh_heartbeat():
    assert run([OK], state="down", failures=3).state == "down"
    assert run([OK, OK], state="down", failures=3).state == "up"
    assert run([FAIL], state="down", failures=3, heartbeat=True, known=True).state == "up"


def test_either_heartbeat_or_probe_alive_means_up_and_nothing_known_stays_unknown():
    assert run([FAIL], heartbeat=True, known=True).state == "up"
    assert run([None], heartbeat=False, known=True).state == "pending"
    verdict = run([None])
    assert verdict.state == "unknown" and not verdict.checked


def test_failing_points_behind_a_down_upstream_are_unreachable_with_the_root_as_cause():
    down = judge(Observation(1, "pending", 2, 0, FAIL, False, False), 3)
    district = judge(Observation(2, "pending", 2, 0, FAIL, False, False), 3)
    commune = judge(Observation(3, "pending", 2, 0, FAIL, False, False), 3)
    alive = judge(Observation(4, "up", 0, 1, OK, False, False), 3)
    resolved = resolve_upstream(
        {1: down, 2: district, 3: commune, 4: alive}, {1: None, 2: 1, 3: 2, 4: 2}, {1: "Tỉnh"}
    )
    assert resolved[1].state == "down"
    assert (resolved[2].state, resolved[2].cause_point_id) == ("unreachable", 1)
    assert (resolved[3].state, resolved[3].cause_point_id) == ("unreachable", 1)
    assert resolved[4].state == "up"
    assert "Tỉnh" in resolved[3].reason


def test_upstream_cycles_do_not_loop():
    a = judge(Observation(1, "pending", 2, 0, FAIL, False, False), 3)
    b = judge(Observation(2, "pending", 2, 0, FAIL, False, False), 3)
    resolved = resolve_upstream({1: a, 2: b}, {1: 2, 2: 1}, {})
    assert {v.state for v in resolved.values()} <= {"down", "unreachable"}


def test_probe_targets_parse_with_default_ports():
    assert parse_target("sip://10.0.0.5").port == 5060
    assert parse_target("https://cau.namdinh.vn/health").path == "/health"
    assert parse_target("tcp://10.0.0.5:1720").port == 1720


def test_window_opens_thirty_minutes_before_and_closes_at_the_end(demo):
    rehearsal = next(s for s in demo.sessions if s.kind == "rehearsal")
    before = current_or_next_window(demo, rehearsal.starts_at - LEAD_TIME - timedelta(seconds=1))
    assert before.session.id == rehearsal.id and not before.active
    opening = current_or_next_window(demo, rehearsal.starts_at - LEAD_TIME)
    assert opening.active
    after = current_or_next_window(demo, rehearsal.ends_at)
    assert after.session.kind == "session" and not after.active
    assert current_or_next_window(demo, utcnow()) is None  # April 2022 is over


def test_moving_the_rehearsal_to_now_makes_its_window_active(demo):
    session = move_window_to_now(demo)
    window = current_or_next_window(demo, utcnow())
    assert window.active and window.session.id == session.id


def row(state, alerted_at=None, down_alerted=False, cause=None):
    from types import SimpleNamespace

    now = utcnow()
    return SimpleNamespace(
        state=state,
        alerted_at=alerted_at,
        down_alerted=down_alerted,
        cause_point_id=cause,
        outage_since=now - timedelta(minutes=3),
        since=now - timedelta(minutes=3),
    )


def test_a_flapping_point_is_not_announced_again_within_the_throttle():
    from bridgeops.health.alerts import group_alerts
    from bridgeops.health.states import Verdict

    now = utcnow()
    down = {1: Verdict(1, "down", 3, 0, "x", True)}
    assert group_alerts(down, {1: row("pending", alerted_at=now - timedelta(minutes=5))}, now) == []
    (group,) = group_alerts(down, {1: row("pending", alerted_at=now - timedelta(minutes=11))}, now)
    assert group.kind == "down"
    up = {1: Verdict(1, "up", 0, 2, "ok", True, alive=True)}
    assert group_alerts(up, {1: row("down", down_alerted=False)}, now) == []
    (back,) = group_alerts(up, {1: row("down", down_alerted=True)}, now)
    assert back.kind == "recovery" and back.outage_seconds >= 179
