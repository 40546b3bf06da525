"""problem+json (RFC 9457) responses."""

from __future__ import annotations

from flask import Response, json

from bridgeops.core.errors import DomainError

PROBLEM_TYPE_BASE = "https://bridgeops.vn/problems/"

#: Vietnamese titles for plain HTTP errors.
HTTP_TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần mã truy cập hợp lệ",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột",
    413: "Dữ liệu gửi lên quá lớn",
    415: "Kiểu dữ liệu không được hỗ trợ",
    429: "Quá nhiều yêu cầu, vui lòng thử lại sau",
    500: "Lỗi máy chủ",
    503: "Dịch vụ tạm thời không sẵn sàng",
}


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
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return problem(
        error.status, error.title, error.detail, slug=error.slug, errors=error.errors or None, headers=headers
    )
