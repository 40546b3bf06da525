"""Structured logs: one JSON line per request and per job run, with tokens redacted.

A line never holds an Authorization header, a query string or a whole magic-link token: paths
like ``/c/<token>`` keep only the token's first characters, enough to tell two links apart.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request

from bridgeops.core.urls import TOKEN_PATH

#: The logger every BridgeOps module logs under (Flask's ``app.logger`` has the same name).
ROOT_LOGGER = "bridgeops"
access_log = logging.getLogger("bridgeops.request")

#: Any other path segment long and random enough to be a token (token_urlsafe(32) is 43 chars).
_LONG_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_\-]{24,}(?=/|\.|$)")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
TOKEN_PREFIX_CHARS = 4


def redact_path(path: str) -> str:
    """The path with every token cut to its first few characters."""
    match = TOKEN_PATH.match(path)
    if match:
        token = match["token"][:TOKEN_PREFIX_CHARS] + "…"
        path = match["prefix"] + token + (match["suffix"] or "") + path[match.end() :]
    return _LONG_SEGMENT.sub(lambda m: m.group(0)[:TOKEN_PREFIX_CHARS] + "…", path)


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str = "info") -> None:
    """JSON lines on stderr for the ``bridgeops`` loggers; safe to call more than once."""
    logger = logging.getLogger(ROOT_LOGGER)
    logger.setLevel(level.upper())
    if any(getattr(h, "bridgeops_json", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.bridgeops_json = True  # type: ignore[attr-defined]
    logger.addHandler(handler)


def register_request_log(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = getattr(g, "request_id", None) or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    started = getattr(g, "request_started", None)
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    access_log.info(
        "request",
        extra={
            "fields": {
                "request_id": request_id,
                "method": request.method,
                "path": redact_path(request.path),
                "status": response.status_code,
                "duration_ms": duration_ms,
                "remote_addr": request.remote_addr,
            }
        },
    )
    return response
