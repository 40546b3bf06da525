"""Active probes: HTTP(S), TCP connect and SIP OPTIONS over UDP, a whole sweep concurrently.

One asyncio loop runs every probe of a sweep with bounded concurrency, so 11,400 targets with
a tenth never answering fit in a few seconds: each silent target only holds a slot for the
timeout. No database here; the caller writes the results in bulk.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import resource
import secrets
import socket
import ssl
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bridgeops.core.targets import Target, TargetSyntaxError, parse_target

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Upper bound of probes in flight; also kept under half the process's open-file limit.
MAX_CONCURRENCY = 500
#: SIP timer T1: retransmit an unanswered OPTIONS after this long (UDP may drop it).
SIP_RETRANSMIT = 0.5


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of one check; ``detail`` is shown to people (Vietnamese)."""

    ok: bool
    detail: str
    elapsed_ms: int = 0


#: What a probe may never reach unless the operator allows it: the server itself, the
#: cloud metadata service (link-local), "this network" and multicast. Rooms sit on private
#: provincial networks, so RFC 1918 stays reachable.
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
#: The plain answer for any refused or failed target (no socket error leaks to chairs).
UNREACHABLE = "Không kết nối được"


@functools.cache
def own_addresses() -> frozenset[IPAddress]:
    """This server's own addresses, as far as the standard library can tell."""
    found: set[IPAddress] = set()
    for name in {socket.gethostname(), socket.getfqdn()}:
        with contextlib.suppress(OSError):
            for info in socket.getaddrinfo(name, None):
                found.add(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
    for family, probe_address in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((probe_address, 9))  # UDP: no packet is sent; picks the outgoing address
            found.add(ipaddress.ip_address(sock.getsockname()[0].split("%")[0]))
    return frozenset(found)


@dataclass(frozen=True)
class ProbePolicy:
    """Where probes may connect. ``allow``: networks reachable even if the default policy
    refuses them (BRIDGEOPS_PROBE_ALLOW); ``ports``: when set, the only ports probed
    (BRIDGEOPS_PROBE_PORTS)."""

    allow: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    ports: frozenset[int] | None = None
    own: frozenset[IPAddress] = field(default_factory=own_addresses)

    def refuses(self, address: IPAddress, port: int) -> bool:
        if self.ports is not None and port not in self.ports:
            return True
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allow):
            return False
        return (
            address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_unspecified
            or address in self.own
            or (
                isinstance(address, ipaddress.IPv4Address)
                and (address in THIS_NETWORK or address == ipaddress.IPv4Address("255.255.255.255"))
            )
        )


def _split(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``"127.0.0.0/8, 10.1.2.0/24"`` → networks (raises ValueError on a bad one)."""
    return tuple(ipaddress.ip_network(part, strict=False) for part in _split(text))


def parse_ports(text: str) -> frozenset[int] | None:
    """``"80,443,5060-5061"`` → ports; empty → None (every port)."""
    ports: set[int] = set()
    for part in _split(text):
        low, _, high = part.partition("-")
        ports.update(range(int(low), int(high or low) + 1))
    return frozenset(ports) if ports else None


def policy_from_config(config: Mapping) -> ProbePolicy:
    return ProbePolicy(
        allow=parse_networks(config.get("PROBE_ALLOW") or ""),
        ports=parse_ports(config.get("PROBE_PORTS") or ""),
    )


class RefusedTarget(OSError):
    """The target resolves to an address the policy refuses."""


async def resolve(target: Target, policy: ProbePolicy) -> Target:
    """The target with the address to connect to: every address the name resolves to must be
    allowed (a name with one public and one loopback address is refused)."""
    try:  # an address as written needs no lookup (most rooms' targets; no thread pool)
        addresses: list[IPAddress] = [ipaddress.ip_address(target.host)]
    except ValueError:
        loop = asyncio.get_running_loop()
        kind = socket.SOCK_DGRAM if target.scheme == "sip" else socket.SOCK_STREAM
        infos = await loop.getaddrinfo(target.host, target.port, type=kind)
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or any(policy.refuses(a, target.port) for a in addresses):
        raise RefusedTarget(target.host)
    return Target(target.scheme, target.host, target.port, target.path, str(addresses[0]))


def _connect_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "Cổng từ chối kết nối"
    if isinstance(exc, ssl.SSLError):
        return "Lỗi TLS"
    if isinstance(exc, socket.gaierror):
        return "Không phân giải được tên máy"
    return f"Lỗi kết nối ({type(exc).__name__})"


async def _http(target: Target) -> ProbeResult:
    context = None
    if target.scheme == "https":
        # A liveness check, not an identity check: rooms often run self-signed certificates,
        # and nothing secret is sent.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(
        target.address, target.port, ssl=context, server_hostname=target.host if context is not None else None
    )
    try:
        host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
        writer.write(
            (
                f"GET {target.path} HTTP/1.1\r\nHost: {host}\r\n"
                "User-Agent: BridgeOps-probe/1\r\nAccept: */*\r\nConnection: close\r\n\r\n"
            ).encode("latin-1")
        )
        await writer.drain()
        status_line = await reader.readline()
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    parts = status_line.decode("latin-1").split()
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return ProbeResult(False, "Phản hồi HTTP không hợp lệ")
    status = int(parts[1])
    return ProbeResult(status < 400, f"HTTP {status}")


async def _tcp(target: Target) -> ProbeResult:
    _, writer = await asyncio.open_connection(target.address, target.port)
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return ProbeResult(True, "TCP kết nối được")


class _SipClient(asyncio.DatagramProtocol):
    def __init__(self, call_id: str) -> None:
        self.call_id = call_id
        self.answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr) -> None:
        text = data.decode("utf-8", "replace")
        if text.startswith("SIP/2.0 ") and self.call_id in text and not self.answer.done():
            self.answer.set_result(text.split("\r\n", 1)[0])

    def error_received(self, exc: Exception) -> None:
        if not self.answer.done():
            self.answer.set_exception(exc)


def sip_options(target: Target, local_host: str, local_port: int, call_id: str) -> bytes:
    """A minimal SIP OPTIONS request (RFC 3261 §11) answering to our socket."""
    branch = "z9hG4bK" + secrets.token_hex(8)
    tag = secrets.token_hex(4)
    uri = f"sip:{target.host}:{target.port}"
    return (
        f"OPTIONS {uri} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {local_host}:{local_port};branch={branch};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:probe@bridgeops.invalid>;tag={tag}\r\n"
        f"To: <{uri}>\r\n"
        f"Call-ID: {call_id}\r\n"
        "CSeq: 1 OPTIONS\r\n"
        f"Contact: <sip:probe@{local_host}:{local_port}>\r\n"
        "Accept: application/sdp\r\n"
        "User-Agent: BridgeOps-probe/1\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


async def _sip(target: Target) -> ProbeResult:
    loop = asyncio.get_running_loop()
    call_id = secrets.token_hex(12) + "@bridgeops"
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: _SipClient(call_id), remote_addr=(target.address, target.port)
    )
    try:
        local_host, local_port = transport.get_extra_info("sockname")[:2]
        request = sip_options(target, local_host, local_port, call_id)
        while True:
            transport.sendto(request)
            done, _ = await asyncio.wait({protocol.answer}, timeout=SIP_RETRANSMIT)
            if done:
                break
        status_line = protocol.answer.result()
    finally:
        transport.close()
    parts = status_line.split()
    return ProbeResult(True, f"SIP {parts[1] if len(parts) > 1 else ''}".strip())


PROBES = {"http": _http, "https": _http, "tcp": _tcp, "sip": _sip}


async def _resolve_and_probe(target: Target, policy: ProbePolicy) -> ProbeResult:
    return await PROBES[target.scheme](await resolve(target, policy))


async def probe(text: str, timeout: float, policy: ProbePolicy | None = None) -> ProbeResult:
    """Check one target within the policy (default: the strict one); never raises."""
    started = time.monotonic()
    try:
        target = parse_target(text)
    except TargetSyntaxError:
        return ProbeResult(False, "Địa chỉ kiểm tra không hợp lệ")
    try:
        result = await asyncio.wait_for(_resolve_and_probe(target, policy or ProbePolicy()), timeout)
    except RefusedTarget:
        result = ProbeResult(False, "Địa chỉ kiểm tra không được phép (mạng nội bộ của máy chủ)")
    except TimeoutError:
        result = ProbeResult(False, f"Quá thời gian chờ {timeout:g} giây")
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError, UnicodeError) as exc:
        result = ProbeResult(False, _connect_error(exc))
    elapsed = int((time.monotonic() - started) * 1000)
    return ProbeResult(result.ok, result.detail, elapsed)


def concurrency_limit() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONCURRENCY
    return max(16, min(MAX_CONCURRENCY, soft // 2))


async def sweep(
    targets: Mapping[int, str],
    timeout: float,
    concurrency: int | None = None,
    policy: ProbePolicy | None = None,
) -> dict[int, ProbeResult]:
    """Probe every target (key: point id) concurrently, at most ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency or concurrency_limit())
    policy = policy or ProbePolicy()

    async def one(key: int, text: str) -> tuple[int, ProbeResult]:
        async with gate:
            return key, await probe(text, timeout, policy)

    pairs = await asyncio.gather(*(one(key, text) for key, text in targets.items()))
    return dict(pairs)


def run_sweep(
    targets: Mapping[int, str],
    timeout: float,
    concurrency: int | None = None,
    policy: ProbePolicy | None = None,
) -> dict[int, ProbeResult]:
    """Synchronous entry point for the scheduler's worker thread."""
    if not targets:
        return {}
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(sweep(targets, timeout, concurrency, policy))
    # Called from inside a running loop (an async host): run the sweep on its own thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(sweep(targets, timeout, concurrency, policy))).result()
