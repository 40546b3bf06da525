"""problem+json (RFC 9457) responses."""

from __future__ import annotations

from flask import Response, json

from bridgeops.core.errors import HTTP_TITLES, DomainError

PROBLEM_TYPE_BASE = "https://bridgeops.vn/problems/"


def problem(
    status: int,
    title: str | None = None,
    detail: str = "",
    *,
    slug: str | None = None,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response."""
    body: dict = {
        "type": PROBLEM_TYPE_BASE + slug if slug else "about:blank",
        "title": title or HTTP_TITLES.get(status, "Lỗi"),
        "status": status,
        "detail": detail or title or HTTP_TITLES.get(status, "Lỗi"),
    }
    if errors:
        body["errors"] = errors
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_domain_error(error: DomainError) -> Response:
    headers = dict(error.headers)
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem(
        error.status,
        error.title,
        error.detail,
        slug=error.slug,
        errors=error.errors or None,
        headers=headers or None,
    )
