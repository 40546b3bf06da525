"""Domain errors raised by services; the API turns them into problem+json, pages into messages."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``status`` is the HTTP status the API answers with."""

    status = 400
    title = "Yêu cầu không hợp lệ"
    slug = "bad-request"

    def __init__(self, detail: str = "", errors: dict[str, str] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}


class ValidationFailed(DomainError):
    status = 422
    title = "Dữ liệu không hợp lệ"
    slug = "validation-error"

    def __init__(self, errors: dict[str, str], detail: str = ""):
        super().__init__(detail or "Vui lòng kiểm tra các trường được đánh dấu.", errors)


class NotFound(DomainError):
    status = 404
    title = "Không tìm thấy"
    slug = "not-found"


class Unauthorized(DomainError):
    status = 401
    title = "Cần đăng nhập hoặc mã truy cập hợp lệ"
    slug = "unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Không có quyền"
    slug = "forbidden"


class Conflict(DomainError):
    status = 409
    title = "Xung đột"
    slug = "conflict"


class PreconditionRequired(DomainError):
    status = 428
    title = "Thiếu If-Match"
    slug = "precondition-required"


class PreconditionFailed(DomainError):
    status = 412
    title = "Dữ liệu đã bị người khác thay đổi"
    slug = "precondition-failed"
