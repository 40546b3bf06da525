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
    AttendanceOut,
    CategoryOut,
    FollowupOut,
    NationalRollupOut,
    NationalTallyOut,
    PeopleOut,
    ProvinceLineOut,
    ProvinceOut,
    ReceiptOut,
    SessionOut,
    SessionTotalOut,
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


def _people(people: service.People) -> PeopleOut:
    return PeopleOut(delegates=people.delegates, counts=people.counts)


def _attendance(presence: service.SessionPresence) -> AttendanceOut:
    assert presence.session_id is not None  # a province's own session
    return AttendanceOut(
        session=SessionOut(id=presence.session_id, title=presence.title, starts_at=presence.starts_at),
        points=presence.points,
        reported_points=presence.reported_points,
        confirmed=_people(presence.confirmed),
        present=_people(presence.present),
    )


def _session_total(presence: service.SessionPresence) -> SessionTotalOut:
    return SessionTotalOut(
        title=presence.title,
        starts_at=presence.starts_at,
        provinces=presence.provinces,
        points=presence.points,
        reported_points=presence.reported_points,
        confirmed=_people(presence.confirmed),
        present=_people(presence.present),
    )


def _followup(progress: service.FollowupProgress) -> FollowupOut:
    return FollowupOut(
        as_of_day=progress.as_of_day,
        provinces=progress.provinces,
        units_total=progress.units_total,
        units_held=progress.units_held,
        units_open=progress.units_open,
        units_overdue=progress.units_overdue,
    )


@api_bp.get("/federation/conferences/<slug>/rollup")
@requires(OFFICER)
@operation(
    "Tổng hợp toàn quốc theo tỉnh và thành phần (từ các báo cáo tỉnh đã gửi), kèm số người dự "
    "thực tế từng phiên và hội nghị triển khai các cấp",
    tags=("federation",),
    response=NationalRollupOut,
    errors={409: "Không phải hội nghị toàn quốc"},
)
def national_rollup(slug: str):
    conference = get_conference(slug)
    summary = service.national_rollup(conference)
    reports = service.national_reports(conference)
    none = service.ProvinceReports()

    def province_reports(line: service.ProvinceLine) -> service.ProvinceReports:
        return reports.provinces.get(line.province.id, none)

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
                attendance=[_attendance(p) for p in province_reports(line).sessions],
                followup=_followup(followup) if (followup := province_reports(line).followup) else None,
            )
            for line in summary.lines
        ],
        submitted=len(summary.submitted),
        missing=[line.province.code for line in summary.missing],
        attendance=[_session_total(p) for p in reports.sessions],
        followup=_followup(reports.followup),
    )
