"""Registration's answers to other capabilities' events (connected when setup imports this)."""

from __future__ import annotations

from bridgeops.events import conference_copied
from bridgeops.registration.carry import carry_points


@conference_copied.connect
def on_conference_copied(conference, *, source, actor: str, **_extra) -> tuple[int, list[tuple[str, str]]]:
    """A copied conference starts with this year's points as drafts."""
    return carry_points(source, conference, actor=actor)
