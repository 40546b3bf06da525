"""Health test helpers in one place: points with probe targets and technicians, the session
window moved to now, one sweep, and real peers on loopback (HTTP, TCP, SIP via sipp)."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridgeops.accounts import service as accounts
from bridgeops.conference.models import Conference, ConferenceSession
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint

PROVINCE = "36"
DISTRICT = "358"  # Huyện Mỹ Lộc, 11 communes
OTHER_DISTRICT = "359"  # Huyện Vụ Bản


def technician_token(point: BridgePoint) -> str:
    return accounts.issue_grant("technician", point_id=point.id, conference_id=point.conference_id).token


def communes_of(unit_code: str, count: int) -> list[str]:
    from bridgeops.units.models import AdminUnit

    return list(
        db.session.scalars(
            sa.select(AdminUnit.code)
            .where(AdminUnit.parent_code == unit_code)
            .order_by(AdminUnit.code)
            .limit(count)
        )
    )


def move_window_to_now(conference: Conference, kind: str = "rehearsal") -> ConferenceSession:
    """The first session of that kind now runs from 5 minutes ago for two hours."""
    session = next(s for s in conference.sessions if s.kind == kind)
    now = utcnow()
    session.starts_at = now - timedelta(minutes=5)
    session.ends_at = now + timedelta(hours=2)
    db.session.commit()
    return session


def sweep(app, times: int = 1):
    """Run the scheduler's probe job ``times`` times, as the scheduler process would."""
    from bridgeops.health.jobs import run_probe_sweep

    outcomes = []
    for _ in range(times):
        outcomes = run_probe_sweep(app)
    return outcomes


def state_of(point: BridgePoint) -> str:
    from bridgeops.health.models import PointHealth

    db.session.expire_all()
    health = db.session.get(PointHealth, point.id)
    return health.state if health else "unknown"


@pytest.fixture
def fast_probes(app, monkeypatch):
    """Short probe timeout so silent peers cost half a second per sweep."""
    monkeypatch.setitem(app.config, "PROBE_TIMEOUT", 0.5)
    return app


# --- Real peers on loopback -------------------------------------------------------------------


class _OkHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_peer():
    """An HTTP server answering 200; yields its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OkHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class TcpPeer:
    """A TCP listener that can stop answering (close) while the test runs."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.target = f"tcp://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
                conn.close()
            except (TimeoutError, OSError):
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def tcp_peer_factory():
    peers: list[TcpPeer] = []

    def make() -> TcpPeer:
        peers.append(TcpPeer())
        return peers[-1]

    yield make
    for peer in peers:
        if not peer._stop.is_set():
            peer.stop()


@pytest.fixture
def silent_peer():
    """Accepts TCP connections but never answers HTTP: a hung web server."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sock.close()


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SIPP_SCENARIO = """<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="BridgeOps OPTIONS responder">
  <recv request="OPTIONS"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
"""


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sip_peer(tmp_path: Path):
    """sipp (Debian sip-tester) as a UAS answering OPTIONS with 200; yields its sip:// target."""
    if shutil.which("sipp") is None:
        pytest.skip("sipp missing: scripts/test installs Debian's sip-tester")
    scenario = tmp_path / "uas.xml"
    scenario.write_text(SIPP_SCENARIO)
    port = _free_udp_port()
    result = subprocess.run(
        ["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port), "-bg"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=10,
    )
    pid = int(result.stdout.split("PID=[", 1)[1].split("]", 1)[0])
    yield f"sip://127.0.0.1:{port}"
    subprocess.run(["kill", str(pid)], check=False)
