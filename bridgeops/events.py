"""Domain events, so one capability reacts to another's change in the same transaction.

Senders are services (after they flush); receivers run synchronously and only add rows to
the current session (e.g. invites queue mail in the outbox), never commit.
"""

from blinker import Namespace

_events = Namespace()

#: sender=BridgePoint, created=bool: a point was created, changed, confirmed or withdrawn,
#: or its technicians changed.
point_changed = _events.signal("point-changed")

#: sender=ConferenceSession: a session's times, title or cancellation changed.
session_changed = _events.signal("session-changed")
