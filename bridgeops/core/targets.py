"""What a probe target may look like: the one syntax rule, used by the form and API that
store a target and by the probe that reads it back. Pure: no network, no database."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

SIP_DEFAULT_PORT = 5060
#: Port used when the target names none (tcp always needs one).
DEFAULT_PORTS = {"http": 80, "https": 443, "sip": SIP_DEFAULT_PORT}
SCHEMES = ("http", "https", "tcp", "sip")

_SYNTAX = "Địa chỉ kiểm tra phải có dạng http(s)://…, tcp://máy:cổng hoặc sip://máy[:cổng]."


class TargetSyntaxError(ValueError):
    """The text is not a probe target; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class Target:
    scheme: str  # http | https | tcp | sip
    host: str
    port: int
    path: str = "/"
    #: The address checked against the policy, and the one connected to (no DNS rebinding).
    address: str = ""


def parse_target(text: str) -> Target:
    """``http(s)://host[:port]/path``, ``tcp://host:port`` or ``sip://host[:port]``; no
    credentials, no whitespace inside. Raises TargetSyntaxError."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise TargetSyntaxError(_SYNTAX) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname or any(ch.isspace() for ch in text):
        raise TargetSyntaxError(_SYNTAX)
    if scheme == "tcp" and port is None:
        raise TargetSyntaxError("Địa chỉ tcp:// cần có cổng: tcp://máy:cổng.")
    if parts.username is not None or parts.password is not None:
        raise TargetSyntaxError("Địa chỉ kiểm tra không được chứa tên đăng nhập hay mật khẩu.")
    if scheme in ("tcp", "sip") and parts.path not in ("", "/"):
        raise TargetSyntaxError(_SYNTAX)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, parts.hostname, port or DEFAULT_PORTS.get(scheme, 0), path)
