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

#: sender=Conference (a new copy), source=Conference, actor=str: a conference was copied;
#: receivers carry their rows over and return (how many carried, [(unit code, unit name)]
#: of the rows with no place in the copy).
conference_copied = _events.signal("conference-copied")

#: sender=Conference: a question, not a change. Receivers return how many people a change of
#: the conference's schedule mails (shown on the schedule page before an officer saves).
session_audience = _events.signal("session-audience")

#: sender=None: a question, not a change. The receiver (ops, which keeps the scheduler's
#: lease) returns True when the scheduler's lease has gone stale by ``now`` (its ``now=``)
#: and when it was last renewed, e.g. (True, datetime) or (False, None).
scheduler_stale = _events.signal("scheduler-stale")

#: sender=None, token=str: a question, not a change. Receivers that keep credentials other
#: than access grants (federation: a province's credential at TW) return True when the token
#: is one of theirs and live; the bad-token throttle lets such a token through.
token_recognised = _events.signal("token-recognised")
#: sender=Conference: a question, not a change. Receivers (registration, which keeps the
#: counts) return {(category code, point level): points of the conference that are not
#: withdrawn and count more than 0 of that category at that level}; a category, or one of its
#: levels, that points have counted cannot be taken away.
category_use = _events.signal("category-use")
