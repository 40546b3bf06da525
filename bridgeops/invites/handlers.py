"""Keep invites in step with registration and the schedule.

A session change reconciles in its own transaction. A point change only marks, in its
transaction, the point's invites as due (``BridgePoint.invites_due_at``); the outbox job
reconciles them after the commit (``invites.service.reconcile_backlog``, run before each
delivery).
"""

from __future__ import annotations

from bridgeops.events import point_changed, session_audience, session_changed
from bridgeops.mail.service import register_feeder, register_renderer
from bridgeops.registration.queries import technicians_with_email


@point_changed.connect
def on_point_changed(point, created: bool = False, **_extra) -> None:
    from bridgeops.invites.service import note_point_changed

    note_point_changed(point, created)


@session_changed.connect
def on_session_changed(session, **_extra) -> None:
    from bridgeops.invites.service import reconcile_session

    reconcile_session(session)


@session_audience.connect
def on_session_audience(conference, **_extra) -> int:
    """The technicians of live points who get a changed session's invite by email."""
    return technicians_with_email(conference)


def render_invite(message, context) -> bytes:
    from bridgeops.invites.service import render_message

    return render_message(message, context)


def prepare_invites(messages):
    from bridgeops.invites.service import prepare_render

    return prepare_render(messages)


def preview_invites(messages):
    from bridgeops.invites.service import prepare_preview

    return prepare_preview(messages)


def reconcile_due(limit: int) -> int:
    from bridgeops.invites.service import reconcile_backlog

    return reconcile_backlog(limit)


register_renderer("itip", render_invite, prepare_invites, preview_invites)
register_feeder(reconcile_due)
