"""Every status, role and kind has one Vietnamese label per value, next to its enum: pages
show the label, never the value."""

from __future__ import annotations

import pytest

from bridgeops.accounts.models import (
    GRANT_KIND_LABELS,
    GRANT_ROLE_LABELS,
    ROLE_LABELS,
    GrantKind,
    GrantRole,
    UserRole,
)
from bridgeops.conference.models import SESSION_KIND_LABELS, SessionKind
from bridgeops.health.models import STATE_LABELS, HealthState
from bridgeops.invites.models import INVITE_STATUS_LABELS, InviteStatus
from bridgeops.mail.models import STATUS_LABELS as OUTBOX_STATUS_LABELS
from bridgeops.mail.models import OutboxStatus
from bridgeops.registration.models import CONTACT_ROLE_LABELS, STATUS_LABELS, ContactRole, PointStatus

PAIRS = [
    (UserRole, ROLE_LABELS),
    (GrantRole, GRANT_ROLE_LABELS),
    (GrantKind, GRANT_KIND_LABELS),
    (PointStatus, STATUS_LABELS),
    (ContactRole, CONTACT_ROLE_LABELS),
    (SessionKind, SESSION_KIND_LABELS),
    (InviteStatus, INVITE_STATUS_LABELS),
    (OutboxStatus, OUTBOX_STATUS_LABELS),
    (HealthState, STATE_LABELS),
]


@pytest.mark.parametrize(("enum", "labels"), PAIRS, ids=[enum.__name__ for enum, _ in PAIRS])
def test_each_value_has_its_own_vietnamese_label(enum, labels):
    assert set(labels) == set(enum)
    assert all(labels[member] and labels[member] != member.value for member in enum)
    assert len(set(labels.values())) == len(labels)


def test_the_session_schedule_shows_kind_labels_not_values(client, demo, officer):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get("/conferences/namdinh-2022/schedule").get_data(as_text=True)
    assert "Tổng duyệt ·" in page and "Phiên họp ·" in page
    assert ">rehearsal<" not in page and ">session<" not in page
