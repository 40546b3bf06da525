"""Production safety: secret key check, cookie flags, security headers, throttling of unknown tokens.

Every piece of state lives in the database or in the rate-limit storage (Redis when configured),
so several web hosts behind one load balancer behave as one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NoReturn

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from limits import parse

from bridgeops.accounts.access import bearer_token
from bridgeops.accounts.service import find_grant
from bridgeops.config import (
    ENVIRONMENTS,
    KNOWN_SECRET_KEYS,
    MIN_SECRET_KEY_LENGTH,
    instance_secret_key,
)
from bridgeops.core.errors import TooManyRequests
from bridgeops.core.urls import TOKEN_PATH
from bridgeops.events import token_recognised
from bridgeops.extensions import limiter

log = logging.getLogger("bridgeops.security")


class ConfigurationError(RuntimeError):
    """The configuration is unsafe for the environment it runs in."""


#: Unknown, revoked or expired tokens allowed per client address; above it such tokens get 429
#: for a while. Valid tokens are never counted nor refused: thousands of heartbeats a minute may
#: come from one NAT address of the government network.
TOKEN_FAILURE_LIMIT = parse("30 per minute")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


def is_production(app: Flask) -> bool:
    return app.config.get("ENV") == "production"


GENERATE_HINT = (
    "Generate one with `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'` "
    "and put it in /etc/bridgeops/bridgeops.env."
)


def check_secret_key(app: Flask) -> None:
    """Never run with a known or short signing key: anyone holding it forges sessions.

    Unset: production refuses to start (every web host must share one key); elsewhere a key
    is generated into ``instance/secret_key`` on first run and reused. Tests (TESTING) may
    use short keys."""
    env = app.config.get("ENV")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(
            f"BRIDGEOPS_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)} (exactly, lower case)."
        )
    key = app.config.get("SECRET_KEY")
    if not key:
        if is_production(app):
            raise ConfigurationError(
                "BRIDGEOPS_ENV=production but BRIDGEOPS_SECRET_KEY is not set. " + GENERATE_HINT
            )
        app.config["SECRET_KEY"] = key = instance_secret_key(Path(app.instance_path))
    if key in KNOWN_SECRET_KEYS:
        raise ConfigurationError("BRIDGEOPS_SECRET_KEY is a published development key. " + GENERATE_HINT)
    if len(str(key)) < MIN_SECRET_KEY_LENGTH and not app.config.get("TESTING"):
        raise ConfigurationError(
            f"BRIDGEOPS_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters. " + GENERATE_HINT
        )


def check_outbound_urls(app: Flask) -> None:
    """The return to TW and the alert webhook go over https (http only to this machine)."""
    from bridgeops.core.outbound import InsecureURL, check_outbound_url

    for key in ("TW_RETURN_URL", "ALERT_WEBHOOK_URL"):
        url = app.config.get(key) or ""
        try:
            if url:
                check_outbound_url(url)
        except InsecureURL as error:
            raise ConfigurationError(f"BRIDGEOPS_{key}: {error}") from None


def configure_security(app: Flask) -> None:
    """Refuse an unsafe configuration; set cookie flags from the deployment."""
    check_secret_key(app)
    check_outbound_urls(app)
    https = str(app.config.get("BASE_URL", "")).startswith("https://")
    secure = https or is_production(app)
    if is_production(app) and not https:
        log.warning(
            "BRIDGEOPS_BASE_URL is not https: links in mail will be plain HTTP, and "
            "browsers will not send the (Secure) session cookie over it"
        )
    if is_production(app) and str(app.config.get("RATELIMIT_STORAGE_URI")).startswith("memory"):
        raise ConfigurationError(
            "BRIDGEOPS_ENV=production but BRIDGEOPS_RATELIMIT_STORAGE_URI is memory://: each "
            "gunicorn process would count failed logins alone. Set it to redis://… (see "
            "deploy/bridgeops.env.example)."
        )
    app.config.setdefault("PREFERRED_URL_SCHEME", "https" if https else "http")
    for prefix in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        app.config[f"{prefix}_SECURE"] = secure
        app.config[f"{prefix}_HTTPONLY"] = True
        app.config[f"{prefix}_SAMESITE"] = "Lax"
    app.config["HSTS"] = https
    app.session_interface = CookieSessions()


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a request without the cookie (an API call,
    a heartbeat) gets its empty session without the signing serializer being built first."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def register_security_hooks(app: Flask) -> None:
    app.after_request(_security_headers)
    app.before_request(_refuse_throttled_token_client)
    app.after_request(_count_failed_token)


@limiter.request_filter
def _api_call() -> bool:
    """No Flask-Limiter limit applies to the JSON API (its one limit, on failed tokens per
    address, is counted by the hooks below): its calls skip the extension's per-request work of
    resolving limits (a heartbeat or a registration is a hot path). A test keeps the API's
    views free of ``@limiter.limit``."""
    return request.blueprint == "api"


#: Set on every response that does not set its own. Referrer-Policy is same-origin, not
#: no-referrer: Flask-WTF checks the Referer of HTTPS form posts, and links holding tokens still
#: never leak to other sites.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _security_headers(response: Response) -> Response:
    from flask import current_app

    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}  # one pass, not a scan per header
    wanted = (*SECURITY_HEADERS, HSTS) if current_app.config.get("HSTS") else SECURITY_HEADERS
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def _presented_token() -> str | None:
    """The bearer token or the magic-link token in the path, if the request has one."""

    token = bearer_token()
    if token is not None:
        return token
    match = TOKEN_PATH.match(request.path)
    return match["token"] if match else None


def _token_failed(status: int) -> bool:
    """A refused bearer token is a 401; a bad magic link may also be a 403, 404 or 410."""

    if bearer_token() is not None and status == 401:
        return True
    return TOKEN_PATH.match(request.path) is not None and status in (401, 403, 404, 410)


def _failure_key() -> tuple[str, str]:
    from flask_limiter.util import get_remote_address

    # Direct hits bypass Flask-Limiter's key prefix: add it, so deployments sharing one Redis
    # (or a test run) keep their counts apart.
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}token-failures", get_remote_address()


def _refuse_throttled_token_client() -> Response | None:
    """Above the limit an address gets 429 for every token that does not work; a valid token
    (an access grant or a live federation credential) still passes, so one misconfigured room
    behind a shared NAT address cannot cut off the rest."""
    token = _presented_token()
    if not limiter.enabled or token is None:
        return None
    try:
        allowed = limiter.limiter.test(TOKEN_FAILURE_LIMIT, *_failure_key())
    except Exception:  # the shared store is down: serve rather than lock everyone out
        log.warning("rate-limit storage unavailable; token throttling skipped", exc_info=True)
        return None
    if allowed:
        return None
    # A province's federation credential works like a grant (asked through an event: ops sits
    # below federation): a province office behind a NAT address shared with a misconfigured
    # client still submits; bad credentials stay limited.
    if find_grant(token) is not None or any(answer for _, answer in token_recognised.send(None, token=token)):
        return None
    _too_many()


def _count_failed_token(response: Response) -> Response:
    if not limiter.enabled or not _token_failed(response.status_code):
        return response
    try:
        limiter.limiter.hit(TOKEN_FAILURE_LIMIT, *_failure_key())
    except Exception:
        log.warning("rate-limit storage unavailable; failed token not counted", exc_info=True)
    return response


def _too_many() -> NoReturn:
    """Refuse an address that guessed too many tokens; setup's error handler renders it."""
    if request.path.startswith("/api/") or request.headers.get("Authorization"):
        raise TooManyRequests("Quá nhiều mã truy cập sai từ địa chỉ này; thử lại sau một phút.")
    raise TooManyRequests("Quá nhiều đường dẫn sai từ địa chỉ này; thử lại sau một phút.")
