"""Federation over the API: provinces submit their returns, TW reads the national roll-up."""

from __future__ import annotations

from flask import request, url_for

from bridgeops.accounts.access import FEDERATION, OFFICER, bearer_token, requires
from bridgeops.api import api_bp, operation
from bridgeops.conference.service import get_conference
from bridgeops.extensions import db
from bridgeops.federation import service
from bridgeops.federation.models import FederatedProvince, FederatedReturn
from bridgeops.federation.schemas import (
    CategoryOut,
    NationalRollupOut,
    NationalTallyOut,
    ProvinceLineOut,
    ProvinceOut,
    ReceiptOut,
)


def province_out(province: FederatedProvince) -> ProvinceOut:
    return ProvinceOut(
        code=province.code,
        name=province.name,
        contact_name=province.contact_name,
        contact_phone=province.contact_phone,
    )


def receipt_out(submission: FederatedReturn, receipt: service.Receipt) -> ReceiptOut:
    return ReceiptOut(
        id=submission.id,
        kind=submission.kind,
        province=province_out(submission.province),
        sha256=submission.sha256,
        frozen_at=submission.frozen_at,
        received_at=submission.received_at,
        already_received=not receipt.created,
        superseded=receipt.superseded.id if receipt.superseded else None,
    )


@api_bp.post("/federation/conferences/<slug>/returns")
@requires(FEDERATION)
@operation(
    "Tỉnh gửi báo cáo đã chốt về Trung ương (địa chỉ BRIDGEOPS_TW_RETURN_URL của tỉnh)",
    tags=("federation",),
    response=ReceiptOut,
    status=201,
    headers={"Idempotency-Key": "Mã sha256 của bản chốt (bắt buộc)"},
    description="Thân yêu cầu: tài liệu đã chốt (bridgeops.return/v1, bridgeops.attendance/v1 "
    "hoặc bridgeops.followup/v1) kèm sha256, frozen_at, frozen_by, đúng như BridgeOps của tỉnh "
    "gửi; mỗi loại có bản hiện hành riêng (số người dự: mỗi phiên một bản). Mã truy cập là mã "
    "Trung ương cấp cho tỉnh (bridgeops federation register). Gửi lại đúng "
    "nội dung đó trả 200 với bản đã lưu.",
    errors={
        401: "Thiếu, sai hoặc đã thu hồi mã của tỉnh",
        409: "Báo cáo cũ hơn bản Trung ương đang giữ, hoặc không phải hội nghị toàn quốc",
        422: "Sai sha256, Idempotency-Key, phiên bản hoặc không phải báo cáo của tỉnh này",
    },
)
def receive_return(slug: str):
    province = service.authenticate(bearer_token())
    conference = get_conference(slug)
    receipt = service.receive(
        conference, province, request.get_data(), request.headers.get("Idempotency-Key")
    )
    db.session.commit()
    location = url_for(
        "federation.submission", slug=slug, code=province.code, submission_id=receipt.submission.id
    )
    return (receipt_out(receipt.submission, receipt), 201 if receipt.created else 200, {"Location": location})


def _total(tally: service.Tally) -> NationalTallyOut:
    return NationalTallyOut(points=tally.points, delegates=tally.delegates, counts=tally.counts)


def _tally(figures: dict | service.Tally | None) -> NationalTallyOut | None:
    if figures is None:
        return None
    if isinstance(figures, service.Tally):
        return _total(figures)
    return NationalTallyOut.model_validate(figures)


@api_bp.get("/federation/conferences/<slug>/rollup")
@requires(OFFICER)
@operation(
    "Tổng hợp toàn quốc theo tỉnh và thành phần (từ các báo cáo tỉnh đã gửi)",
    tags=("federation",),
    response=NationalRollupOut,
    errors={409: "Không phải hội nghị toàn quốc"},
)
def national_rollup(slug: str):
    summary = service.national_rollup(get_conference(slug))
    return NationalRollupOut(
        conference=slug,
        categories=[CategoryOut(code=c, label=label) for c, label in summary.categories],
        confirmed=_total(summary.confirmed),
        registered=_total(summary.registered),
        provinces=[
            ProvinceLineOut(
                province=province_out(line.province),
                submitted=line.current is not None,
                submissions=line.submissions,
                current=line.current.id if line.current else None,
                sha256=line.current.sha256 if line.current else None,
                frozen_at=line.current.frozen_at if line.current else None,
                received_at=line.current.received_at if line.current else None,
                confirmed=_tally(line.confirmed),
                registered=_tally(line.registered),
            )
            for line in summary.lines
        ],
        submitted=len(summary.submitted),
        missing=[line.province.code for line in summary.missing],
    )
