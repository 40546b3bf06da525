"""Real servers for tests: gunicorn in a subprocess, or werkzeug in a thread, on port 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from werkzeug.serving import WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
_LISTENING = re.compile(r"Listening at: (http://[\d.]+:\d+)")


@dataclass
class Gunicorn:
    """A running gunicorn; ``output`` collects everything it wrote to stderr and stdout."""

    process: subprocess.Popen
    url: str = ""
    output: list[str] = field(default_factory=list)

    @property
    def log(self) -> str:
        return "".join(self.output)


def server_environment(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a BridgeOps process on the test database, without the caller's
    BRIDGEOPS_* settings leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGEOPS_")}
    env.update(
        {
            "BRIDGEOPS_DATABASE_URL": database_url,
            "BRIDGEOPS_SECRET_KEY": "live-server-test-secret-key-0123456789abcdef",
            "BRIDGEOPS_BASE_URL": "http://127.0.0.1",
            # Production refuses per-process (memory://) rate limits; each server counts apart.
            "BRIDGEOPS_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "BRIDGEOPS_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(settings)
    return env


@contextmanager
def gunicorn(database_url: str, *args: str, timeout: float = 30, **settings: str) -> Iterator[Gunicorn]:
    """gunicorn with deploy/gunicorn.conf.py on 127.0.0.1 port 0; stopped on exit."""
    env = server_environment(database_url, BRIDGEOPS_BIND="127.0.0.1:0", **settings)
    env.setdefault("BRIDGEOPS_WORKERS", "2")
    process = subprocess.Popen(
        [str(GUNICORN), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"), *args, "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Gunicorn(process)
    found = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.output.append(line)
            match = _LISTENING.search(line)
            if match and not found.is_set():
                server.url = match[1]
                found.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        if not found.wait(timeout):
            raise RuntimeError("gunicorn did not start:\n" + server.log)
        wait_until_up(server.url + "/healthz", timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def wait_until_up(url: str, timeout: float, **options) -> None:
    """Poll ``url`` until anything answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=5, **options)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # the app logs requests itself
        pass


def _read_whole(app):
    """The app with each response read whole, and its iterable closed, before werkzeug writes it.
    When a browser drops a connection mid-response (a favicon it no longer wants), werkzeug's
    development server can end the request without closing the iterable, and the static file
    left open fails the run with a ResourceWarning. BridgeOps streams no response, so the pages
    are the same."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wsgi


@contextmanager
def threaded_server(app) -> Iterator[str]:
    """The test app served by werkzeug in a thread on 127.0.0.1 port 0; yields its base URL."""
    server = make_server("127.0.0.1", 0, _read_whole(app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
