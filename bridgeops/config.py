"""Configuration: defaults in code, overridden by ``BRIDGEOPS_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Published in an earlier release: refused everywhere.
KNOWN_SECRET_KEYS = frozenset({"dev-insecure-change-me"})
#: Shortest accepted signing key (``secrets.token_urlsafe(48)`` gives 64).
MIN_SECRET_KEY_LENGTH = 32
#: Where a key generated on first run is kept when BRIDGEOPS_SECRET_KEY is not set.
SECRET_KEY_FILE = "secret_key"
ENVIRONMENTS = ("development", "production")


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


#: (config key, environment variable, parser, default). The single list of settings.
SETTINGS: list[tuple[str, str, Any, Any]] = [
    ("SECRET_KEY", "BRIDGEOPS_SECRET_KEY", str, None),
    ("DATABASE_URL", "BRIDGEOPS_DATABASE_URL", str, None),
    ("BASE_URL", "BRIDGEOPS_BASE_URL", str, "http://127.0.0.1:5000"),
    ("SMTP_HOST", "BRIDGEOPS_SMTP_HOST", str, ""),
    ("SMTP_PORT", "BRIDGEOPS_SMTP_PORT", int, 587),
    ("SMTP_USER", "BRIDGEOPS_SMTP_USER", str, ""),
    ("SMTP_PASSWORD", "BRIDGEOPS_SMTP_PASSWORD", str, ""),
    ("SMTP_STARTTLS", "BRIDGEOPS_SMTP_STARTTLS", _bool, True),
    ("SMTP_TIMEOUT", "BRIDGEOPS_SMTP_TIMEOUT", float, 30.0),
    ("OUTBOX_CLAIM_SECONDS", "BRIDGEOPS_OUTBOX_CLAIM_SECONDS", int, 120),
    ("MAIL_FROM", "BRIDGEOPS_MAIL_FROM", str, "BridgeOps <no-reply@bridgeops.local>"),
    ("OUTBOX_DIR", "BRIDGEOPS_OUTBOX_DIR", str, None),
    ("PROBE_INTERVAL", "BRIDGEOPS_PROBE_INTERVAL", int, 30),
    ("PROBE_FAILURES", "BRIDGEOPS_PROBE_FAILURES", int, 3),
    ("PROBE_TIMEOUT", "BRIDGEOPS_PROBE_TIMEOUT", float, 2.0),
    ("TW_RETURN_URL", "BRIDGEOPS_TW_RETURN_URL", str, ""),
    ("TW_RETURN_TOKEN", "BRIDGEOPS_TW_RETURN_TOKEN", str, ""),
    ("ALERT_WEBHOOK_URL", "BRIDGEOPS_ALERT_WEBHOOK_URL", str, ""),
    ("RATELIMIT_STORAGE_URI", "BRIDGEOPS_RATELIMIT_STORAGE_URI", str, "memory://"),
    ("RATELIMIT_KEY_PREFIX", "BRIDGEOPS_RATELIMIT_KEY_PREFIX", str, "bridgeops"),
    ("PROXY_COUNT", "BRIDGEOPS_PROXY_COUNT", int, 0),
    ("LOG_LEVEL", "BRIDGEOPS_LOG_LEVEL", str, "info"),
    ("LINK_TTL_DAYS", "BRIDGEOPS_LINK_TTL_DAYS", int, 60),
    ("OFFICER_SESSION_HOURS", "BRIDGEOPS_OFFICER_SESSION_HOURS", float, 12.0),
    ("LINK_SESSION_DAYS", "BRIDGEOPS_LINK_SESSION_DAYS", float, 31.0),
    ("PROBE_ALLOW", "BRIDGEOPS_PROBE_ALLOW", str, ""),
    ("HEALTHZ_WRITE_CHECK_SECONDS", "BRIDGEOPS_HEALTHZ_WRITE_CHECK_SECONDS", float, 1.0),
    ("PROBE_PORTS", "BRIDGEOPS_PROBE_PORTS", str, ""),
    ("ENV", "BRIDGEOPS_ENV", str, "development"),
    ("CONTACT_NAME", "BRIDGEOPS_CONTACT_NAME", str, "Ban Tuyên giáo – CSLP"),
    ("CONTACT_EMAIL", "BRIDGEOPS_CONTACT_EMAIL", str, "tuyengiao@hoiphunu.local"),
    ("CONTACT_PHONE", "BRIDGEOPS_CONTACT_PHONE", str, ""),
]


def load_config(instance_path: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the config mapping from the defaults above and the environment."""
    if environ is None:
        environ = os.environ
    config: dict[str, Any] = {}
    for key, env_name, parse, default in SETTINGS:
        raw = environ.get(env_name)
        config[key] = parse(raw) if raw not in (None, "") else default
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'bridgeops.sqlite3'}"
    if not config["OUTBOX_DIR"]:
        config["OUTBOX_DIR"] = str(instance_path / "outbox")
    return config


#: The domain of calendar UIDs and Message-IDs when BASE_URL names no host.
FALLBACK_HOST = "bridgeops.local"


def base_host(config: Mapping[str, Any]) -> str:
    """The host name of ``BASE_URL``: the domain that makes our calendar UIDs and Message-IDs
    unique ("https://cau.namdinh.vn/" → "cau.namdinh.vn")."""
    return urlsplit(str(config.get("BASE_URL") or "")).hostname or FALLBACK_HOST


def instance_secret_key(instance_path: Path) -> str:
    """The signing key kept in ``instance/secret_key``, generated (mode 0600) on first run."""
    import secrets
    import time

    path = instance_path / SECRET_KEY_FILE
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process (a second gunicorn worker) may be writing it right now.
        for _ in range(50):
            key = path.read_text(encoding="utf-8").strip()
            if key:
                return key
            time.sleep(0.05)
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    return key
