"""Outbox delivery: .eml fallback, SMTP retries with backoff, claims, the CLI and the page."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email import message_from_bytes, policy

import sqlalchemy as sa

from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.mail import service as mail
from bridgeops.mail.builders import build_message
from bridgeops.mail.models import OutboxMessage
from bridgeops.mail.transport import DirectoryTransport, SmtpTransport
from tests.smtp_server import CollectingHandler


def queue(n: int, prefix: str = "test") -> list[OutboxMessage]:
    messages = [
        mail.enqueue(
            kind="alert",
            recipient=f"ktv{i}@diemcau.test",
            subject=f"Thông báo số {i} – kiểm tra đường truyền",
            text=f"Xin chào kỹ thuật viên {i}: điểm cầu mất kết nối.",
            html=f"<p>Xin chào kỹ thuật viên {i}</p>",
            dedupe_key=f"{prefix}:{i}",
        )
        for i in range(n)
    ]
    db.session.commit()
    return messages


def test_enqueue_with_a_known_dedupe_key_adds_nothing():
    first = queue(1)[0]
    again = mail.enqueue(
        kind="alert", recipient="khac@diemcau.test", subject="x", text="y", dedupe_key="test:0"
    )
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_without_smtp_host_messages_become_eml_files(app, tmp_path):
    app.config["OUTBOX_DIR"] = str(tmp_path)
    messages = queue(3)
    report = mail.deliver_pending()
    assert report.sent == 3
    files = sorted(tmp_path.glob("*.eml"))
    assert [f.name for f in files] == [DirectoryTransport(tmp_path).path_for(m.id).name for m in messages]
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == "ktv0@diemcau.test"
    assert "kỹ thuật viên 0" in parsed.get_body(("plain",)).get_content()
    assert b"\r\n" in files[0].read_bytes() and b"\n" not in files[0].read_bytes().replace(b"\r\n", b"")
    assert all(m.status == "sent" and m.attempts == 1 for m in db.session.scalars(sa.select(OutboxMessage)))
    assert mail.deliver_pending().sent == 0


def test_a_server_that_fails_first_gets_retries_with_growing_backoff(smtp):
    smtp.fail_first = 2
    [message] = queue(1)
    start = utcnow()
    report = mail.deliver_pending(now=start)
    assert (report.sent, report.retrying) == (0, 1)
    db.session.refresh(message)
    assert message.status == "pending" and message.attempts == 1
    assert message.last_error.startswith("451")
    first_wait = message.next_attempt_at - start
    assert timedelta(seconds=25) <= first_wait <= timedelta(seconds=40)
    assert mail.deliver_pending(now=start + timedelta(seconds=5)).sent == 0  # not due yet
    report = mail.deliver_pending(now=message.next_attempt_at + timedelta(seconds=1))
    assert report.retrying == 1
    db.session.refresh(message)
    second_wait = message.next_attempt_at - utcnow()
    assert second_wait > first_wait
    report = mail.deliver_pending(now=message.next_attempt_at + timedelta(seconds=1))
    assert report.sent == 1
    db.session.refresh(message)
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)
    assert len(smtp.received) == 1


def test_backoff_doubles_and_is_capped():
    assert [mail.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert mail.backoff(30) == mail.BACKOFF_CAP


def test_a_message_is_failed_after_the_last_attempt(smtp):
    smtp.fail_first = 100
    [message] = queue(1)
    now = utcnow()
    for _ in range(mail.MAX_ATTEMPTS):
        mail.deliver_pending(now=now)
        db.session.refresh(message)
        now = message.next_attempt_at + timedelta(seconds=1)
    assert message.status == "failed" and message.attempts == mail.MAX_ATTEMPTS
    assert mail.deliver_pending(now=now + timedelta(days=1)).sent == 0


def test_an_unreachable_server_leaves_the_batch_for_later(app):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_STARTTLS=False)
    try:
        queue(3)
        report = mail.deliver_pending()
    finally:
        app.config["SMTP_HOST"] = ""
    assert (report.sent, report.retrying, report.skipped) == (0, 1, 2)
    attempts = db.session.scalars(sa.select(OutboxMessage.attempts).order_by(OutboxMessage.id))
    assert list(attempts) == [1, 0, 0]


def test_one_smtp_connection_serves_the_whole_batch(app, smtp):
    queue(5)
    transport = SmtpTransport("127.0.0.1", app.config["SMTP_PORT"], starttls=False)
    assert mail.deliver_pending(transport=transport).sent == 5
    assert transport.connections_opened == 1
    assert len(smtp.received) == 5


def test_the_next_message_is_rendered_while_the_server_takes_this_ones_body(smtp, monkeypatch):
    """The server holds its answer to each body until the deliverer has rendered the next
    message: at once when the deliverer renders during that wait, a 451 after 3 s if not."""
    messages = queue(4)
    rendered: list[int] = []
    render = mail.render

    def render_and_count(message, contexts=None):
        mime = render(message, contexts)
        rendered.append(message.id)
        return mime

    monkeypatch.setattr(mail, "render", render_and_count)
    bodies = 0

    async def answer_once_the_next_is_rendered(server, session, envelope):
        nonlocal bodies
        bodies += 1
        waited = 0.0
        while bodies < len(messages) and len(rendered) <= bodies:
            if waited > 3:
                return "451 4.3.0 the next message was not rendered meanwhile"
            await asyncio.sleep(0.01)
            waited += 0.01
        return await CollectingHandler.handle_DATA(smtp, server, session, envelope)

    monkeypatch.setattr(smtp, "handle_DATA", answer_once_the_next_is_rendered)
    report = mail.deliver_pending()
    assert (report.sent, report.retrying) == (4, 0)
    assert rendered == [m.id for m in messages], "each rendered once, in order"
    assert [r.recipients[0] for r in smtp.received] == [m.recipient for m in messages]


def test_a_message_is_recorded_as_sent_while_the_server_answers_the_next_mail_from(smtp, monkeypatch):
    """The server holds its answer to each MAIL FROM until the previous message is recorded as
    sent: at once when the deliverer records it during that wait (and so before the server can
    accept the next one: at most one message in flight), a 451 after 3 s if not."""
    messages = queue(3)
    recorded: list[int] = []
    flush = mail._SentMarker.flush

    def record_and_keep(marker):
        recorded.extend(marker.ids)
        flush(marker)

    monkeypatch.setattr(mail._SentMarker, "flush", record_and_keep)
    senders = 0

    async def answer_once_the_previous_is_recorded(server, session, envelope, address, options):
        nonlocal senders
        senders += 1
        waited = 0.0
        while len(recorded) < senders - 1:
            if waited > 3:
                return "451 4.3.0 the previous message was not recorded meanwhile"
            await asyncio.sleep(0.01)
            waited += 0.01
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    monkeypatch.setattr(smtp, "handle_MAIL", answer_once_the_previous_is_recorded, raising=False)
    report = mail.deliver_pending()
    assert (report.sent, report.retrying) == (3, 0)
    assert recorded == [m.id for m in messages]
    assert all(m.status == "sent" for m in db.session.scalars(sa.select(OutboxMessage)))


def test_a_message_claimed_by_another_deliverer_is_not_sent_twice(smtp):
    first, second = queue(2)
    # Another deliverer is working on the first message right now.
    first.claimed_by, first.claimed_until = "other-host:1:x", utcnow() + timedelta(minutes=2)
    db.session.commit()
    report = mail.deliver_pending()
    assert (report.sent, report.skipped) == (1, 0)
    assert [r.recipients for r in smtp.received] == [[second.recipient]]
    # It died: once its claim has expired the message is delivered.
    report = mail.deliver_pending(now=utcnow() + timedelta(minutes=3))
    assert report.sent == 1 and len(smtp.received) == 2


def test_outbox_send_command_delivers_now(runner, smtp):
    queue(2)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Đã gửi 2" in result.output
    assert len(smtp.received) == 2


def test_officer_reads_the_outbox_and_a_message(client, officer, smtp):
    smtp.fail_first = 1
    queue(2)
    mail.deliver_pending()
    assert client.get("/outbox").status_code == 302  # login first
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get("/outbox").get_data(as_text=True)
    assert "Thông báo số 0" in page and "Đã gửi" in page and "Đang chờ gửi" in page
    assert "451" in page
    first = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id))
    shown = client.get(f"/outbox/{first.id}").get_data(as_text=True)
    assert "Nội dung thư" in shown and "kỹ thuật viên 0" in shown  # the text part, in words
    eml = client.get(f"/outbox/{first.id}.eml")
    assert eml.mimetype == "message/rfc822" and eml.data == first.mime
    assert client.post(f"/outbox/{first.id}/retry").status_code == 303


def test_outbox_send_delivers_every_batch_over_one_smtp_connection(runner, smtp, monkeypatch):
    monkeypatch.setattr(mail, "BATCH_SIZE", 3)
    queue(7)
    connections = []
    real = mail.transport_from_config
    monkeypatch.setattr(mail, "transport_from_config", lambda config: connections.append(1) or real(config))
    result = runner.invoke(args=["outbox", "send"])
    assert "Đã gửi 7" in result.output and len(smtp.received) == 7
    assert len(connections) == 1  # batches of 3, 3 and 1, one transport
    assert smtp.connections == 1


def test_a_renderer_whose_batch_preparation_fails_renders_each_message_alone(app, smtp):
    prepared: list[int] = []

    def prepare(messages):
        prepared.append(len(messages))
        if len(messages) > 1 or messages[0].payload["n"] == 1:
            raise RuntimeError("cannot prepare")
        return {"greeting": "Xin chào"}

    def render(message, context):
        return build_message(
            sender="bridgeops@example.vn",
            recipient=message.recipient,
            subject=message.subject,
            text=f"{context['greeting']} {message.payload['n']}",
        )

    mail.register_renderer("test-fragile", render, prepare)
    try:
        mail.enqueue_rendered(
            mail.Queued(
                kind="alert",
                recipient=f"ktv{n}@diemcau.test",
                subject=f"Thư {n}",
                dedupe_key=f"fragile:{n}",
                payload={"renderer": "test-fragile", "n": n},
            )
            for n in range(3)
        )
        db.session.commit()
        report = mail.deliver_all()
    finally:
        del mail.RENDERERS["test-fragile"]
    # The batch could not be prepared: each message was prepared alone, and only the one whose
    # own preparation fails is failed.
    assert prepared[0] == 3 and sorted(prepared[1:]) == [1, 1, 1]
    assert (report.sent, report.failed) == (2, 1)
    assert sorted(m.recipients[0] for m in smtp.received) == ["ktv0@diemcau.test", "ktv2@diemcau.test"]
    failed = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.status == "failed"))
    assert failed.recipient == "ktv1@diemcau.test" and "cannot prepare" in failed.last_error


def test_a_run_claims_one_batch_and_leaves_the_rest_to_others(smtp, monkeypatch):
    # On PostgreSQL an UPDATE … IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) once claimed the
    # whole queue: the subquery ran again per row, skipping what it had just locked.
    monkeypatch.setattr(mail, "BATCH_SIZE", 10)
    queue(30)
    report = mail.deliver_pending()
    assert (report.due, report.sent) == (10, 10)
    pending = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == "pending"))
    assert [(m.claimed_by, m.claimed_until) for m in pending] == [(None, None)] * 20
    assert len(smtp.received) == 10


def test_enqueue_rendered_adds_only_new_keys_and_counts_them():
    """Bulk enqueue skips keys the outbox holds (and repeats within the batch) in the INSERT
    itself, and says how many it wrote."""

    def batch(keys):
        return [
            mail.built(
                kind="alert",
                recipient=f"ktv{k}@diemcau.vn",
                subject="Cảnh báo",
                text="x",
                dedupe_key=f"b:{k}",
            )
            for k in keys
        ]

    assert mail.enqueue_rendered(batch(range(5))) == 5
    assert mail.enqueue_rendered(batch([3, 4, 5, 6, 6])) == 2
    db.session.commit()
    keys = db.session.scalars(sa.select(OutboxMessage.dedupe_key).order_by(OutboxMessage.dedupe_key)).all()
    assert keys == [f"b:{k}" for k in range(7)]
