"""SMTP with STARTTLS and login, against a real aiosmtpd server requiring both."""

from __future__ import annotations

import ssl
import subprocess

import pytest
from aiosmtpd.smtp import AuthResult

from bridgeops.extensions import db
from bridgeops.mail import service as mail
from bridgeops.mail.transport import SmtpTransport
from tests.smtp_server import CollectingHandler, LoopbackController


@pytest.fixture
def certificate(tmp_path) -> tuple[str, str]:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def authenticator(_server, _session, _envelope, mechanism, auth_data) -> AuthResult:
    ok = auth_data.login == b"bridgeops" and auth_data.password == b"mat-khau-smtp"
    return AuthResult(success=ok, handled=False)


def test_starttls_and_login_when_configured(certificate):
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    handler = CollectingHandler()
    controller = LoopbackController(
        handler,
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
        auth_required=True,
    )
    controller.start()
    try:
        mail.enqueue(
            kind="alert",
            recipient="ktv@diemcau.test",
            subject="Kiểm tra TLS",
            text="Nội dung có dấu: Điểm cầu Nam Định.",
            dedupe_key="tls:1",
        )
        db.session.commit()
        client_context = ssl.create_default_context(cafile=cert)
        wrong = SmtpTransport(
            "127.0.0.1",
            controller.port,
            user="bridgeops",
            password="sai",
            ssl_context=client_context,
            timeout=5,
        )
        report = mail.deliver_pending(transport=wrong)
        assert report.retrying == 1 and handler.received == []  # a bad login is retried later
        db.session.execute(db.text("UPDATE outbox_message SET next_attempt_at = created_at"))
        db.session.commit()
        transport = SmtpTransport(
            "127.0.0.1",
            controller.port,
            user="bridgeops",
            password="mat-khau-smtp",
            ssl_context=client_context,
            timeout=5,
        )
        assert mail.deliver_pending(transport=transport).sent == 1
        [received] = handler.received
        assert "Điểm cầu Nam Định" in received.message.get_body(("plain",)).get_content()
    finally:
        controller.stop()
