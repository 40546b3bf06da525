from datetime import timedelta

from bridgeops.core.time import utcnow
from bridgeops.ops.lease import acquire_or_renew, last_heartbeat, release


def test_only_one_scheduler_holds_the_lease_until_it_expires():
    now = utcnow()
    assert acquire_or_renew("a", now=now)
    assert not acquire_or_renew("b", now=now + timedelta(seconds=5))
    assert acquire_or_renew("a", now=now + timedelta(seconds=10))  # renewal
    assert not acquire_or_renew("b", now=now + timedelta(seconds=30))
    # "a" died: after its lease expires, "b" takes over.
    assert acquire_or_renew("b", now=now + timedelta(seconds=41))
    assert not acquire_or_renew("a", now=now + timedelta(seconds=42))
    assert last_heartbeat() == now + timedelta(seconds=41)


def test_a_released_lease_is_free_at_once():
    assert acquire_or_renew("a")
    release("a")
    assert acquire_or_renew("b")
