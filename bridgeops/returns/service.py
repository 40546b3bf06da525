"""The return's rules: roll-up, files, chasing list, snapshots and submission to TW.

The only writer of return_snapshot and submission_attempt.
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from bridgeops.audit import service as audit
from bridgeops.conference.models import Conference
from bridgeops.conference.service import require_active
from bridgeops.core.errors import Conflict, NotFound, ValidationFailed
from bridgeops.core.outage import outage_kind
from bridgeops.core.outbound import redact_url
from bridgeops.core.phones import phone_display
from bridgeops.core.time import doubling_wait, local, utcnow
from bridgeops.extensions import db
from bridgeops.registration.chairs import chair_contacts
from bridgeops.registration.models import BridgePoint, Contact, PointStatus, UnitAbsence
from bridgeops.returns import cache, exporters
from bridgeops.returns import document as documents
from bridgeops.returns.models import ReturnSnapshot, SubmissionAttempt
from bridgeops.returns.rollup import DistrictLine, Rollup, build_rollup
from bridgeops.returns.submission import RETRY_STATUSES, AttemptResult, Policy, post_return
from bridgeops.units.models import AdminUnit

log = logging.getLogger("bridgeops.returns")

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


# --- The live return --------------------------------------------------------------------------


def rollup(conference: Conference) -> Rollup:
    """The conference's roll-up as of now."""
    return build_rollup(conference)


def rollup_groups(conference: Conference) -> Rollup:
    """The roll-up without its points (what the dashboard shows), rebuilt only when its data
    changed: nationally the group sums take most of a second, the cached copy a few ms."""
    key = (cache.fingerprint(conference), "groups")
    # Pickled by and for this process only (returns.cache keeps bytes).
    frozen = cache.remember(key, lambda: pickle.dumps(build_rollup(conference, with_points=False)))
    return replace(pickle.loads(frozen), generated_at=utcnow())


def place_of(conference: Conference) -> str:
    """The place printed before the date on every official page of the conference."""
    unit = db.session.get(AdminUnit, conference.host_unit_code) if conference.host_unit_code else None
    return documents.place_name(unit.name if unit else "")


def document_of(summary: Rollup, conference: Conference) -> dict[str, Any]:
    return documents.build_document(summary, place=place_of(conference))


def current_document_json(conference: Conference, fingerprint: tuple | None = None) -> bytes:
    """The live document as compact JSON, rebuilt only when its data changed (returns.cache)."""
    key = (fingerprint or cache.fingerprint(conference), "json")
    return cache.remember(key, lambda: cache.encode(document_of(rollup(conference), conference)))


def current_document(conference: Conference) -> dict[str, Any]:
    """The bridgeops.return/v1 document of the return as of now."""
    return json.loads(current_document_json(conference))


@dataclass(frozen=True)
class ExportFile:
    filename: str
    mimetype: str
    content: bytes


def export_filename(slug: str, timezone: str, fmt: str, as_of: datetime) -> str:
    """ "bao-cao-<slug>-<local yyyymmdd-hhmm>.<fmt>"."""
    return f"bao-cao-{slug}-{local(as_of, timezone).strftime('%Y%m%d-%H%M')}.{fmt}"


def export_document(
    document: dict[str, Any],
    fmt: str,
    as_of: datetime,
    frozen: str | None = None,
    signature: exporters.Signature | None = None,
) -> ExportFile:
    """The return in one of FORMATS, named for the conference and the time of its data.

    ``frozen``: the sha256 of a frozen document (a snapshot, a province's submission); its
    workbook is then built once per process and served again from returns.cache.
    ``signature``: the XLSX's foot (addressee, signer), by default the plan's."""
    if fmt not in FORMATS:
        raise ValidationFailed({"format": "Định dạng phải là csv, xlsx hoặc json."})
    conference = document["conference"]
    filename = export_filename(conference["slug"], conference["timezone"], fmt, as_of)
    if fmt == "csv":
        content = exporters.csv_bytes(document)
    elif fmt == "xlsx" and frozen:
        _, content = cache.remember_workbook(
            ("frozen", frozen, as_of, signature),
            lambda: (as_of, exporters.xlsx_bytes(document, as_of, signature)),
        )
    elif fmt == "xlsx":
        content = exporters.xlsx_bytes(document, as_of, signature)
    else:
        content = documents.json_bytes(document, as_of.isoformat())
    return ExportFile(filename, FORMATS[fmt], content)


def export_sheet(
    document: dict[str, Any], sheet: exporters.Sheet, fmt: str, as_of: datetime, filename: str
) -> ExportFile:
    """Any report of the conference (attendance, follow-ups) as CSV, XLSX or JSON, with the
    same builders as the headcount return."""
    if fmt not in FORMATS:
        raise ValidationFailed({"format": "Định dạng phải là csv, xlsx hoặc json."})
    if fmt == "csv":
        content = exporters.table_csv_bytes(sheet.headers, [values for _, values in sheet.rows])
    elif fmt == "xlsx":
        content = exporters.sheet_xlsx_bytes(sheet, as_of)
    else:
        content = documents.json_bytes(document, as_of.isoformat())
    return ExportFile(filename, FORMATS[fmt], content)


def export(conference: Conference, fmt: str) -> ExportFile:
    """The live return as a file. The CSV is cached with the document, as it holds no time; the
    XLSX too, with the time of its data: when it was first built today, the data unchanged since."""
    if fmt == "xlsx":
        return _live_workbook(conference)
    if fmt != "csv":
        return export_document(
            current_document(conference),
            fmt,
            utcnow(),
            signature=exporters.Signature.of_conference(conference),
        )
    fingerprint = cache.fingerprint(conference)
    as_of = utcnow()
    content = cache.remember(
        (fingerprint, "csv"),
        lambda: exporters.csv_bytes(json.loads(current_document_json(conference, fingerprint))),
    )
    return ExportFile(
        export_filename(conference.slug, conference.timezone, "csv", as_of), FORMATS["csv"], content
    )


def _live_workbook(conference: Conference) -> ExportFile:
    """The live return's XLSX, built once for each state of its data (and each local day, as its
    signature line carries the date), named and stamped with the time it was built."""
    key, build = _live_workbook_job(conference)
    as_of, content = cache.shared_workbook(conference.id, key, build)
    filename = export_filename(conference.slug, conference.timezone, "xlsx", as_of)
    return ExportFile(filename, FORMATS["xlsx"], content)


def _live_workbook_job(conference: Conference) -> tuple[tuple, Callable[[], tuple[datetime, bytes]]]:
    """The cache key of the live return's workbook as its data stands, and how to build it."""
    now = utcnow()
    fingerprint = cache.fingerprint(conference)
    signature = exporters.Signature.of_conference(conference)

    def build() -> tuple[datetime, bytes]:
        document = json.loads(current_document_json(conference, fingerprint))
        return now, exporters.xlsx_bytes(document, now, signature)

    day = local(now, conference.timezone).date()
    return (fingerprint, "xlsx", day, signature), build


def prebuild_workbooks() -> list[str]:
    """Build and share the live workbook of every open conference whose data moved since its
    last one was stored, so the first download after a change is a read on any worker or node.
    The slugs of the conferences built."""
    built = []
    open_ids = db.session.scalars(
        sa.select(Conference.id).where(Conference.archived_at.is_(None)).order_by(Conference.id)
    ).all()
    for conference_id in open_ids:
        try:
            conference = db.session.get(Conference, conference_id)
            if conference is None:
                continue
            key, build = _live_workbook_job(conference)
            digest = cache.key_digest(key)
            if not cache.workbook_stored(digest) and cache.store_workbook(conference.id, digest, *build()):
                built.append(conference.slug)
        except Exception as error:  # one conference's failure does not hold up the others'
            if outage_kind(error):
                raise  # the database, not this conference: the scheduler logs the outage in one line
            log.exception("could not build the workbook of conference %s", conference_id)
        finally:
            db.session.rollback()  # end the read: each conference is looked at as it stands now
    return built


# --- The chasing list ------------------------------------------------------------------------


@dataclass(frozen=True)
class Phone:
    name: str
    role: str  # chair | technician
    e164: str

    @property
    def display(self) -> str:
        return phone_display(self.e164)

    @property
    def role_label(self) -> str:
        return "Chủ tịch" if self.role == "chair" else "Kỹ thuật viên"


@dataclass
class PendingPoint:
    id: int
    unit_name: str
    level: str
    status: str
    phones: list[Phone] = field(default_factory=list)


@dataclass
class ChaseItem:
    """A district with something still to do, and whom to call about it."""

    district: DistrictLine
    phones: list[Phone]
    pending_points: list[PendingPoint]
    #: On the two-level map, the communes under it with no point yet (by name), since their
    #: own chairs are the people to chase.
    missing_units: list[str] = field(default_factory=list)

    @property
    def units_missing(self) -> int:
        return self.district.units_total - self.district.units_registered

    @property
    def left(self) -> str:
        """What is still to do, in the words of a reminder: "32 đơn vị chưa đăng ký, ..."."""
        d = self.district
        parts = []
        missing = d.units_total - d.units_registered - d.units_absent
        if missing > 0:
            parts.append(f"{missing} đơn vị chưa đăng ký điểm cầu")
        if d.figures.draft.points:
            parts.append(f"{d.figures.draft.points} điểm cầu chưa xác nhận")
        return ", ".join(parts) or "việc chưa hoàn thành"


def _contacts_by_point(points: sa.Select) -> dict[int, list[Contact]]:
    """Contacts with a phone of the points the given id query selects."""
    by_point: dict[int, list[Contact]] = {}
    stmt = (
        sa.select(Contact)
        .where(Contact.point_id.in_(points), Contact.phone != "")
        .order_by(Contact.role, Contact.id)
    )
    for contact in db.session.scalars(stmt):
        by_point.setdefault(contact.point_id, []).append(contact)
    return by_point


def _units_without_point(conference: Conference, parent_codes: list[str]) -> dict[str, list[str]]:
    """parent code → names of the units under it that have no live point in the conference (a
    unit marked as taking no part is done, not missing)."""
    taken = sa.select(BridgePoint.unit_code).where(
        BridgePoint.conference_id == conference.id, BridgePoint.status != PointStatus.WITHDRAWN
    )
    absent = sa.select(UnitAbsence.unit_code).where(UnitAbsence.conference_id == conference.id)
    missing: dict[str, list[str]] = {}
    for parent, name in db.session.execute(
        sa.select(AdminUnit.parent_code, AdminUnit.name)
        .where(
            AdminUnit.parent_code.in_(parent_codes),
            AdminUnit.code.not_in(taken),
            AdminUnit.code.not_in(absent),
        )
        .order_by(AdminUnit.name_folded)
    ):
        missing.setdefault(parent, []).append(name)
    return missing


def chasing_list(conference: Conference, summary: Rollup) -> list[ChaseItem]:
    """Districts not yet complete (nothing registered first), with the chair's phone (the one
    she gave) — or the district point's technicians when no chair contact is known — and their
    draft points."""
    open_districts = [d for d in summary.districts if not d.complete]
    codes = [d.code for d in open_districts]
    if not codes:
        return []
    # The own point of each open district, and the points still in draft under it.
    wanted = sa.and_(
        BridgePoint.conference_id == conference.id,
        sa.or_(
            BridgePoint.unit_code.in_(codes),
            sa.and_(BridgePoint.district_code.in_(codes), BridgePoint.status == PointStatus.DRAFT),
        ),
        BridgePoint.status != PointStatus.WITHDRAWN,
    )
    rows = db.session.execute(
        sa.select(
            BridgePoint.id,
            BridgePoint.unit_code,
            BridgePoint.district_code,
            BridgePoint.status,
            BridgePoint.level,
            AdminUnit.name,
        )
        .join(AdminUnit, AdminUnit.code == BridgePoint.unit_code)
        .where(wanted)
        .order_by(BridgePoint.unit_code)
    ).all()
    contacts = _contacts_by_point(sa.select(BridgePoint.id).where(wanted))
    own_points = {r.unit_code: r for r in rows}
    drafts_by_district: dict[str, list] = {}
    for r in rows:
        if r.status == PointStatus.DRAFT and r.unit_code != r.district_code:
            drafts_by_district.setdefault(r.district_code, []).append(r)

    def phones(point_id: int, roles: tuple[str, ...]) -> list[Phone]:
        return [Phone(c.name, c.role, c.phone) for c in contacts.get(point_id, []) if c.role in roles]

    chairs = chair_contacts(conference)
    missing = _units_without_point(conference, codes) if conference.unit_map != "2023" else {}
    items = []
    for district in open_districts:
        own = own_points.get(district.code)
        district_phones: list[Phone] = []
        chair = chairs.get(district.code)
        if chair is not None and chair.phone:
            district_phones = [Phone(chair.name, "chair", chair.phone)]
        elif own is not None:
            district_phones = phones(own.id, ("chair",)) or phones(own.id, ("technician",))
        pending = [
            PendingPoint(r.id, r.name, r.level, r.status, phones(r.id, ("technician",)))
            for r in drafts_by_district.get(district.code, [])
        ]
        items.append(ChaseItem(district, district_phones, pending, missing.get(district.code, [])))
    items.sort(key=lambda i: (i.district.units_registered > 0, i.district.units_confirmed, i.district.code))
    return items


# --- Snapshots --------------------------------------------------------------------------------


def freeze(conference: Conference, actor: str) -> ReturnSnapshot:
    """Freeze the return as it is now: canonical JSON, its sha256, who and when."""

    require_active(conference)
    document = current_document(conference)
    return freeze_document(
        conference, "headcount", document, actor, audit_after={"totals": document["totals"]["confirmed"]}
    )


def freeze_document(
    conference: Conference,
    kind: str,
    document: dict[str, Any],
    actor: str,
    audit_after: dict[str, Any] | None = None,
) -> ReturnSnapshot:
    """Freeze any report document of the conference (the headcount return, a session's
    attendance, the follow-up report): canonical JSON and its sha256, audited. The same
    snapshot list, files and submission to TW then serve every kind."""
    snapshot = ReturnSnapshot(
        conference_id=conference.id,
        kind=kind,
        payload=documents.canonical_json(document).decode(),
        sha256=documents.sha256_of(document),
        created_by=actor,
    )
    db.session.add(snapshot)
    db.session.flush()
    audit.record(
        actor,
        "return_snapshot",
        snapshot.id,
        "freeze",
        conference_id=conference.id,
        after={"kind": kind, "sha256": snapshot.sha256, **(audit_after or {})},
    )
    return snapshot


def list_snapshots(conference: Conference, kind: str = "headcount") -> list[ReturnSnapshot]:
    stmt = (
        sa.select(ReturnSnapshot)
        .where(ReturnSnapshot.conference_id == conference.id, ReturnSnapshot.kind == kind)
        .options(selectinload(ReturnSnapshot.attempts))
        .order_by(ReturnSnapshot.created_at.desc(), ReturnSnapshot.id.desc())
    )
    return list(db.session.scalars(stmt))


def get_snapshot(conference: Conference, snapshot_id: int, kind: str = "headcount") -> ReturnSnapshot:
    snapshot = db.session.get(ReturnSnapshot, snapshot_id)
    if snapshot is None or snapshot.conference_id != conference.id or snapshot.kind != kind:
        raise NotFound(f"Không có bản chốt số {snapshot_id} của hội nghị này.")
    return snapshot


def latest_snapshot(conference: Conference, kind: str = "headcount") -> ReturnSnapshot | None:
    return db.session.scalar(
        sa.select(ReturnSnapshot)
        .where(ReturnSnapshot.conference_id == conference.id, ReturnSnapshot.kind == kind)
        .order_by(ReturnSnapshot.created_at.desc(), ReturnSnapshot.id.desc())
        .limit(1)
    )


def snapshot_totals(snapshot: ReturnSnapshot) -> dict[str, Any]:
    return snapshot.document["totals"]


# --- What changed between two snapshots -------------------------------------------------------


@dataclass(frozen=True)
class Delta:
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass
class PointChange:
    unit_code: str
    unit_name: str
    kind: Literal["added", "removed", "changed"]
    status_before: str | None
    status_after: str | None
    counts: dict[str, Delta]
    delegates: Delta


@dataclass
class ReturnDiff:
    #: Per category code and "points"/"delegates": confirmed and registered figures.
    confirmed: dict[str, Delta]
    registered: dict[str, Delta]
    points: list[PointChange]

    @property
    def identical(self) -> bool:
        return not self.points and all(
            d.change == 0 for d in [*self.confirmed.values(), *self.registered.values()]
        )


def _tally_deltas(before: dict[str, Any], after: dict[str, Any], codes: list[str]) -> dict[str, Delta]:
    deltas = {
        "points": Delta(before["points"], after["points"]),
        "delegates": Delta(before["delegates"], after["delegates"]),
    }
    for code in codes:
        deltas[code] = Delta(before["counts"].get(code, 0), after["counts"].get(code, 0))
    return deltas


def diff_documents(older: dict[str, Any], newer: dict[str, Any]) -> ReturnDiff:
    """Per category and per point: what moved from the older document to the newer one."""
    codes = list(
        dict.fromkeys([c["code"] for c in older["categories"]] + [c["code"] for c in newer["categories"]])
    )
    before = {p["unit_code"]: p for p in older["points"]}
    after = {p["unit_code"]: p for p in newer["points"]}
    changes = []
    for unit_code in sorted(before.keys() | after.keys()):
        old, new = before.get(unit_code), after.get(unit_code)
        old_counts = old["counts"] if old else {}
        new_counts = new["counts"] if new else {}
        counts = {c: Delta(old_counts.get(c, 0), new_counts.get(c, 0)) for c in codes}
        counts = {c: d for c, d in counts.items() if d.change}
        status_before = old["status"] if old else None
        status_after = new["status"] if new else None
        if old and new and not counts and status_before == status_after:
            continue
        kind: Literal["added", "removed", "changed"] = (
            "added" if old is None else "removed" if new is None else "changed"
        )
        changes.append(
            PointChange(
                unit_code,
                (new if new is not None else old or {})["unit_name"],
                kind,
                status_before,
                status_after,
                counts,
                Delta(old["delegates"] if old else 0, new["delegates"] if new else 0),
            )
        )
    return ReturnDiff(
        confirmed=_tally_deltas(older["totals"]["confirmed"], newer["totals"]["confirmed"], codes),
        registered=_tally_deltas(older["totals"]["registered"], newer["totals"]["registered"], codes),
        points=changes,
    )


def diff_snapshots(older: ReturnSnapshot, newer: ReturnSnapshot) -> ReturnDiff:
    return diff_documents(older.document, newer.document)


# --- Submission to TW -------------------------------------------------------------------------


@dataclass
class SubmissionOutcome:
    snapshot: ReturnSnapshot
    accepted: bool
    #: True when TW had already accepted this exact content and nothing was sent again.
    already_accepted: bool
    attempts: list[SubmissionAttempt]


def submission_policy() -> Policy:
    config = current_app.config
    return Policy(
        connect_timeout=float(config.get("TW_RETURN_CONNECT_TIMEOUT", 3.05)),
        read_timeout=float(config.get("TW_RETURN_READ_TIMEOUT", 10.0)),
        attempts=int(config.get("TW_RETURN_ATTEMPTS", 4)),
        backoff=float(config.get("TW_RETURN_BACKOFF", 1.0)),
        budget=float(config.get("TW_RETURN_BUDGET", 40.0)),
    )


def _accepted_same_content(snapshot: ReturnSnapshot) -> ReturnSnapshot | None:
    return db.session.scalar(
        sa.select(ReturnSnapshot)
        .where(
            ReturnSnapshot.conference_id == snapshot.conference_id,
            ReturnSnapshot.kind == snapshot.kind,
            ReturnSnapshot.sha256 == snapshot.sha256,
            ReturnSnapshot.accepted_at.is_not(None),
        )
        .limit(1)
    )


def submission_body(snapshot: ReturnSnapshot) -> bytes:
    """What TW receives: the frozen document, its sha256, and when and by whom it was frozen
    (federation.service checks the sha256 against the document without these three)."""
    return json.dumps(
        {
            **snapshot.document,
            "sha256": snapshot.sha256,
            "frozen_at": snapshot.created_at.isoformat(),
            "frozen_by": snapshot.created_by,
        },
        ensure_ascii=False,
    ).encode()


def submit(
    snapshot: ReturnSnapshot, actor: str, *, force: bool = False, policy: Policy | None = None
) -> SubmissionOutcome:
    """Send a snapshot to TW (BRIDGEOPS_TW_RETURN_URL), recording every attempt.

    Content TW already accepted is not sent again unless ``force``; even then TW sees the same
    Idempotency-Key (the sha256), so a resubmission never counts twice.
    """
    url = current_app.config.get("TW_RETURN_URL") or ""
    if not url:
        raise Conflict(
            "Chưa cấu hình địa chỉ nhận báo cáo của Trung ương "
            "(BRIDGEOPS_TW_RETURN_URL); hãy gửi tệp báo cáo theo cách thông thường."
        )
    accepted = _accepted_same_content(snapshot)
    if accepted is not None and not force:
        if snapshot.accepted_at is None:
            snapshot.accepted_at = accepted.accepted_at
            db.session.flush()
        return SubmissionOutcome(snapshot, True, True, [])
    recorded: list[SubmissionAttempt] = []

    def record(result: AttemptResult) -> None:
        attempt = SubmissionAttempt(
            snapshot=snapshot,
            number=result.number,
            url=redact_url(url),
            status_code=result.status_code,
            response_excerpt=result.response_excerpt,
            error=result.error,
            duration_ms=result.duration_ms,
            actor=actor,
        )
        db.session.add(attempt)
        recorded.append(attempt)

    body = submission_body(snapshot)
    last = post_return(
        url,
        body,
        snapshot.sha256,
        policy or submission_policy(),
        record,
        token=current_app.config.get("TW_RETURN_TOKEN") or "",
    )
    if last.succeeded and snapshot.accepted_at is None:
        snapshot.accepted_at = utcnow()
    audit.record(
        actor,
        "return_snapshot",
        snapshot.id,
        "submit",
        conference_id=snapshot.conference_id,
        after={
            "accepted": last.succeeded,
            "attempts": len(recorded),
            "status_code": last.status_code,
            "error": last.error,
        },
    )
    db.session.flush()
    return SubmissionOutcome(snapshot, last.succeeded, False, recorded)


# --- Trying again in the background -----------------------------------------------------------

#: After a submission TW did not take (no answer, or busy), the scheduler tries again after
#: 5 min, then 10, 20, 40, 60, 60 … for a day; a refusal (4xx) waits for the officer.
AUTO_RETRY_FIRST = timedelta(minutes=5)
AUTO_RETRY_CAP = timedelta(hours=1)
AUTO_RETRY_FOR = timedelta(days=1)
AUTO_ACTOR = "scheduler"


@dataclass(frozen=True)
class RetryState:
    """Where a snapshot TW has not accepted stands with the background retries."""

    #: "waiting" (next_at is when), "refused" (TW answered 4xx), "gave_up" (a day passed),
    #: "superseded" (a newer snapshot of the conference was submitted).
    state: str
    next_at: datetime | None
    runs: int


def retry_state(snapshot: ReturnSnapshot, newest_submitted_id: int | None = None) -> RetryState | None:
    """None when there is nothing to retry: accepted, or never submitted. The waits and the
    day's limit count from the last submission a person asked for."""
    if snapshot.accepted_at is not None or not snapshot.attempts:
        return None
    attempts = snapshot.attempts
    by_people = [i for i, a in enumerate(attempts) if a.number == 1 and a.actor != AUTO_ACTOR]
    attempts = attempts[by_people[-1] if by_people else 0 :]
    runs = sum(1 for a in attempts if a.number == 1)
    last = attempts[-1]
    if newest_submitted_id is None:
        newest_submitted_id = _newest_submitted(snapshot.conference_id, snapshot.kind)
    if newest_submitted_id != snapshot.id:
        return RetryState("superseded", None, runs)
    if last.status_code is not None and last.status_code not in RETRY_STATUSES:
        return RetryState("refused", None, runs)
    next_at = last.started_at + doubling_wait(AUTO_RETRY_FIRST, runs, AUTO_RETRY_CAP)
    if next_at > attempts[0].started_at + AUTO_RETRY_FOR:
        return RetryState("gave_up", None, runs)
    return RetryState("waiting", next_at, runs)


def _newest_submitted(conference_id: int, kind: str) -> int | None:
    return db.session.scalar(
        sa.select(SubmissionAttempt.snapshot_id)
        .join(ReturnSnapshot)
        .where(ReturnSnapshot.conference_id == conference_id, ReturnSnapshot.kind == kind)
        .order_by(SubmissionAttempt.id.desc())
        .limit(1)
    )


def resubmit_due(now: datetime | None = None) -> list[SubmissionOutcome]:
    """The scheduler's part: one attempt for each conference's newest submitted snapshot (of
    each kind) that
    TW has not taken yet and whose wait is over. Nothing without BRIDGEOPS_TW_RETURN_URL.

    Unlike other services this one commits, after each snapshot: what TW answered one
    conference is kept whatever happens with the next, and no write lock is held while the
    next one is posted.
    """
    if not current_app.config.get("TW_RETURN_URL"):
        return []
    now = now or utcnow()
    newest = (
        sa.select(sa.func.max(SubmissionAttempt.id))
        .join(ReturnSnapshot)
        .group_by(ReturnSnapshot.conference_id, ReturnSnapshot.kind)
    )
    candidates = db.session.scalars(
        sa.select(ReturnSnapshot)
        .join(SubmissionAttempt)
        .where(SubmissionAttempt.id.in_(newest), ReturnSnapshot.accepted_at.is_(None))
    ).all()
    single = replace(submission_policy(), attempts=1)
    outcomes = []
    for snapshot in candidates:
        state = retry_state(snapshot, newest_submitted_id=snapshot.id)
        if state is None or state.state != "waiting" or state.next_at is None or state.next_at > now:
            continue
        try:
            outcomes.append(submit(snapshot, AUTO_ACTOR, policy=single))
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            if outage_kind(error):
                raise  # the database, not this snapshot: the scheduler logs the outage in one line
            log.exception("resubmitting return snapshot %s failed", snapshot.id)
    return outcomes
