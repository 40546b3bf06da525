"""Alerts on down and on recovery, grouped by root cause so one district failure is one alert.

Per sweep: each root outage (a point that went down, with every point unreachable because of
it) is one group; the contact officer gets one mail listing the sweep's groups, each root's
technicians one mail about their point, and the webhook one JSON POST. Points that are only
unreachable get nothing of their own. A point that went down again within ``THROTTLE`` of its
last alert (flapping) is not announced again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa

from bridgeops.conference.models import Conference
from bridgeops.core.outbound import InsecureURL, check_outbound_url, redact_text, redact_url
from bridgeops.core.time import format_datetime_vi
from bridgeops.core.urls import external_url
from bridgeops.extensions import db
from bridgeops.health.states import BAD_STATES, Verdict
from bridgeops.mail import service as mail
from bridgeops.registration.models import Contact, ContactRole

log = logging.getLogger("bridgeops.health")

THROTTLE = timedelta(minutes=10)
WEBHOOK_TIMEOUT = 5.0
#: How many downstream names a mail lists before "và N điểm khác".
LISTED = 30


@dataclass
class AlertGroup:
    """One root cause: the point that went down (or recovered) and the points behind it."""

    kind: str  # down | recovery
    root_id: int
    reason: str
    affected: list[int] = field(default_factory=list)
    outage_seconds: int | None = None


def group_alerts(
    verdicts: Mapping[int, Verdict], current: Mapping, now: datetime, *, throttle: timedelta = THROTTLE
) -> list[AlertGroup]:
    """The sweep's alert groups from the new verdicts and the rows as they were."""
    cut_off: dict[int, list[int]] = {}  # root → points now unreachable because of it
    restored: dict[int, list[int]] = {}  # root → points no longer unreachable because of it
    for pid, verdict in verdicts.items():
        if verdict.state == "unreachable" and verdict.cause_point_id is not None:
            cut_off.setdefault(verdict.cause_point_id, []).append(pid)
        elif current[pid].state == "unreachable" and verdict.state not in BAD_STATES:
            restored.setdefault(current[pid].cause_point_id, []).append(pid)
    groups: list[AlertGroup] = []
    for pid, verdict in verdicts.items():
        before = current[pid]
        if verdict.state == "down" and before.state != "down":
            if before.alerted_at is not None and now - before.alerted_at < throttle:
                continue
            groups.append(AlertGroup("down", pid, verdict.reason, cut_off.get(pid, [])))
        elif verdict.state == "up" and before.state in BAD_STATES and before.down_alerted:
            affected = restored.get(pid, [])
            started = before.outage_since or before.since
            groups.append(
                AlertGroup("recovery", pid, verdict.reason, affected, int((now - started).total_seconds()))
            )
    return groups


def _duration_vi(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"{minutes} phút"
    return f"{minutes // 60} giờ {minutes % 60} phút"


def _technicians(point_ids: list[int]) -> dict[int, list[Contact]]:
    found: dict[int, list[Contact]] = {pid: [] for pid in point_ids}
    for contact in db.session.scalars(
        sa.select(Contact)
        .where(Contact.point_id.in_(point_ids), Contact.role == ContactRole.TECHNICIAN)
        .order_by(Contact.id)
    ):
        found[contact.point_id].append(contact)
    return found


def _group_text(group: AlertGroup, names: Mapping[int, str], technicians: Mapping[int, list[Contact]]) -> str:
    name = names.get(group.root_id, str(group.root_id))
    if group.kind == "down":
        lines = [f"MẤT KẾT NỐI: {name}", f"  Lý do: {group.reason}"]
    else:
        lines = [f"ĐÃ KẾT NỐI LẠI: {name} (gián đoạn {_duration_vi(group.outage_seconds)})"]
    for contact in technicians.get(group.root_id, []):
        lines.append(f"  Kỹ thuật viên: {contact.name} {contact.phone}".rstrip())
    if group.affected:
        listed = ", ".join(names.get(pid, str(pid)) for pid in group.affected[:LISTED])
        more = len(group.affected) - LISTED
        verb = "không truy cập được do tuyến trên" if group.kind == "down" else "cũng đã trở lại"
        lines.append(
            f"  {len(group.affected)} điểm cầu phía sau {verb}: {listed}"
            + (f" và {more} điểm khác" if more > 0 else "")
        )
    return "\n".join(lines)


def _subject(groups: list[AlertGroup], names: Mapping[int, str]) -> str:
    if len(groups) == 1:
        group = groups[0]
        label = "Mất kết nối" if group.kind == "down" else "Đã kết nối lại"
        behind = f" (kèm {len(group.affected)} điểm phía sau)" if group.affected else ""
        return f"[BridgeOps] {label}: {names.get(group.root_id, group.root_id)}{behind}"
    down = sum(g.kind == "down" for g in groups)
    back = len(groups) - down
    parts = ([f"{down} điểm cầu mất kết nối"] if down else []) + (
        [f"{back} điểm cầu kết nối lại"] if back else []
    )
    return "[BridgeOps] " + ", ".join(parts)


def queue_alerts(
    conference: Conference, groups: list[AlertGroup], names: Mapping[int, str], now: datetime
) -> dict:
    """One mail per recipient for this sweep (officer: all groups; technicians: their
    points'); returns the webhook payload."""
    technicians = _technicians([g.root_id for g in groups])
    recipients: dict[str, list[AlertGroup]] = {}
    if conference.contact_email:
        recipients[conference.contact_email.lower()] = list(groups)
    for group in groups:
        for contact in technicians[group.root_id]:
            if contact.email:
                bucket = recipients.setdefault(contact.email.lower(), [])
                if group not in bucket:
                    bucket.append(group)
    board = external_url("health.live_board", slug=conference.slug)
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    for recipient, own in recipients.items():
        body = "\n\n".join(_group_text(g, names, technicians) for g in own)
        text = (
            f"Cảnh báo kết nối – {conference.title}\n"
            f"Lúc {format_datetime_vi(now, conference.timezone)}\n\n{body}\n\n"
            f"Bảng theo dõi trực tiếp: {board}\n"
        )
        digest = hashlib.sha256(recipient.encode()).hexdigest()[:16]
        mail.enqueue(
            kind="alert",
            recipient=recipient,
            subject=_subject(own, names),
            text=text,
            dedupe_key=f"health-alert:{conference.id}:{stamp}:{digest}",
            conference_id=conference.id,
        )
    return {
        "conference": conference.slug,
        "at": now.isoformat(),
        "board_url": board,
        "alerts": [
            {
                "kind": g.kind,
                "point": {"id": g.root_id, "name": names.get(g.root_id)},
                "reason": g.reason,
                "outage_seconds": g.outage_seconds,
                "affected": [{"id": pid, "name": names.get(pid)} for pid in g.affected],
            }
            for g in groups
        ],
    }


def post_webhook(url: str, payload: dict) -> bool:
    """POST the sweep's alerts as JSON; a failing webhook is logged, never fatal."""
    if not url:
        return False
    try:
        check_outbound_url(url)
        response = requests.post(
            url,
            json=payload,
            timeout=WEBHOOK_TIMEOUT,
            allow_redirects=False,
            headers={"User-Agent": "BridgeOps-alerts/1"},
        )
        response.raise_for_status()
        if response.is_redirect:
            raise requests.HTTPError(f"redirect {response.status_code}")
    except (requests.RequestException, InsecureURL) as exc:
        # No traceback: requests puts the whole URL, ?token= and all, into its messages.
        log.warning(
            "alert webhook %s failed: %s", redact_url(url), redact_text(f"{type(exc).__name__}: {exc}", url)
        )
        return False
    return True
