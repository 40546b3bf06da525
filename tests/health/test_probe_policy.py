"""A chair's probe target cannot turn the scheduler into a port scanner (issue 14, row 2).

Targets are resolved, checked against the policy (no loopback, link-local metadata, 0/8,
multicast or the server's own addresses unless BRIDGEOPS_PROBE_ALLOW says so; optionally only
BRIDGEOPS_PROBE_PORTS), and the probe connects to the address it checked. Chairs read a plain
"Không kết nối được", never the socket error.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from bridgeops.extensions import db
from bridgeops.health.probes import (
    UNREACHABLE,
    ProbePolicy,
    Target,
    parse_networks,
    parse_ports,
    probe,
    resolve,
)
from tests.conftest import bearer
from tests.factories import chair_token, make_point
from tests.health.conftest import DISTRICT, closed_port, move_window_to_now, sweep

STRICT = ProbePolicy()
REFUSED = "Địa chỉ kiểm tra không được phép (mạng nội bộ của máy chủ)"


def fresh_loop(make_coroutine):
    """Run a coroutine on its own thread's loop (a browser test may leave a loop running)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def run(text: str, policy: ProbePolicy = STRICT):
    return fresh_loop(lambda: probe(text, 1.0, policy))


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "tcp://127.0.0.1:5432",  # the database on loopback
        "http://2130706433:5150/",  # 127.0.0.1 written as a number
        "http://localhost:5000/",  # a name resolving to loopback
        "tcp://0.0.0.0:22",  # "this host"
        "tcp://0.1.2.3:22",  # 0/8
        "sip://224.0.0.1:5060",  # multicast
        "tcp://[::1]:5432",  # IPv6 loopback
        "tcp://[::ffff:127.0.0.1]:5432",  # IPv4-mapped loopback
    ],
)
def test_internal_targets_are_refused_without_connecting(http_peer, target):
    result = run(target)
    assert not result.ok and result.detail == REFUSED


def test_a_listener_on_loopback_is_refused_by_default_and_reached_when_allowed(http_peer):
    assert run(http_peer).detail == REFUSED
    allowed = run(http_peer, ProbePolicy(allow=parse_networks("127.0.0.0/8")))
    assert allowed.ok and allowed.detail == "HTTP 200"


def test_credentials_in_a_target_are_refused():
    assert run("http://user:pass@10.1.2.3/").detail == "Địa chỉ kiểm tra không hợp lệ"


def test_the_servers_own_address_is_refused():
    own = ipaddress.ip_address("10.9.8.7")
    policy = ProbePolicy(own=frozenset({own}))
    assert policy.refuses(own, 80)
    assert not policy.refuses(ipaddress.ip_address("10.9.8.6"), 80)  # RFC 1918 rooms stay reachable
    assert not policy.refuses(ipaddress.ip_address("192.168.1.20"), 5060)


def test_a_port_policy_keeps_probes_to_the_listed_ports():
    policy = ProbePolicy(ports=parse_ports("80, 443, 5060-5061"))
    room = ipaddress.ip_address("10.1.2.3")
    assert not policy.refuses(room, 5061) and policy.refuses(room, 22)
    assert parse_ports("") is None


def test_the_probe_connects_to_the_address_it_checked():
    """No second lookup (DNS rebinding): the checked address is the one connected to."""
    target = fresh_loop(
        lambda: resolve(
            Target("tcp", "localhost", 9), ProbePolicy(allow=parse_networks("127.0.0.0/8, ::1/128"))
        )
    )
    assert ipaddress.ip_address(target.address).is_loopback and target.host == "localhost"
    with pytest.raises(OSError):
        fresh_loop(lambda: resolve(Target("tcp", "localhost", 9), STRICT))


def test_the_scheduler_applies_the_operator_policy_and_chairs_read_a_plain_reason(
    app, client, demo, monkeypatch
):
    monkeypatch.setitem(app.config, "PROBE_ALLOW", "")
    monkeypatch.setitem(app.config, "PROBE_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "PROBE_FAILURES", 1)
    port = closed_port()
    point = make_point(demo, DISTRICT, target=f"tcp://127.0.0.1:{port}")
    db.session.commit()
    move_window_to_now(demo)
    chair = chair_token(demo, DISTRICT)
    db.session.commit()
    sweep(app)
    chair_view = client.get(f"/api/v1/points/{point.id}/health", headers=bearer(chair)).get_json()
    assert chair_view["state"] == "down" and chair_view["reason"] == UNREACHABLE
    from bridgeops.accounts import service as accounts

    officer = accounts.create_user("o@hoiphunu.test", "Cán Bộ", "officer", "mat-khau-123")
    token = accounts.create_api_token(officer.email).token
    db.session.commit()
    officer_view = client.get(f"/api/v1/points/{point.id}/health", headers=bearer(token)).get_json()
    assert officer_view["reason"] == REFUSED  # staff see why; the port was never touched
    with socket.socket() as sock:  # the refused target really is closed: nothing was learnt
        assert sock.connect_ex(("127.0.0.1", port)) != 0
