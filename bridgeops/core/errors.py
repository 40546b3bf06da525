"""Domain errors raised by services; the API turns them into problem+json, pages into messages."""

from __future__ import annotations

#: Vietnamese titles of plain HTTP errors, for pages and problem+json alike (the one table).
HTTP_TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần đăng nhập hoặc mã truy cập hợp lệ",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy trang",
    405: "Thao tác không được hỗ trợ",
    409: "Xung đột",
    413: "Dữ liệu gửi lên quá lớn",
    415: "Kiểu dữ liệu không được hỗ trợ",
    429: "Quá nhiều lần thử, vui lòng đợi một lát",
    500: "Lỗi máy chủ",
    503: "Dịch vụ tạm thời không sẵn sàng",
}


class DomainError(Exception):
    """A rule said no. ``status`` is the HTTP status the API answers with."""

    status = 400
    title = "Yêu cầu không hợp lệ"
    slug = "bad-request"

    def __init__(self, detail: str = "", errors: dict[str, str] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}
        #: Extra response headers (Retry-After on a 429).
        self.headers: dict[str, str] = {}


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


class TooManyRequests(DomainError):
    """Too many failed attempts from one address; try again after ``retry_after`` seconds."""

    status = 429
    title = HTTP_TITLES[429]
    slug = "too-many-requests"

    def __init__(self, detail: str = "", retry_after: int = 60):
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}
