"""The bridge point endpoints of the contract."""

from __future__ import annotations

from flask import g, request, url_for

from bridgeops.accounts.access import SCOPED_POINT, SIGNED_IN, requires
from bridgeops.api import api_bp, operation
from bridgeops.conference import service as conferences
from bridgeops.core.db import commit_keeping_loaded
from bridgeops.core.errors import Conflict, PreconditionRequired, ValidationFailed
from bridgeops.extensions import db
from bridgeops.registration import queries, service
from bridgeops.registration.models import BridgePoint
from bridgeops.registration.schemas import (
    LinkOut,
    PointCreated,
    PointIn,
    PointList,
    PointOut,
    PointQuery,
    point_out,
)

TAGS = ("registration",)
IF_MATCH = {"If-Match": "ETag của điểm cầu (từ GET); bắt buộc với PATCH."}
STALE = "Điểm cầu đã bị người khác thay đổi (ETag cũ)"
CLOSED = "Đã hết hạn đăng ký (chủ tịch Hội chỉ xem được)"


def etag(point: BridgePoint) -> str:
    return f'"{point.version}"'


def _if_match_version(point: BridgePoint, required: bool) -> int | None:
    """The version the caller saw: the current one when any If-Match tag matches it, else
    one that will fail with 412. None when the header is absent and optional, or "*"."""
    header = request.headers.get("If-Match")
    if header is None:
        if required:
            raise PreconditionRequired(
                "Cần gửi If-Match với ETag của điểm cầu (lấy từ GET) để không ghi đè thay đổi của người khác."
            )
        return None
    if header.strip() == "*":
        return None
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
    return point.version if str(point.version) in tags else -1


def _with_etag(point: BridgePoint, status: int = 200, model=None):
    return (model or point_out(point)), status, {"ETag": etag(point)}


def _committed(response):
    """Commit after the response was built from the flushed point (a commit expires it, and
    reading it again would load the point, its unit, counts and technicians anew)."""
    db.session.commit()
    return response


@api_bp.get("/conferences/<slug>/points")
@requires(SIGNED_IN)
@operation(
    "Danh sách điểm cầu trong phạm vi của người gọi",
    tags=TAGS,
    query=PointQuery,
    response=PointList,
    errors={404: "Không có hội nghị này"},
)
def list_points(slug: str, query: PointQuery):
    conference = conferences.get_conference(slug)
    page = queries.list_points(conference, g.principal, query)
    return PointList(items=[point_out(p) for p in page.items], total=page.total)


IDEMPOTENCY = {
    "Idempotency-Key": "Tùy chọn: một chuỗi ngẫu nhiên (UUID) cho mỗi điểm cầu; gửi "
    "lại yêu cầu với cùng khóa sẽ nhận lại điểm cầu đã tạo (200) "
    "với đường dẫn kỹ thuật viên mới."
}


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise ValidationFailed(
            {"Idempotency-Key": "Khóa Idempotency-Key phải dài 1–200 ký tự in được (ví dụ một UUID)."}
        )
    return key


@api_bp.post("/conferences/<slug>/points")
@requires(SIGNED_IN)
@operation(
    "Đăng ký điểm cầu (trả về technician_url một lần)",
    tags=TAGS,
    body=PointIn,
    response=PointCreated,
    status=201,
    headers=IDEMPOTENCY,
    errors={404: "Không có hội nghị này", 409: "Đơn vị đã có điểm cầu; " + CLOSED},
)
def create_point(slug: str, body: PointIn):
    try:
        key = _idempotency_key()
    except ValidationFailed:
        conferences.get_conference(slug)  # no such conference answers 404 before a bad key's 422
        raise
    try:
        created = service.register_point(slug, body, g.principal, idempotency_key=key)
    except Conflict:
        if not key:
            raise
        # The same retry raced with the first request: answer with what the first one made.
        db.session.rollback()
        created = service.register_point(slug, body, g.principal, idempotency_key=key)
    # Commit first, then answer from the rows still loaded (see commit_keeping_loaded).
    commit_keeping_loaded()
    point = created.point
    model = point_out(point, PointCreated, technician_url=created.technician_url)
    headers = {"ETag": etag(point), "Location": url_for("api.get_point", point_id=point.id)}
    return model, 201 if created.created else 200, headers


@api_bp.get("/points/<int:point_id>")
@requires(SCOPED_POINT)
@operation(
    "Một điểm cầu (kèm ETag)",
    tags=TAGS,
    response=PointOut,
    errors={404: "Không có điểm cầu này trong phạm vi của bạn"},
)
def get_point(point_id: int):
    return _with_etag(service.visible_point(g.principal, point_id))


@api_bp.patch("/points/<int:point_id>")
@requires(SCOPED_POINT)
@operation(
    "Sửa điểm cầu (cần If-Match)",
    tags=TAGS,
    body=PointIn,
    response=PointOut,
    headers=IF_MATCH,
    errors={
        404: "Không có điểm cầu này trong phạm vi của bạn",
        409: CLOSED,
        412: STALE,
        428: "Thiếu If-Match",
    },
)
def patch_point(point_id: int, body: PointIn):
    point = service.visible_point(g.principal, point_id)
    version = _if_match_version(point, required=True)
    service.update_point(point, body, g.principal, version)
    return _committed(_with_etag(point))


@api_bp.delete("/points/<int:point_id>")
@requires(SCOPED_POINT)
@operation(
    "Rút điểm cầu (giữ bản ghi, trạng thái withdrawn)",
    tags=TAGS,
    response=PointOut,
    headers={"If-Match": "Tùy chọn: ETag của điểm cầu."},
    errors={404: "Không có điểm cầu này trong phạm vi của bạn", 409: CLOSED, 412: STALE},
)
def withdraw_point(point_id: int):
    point = service.visible_point(g.principal, point_id)
    service.withdraw_point(point, g.principal, _if_match_version(point, required=False))
    return _committed(_with_etag(point))


@api_bp.post("/points/<int:point_id>/confirm")
@requires(SCOPED_POINT)
@operation(
    "Xác nhận điểm cầu",
    tags=TAGS,
    response=PointOut,
    headers={"If-Match": "Tùy chọn: ETag của điểm cầu."},
    errors={
        404: "Không có điểm cầu này trong phạm vi của bạn",
        409: CLOSED,
        412: STALE,
        422: "Còn thiếu phòng họp, kỹ thuật viên hoặc số đại biểu",
    },
)
def confirm_point(point_id: int):
    point = service.visible_point(g.principal, point_id)
    service.confirm_point(point, g.principal, _if_match_version(point, required=False))
    return _committed(_with_etag(point))


@api_bp.post("/points/<int:point_id>/technician-link")
@requires(SCOPED_POINT)
@operation(
    "Cấp lại đường dẫn cho kỹ thuật viên (đường dẫn cũ hết hiệu lực)",
    tags=TAGS,
    response=LinkOut,
    errors={404: "Không có điểm cầu này trong phạm vi của bạn"},
)
def technician_link(point_id: int):
    point = service.visible_point(g.principal, point_id)
    url = service.issue_technician_link(point, g.principal)
    db.session.commit()
    return LinkOut(url=url)
