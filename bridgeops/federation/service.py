"""Federation at TW: which provinces may submit, what they submitted, the national roll-up.

The only writer of federated_province and federated_return. A province's instance sends the
body built by ``returns.service.submit``: its frozen bridgeops.return/v1 document plus an
envelope (``sha256``, ``frozen_at``, ``frozen_by``) and the sha256 again as Idempotency-Key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, TypeAdapter
from pydantic_core import PydanticCustomError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from bridgeops.accounts.tokens import hash_token, new_token
from bridgeops.attendance import document as attendance_documents
from bridgeops.audit import service as audit
from bridgeops.conference.models import Conference
from bridgeops.core.db import table_of
from bridgeops.core.errors import Conflict, DomainError, NotFound, Unauthorized, ValidationFailed
from bridgeops.core.time import as_utc, format_datetime_vi, utcnow
from bridgeops.extensions import db
from bridgeops.federation.models import FederatedProvince, FederatedReturn
from bridgeops.followup import document as followup_documents
from bridgeops.registration.schemas import normalise_phone
from bridgeops.returns import document as documents
from bridgeops.returns.schemas import FiguresOut, ReturnCategoryOut
from bridgeops.returns.service import ReturnDiff, diff_documents
from bridgeops.units.models import AdminUnit

#: What the province's submitter adds around the hashed document.
ENVELOPE = ("sha256", "frozen_at", "frozen_by")

#: The reports a province sends to the same address, told apart by their schema version.
KINDS = {
    documents.SCHEMA: "headcount",
    attendance_documents.SCHEMA: "attendance",
    followup_documents.SCHEMA: "followup",
}
#: How TW's officers call each kind.
KIND_LABELS = {
    "headcount": "báo cáo số đại biểu",
    "attendance": "báo cáo số người dự thực tế",
    "followup": "báo cáo hội nghị triển khai các cấp",
}


class ReturnRefused(DomainError):
    status = 422
    title = "Trung ương không nhận báo cáo này"
    slug = "return-refused"


class StaleReturn(DomainError):
    status = 409
    title = "Báo cáo cũ hơn bản Trung ương đang giữ"
    slug = "return-stale"


class NotNational(DomainError):
    status = 409
    title = "Không phải hội nghị toàn quốc"
    slug = "not-national"


# --- Provinces and their credentials ----------------------------------------------------------


@dataclass(frozen=True)
class IssuedCredential:
    province: FederatedProvince
    #: Shown once; only its sha256 is kept.
    token: str


def register_province(
    code: str, name: str = "", contact_name: str = "", contact_phone: str = "", actor: str = "cli"
) -> IssuedCredential:
    """Register a province (or give a revoked one a new credential): its token, shown once."""
    code = code.strip()
    if not code or len(code) > 10:
        raise ValidationFailed({"code": "Mã tỉnh phải có từ 1 đến 10 ký tự (ví dụ 36)."})
    if not name.strip():
        unit = db.session.get(AdminUnit, code)
        if unit is None:
            raise ValidationFailed({"name": "Cần tên tỉnh (mã này không có trong danh mục đơn vị)."})
        name = unit.name
    phone = ""
    if contact_phone.strip():
        try:
            phone = normalise_phone(contact_phone)
        except PydanticCustomError as error:
            raise ValidationFailed({"contact_phone": error.message()}) from None
    province = db.session.scalar(sa.select(FederatedProvince).where(FederatedProvince.code == code))
    if province is not None and province.revoked_at is None:
        raise Conflict(f"{province.name} (mã {code}) đã được đăng ký; thu hồi mã cũ trước khi cấp mã mới.")
    token = new_token()
    if province is None:
        province = FederatedProvince(code=code)
        db.session.add(province)
    province.name = name.strip()
    province.contact_name = contact_name.strip()
    province.contact_phone = phone
    province.token_hash = hash_token(token)
    province.registered_at = utcnow()
    province.revoked_at = None
    db.session.flush()
    audit.record(
        actor, "federated_province", province.id, "register", after={"code": code, "name": province.name}
    )
    return IssuedCredential(province, token)


def get_province(code: str) -> FederatedProvince:
    province = db.session.scalar(sa.select(FederatedProvince).where(FederatedProvince.code == code))
    if province is None:
        raise NotFound(f"Không có tỉnh mã {code} trong danh sách đơn vị gửi báo cáo.")
    return province


def revoke_province(code: str, actor: str = "cli") -> FederatedProvince:
    """Revoke the province's credential; what it already submitted stays."""
    province = get_province(code)
    if province.revoked_at is None:
        province.revoked_at = utcnow()
        db.session.flush()
        audit.record(actor, "federated_province", province.id, "revoke", after={"code": code})
    return province


def list_provinces() -> list[FederatedProvince]:
    return list(db.session.scalars(sa.select(FederatedProvince).order_by(FederatedProvince.code)))


@dataclass(frozen=True)
class ProvinceStanding:
    """A registered province as TW's admin sees it: its credential's state and what it sent."""

    province: FederatedProvince
    submissions: int
    last_received_at: datetime | None


def province_standings() -> list[ProvinceStanding]:
    """Every registered province with its number of submissions and the last one's time, in
    one query."""
    returns = table_of(FederatedReturn)
    sent = (
        sa.select(
            returns.c.province_id,
            sa.func.count().label("submissions"),
            sa.func.max(returns.c.received_at).label("last_received_at"),
        )
        .group_by(returns.c.province_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(FederatedProvince, sent.c.submissions, sent.c.last_received_at)
        .outerjoin(sent, sent.c.province_id == FederatedProvince.id)
        .order_by(FederatedProvince.code)
    )
    return [
        ProvinceStanding(province, submissions or 0, as_utc(last) if last is not None else None)
        for province, submissions, last in rows
    ]


def live_province(token: str | None) -> FederatedProvince | None:
    """The province whose credential this is, unless revoked; None for anything else."""
    if not token or len(token) > 200:
        return None
    province = db.session.scalar(
        sa.select(FederatedProvince).where(FederatedProvince.token_hash == hash_token(token))
    )
    return province if province is not None and province.revoked_at is None else None


def authenticate(token: str | None) -> FederatedProvince:
    """The province whose credential this is; 401 saying why otherwise."""
    if not token:
        raise Unauthorized(
            "Thiếu mã truy cập của tỉnh (Authorization: Bearer …); hãy đặt "
            "BRIDGEOPS_TW_RETURN_TOKEN bằng mã Trung ương đã cấp."
        )
    province = db.session.scalar(
        sa.select(FederatedProvince).where(FederatedProvince.token_hash == hash_token(token))
    )
    if province is None:
        raise Unauthorized(
            "Mã truy cập của tỉnh không đúng; hãy kiểm tra BRIDGEOPS_TW_RETURN_TOKEN "
            "với mã Trung ương đã cấp."
        )
    if province.revoked_at is not None:
        raise Unauthorized(
            f"Mã truy cập của {province.name} đã bị Trung ương thu hồi; hãy liên hệ "
            "Trung ương để được cấp mã mới."
        )
    return province


# --- Receiving a return -----------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    submission: FederatedReturn
    #: False when this exact content was already the province's current return.
    created: bool
    #: The submission it replaced, if any.
    superseded: FederatedReturn | None = None


def national_conference(conference: Conference) -> Conference:
    if conference.host_unit_code is not None:
        raise NotNational(
            f"Hội nghị '{conference.slug}' là hội nghị của một tỉnh, không nhận báo cáo của các tỉnh."
        )
    return conference


def _parse_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ReturnRefused(
            "Nội dung gửi lên không phải JSON hợp lệ.", {"__body__": "JSON không hợp lệ."}
        ) from None
    if not isinstance(data, dict):
        raise ReturnRefused(
            "Nội dung gửi lên phải là một đối tượng JSON.", {"__body__": "Phải là một đối tượng JSON."}
        )
    return data


def _frozen_at(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ReturnRefused(
            "Thiếu thời điểm chốt số liệu.", {"frozen_at": "Phải là thời điểm ISO 8601."}
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Tally(BaseModel):
    delegates: int
    counts: dict[str, int]


class _AttendanceGroup(BaseModel):
    points: int
    reported_points: int
    confirmed: _Tally
    present: _Tally


class _AttendanceSession(BaseModel):
    id: int
    title: str
    starts_at: str


class _FollowupLevel(BaseModel):
    level: str
    label: str
    units_total: int
    units_held: int
    units_held_late: int = 0
    units_overdue: int = 0
    officials: int = 0
    members: int = 0
    women: int = 0
    branches_total: int = 0
    branches_reached: int = 0


def _kind_of(document: dict[str, Any]) -> str:
    schema = document.get("schema")
    kind = KINDS.get(schema) if isinstance(schema, str) else None
    if kind is None:
        accepted = ", ".join(KINDS)
        raise ReturnRefused(
            f"Trung ương nhận các báo cáo phiên bản {accepted}; báo cáo gửi lên là "
            f"{schema or 'không rõ phiên bản'}. Hãy cập nhật BridgeOps của tỉnh.",
            {"schema": f"Phải là một trong {accepted}."},
        )
    return kind


def _digest(kind: str, document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """What TW's pages read of a document of the kind, validated, and what it supersedes within.

    Raises KeyError, TypeError, ValueError (ValidationError) or AttributeError on a document of
    the wrong shape."""
    if kind == "headcount":
        FiguresOut.model_validate(document["totals"])
        TypeAdapter(list[ReturnCategoryOut]).validate_python(document["categories"])
        digest = {
            "totals": document["totals"],
            "categories": document["categories"],
            "units_total": _units_total(document),
        }
        return digest, ""
    if kind == "attendance":
        session = _AttendanceSession.model_validate(document["session"])
        _AttendanceGroup.model_validate(document["totals"])
        TypeAdapter(list[_AttendanceGroup]).validate_python(document["districts"])
        categories = TypeAdapter(list[ReturnCategoryOut]).validate_python(document["categories"])
        digest = {
            "session": session.model_dump(),
            "categories": [c.model_dump(include={"code", "label"}) for c in categories],
            "totals": document["totals"],
        }
        # TW prints and exports it as the province does: the sheet must build.
        attendance_documents.sheet(document)
        return digest, str(session.id)
    levels = TypeAdapter(list[_FollowupLevel]).validate_python(document["levels"])
    followup_documents.sheet(document)
    return {"as_of_day": str(document["as_of_day"]), "levels": [lv.model_dump() for lv in levels]}, ""


def _check_document(document: dict[str, Any], province: FederatedProvince) -> tuple[str, dict[str, Any], str]:
    """The document's kind, digest and subject, once it is well-formed and the province's own."""
    kind = _kind_of(document)
    try:
        host = document["conference"]["host_unit_code"]
        # What the national pages read must be well-formed; the rest is kept as sent.
        digest, subject = _digest(kind, document)
    except (KeyError, TypeError, ValueError, AttributeError):
        schema = document["schema"]
        raise ReturnRefused(
            f"{KIND_LABELS[kind].capitalize()} thiếu phần bắt buộc hoặc sai kiểu số liệu.",
            {"__body__": f"Không đúng cấu trúc {schema}."},
        ) from None
    if host != province.code:
        raise ReturnRefused(
            f"Báo cáo là của đơn vị mã {host or '(không có)'}, còn mã truy cập là của "
            f"{province.name} (mã {province.code}).",
            {"conference.host_unit_code": f"Phải là {province.code}."},
        )
    return kind, digest, subject


def receive(
    conference: Conference, province: FederatedProvince, body: bytes, idempotency_key: str | None
) -> Receipt:
    """Check and store a province's submission as its current return for the conference.

    Refused: a body whose sha256 does not match (changed on the way), a key that is not that
    sha256, another schema, another province's return, and content older than what TW holds
    (a replay of a superseded submission). The same content again is answered with what is
    stored, so a retry after a lost answer is safe and nothing is stored twice.
    """
    national_conference(conference)
    data = _parse_body(body)
    if not idempotency_key:
        raise ReturnRefused(
            "Thiếu tiêu đề Idempotency-Key (mã sha256 của bản chốt).",
            {"Idempotency-Key": "Bắt buộc; là mã sha256 của bản chốt."},
        )
    envelope = {name: data.pop(name, None) for name in ENVELOPE}
    sha256 = envelope["sha256"]
    if not isinstance(sha256, str) or documents.sha256_of(data) != sha256:
        raise ReturnRefused(
            "Nội dung báo cáo không khớp mã sha256 kèm theo: báo cáo có thể đã bị sửa hoặc cắt "
            "trên đường truyền. Hãy gửi lại từ bản chốt.",
            {"sha256": "Không khớp với nội dung."},
        )
    if idempotency_key != sha256:
        raise ReturnRefused(
            "Idempotency-Key phải là mã sha256 của bản chốt.",
            {"Idempotency-Key": "Không khớp với mã sha256 của nội dung."},
        )
    kind, digest, subject = _check_document(data, province)
    frozen_at = _frozen_at(envelope["frozen_at"])

    # One submission of a province at a time decides what is current (a row lock on PostgreSQL;
    # SQLite has one writer anyway).
    db.session.execute(
        sa.select(FederatedProvince.id).where(FederatedProvince.id == province.id).with_for_update()
    )
    same = _submission_with(conference, province, sha256)
    if same is not None:
        return _repeat(same, conference)
    current = current_return(conference, province, kind, subject)
    if current is not None and current.sha256 == sha256:
        # Stored by a concurrent request since the look-up above (SQLite takes no row lock).
        return Receipt(current, False)
    if current is not None and frozen_at <= current.frozen_at:
        raise StaleReturn(
            f"Bản chốt {KIND_LABELS[kind]} lúc {format_datetime_vi(frozen_at, conference.timezone)} "
            "cũ hơn bản "
            f"Trung ương đang giữ (chốt lúc "
            f"{format_datetime_vi(current.frozen_at, conference.timezone)}). Hãy chốt lại số liệu "
            "rồi gửi bản mới."
        )
    submission = FederatedReturn(
        conference_id=conference.id,
        province_id=province.id,
        kind=kind,
        subject=subject,
        payload=documents.canonical_json(data).decode(),
        sha256=sha256,
        summary=json.dumps(digest, ensure_ascii=False),
        frozen_at=frozen_at,
        frozen_by=str(envelope["frozen_by"] or "").replace("\x00", "")[:254],
    )
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            if current is not None:
                current.superseded_at = utcnow()
    except IntegrityError:
        # The same content arrived on another connection in between: answer with that one.
        db.session.expire_all()
        same = _submission_with(conference, province, sha256)
        if same is None:
            raise
        return _repeat(same, conference)
    audit.record(
        f"province:{province.code}",
        "federated_return",
        submission.id,
        "receive",
        conference_id=conference.id,
        after={
            "kind": kind,
            "sha256": sha256,
            "superseded": current.id if current else None,
            "confirmed": data["totals"]["confirmed"]["delegates"] if kind != "followup" else None,
        },
    )
    return Receipt(submission, True, current)


def _units_total(document: dict[str, Any]) -> int | None:
    """How many units the province's return covers (registered or not), if it says."""
    try:
        return sum(int(d["units_total"]) for d in document.get("districts") or [])
    except (KeyError, TypeError, ValueError):
        return None


def _submission_with(
    conference: Conference, province: FederatedProvince, sha256: str
) -> FederatedReturn | None:
    return db.session.scalar(
        sa.select(FederatedReturn).where(
            FederatedReturn.conference_id == conference.id,
            FederatedReturn.province_id == province.id,
            FederatedReturn.sha256 == sha256,
        )
    )


def _repeat(same: FederatedReturn, conference: Conference) -> Receipt:
    if same.superseded_at is not None:
        raise StaleReturn(
            f"Bản báo cáo này (chốt lúc {format_datetime_vi(same.frozen_at, conference.timezone)}) "
            f"đã được thay bằng một bản mới hơn từ "
            f"{format_datetime_vi(same.superseded_at, conference.timezone)}; Trung ương không "
            "nhận lại bản cũ."
        )
    return Receipt(same, False)


def current_return(
    conference: Conference, province: FederatedProvince, kind: str = "headcount", subject: str = ""
) -> FederatedReturn | None:
    return db.session.scalar(
        sa.select(FederatedReturn)
        .where(
            FederatedReturn.conference_id == conference.id,
            FederatedReturn.province_id == province.id,
            FederatedReturn.kind == kind,
            FederatedReturn.subject == subject,
            FederatedReturn.superseded_at.is_(None),
        )
        .order_by(FederatedReturn.id.desc())
        .limit(1)
    )


def submissions(
    conference: Conference, province: FederatedProvince, kind: str = "headcount"
) -> list[FederatedReturn]:
    """Every submission of the kind by the province for the conference, newest first."""
    return list(
        db.session.scalars(
            sa.select(FederatedReturn)
            .where(
                FederatedReturn.conference_id == conference.id,
                FederatedReturn.province_id == province.id,
                FederatedReturn.kind == kind,
            )
            .order_by(FederatedReturn.id.desc())
        )
    )


def get_submission(
    conference: Conference, province: FederatedProvince, submission_id: int, kind: str | None = None
) -> FederatedReturn:
    submission = db.session.scalar(
        sa.select(FederatedReturn)
        .options(undefer(FederatedReturn.payload))
        .where(FederatedReturn.id == submission_id)
    )
    if (
        submission is None
        or submission.conference_id != conference.id
        or submission.province_id != province.id
        or (kind is not None and submission.kind != kind)
    ):
        raise NotFound(f"Không có lần gửi số {submission_id} của {province.name}.")
    return submission


def diff_submissions(older: FederatedReturn, newer: FederatedReturn) -> ReturnDiff:
    return diff_documents(older.document, newer.document)


# --- Attendance and follow-up reports ---------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One figure of a report in an older and a newer submission."""

    label: str
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return self.before != self.after


def diff_followup(older: FederatedReturn, newer: FederatedReturn) -> list[Change]:
    """Per level: units held, units overdue and people attending; then each unit whose state changed."""
    old_levels = {lv["level"]: lv for lv in older.digest["levels"]}
    changes = []
    for level in newer.digest["levels"]:
        before = old_levels.get(level["level"], {})
        label = level["label"]
        changes += [
            Change(f"{label}: đơn vị đã tổ chức", before.get("units_held", 0), level["units_held"]),
            Change(f"{label}: đơn vị quá hạn", before.get("units_overdue", 0), level["units_overdue"]),
            Change(
                f"{label}: tổng người dự",
                sum(before.get(g, 0) for g in followup_documents.GROUPS),
                sum(level[g] for g in followup_documents.GROUPS),
            ),
        ]
    states = {u["unit_code"]: u["state"] for u in older.document["units"]}
    for unit in newer.document["units"]:
        before = states.get(unit["unit_code"])
        if before != unit["state"]:
            labels = followup_documents.STATE_LABELS
            changes.append(
                Change(unit["unit_name"], labels.get(before or "", "—"), labels.get(unit["state"], "—"))
            )
    return changes


def diff_attendance(older: FederatedReturn, newer: FederatedReturn) -> list[Change]:
    """Of one session: points, delegates confirmed, points reported and people present, in
    total and per district."""
    old_districts = {d["code"]: d for d in older.document["districts"]}
    pairs: list[tuple[str, dict[str, Any] | None, dict[str, Any]]] = [
        ("Tổng cộng", older.totals, newer.totals)
    ]
    pairs += [(d["name"], old_districts.get(d["code"]), d) for d in newer.document["districts"]]
    changes = []
    for label, before, after in pairs:
        changes += [
            Change(f"{label}: số điểm cầu", before["points"] if before else 0, after["points"]),
            Change(
                f"{label}: số đại biểu đã xác nhận",
                before["confirmed"]["delegates"] if before else 0,
                after["confirmed"]["delegates"],
            ),
            Change(
                f"{label}: điểm đã báo cáo",
                before["reported_points"] if before else 0,
                after["reported_points"],
            ),
            Change(
                f"{label}: số người có mặt",
                before["present"]["delegates"] if before else 0,
                after["present"]["delegates"],
            ),
        ]
    return changes


@dataclass
class ReportHistory:
    """A province's submissions of one attendance session, or of its follow-up report."""

    #: Newest first; the first is the current one.
    submissions: list[FederatedReturn]
    changes: list[Change]

    @property
    def current(self) -> FederatedReturn:
        return self.submissions[0]

    @property
    def previous(self) -> FederatedReturn | None:
        return self.submissions[1] if len(self.submissions) > 1 else None


def report_histories(conference: Conference, province: FederatedProvince, kind: str) -> list[ReportHistory]:
    """The province's attendance (one history a session) or follow-up submissions, each with
    the changes from the previous submission to the latest."""
    by_subject: dict[str, list[FederatedReturn]] = {}
    for submission in db.session.scalars(
        sa.select(FederatedReturn)
        .options(undefer(FederatedReturn.payload))
        .where(
            FederatedReturn.conference_id == conference.id,
            FederatedReturn.province_id == province.id,
            FederatedReturn.kind == kind,
        )
        .order_by(FederatedReturn.id.desc())
    ):
        by_subject.setdefault(submission.subject, []).append(submission)
    diff = diff_attendance if kind == "attendance" else diff_followup
    histories = [
        ReportHistory(items, diff(items[1], items[0]) if len(items) > 1 else [])
        for items in by_subject.values()
    ]
    return sorted(histories, key=lambda h: h.current.digest.get("session", {}).get("starts_at", ""))


@dataclass
class AttendanceLine:
    province: FederatedProvince
    report: FederatedReturn

    @property
    def session(self) -> dict[str, Any]:
        return self.report.digest["session"]

    @property
    def figures(self) -> dict[str, Any]:
        return self.report.totals


@dataclass
class SessionTotal:
    """Every province's current report of sessions with the same title and start, summed."""

    title: str
    starts_at: str
    provinces: int = 0
    points: int = 0
    reported_points: int = 0
    confirmed: int = 0
    present: int = 0


def _current_reports(conference: Conference, kind: str) -> list[tuple[FederatedReturn, FederatedProvince]]:
    """Each province's current report of that kind, by province code."""
    national_conference(conference)
    rows = db.session.execute(
        sa.select(FederatedReturn, FederatedProvince)
        .join(FederatedProvince, FederatedReturn.province_id == FederatedProvince.id)
        .where(
            FederatedReturn.conference_id == conference.id,
            FederatedReturn.kind == kind,
            FederatedReturn.superseded_at.is_(None),
        )
        .order_by(FederatedProvince.code)
    )
    return list(rows.tuples())


def national_attendance(conference: Conference) -> tuple[list[AttendanceLine], list[SessionTotal]]:
    """Each province's current attendance report of each session, and the national sum of each
    session: read from the stored summaries."""
    rows = _current_reports(conference, "attendance")
    lines = sorted(
        (AttendanceLine(province, report) for report, province in rows),
        key=lambda line: (line.province.code, line.session["starts_at"]),
    )
    totals: dict[tuple[str, str], SessionTotal] = {}
    for line in lines:
        key = (line.session["starts_at"], line.session["title"])
        total = totals.setdefault(key, SessionTotal(line.session["title"], line.session["starts_at"]))
        total.provinces += 1
        total.points += line.figures["points"]
        total.reported_points += line.figures["reported_points"]
        total.confirmed += line.figures["confirmed"]["delegates"]
        total.present += line.figures["present"]["delegates"]
    return lines, [totals[key] for key in sorted(totals)]


@dataclass
class FollowupLine:
    province: FederatedProvince
    report: FederatedReturn

    @property
    def levels(self) -> list[dict[str, Any]]:
        return self.report.digest["levels"]


def national_followup(conference: Conference) -> list[FollowupLine]:
    """Each province's current follow-up report (units held per level)."""
    rows = _current_reports(conference, "followup")
    return [FollowupLine(province, report) for report, province in rows]


# --- The national roll-up ---------------------------------------------------------------------


@dataclass
class ProvinceLine:
    province: FederatedProvince
    current: FederatedReturn | None
    #: How many times the province submitted (superseded ones included).
    submissions: int

    @property
    def confirmed(self) -> dict[str, Any] | None:
        return self.current.totals["confirmed"] if self.current else None

    @property
    def registered(self) -> dict[str, Any] | None:
        return self.current.totals["registered"] if self.current else None


@dataclass
class Tally:
    points: int = 0
    delegates: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, figures: dict[str, Any]) -> None:
        self.points += figures["points"]
        self.delegates += figures["delegates"]
        for code, n in figures["counts"].items():
            self.counts[code] = self.counts.get(code, 0) + n


@dataclass
class NationalRollup:
    conference: Conference
    lines: list[ProvinceLine]
    #: (code, label) of every category any province reported, in first-seen order.
    categories: list[tuple[str, str]]
    confirmed: Tally
    registered: Tally

    @property
    def submitted(self) -> list[ProvinceLine]:
        return [line for line in self.lines if line.current is not None]

    @property
    def missing(self) -> list[ProvinceLine]:
        """Provinces with a live credential and nothing submitted yet."""
        return [line for line in self.lines if line.current is None and line.province.revoked_at is None]


def national_rollup(conference: Conference) -> NationalRollup:
    """Every registered province's current return, summed by province and by category.

    Reads the stored summaries, not the documents: a few kilobytes a province.
    """
    national_conference(conference)
    current = {
        r.province_id: r
        for r in db.session.scalars(
            sa.select(FederatedReturn).where(
                FederatedReturn.conference_id == conference.id,
                FederatedReturn.kind == "headcount",
                FederatedReturn.superseded_at.is_(None),
            )
        )
    }
    counts = dict(
        db.session.execute(
            sa.select(FederatedReturn.province_id, sa.func.count())
            .where(FederatedReturn.conference_id == conference.id, FederatedReturn.kind == "headcount")
            .group_by(FederatedReturn.province_id)
        )
        .tuples()
        .all()
    )
    lines = [
        ProvinceLine(p, current.get(p.id), counts.get(p.id, 0))
        for p in list_provinces()
        if p.revoked_at is None or p.id in current
    ]
    categories: dict[str, str] = {}
    confirmed, registered = Tally(), Tally()
    for line in lines:
        if line.current is None:
            continue
        for category in line.current.categories:
            categories.setdefault(category["code"], category["label"])
        confirmed.add(line.current.totals["confirmed"])
        registered.add(line.current.totals["registered"])
    return NationalRollup(conference, lines, list(categories.items()), confirmed, registered)


# --- After the bridge, nationally: attendance and follow-ups beside the roll-up ------------------


@dataclass
class People:
    """People by category code, and their sum."""

    delegates: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, figures: dict[str, Any]) -> None:
        self.delegates += figures["delegates"]
        for code, n in figures["counts"].items():
            self.counts[code] = self.counts.get(code, 0) + n


@dataclass
class SessionPresence:
    """One session's attendance report (a province's, or every province's summed by the
    session's title and start): its points, those that reported, the delegates confirmed and
    the people present, by category."""

    title: str
    starts_at: str
    #: The province's own session id; None in a national sum.
    session_id: int | None = None
    provinces: int = 0
    points: int = 0
    reported_points: int = 0
    confirmed: People = field(default_factory=People)
    present: People = field(default_factory=People)

    def add(self, totals: dict[str, Any]) -> None:
        self.provinces += 1
        self.points += totals["points"]
        self.reported_points += totals["reported_points"]
        self.confirmed.add(totals["confirmed"])
        self.present.add(totals["present"])


@dataclass
class FollowupProgress:
    """Follow-up conferences of the units of every level (a province's report, or all of them)."""

    #: The day of the province's report; None in a national sum.
    as_of_day: str | None = None
    provinces: int = 0
    units_total: int = 0
    units_held: int = 0
    units_overdue: int = 0

    @property
    def units_open(self) -> int:
        """Units whose follow-up conference is not held yet (overdue ones included)."""
        return self.units_total - self.units_held

    def add(self, digest: dict[str, Any]) -> None:
        self.provinces += 1
        for level in digest["levels"]:
            self.units_total += level["units_total"]
            self.units_held += level["units_held"]
            self.units_overdue += level.get("units_overdue", 0)


@dataclass
class ProvinceReports:
    """A province's current attendance reports (by session start) and follow-up report."""

    sessions: list[SessionPresence] = field(default_factory=list)
    followup: FollowupProgress | None = None


@dataclass
class NationalReports:
    #: By province id; a province that sent neither report has no entry.
    provinces: dict[int, ProvinceReports]
    #: Every province's session of the same title and start, summed; by start.
    sessions: list[SessionPresence]
    followup: FollowupProgress


def national_reports(conference: Conference) -> NationalReports:
    """What happened after the bridge, by province and nationally, from the stored summaries of
    the current attendance and follow-up reports (one query; documents are not read)."""
    national_conference(conference)
    reports = db.session.scalars(
        sa.select(FederatedReturn)
        .where(
            FederatedReturn.conference_id == conference.id,
            FederatedReturn.kind.in_(("attendance", "followup")),
            FederatedReturn.superseded_at.is_(None),
        )
        .order_by(FederatedReturn.id)
    )
    provinces: dict[int, ProvinceReports] = {}
    sums: dict[tuple[str, str], SessionPresence] = {}
    followup = FollowupProgress()
    for report in reports:
        digest = report.digest
        mine = provinces.setdefault(report.province_id, ProvinceReports())
        if report.kind == "followup":
            mine.followup = FollowupProgress(as_of_day=digest["as_of_day"])
            mine.followup.add(digest)
            followup.add(digest)
            continue
        session = digest["session"]
        presence = SessionPresence(session["title"], session["starts_at"], session_id=session["id"])
        presence.add(digest["totals"])
        mine.sessions.append(presence)
        key = (session["starts_at"], session["title"])
        sums.setdefault(key, SessionPresence(session["title"], session["starts_at"])).add(digest["totals"])
    for mine in provinces.values():
        mine.sessions.sort(key=lambda p: (p.starts_at, p.title))
    return NationalReports(provinces, [sums[key] for key in sorted(sums)], followup)


def national_document(summary: NationalRollup) -> dict[str, Any]:
    """The national roll-up as a bridgeops.return/v1 document with one line per province that
    submitted and no points, so TW's files and printed page are built as a province's are."""
    conference = summary.conference
    codes = [code for code, _ in summary.categories]

    def tally(figures: dict[str, Any]) -> dict[str, Any]:
        counts = {code: int(figures["counts"].get(code, 0)) for code in codes}
        return {"points": figures["points"], "delegates": sum(counts.values()), "counts": counts}

    provinces, totals = [], {"confirmed": Tally(), "draft": Tally(), "registered": Tally()}
    withdrawn = 0
    for line in summary.submitted:
        assert line.current is not None  # submitted lines have a current return
        figures = line.current.totals
        parts = {status: tally(figures[status]) for status in totals}
        for status, part in parts.items():
            totals[status].add(part)
        withdrawn += figures.get("withdrawn_points", 0)
        units = json.loads(line.current.summary).get("units_total")
        provinces.append(
            {
                "code": line.province.code,
                "name": line.province.name,
                "level": "province",
                "units_total": units if units is not None else parts["registered"]["points"],
                "units_registered": parts["registered"]["points"],
                "units_confirmed": parts["confirmed"]["points"],
                "own_status": None,
                **parts,
                "withdrawn_points": figures.get("withdrawn_points", 0),
            }
        )
    return {
        "schema": documents.SCHEMA,
        "conference": {
            "slug": conference.slug,
            "title": conference.title,
            "organizer": conference.organizer,
            "host_name": conference.host_name,
            "host_unit_code": None,
            "timezone": conference.timezone,
            "place": "",
        },
        "categories": [{"code": code, "label": label, "levels": []} for code, label in summary.categories],
        "totals": {**{status: tally(vars(t)) for status, t in totals.items()}, "withdrawn_points": withdrawn},
        "levels": [],
        "districts": provinces,
        "points": [],
    }
