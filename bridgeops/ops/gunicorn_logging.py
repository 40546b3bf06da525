"""gunicorn's logger with magic-link tokens cut out of the request line, path and query."""

from __future__ import annotations

import json

from gunicorn.glogging import Logger

from bridgeops.ops.logs import redact_path


class RedactingLogger(Logger):
    """Access-log atoms without tokens or query strings."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Escaped for the JSON access_log_format in deploy/gunicorn.conf.py.
        path = json.dumps(redact_path(environ.get("PATH_INFO", "")), ensure_ascii=False)[1:-1]
        atoms["U"] = path
        atoms["q"] = ""
        atoms["f"] = "-"  # a Referer may hold a magic link
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        atoms.pop("{raw_uri}", None)
        return atoms
