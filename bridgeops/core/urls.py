"""Links that leave the app (mails, alerts, feeds, CLI output), built by the router from BASE_URL.

A mailed link must carry the public ``BASE_URL`` whichever host the officer's request came in
on, and must be buildable where there is no request at all (the scheduler, the CLI). So these
helpers bind the app's URL map to ``BASE_URL`` (scheme, host and any path prefix) instead of
using the request's adapter; a renamed route then breaks loudly (``BuildError``) instead of
silently mailing a dead link.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter

#: Paths whose segment after the prefix is a magic-link token (``.ics`` is not part of it).
TOKEN_PATH = re.compile(r"^(?P<prefix>/(?:c|t|calendar|invite)/)(?P<token>[^/]+?)(?P<suffix>\.ics)?(?=/|$)")


def base_url() -> str:
    """``BASE_URL`` without its trailing slash, e.g. ``https://bridgeops.example.vn/hoi``."""
    return current_app.config["BASE_URL"].rstrip("/")


def _adapter() -> MapAdapter:
    """The URL map bound to ``BASE_URL``, made once per ``BASE_URL`` (tests change it)."""
    configured = current_app.config["BASE_URL"]
    cache = current_app.extensions.setdefault("bridgeops_external_urls", {})
    adapter = cache.get(configured)
    if adapter is None:
        base = urlsplit(configured.rstrip("/"))
        adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
        )
        cache.clear()
        cache[configured] = adapter
    return adapter


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` under ``BASE_URL``, in or out of a request.

    ``external_url("invites.technician_page", token=t)`` → ``{BASE_URL}/t/{t}``.
    """
    current_app.inject_url_defaults(endpoint, values)
    return _adapter().build(endpoint, values, force_external=True)
