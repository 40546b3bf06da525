"""The return over the API: roll-up and files, snapshots, diffs and submission to TW."""

from __future__ import annotations

from flask import Response, current_app, g, url_for

from bridgeops.accounts.access import OFFICER, requires
from bridgeops.api import api_bp, operation
from bridgeops.conference.service import get_conference
from bridgeops.core.errors import DomainError
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.returns import cache, service
from bridgeops.returns.models import ReturnSnapshot, SubmissionAttempt
from bridgeops.returns.schemas import (
    AttemptOut,
    DeltaOut,
    DiffOut,
    DiffQuery,
    FiguresOut,
    PointChangeOut,
    RetryOut,
    ReturnOut,
    ReturnQuery,
    SnapshotDetailOut,
    SnapshotListOut,
    SnapshotOut,
    SubmissionOut,
    SubmitBody,
)


class TWUnavailable(DomainError):
    status = 502
    title = "Trung ương chưa nhận báo cáo"
    slug = "tw-unavailable"


def file_response(export: service.ExportFile) -> Response:
    return Response(
        export.content,
        mimetype=export.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


def snapshot_out(snapshot: ReturnSnapshot) -> SnapshotOut:
    totals = (
        FiguresOut.model_validate(service.snapshot_totals(snapshot)) if snapshot.kind == "headcount" else None
    )
    return SnapshotOut(
        id=snapshot.id,
        sha256=snapshot.sha256,
        created_at=snapshot.created_at,
        created_by=snapshot.created_by,
        accepted_at=snapshot.accepted_at,
        totals=totals,
    )


def snapshot_json(snapshot: ReturnSnapshot) -> dict:
    """A report's snapshot (attendance, follow-ups) with its whole document."""
    return {
        "id": snapshot.id,
        "kind": snapshot.kind,
        "sha256": snapshot.sha256,
        "created_at": snapshot.created_at.isoformat(),
        "created_by": snapshot.created_by,
        "accepted_at": snapshot.accepted_at.isoformat() if snapshot.accepted_at else None,
        "document": snapshot.document,
    }


def attempt_out(attempt: SubmissionAttempt) -> AttemptOut:
    return AttemptOut(
        number=attempt.number,
        url=attempt.url,
        status_code=attempt.status_code,
        response_excerpt=attempt.response_excerpt,
        error=attempt.error,
        duration_ms=attempt.duration_ms,
        started_at=attempt.started_at,
    )


def _delta(delta: service.Delta) -> DeltaOut:
    return DeltaOut(before=delta.before, after=delta.after, change=delta.change)


@api_bp.get("/conferences/<slug>/return")
@requires(OFFICER)
@operation(
    "Báo cáo số điểm cầu và đại biểu (JSON, hoặc tệp CSV/XLSX với ?format=)",
    tags=("returns",),
    query=ReturnQuery,
    response=ReturnOut,
    errors={404: "Không có hội nghị này"},
    media={"text/csv": "CSV UTF-8 có BOM", service.FORMATS["xlsx"]: "Tệp Excel"},
)
def get_return(slug: str, query: ReturnQuery):
    conference = get_conference(slug)
    if query.format != "json":
        return file_response(service.export(conference, query.format))
    body = cache.with_field(service.current_document_json(conference), "generated_at", utcnow().isoformat())
    return Response(body, mimetype="application/json")


@api_bp.post("/conferences/<slug>/return/snapshots")
@requires(OFFICER)
@operation(
    "Chốt số liệu báo cáo (bản chốt có mã sha256)",
    tags=("returns",),
    response=SnapshotOut,
    status=201,
    errors={404: "Không có hội nghị này"},
)
def create_snapshot(slug: str):
    conference = get_conference(slug)
    snapshot = service.freeze(conference, g.principal.actor)
    db.session.commit()
    location = url_for("api.get_snapshot", slug=slug, snapshot_id=snapshot.id)
    return snapshot_out(snapshot), 201, {"Location": location}


@api_bp.get("/conferences/<slug>/return/snapshots")
@requires(OFFICER)
@operation("Danh sách các bản chốt", tags=("returns",), response=SnapshotListOut)
def list_snapshots(slug: str):
    snapshots = service.list_snapshots(get_conference(slug))
    return SnapshotListOut(items=[snapshot_out(s) for s in snapshots], total=len(snapshots))


@api_bp.get("/conferences/<slug>/return/snapshots/<int:snapshot_id>")
@requires(OFFICER)
@operation(
    "Một bản chốt: số liệu đã đóng băng và các lần gửi Trung ương",
    tags=("returns",),
    response=SnapshotDetailOut,
    errors={404: "Không có bản chốt này"},
)
def get_snapshot(slug: str, snapshot_id: int):
    snapshot = service.get_snapshot(get_conference(slug), snapshot_id)
    # The frozen document goes out exactly as stored (its "schema" key included).
    retry = service.retry_state(snapshot) if current_app.config.get("TW_RETURN_URL") else None
    return {
        **snapshot_out(snapshot).model_dump(mode="json"),
        "document": snapshot.document,
        "attempts": [attempt_out(a).model_dump(mode="json") for a in snapshot.attempts],
        "retry": RetryOut(**vars(retry)).model_dump(mode="json") if retry else None,
    }


@api_bp.get("/conferences/<slug>/return/snapshots/<int:snapshot_id>/diff")
@requires(OFFICER)
@operation(
    "Thay đổi giữa hai bản chốt (theo điểm cầu và thành phần)",
    tags=("returns",),
    query=DiffQuery,
    response=DiffOut,
    errors={404: "Không có bản chốt này"},
)
def diff_snapshots(slug: str, snapshot_id: int, query: DiffQuery):
    conference = get_conference(slug)
    newer = service.get_snapshot(conference, snapshot_id)
    older = service.get_snapshot(conference, query.against)
    diff = service.diff_snapshots(older, newer)
    return DiffOut(
        older=older.id,
        newer=newer.id,
        identical=diff.identical,
        confirmed={k: _delta(d) for k, d in diff.confirmed.items()},
        registered={k: _delta(d) for k, d in diff.registered.items()},
        points=[
            PointChangeOut(
                unit_code=p.unit_code,
                unit_name=p.unit_name,
                kind=p.kind,
                status_before=p.status_before,
                status_after=p.status_after,
                counts={k: _delta(d) for k, d in p.counts.items()},
                delegates=_delta(p.delegates),
            )
            for p in diff.points
        ],
    )


@api_bp.post("/conferences/<slug>/return/snapshots/<int:snapshot_id>/submit")
@requires(OFFICER)
@operation(
    "Gửi bản chốt về Trung ương (BRIDGEOPS_TW_RETURN_URL)",
    tags=("returns",),
    body=SubmitBody,
    response=SubmissionOut,
    errors={
        404: "Không có bản chốt này",
        409: "Chưa cấu hình địa chỉ nhận của Trung ương",
        502: "Trung ương không nhận sau các lần thử",
    },
)
def submit_snapshot(slug: str, snapshot_id: int, body: SubmitBody):
    snapshot = service.get_snapshot(get_conference(slug), snapshot_id)
    return snapshot_submission(snapshot, force=body.force)


def snapshot_submission(snapshot: ReturnSnapshot, force: bool) -> SubmissionOut:
    """Submit a snapshot of any kind to TW and answer as the return's submit endpoint does."""
    outcome = service.submit(snapshot, g.principal.actor, force=force)
    db.session.commit()
    if not outcome.accepted:
        last = outcome.attempts[-1] if outcome.attempts else None
        reason = f"HTTP {last.status_code}" if last and last.status_code else last.error if last else ""
        raise TWUnavailable(
            f"Trung ương chưa nhận bản chốt sau {len(outcome.attempts)} lần thử "
            f"({reason}). Các lần thử đã được ghi lại; có thể gửi lại sau."
        )
    return SubmissionOut(
        snapshot=snapshot_out(snapshot),
        accepted=True,
        already_accepted=outcome.already_accepted,
        attempts=[attempt_out(a) for a in outcome.attempts],
    )


#: The answers of submitting any report's snapshot to TW.
SUBMIT_ERRORS = {
    404: "Không có bản chốt này",
    409: "Chưa cấu hình địa chỉ nhận của Trung ương",
    502: "Trung ương không nhận sau các lần thử",
}


def created_snapshot(snapshot: ReturnSnapshot, endpoint: str, slug: str) -> tuple[dict, int, dict[str, str]]:
    """The 201 answer to freezing a report: the snapshot, and where to read it again."""
    return snapshot_json(snapshot), 201, {"Location": url_for(endpoint, slug=slug, snapshot_id=snapshot.id)}


def add_snapshot_api(name: str, base: str, kind: str, what: str, tags: tuple[str, ...]) -> None:
    """GET ``{base}/snapshots/<id>`` and POST ``…/submit`` for a report's snapshots of ``kind``,
    as ``api.get_{name}_snapshot`` and ``api.submit_{name}_snapshot``; ``what`` names the
    report in the summaries ("số người dự")."""

    @api_bp.get(f"{base}/snapshots/<int:snapshot_id>", endpoint=f"get_{name}_snapshot")
    @requires(OFFICER)
    @operation(f"Một bản chốt {what}", tags=tags, errors={404: "Không có bản chốt này"})
    def get_snapshot(slug: str, snapshot_id: int):
        return snapshot_json(service.get_snapshot(get_conference(slug), snapshot_id, kind))

    @api_bp.post(f"{base}/snapshots/<int:snapshot_id>/submit", endpoint=f"submit_{name}_snapshot")
    @requires(OFFICER)
    @operation(f"Gửi bản chốt {what} về Trung ương", tags=tags, response=SubmissionOut, errors=SUBMIT_ERRORS)
    def submit_snapshot(slug: str, snapshot_id: int):
        return snapshot_submission(service.get_snapshot(get_conference(slug), snapshot_id, kind), force=False)
