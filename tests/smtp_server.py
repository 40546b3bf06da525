"""A real SMTP server on a loopback ephemeral port (aiosmtpd), collecting what it accepts."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class CollectingHandler:
    """Accepts every message; ``fail_first`` answers 451 to that many DATA commands first;
    ``delay`` seconds of thinking before each answer (a slow server)."""

    fail_first: int = 0
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: The client (address, port) of every connection that sent DATA.
    peers: set = field(default_factory=set)

    @property
    def connections(self) -> int:
        return len(self.peers)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.peers.add(tuple(session.peer))
            if self.refused < self.fail_first:
                self.refused += 1
                return "451 4.3.0 Hệ thống bận, thử lại sau"
            self.received.append(
                Received(
                    envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content
                )
            )
        return "250 2.0.0 OK"


class LoopbackController(Controller):
    """Binds 127.0.0.1 port 0 and learns the port the kernel chose."""

    def __init__(self, handler, **kwargs) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, **kwargs)

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()
