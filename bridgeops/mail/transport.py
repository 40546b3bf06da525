"""Where mail goes: an SMTP server (one connection per batch), or .eml files in the outbox folder."""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Envelope:
    """One message to hand over: its outbox id, addresses and the finished RFC 5322 bytes."""

    message_id: int
    sender: str
    recipient: str
    mime: bytes


class TransportError(Exception):
    """Delivery failed. ``permanent``: retrying will not help (5xx); ``broken``: the connection
    is gone, so the rest of the batch waits for the next run."""

    def __init__(self, message: str, *, permanent: bool = False, broken: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.broken = broken


#: Work a sender does while the server is busy answering (see ``Transport.send``).
Hook = Callable[[], None]


class Transport(Protocol):
    def send(
        self,
        envelope: Envelope,
        *,
        before_accept: Hook | None = None,
        meanwhile: Hook | None = None,
    ) -> None:
        """Hand the message over. ``before_accept`` runs once before the server can accept
        the message (over SMTP while it answers MAIL FROM), unless ``send`` raises first.
        ``meanwhile`` may run once while the server takes the body; a transport with no such
        wait, or a message refused before its body went out, leaves it unrun. Neither may
        raise anything the caller does not want raised from ``send``."""

    def close(self) -> None: ...


def crlf(mime: bytes) -> bytes:
    """CRLF line ends everywhere (SMTP's rule), whatever the builder wrote."""
    if mime.count(b"\n") == mime.count(b"\r\n"):
        return mime  # the builders write CRLF already: no need to rewrite ~10 KB a message
    return re.sub(rb"\r?\n", b"\r\n", mime)


class _SMTP(smtplib.SMTP):
    """smtplib's client, which lets the sender work while the server answers: ``before_accept``
    right after MAIL FROM has gone out, ``meanwhile`` right after the body has (while the server
    reads and stores it, the longest of its answers)."""

    before_accept: Hook | None = None
    meanwhile: Hook | None = None

    def send(self, s: Any) -> None:  # typeshed: ReadableBuffer | str
        super().send(s)
        # ``mail`` writes "mail FROM:<…>"; ``data`` the whole body, dot-stuffed, ending with
        # <CRLF>.<CRLF>, which no command does.
        if self.before_accept is not None and isinstance(s, str) and s.startswith("mail FROM:"):
            hook, self.before_accept = self.before_accept, None
            hook()
        elif self.meanwhile is not None and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            hook, self.meanwhile = self.meanwhile, None
            hook()


class SmtpTransport:
    """SMTP with STARTTLS and login when configured; the connection opens at the first message
    and serves the whole batch."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        user: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.timeout = starttls, timeout
        self.ssl_context = ssl_context
        self.connection: _SMTP | None = None
        #: Connections opened during this transport's life (one per batch when all goes well).
        self.connections_opened = 0

    def _connect(self) -> _SMTP:
        connection = _SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if self.starttls:
                connection.starttls(context=self.ssl_context or ssl.create_default_context())
                connection.ehlo()
            if self.user:
                connection.login(self.user, self.password)
        except BaseException:
            connection.close()
            raise
        self.connections_opened += 1
        return connection

    def send(
        self,
        envelope: Envelope,
        *,
        before_accept: Hook | None = None,
        meanwhile: Hook | None = None,
    ) -> None:
        try:
            self._send(envelope, before_accept, meanwhile)
        finally:
            if self.connection is not None:  # refused early: never run with a later message
                self.connection.before_accept = self.connection.meanwhile = None

    def _send(self, envelope: Envelope, before_accept: Hook | None, meanwhile: Hook | None) -> None:
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                # Unreachable server or refused login: a setup problem, never the message's fault.
                raise TransportError(f"{type(error).__name__}: {error}", broken=True) from error
        self.connection.before_accept, self.connection.meanwhile = before_accept, meanwhile
        try:
            refused = self.connection.sendmail(envelope.sender, [envelope.recipient], crlf(envelope.mime))
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            self._reset()
            raise TransportError(f"{code} {_text(reply)}", permanent=code >= 500) from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:  # the server is closing the channel
                self._drop()
            else:
                self._reset()
            raise TransportError(
                f"{error.smtp_code} {_text(error.smtp_error)}",
                permanent=error.smtp_code >= 500,
                broken=self.connection is None,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise TransportError(f"{type(error).__name__}: {error}", broken=True) from error
        if refused:
            code, reply = next(iter(refused.values()))
            raise TransportError(f"{code} {_text(reply)}", permanent=code >= 500)

    def _reset(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self._drop()


class DirectoryTransport:
    """The embedded default: each message becomes ``<outbox>/<id>.eml`` (written atomically, so
    a crash never leaves half a file; sending again rewrites the same file)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def path_for(self, message_id: int) -> Path:
        return self.directory / f"{message_id:08d}.eml"

    def send(
        self,
        envelope: Envelope,
        *,
        before_accept: Hook | None = None,
        meanwhile: Hook | None = None,
    ) -> None:
        """Writes the file (``before_accept`` first; ``meanwhile`` is left unrun: there is no
        server to wait for)."""
        if before_accept is not None:
            before_accept()
        try:
            # Messages hold live links (tokens): readable by the service's user only.
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            target = self.path_for(envelope.message_id)
            partial = target.with_suffix(".eml.part")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(crlf(envelope.mime))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except OSError as error:
            raise TransportError(f"{type(error).__name__}: {error}", broken=True) from error

    def close(self) -> None:
        return None


def transport_from_config(config: Any) -> SmtpTransport | DirectoryTransport:
    """SMTP when BRIDGEOPS_SMTP_HOST is set, else .eml files in BRIDGEOPS_OUTBOX_DIR."""
    if config.get("SMTP_HOST"):
        return SmtpTransport(
            config["SMTP_HOST"],
            int(config["SMTP_PORT"]),
            user=config.get("SMTP_USER", ""),
            password=config.get("SMTP_PASSWORD", ""),
            starttls=bool(config.get("SMTP_STARTTLS", True)),
            timeout=float(config.get("SMTP_TIMEOUT", 30.0)),
        )
    return DirectoryTransport(config["OUTBOX_DIR"])


def envelope_address(value: str) -> str:
    """The bare address of "Name <a@b>" or "a@b"."""
    return parseaddr(value)[1] or value


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
