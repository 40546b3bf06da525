from datetime import timedelta

import sqlalchemy as sa

from bridgeops.core.clock import database_now
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.ops.lease import (
    LEASE_TTL,
    acquire,
    acquire_or_renew,
    current_holder,
    last_heartbeat,
    release,
)
from bridgeops.ops.models import SchedulerLease

SECOND = timedelta(seconds=1)


def test_only_one_scheduler_holds_the_lease_until_it_expires():
    now = utcnow()
    assert acquire_or_renew("a", now=now)
    assert not acquire_or_renew("b", now=now + LEASE_TTL - SECOND)
    assert acquire_or_renew("a", now=now + LEASE_TTL - SECOND)  # renewal
    assert not acquire_or_renew("b", now=now + 2 * LEASE_TTL - 2 * SECOND)
    # "a" died: once its lease expires, "b" takes over.
    assert acquire_or_renew("b", now=now + 2 * LEASE_TTL)
    assert not acquire_or_renew("a", now=now + 2 * LEASE_TTL + SECOND)
    assert last_heartbeat() == now + 2 * LEASE_TTL


def test_a_crashed_holder_is_replaced_within_ten_seconds():
    assert LEASE_TTL + timedelta(seconds=1) < timedelta(seconds=10)


def test_a_takeover_names_the_dead_holder_so_its_claims_can_be_released():
    now = utcnow()
    assert acquire("a", now=now) == ""
    assert acquire("a", now=now + SECOND) == "a"
    assert acquire("b", now=now + SECOND + LEASE_TTL + SECOND) == "a"


def test_a_released_lease_is_free_at_once():
    assert acquire_or_renew("a")
    release("a")
    assert acquire_or_renew("b")


def test_lease_expiry_is_read_by_the_database_clock():
    """A host whose clock runs 45 s fast must not take a healthy holder's lease: with no time
    given, the lease is written and judged by the database's clock, not the host's."""
    assert acquire_or_renew("healthy")
    lease = db.session.get(SchedulerLease, "scheduler")
    assert abs(lease.expires_at - (database_now() + LEASE_TTL)) < timedelta(seconds=2)
    assert current_holder() == "healthy"
    # The skewed host's own idea of "now" is what the old code compared with: it would win.
    assert acquire_or_renew("skewed", now=utcnow() + timedelta(seconds=45))
    db.session.execute(sa.delete(SchedulerLease))
    db.session.commit()
    assert acquire_or_renew("healthy")
    assert not acquire_or_renew("skewed")  # by the database's clock, the lease is still held
