"""Rules for the HTTP requests BridgeOps itself makes (the return to TW, the alert webhook).

No redirects are followed (a 307 would re-post the return elsewhere); plain HTTP is allowed to
loopback only; URLs are logged and stored without their query string or credentials.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit


class InsecureURL(ValueError):
    """An outbound URL that is not https and not on loopback."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_outbound_url(url: str) -> str:
    """The URL if it is https (or http to loopback); raises InsecureURL otherwise."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if not host or scheme not in ("http", "https") or (scheme == "http" and not _is_loopback(host)):
        raise InsecureURL(f"{redact_url(url)}: only https:// (or http:// to this machine) is allowed")
    return url


def redact_url(url: str) -> str:
    """The URL without credentials, query string or fragment: safe to log and show."""
    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
    except ValueError:
        return "(invalid URL)"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def redact_text(text: str, url: str) -> str:
    """An error message with the full URL (and its query) replaced by the redacted one."""
    redacted = redact_url(url)
    text = text.replace(url, redacted)
    query = urlsplit(url).query
    return text.replace(query, "…") if query else text
