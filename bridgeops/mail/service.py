"""Queueing mail in the outbox and delivering it; the only writer of outbox_message.

Queueing happens in the caller's transaction (the outbox pattern). A message is either built at
queue time (``mime``) or queued as compact builder inputs (``payload``) that a registered
renderer turns into MIME just before sending, so a request that queues thousands of invites
writes small rows in one executemany.

Delivery is separate and at least once. A run claims a batch (``_claim_batch``: two deliverers
never send the same message), renders and sends each message over ONE SMTP
connection for the whole ``deliver_all`` run, and records each message as sent (one UPDATE and
commit) before the server can accept the next one, so a crash can repeat at most the one message
in flight (a rendered message keeps its Message-ID, so clients show it once). Both the next
render and that record are done while the server is busy answering (``_send_batch``). The
scheduler claims under its lease holder id: when a new scheduler takes over a dead one's lease
it releases the dead one's claims at once (``release_claims``) instead of waiting for them to
expire.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from bridgeops.core.batches import chunks
from bridgeops.core.db import get_row, rows_matched, table_of
from bridgeops.core.errors import NotFound
from bridgeops.core.jobs import new_holder_id
from bridgeops.core.keys import new_public_key
from bridgeops.core.outage import outage_kind
from bridgeops.core.time import doubling_wait, utcnow
from bridgeops.extensions import db
from bridgeops.mail.builders import Attachment, build_message
from bridgeops.mail.models import OutboxMessage, OutboxStatus
from bridgeops.mail.transport import (
    Envelope,
    Transport,
    TransportError,
    envelope_address,
    transport_from_config,
)

log = logging.getLogger("bridgeops.mail")

#: After this many failed attempts a message is "failed" and left for an officer to look at.
MAX_ATTEMPTS = 8
#: The wait after the first failure; it doubles after each one, up to BACKOFF_CAP.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
#: How many messages one run claims.
BATCH_SIZE = 200
#: Sent ids are recorded (one UPDATE, one commit) every MARK_EVERY messages: each one before
#: the server can accept the next, so a crash repeats at most the message in flight.
MARK_EVERY = 1
#: The batch's remaining claims are renewed at most this often.
RENEW_CLAIMS_SECONDS = 1.0
#: A delivery run (``deliver_all``) hands over the rest to the next run after this long.
DELIVERY_RUN_SECONDS = 120.0
#: Rows per INSERT … executemany and per ``IN (…)`` lookup.
CHUNK = 500


@dataclass(frozen=True)
class Renderer:
    """Turns payload rows into RFC 5322 bytes. ``prepare`` reads (and may write, e.g. link
    grants) what a whole batch needs in a few queries; ``render`` then builds one message from
    the row and that context, without touching the database."""

    render: Callable[[OutboxMessage, Any], bytes]
    prepare: Callable[[list[OutboxMessage]], Any]
    #: Like ``prepare`` but never writes: for showing a message that is not sent yet.
    preview: Callable[[list[OutboxMessage]], Any]


#: payload["renderer"] → its Renderer.
RENDERERS: dict[str, Renderer] = {}


def register_renderer(
    name: str,
    render: Callable[[OutboxMessage, Any], bytes],
    prepare: Callable[[list[OutboxMessage]], Any] | None = None,
    preview: Callable[[list[OutboxMessage]], Any] | None = None,
) -> None:
    """Let messages queued with ``payload={"renderer": name, ...}`` be rendered at delivery.
    A ``prepare`` that writes needs a read-only ``preview`` for the outbox page."""
    prepare = prepare or (lambda _messages: None)
    RENDERERS[name] = Renderer(render, prepare, preview or prepare)


#: Functions ``feed(limit) -> int`` that queue messages whose intent another capability already
#: committed (invites of changed points): the delivery job runs them before delivering.
FEEDERS: list[Callable[[int], int]] = []


def _renderer_name(message: OutboxMessage) -> str | None:
    """The renderer a payload-only message names (None: the message carries its MIME)."""
    return (message.payload or {}).get("renderer")


def register_feeder(feed: Callable[[int], int]) -> None:
    """Let the delivery job call ``feed(limit)`` first, until it returns fewer than ``limit``:
    it queues up to ``limit`` units of work in the current transaction, which the job commits."""
    if feed not in FEEDERS:
        FEEDERS.append(feed)


def run_feeders(limit: int = CHUNK) -> int:
    """Run every feeder until it has nothing left, committing after each call. Returns how
    many units of work they took."""
    taken = 0
    for feed in FEEDERS:
        while True:
            done = feed(limit)
            db.session.commit()
            taken += done
            if done < limit:
                break
    return taken


def _renderer(message: OutboxMessage) -> Renderer:
    name = (message.payload or {}).get("renderer", "")
    if name not in RENDERERS:
        raise LookupError(f"no renderer {name!r} for outbox message {message.id}")
    return RENDERERS[name]


def render(message: OutboxMessage, contexts: dict[str, Any] | None = None) -> bytes:
    """The message's RFC 5322 bytes: as queued, or rendered now from its payload (with the
    batch's context from ``prepare_batch`` when there is one)."""
    if message.mime is not None:
        return message.mime
    renderer = _renderer(message)
    name = _renderer_name(message)
    if contexts is None or name not in contexts:
        return renderer.render(message, renderer.prepare([message]))
    return renderer.render(message, contexts[name])


def preview(message: OutboxMessage) -> bytes:
    """The message as the outbox page shows it: as queued or sent, or rendered now without
    writing anything (a link that sending would issue is shown as a placeholder)."""
    if message.mime is not None:
        return message.mime
    renderer = _renderer(message)
    return renderer.render(message, renderer.preview([message]))


def prepare_batch(messages: Iterable[OutboxMessage]) -> dict[str, Any]:
    """Each renderer's context for its messages in the batch. A renderer whose ``prepare`` fails
    gets none: its messages are then prepared one by one, so one bad row fails alone."""
    groups: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        if message.mime is None and _renderer_name(message) in RENDERERS:
            groups.setdefault(str(_renderer_name(message)), []).append(message)
    contexts = {}
    for name, group in groups.items():
        try:
            with db.session.begin_nested():
                contexts[name] = RENDERERS[name].prepare(group)
        except Exception as error:
            if outage_kind(error):
                raise  # the database, not these messages: the scheduler logs the outage in one line
            log.exception("outbox renderer %s could not prepare %s messages", name, len(group))
    return contexts


def enqueue(
    *,
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    dedupe_key: str,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
    conference_id: int | None = None,
    mime: bytes | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; a known dedupe_key adds nothing.

    Pass ``mime`` to queue a message built elsewhere.
    """
    existing = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    if mime is None:
        mime = build_message(
            sender=current_app.config["MAIL_FROM"],
            recipient=recipient,
            subject=subject,
            text=text,
            html=html,
            attachments=attachments,
        )
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        kind=kind,
        recipient=recipient,
        subject=subject,
        mime=mime,
        conference_id=conference_id,
    )
    db.session.add(message)
    db.session.flush()
    return message


@dataclass(frozen=True)
class Queued:
    """One message for ``enqueue_rendered``: compact (``payload``, rendered at delivery) or
    built already (``mime``)."""

    kind: str
    recipient: str
    subject: str
    dedupe_key: str
    payload: dict | None = None
    conference_id: int | None = None
    mime: bytes | None = None


def built(
    *,
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    dedupe_key: str,
    html: str | None = None,
    conference_id: int | None = None,
) -> Queued:
    """A message built now, as ``enqueue`` builds it, for ``enqueue_rendered`` to add in bulk."""
    mime = build_message(
        sender=current_app.config["MAIL_FROM"], recipient=recipient, subject=subject, text=text, html=html
    )
    return Queued(kind, recipient, subject, dedupe_key, conference_id=conference_id, mime=mime)


def enqueue_rendered(messages: Iterable[Queued]) -> int:
    """Add many messages in the current transaction with one executemany per chunk.

    Keys already in the outbox (or repeated in ``messages``) add nothing. Returns how many rows
    were written.
    """
    rows: dict[str, dict] = {}
    for queued in messages:
        rows.setdefault(
            queued.dedupe_key,
            {
                "dedupe_key": queued.dedupe_key,
                "kind": queued.kind,
                "recipient": queued.recipient,
                "subject": queued.subject[:300],
                "payload": queued.payload,
                "conference_id": queued.conference_id,
                "mime": queued.mime,
            },
        )
    now = utcnow()
    values = [
        {
            **row,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "message_key": new_public_key(),
        }
        for row in rows.values()
    ]
    # The database skips the keys it holds (ON CONFLICT DO NOTHING) and tells what it wrote: no
    # SELECT of the known keys first, whose plan over a fast-growing outbox could turn into a
    # sequential scan per chunk (a national session change took 7-8 s on PostgreSQL, 2.5 s now).
    dialect = db.session.get_bind().dialect.name
    insert = _insert_new_keys(dialect)
    written = 0
    for part in chunks(values, CHUNK):
        result = db.session.execute(insert, part)
        # SQLite counts an executemany's rows; psycopg's count of one is not reliable: the ids.
        written += len(result.all()) if dialect == "postgresql" else rows_matched(result)
    return written


@functools.cache
def _insert_new_keys(dialect: str) -> sa.Insert:
    table = table_of(OutboxMessage)
    if dialect == "postgresql":
        return (
            postgresql.insert(table)
            .on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
            .returning(table.c.id)
        )
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=[table.c.dedupe_key])


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: Due messages left for the next run (connection lost, or claimed by another deliverer).
    skipped: int = 0
    #: Due messages this run looked at (at most its limit).
    due: int = 0

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "retrying", "failed", "skipped", "due"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failures: 30 s, 1 min, 2 min, … ≤ 2 h."""
    return doubling_wait(BACKOFF_BASE, attempts, BACKOFF_CAP)


def deliver_pending(
    *,
    now: datetime | None = None,
    limit: int | None = None,
    transport: Transport | None = None,
    holder: str | None = None,
) -> DeliveryReport:
    """Claim one batch of due messages and send them through one transport, then close it.

    Unlike other services this one commits: the claim, each sent message, each failure, so
    that what the server accepted is recorded at once and a crash loses nothing. ``holder``
    names the claims (the scheduler passes its lease holder id); by default a fresh one.
    """
    transport = transport or transport_from_config(current_app.config)
    try:
        return _deliver_batch(transport, now=now, limit=limit, holder=holder)
    finally:
        transport.close()


def _deliver_batch(
    transport: Transport,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    holder: str | None = None,
    only: list[int] | None = None,
) -> DeliveryReport:
    """One claimed batch through ``transport``, which stays open for the next batch.

    Three steps, each committing what it must keep: claim the batch (``_claim_batch``),
    prepare it (``_prepare``: rows and renderer contexts, e.g. link grants the mails will
    carry), then send message by message (``_send_batch``), recording each one at once.
    """
    config = current_app.config
    holder = holder or new_holder_id()
    claim_for = timedelta(seconds=max(int(config["OUTBOX_CLAIM_SECONDS"]), int(config["SMTP_TIMEOUT"] * 3)))
    report = DeliveryReport()
    try:
        due = _claim_batch(holder, now or utcnow(), limit or BATCH_SIZE, claim_for, only)
        report.due = len(due)
        batch, contexts = _prepare(due)
        with _SentMarker(holder, claim_for) as marker:
            _send_batch(transport, due, batch, contexts, marker, report)
    finally:
        db.session.rollback()
    if report.sent or report.failed or report.retrying:
        log.info("outbox: %s", report)
    return report


def _prepare(due: list[int]) -> tuple[dict[int, OutboxMessage], dict[str, Any]]:
    """The batch's rows and each renderer's context; commits what preparing wrote (e.g. link
    grants the mails will carry: kept before the first of them is sent)."""
    batch = _load(due)
    contexts = prepare_batch(batch.values())
    db.session.commit()
    return batch, contexts


def _send_batch(
    transport: Transport,
    due: list[int],
    batch: dict[int, OutboxMessage],
    contexts: dict[str, Any],
    marker: _SentMarker,
    report: DeliveryReport,
) -> None:
    """Render and send each message in order, recording each outcome as it happens; a broken
    connection gives the rest of the batch back.

    The work of the deliverer is done while the server is busy, in the same thread (no lock,
    no GIL hand-over): the previous message is recorded as sent while the server answers this
    one's MAIL FROM (``before_accept``: before the server can accept this one, so a crash still
    repeats at most the one message in flight), and the next message is rendered while the
    server takes this one's body (``meanwhile``).
    """
    sender = envelope_address(current_app.config["MAIL_FROM"])
    rendered: dict[int, bytes | Exception] = {}

    def render_ahead(message_id: int) -> None:
        try:
            rendered[message_id] = render(batch[message_id], contexts)
        except Exception as error:  # recorded when its turn comes
            db.session.rollback()  # only this message's preparing is undone: the others' is committed
            rendered[message_id] = error

    for position, message_id in enumerate(due):
        message = batch[message_id]
        if message_id not in rendered:
            render_ahead(message_id)
        mime = rendered.pop(message_id)
        if isinstance(mime, Exception) and outage_kind(mime):
            # The database went away meanwhile: not this message's fault, not recorded as one.
            # The marker's own connection may still hold: record what was sent before going.
            with contextlib.suppress(Exception):
                marker.flush()
            raise mime
        if isinstance(mime, Exception):  # a message that cannot be rendered is the message's fault
            log.error("outbox message %s cannot be rendered", message_id, exc_info=mime)
            db.session.rollback()
            marker.flush()
            _count(report, _record_failure(message_id, marker.holder, f"render: {mime}", True))
            continue
        if message.mime is None and _renderer_name(message) not in contexts:
            db.session.commit()  # prepared alone: keep what its prepare wrote
        upcoming = due[position + 1] if position + 1 < len(due) else None
        try:
            transport.send(
                Envelope(message_id, sender, envelope_address(message.recipient), mime),
                before_accept=marker.flush_due,
                meanwhile=None if upcoming is None else functools.partial(render_ahead, upcoming),
            )
        except TransportError as error:
            marker.flush()
            _count(report, _record_failure(message_id, marker.holder, str(error), error.permanent))
            if error.broken:
                rest = due[position + 1 :]
                _release(rest, marker.holder)
                report.skipped += len(rest)
                return
            continue
        marker.add(message_id)
        report.sent += 1
    marker.flush()


def _count(report: DeliveryReport, outcome: str) -> None:
    setattr(report, outcome, getattr(report, outcome) + 1)


def deliver_now(message_ids: list[int]) -> DeliveryReport:
    """Send these messages at once, from this process (an alert that must not wait for the
    scheduler, e.g. because the scheduler is what stopped). Commits."""
    transport = transport_from_config(current_app.config)
    try:
        return _deliver_batch(transport, limit=len(message_ids), only=message_ids)
    finally:
        transport.close()


def deliver_all(
    max_batches: int | None = None, holder: str | None = None, max_seconds: float | None = None
) -> DeliveryReport:
    """Batch after batch over ONE transport (one SMTP connection) until nothing is due, the
    server is gone, or the run has taken ``max_seconds`` (DELIVERY_RUN_SECONDS; the next run
    goes on). Before each batch the feeders queue what they have (``run_feeders``: e.g. the
    invites of points changed meanwhile), so a long run never makes a new change wait for it.
    ``max_batches`` stops earlier (None: no limit)."""
    deadline = time.monotonic() + (DELIVERY_RUN_SECONDS if max_seconds is None else max_seconds)
    total = DeliveryReport()
    transport = transport_from_config(current_app.config)
    try:
        batches = 0
        while True:
            run_feeders()
            report = _deliver_batch(transport, holder=holder)
            total.add(report)
            batches += 1
            if report.due < BATCH_SIZE or report.skipped:
                break
            if batches == max_batches or time.monotonic() >= deadline:
                break
    finally:
        transport.close()
    return total


def _unclaimed(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)


def _claim_batch(
    holder: str, now: datetime, limit: int, claim_for: timedelta, only: list[int] | None = None
) -> list[int]:
    """Take up to ``limit`` due messages nobody holds. Commits.

    On PostgreSQL a SELECT … FOR UPDATE SKIP LOCKED, then an UPDATE of those ids: in one
    ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` PostgreSQL may run the
    subquery once per row, each run skipping what the previous one locked, and claim the whole
    queue. SQLite runs that one statement once, under its single write lock, so two deliverers
    never pick the same rows. What this run holds is read back by its holder name.
    """
    table = table_of(OutboxMessage)
    due = (
        sa.select(table.c.id)
        .where(table.c.status == OutboxStatus.PENDING, table.c.next_attempt_at <= now, _unclaimed(now))
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
    )
    if only is not None:
        due = due.where(table.c.id.in_(only))
    if db.engine.dialect.name == "postgresql":
        chosen = list(db.session.scalars(due.with_for_update(skip_locked=True)))
        targets = table.c.id.in_(chosen) if chosen else None
    else:
        targets = table.c.id.in_(due.scalar_subquery())
    if targets is not None:
        db.session.execute(
            sa.update(table)
            .where(targets, table.c.status == OutboxStatus.PENDING, _unclaimed(now))
            .values(claimed_by=holder, claimed_until=utcnow() + claim_for)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(table.c.id)
            .where(table.c.claimed_by == holder, table.c.status == OutboxStatus.PENDING)
            .order_by(table.c.next_attempt_at, table.c.id)
        )
    )


def _load(message_ids: list[int]) -> dict[int, OutboxMessage]:
    """The batch's messages in one SELECT each chunk, as transient copies that the commits
    below do not expire (and that never write back)."""
    table = table_of(OutboxMessage)
    batch = {}
    for chunk in chunks(message_ids, CHUNK):
        for row in db.session.execute(sa.select(table).where(table.c.id.in_(chunk))).mappings():
            batch[row["id"]] = OutboxMessage(**row)
    return batch


class _SentMarker:
    """Records sent ids (one UPDATE, its own transaction, every MARK_EVERY messages) and
    renews the batch's claim, on a connection of its own held for the whole batch.

    Each message's mark must be cheap: one autocommitted Core statement compiled once (one
    round trip), no pool checkout (and its pre-ping) per message, and on PostgreSQL an
    asynchronous commit (``synchronous_commit = off`` for this connection only, while it
    marks). A crash of the deliverer loses no mark the server acknowledged; only a crash of
    PostgreSQL itself can lose the last fraction of a second of marks, whose messages are then
    sent again with the same Message-ID: the at-least-once promise, never a lost message.
    """

    def __init__(self, holder: str, claim_for: timedelta) -> None:
        self.holder, self.claim_for = holder, claim_for
        self.ids: list[int] = []
        self.last = time.monotonic()
        self.connection: sa.Connection | None = None

    def __enter__(self) -> _SentMarker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _connection(self) -> sa.Connection:
        if self.connection is None:
            # Each UPDATE is its own transaction; the pool restores the isolation level.
            self.connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self.connection.dialect.name == "postgresql":
                self.connection.exec_driver_sql("SET synchronous_commit TO OFF")
        return self.connection

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("RESET synchronous_commit")
        except Exception:
            connection.invalidate()  # never hand the pool a connection in an unknown state
            raise
        finally:
            connection.close()

    def add(self, message_id: int) -> None:
        """Note a sent message; ``flush_due`` records it before the next one can be accepted."""
        self.ids.append(message_id)

    def flush_due(self) -> None:
        """Record the noted messages once MARK_EVERY are waiting, and renew the batch's claims
        once a RENEW_CLAIMS_SECONDS have passed."""
        if len(self.ids) >= MARK_EVERY or time.monotonic() - self.last >= RENEW_CLAIMS_SECONDS:
            self.flush()

    def flush(self) -> None:
        renew = time.monotonic() - self.last >= RENEW_CLAIMS_SECONDS
        if not self.ids and not renew:
            return
        connection = self._connection()
        if self.ids:
            done = rows_matched(
                connection.execute(_MARK_SENT, {"ids": self.ids, "holder": self.holder, "now": utcnow()})
            )
            if done != len(self.ids):
                log.warning(
                    "%s outbox messages were sent but their claim had passed to another deliverer",
                    len(self.ids) - done,
                )
        if renew:
            # What is still ours gets a fresh claim, so a long batch is never taken over.
            connection.execute(_RENEW_CLAIMS, {"holder": self.holder, "until": utcnow() + self.claim_for})
            self.last = time.monotonic()
        self.ids = []


_OUTBOX = table_of(OutboxMessage)
_MARK_SENT = (
    sa.update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(sa.bindparam("ids", expanding=True)), _OUTBOX.c.claimed_by == sa.bindparam("holder")
    )
    .values(
        status=OutboxStatus.SENT,
        sent_at=sa.bindparam("now"),
        attempts=_OUTBOX.c.attempts + 1,
        claimed_by=None,
        claimed_until=None,
        last_error=None,
    )
)
_RENEW_CLAIMS = (
    sa.update(_OUTBOX)
    .where(_OUTBOX.c.claimed_by == sa.bindparam("holder"), _OUTBOX.c.status == OutboxStatus.PENDING)
    .values(claimed_until=sa.bindparam("until"))
)


def _release(message_ids: list[int], holder: str) -> None:
    """Give back claims this run will not use (the connection is gone). Commits."""
    table = table_of(OutboxMessage)
    for chunk in chunks(message_ids, CHUNK):
        db.session.execute(
            sa.update(table)
            .where(
                table.c.id.in_(chunk), table.c.claimed_by == holder, table.c.status == OutboxStatus.PENDING
            )
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def release_claims(holder: str) -> int:
    """Hand back every unsent message ``holder`` claimed (a scheduler that lost its lease:
    dead, or cut off), so the new lease holder sends them now. Flushes; returns how many."""
    table = table_of(OutboxMessage)
    return rows_matched(
        db.session.execute(
            sa.update(table)
            .where(table.c.claimed_by == holder, table.c.status == OutboxStatus.PENDING)
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
    )


def _record_failure(message_id: int, holder: str, error: str, permanent: bool) -> str:
    """Count the attempt; schedule the next one with backoff, or give up. Commits."""
    message = get_row(OutboxMessage, message_id)
    db.session.refresh(message)
    if message.claimed_by != holder:
        db.session.rollback()
        return "skipped"
    message.attempts += 1
    message.last_error = error[:2000]
    message.claimed_by = None
    message.claimed_until = None
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
        outcome = "failed"
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        outcome = "retrying"
    db.session.commit()
    log.warning("outbox message %s attempt %s: %s", message_id, message.attempts, error)
    return outcome


def retry_now(message: OutboxMessage) -> OutboxMessage:
    """Put a failed or waiting message back in the queue for the next run."""
    if message.status != OutboxStatus.SENT:
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = utcnow()
        db.session.flush()
    return message


def list_messages(
    conference_id: int | None = None,
    status: str | None = None,
    limit: int = 200,
    *,
    recipient: str = "",
    offset: int = 0,
) -> list[OutboxMessage]:
    """Newest first, for the officer's outbox page: one conference's, one state's, or the mail
    to addresses containing ``recipient``."""
    stmt = _filtered(sa.select(OutboxMessage), conference_id, status, recipient)
    return list(db.session.scalars(stmt.order_by(OutboxMessage.id.desc()).offset(offset).limit(limit)))


def status_counts(conference_id: int | None = None, recipient: str = "") -> dict[str, int]:
    """How many messages are in each state (of one conference, to matching addresses)."""
    stmt = _filtered(sa.select(OutboxMessage.status, sa.func.count()), conference_id, None, recipient)
    counts: dict[str, int] = dict.fromkeys(OutboxStatus, 0)
    counts.update({status: n for status, n in db.session.execute(stmt.group_by(OutboxMessage.status))})
    return counts


def _filtered(stmt: Any, conference_id: int | None, status: str | None, recipient: str) -> Any:
    if conference_id is not None:
        stmt = stmt.where(OutboxMessage.conference_id == conference_id)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if recipient:
        stmt = stmt.where(sa.func.lower(OutboxMessage.recipient).contains(recipient.lower(), autoescape=True))
    return stmt


def get_message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"Không có thư {message_id} trong hộp thư đi.")
    return message
