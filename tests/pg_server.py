"""A PostgreSQL server of the test's own (initdb in a temporary folder), to stop and start.

Outage tests cut the database away from a running service; they must never stop the machine's
shared server. initdb refuses to run as root, so as root the server runs as ``postgres``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgServer:
    """``start()``/``stop()`` a throwaway cluster on a free loopback port."""

    def __init__(self) -> None:
        initdb = _binary("initdb")
        if initdb is None:
            pytest.skip("PostgreSQL server binaries (initdb) are not installed")
        self.bin = Path(initdb).parent
        self.folder = Path(tempfile.mkdtemp(prefix="bridgeops-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user_prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.user_prefix:
            shutil.chown(self.folder, "postgres")
        self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ]
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, command: list[str]) -> None:
        subprocess.run(self.user_prefix + command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.folder / "server.log"),
                "-w",
                "start",
            ]
        )

    def stop(self, mode: str = "immediate") -> None:
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def cleanup(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("own PostgreSQL did not come up")


@pytest.fixture
def pg_server():
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()
