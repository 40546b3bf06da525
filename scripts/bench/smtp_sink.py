"""A loopback SMTP server (aiosmtpd) in its own process that counts connections and messages.

Prints {"port": N} once ready; on SIGTERM prints {"connections": n, "messages": m, "bytes": b}.
"""

from __future__ import annotations

import json
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

counts = {"connections": 0, "messages": 0, "bytes": 0}


class CountingSMTP(SMTP):
    def connection_made(self, transport) -> None:
        counts["connections"] += 1
        super().connection_made(transport)


class Sink:
    async def handle_DATA(self, server, session, envelope) -> str:
        counts["messages"] += 1
        counts["bytes"] += len(envelope.original_content or envelope.content or b"")
        return "250 2.0.0 OK"


class LoopbackController(Controller):
    def factory(self):
        return CountingSMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def main() -> None:
    controller = LoopbackController(Sink(), hostname="127.0.0.1", port=0)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(json.dumps({"port": controller.port}), flush=True)
    stop.wait()
    controller.stop()
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    main()
