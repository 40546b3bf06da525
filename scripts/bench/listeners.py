"""Loopback rooms for a probe sweep, in their own process: asyncio HTTP servers on a few ports,
plain TCP listeners, and one listener that accepts connections but never answers.

Prints one JSON line {"http": [ports], "tcp": [ports], "silent": port}, then serves until killed.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys

HTTP_PORTS = 4
TCP_PORTS = 2


async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def accept_only(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def main() -> None:
    http = [await asyncio.start_server(answer, "127.0.0.1", 0, backlog=4096) for _ in range(HTTP_PORTS)]
    tcp = [await asyncio.start_server(accept_only, "127.0.0.1", 0, backlog=4096) for _ in range(TCP_PORTS)]
    # Never accept()ed and never answers: the kernel completes the handshake into the backlog,
    # an HTTP probe then waits for a status line until its timeout.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4096)
    print(
        json.dumps(
            {
                "http": [s.sockets[0].getsockname()[1] for s in http],
                "tcp": [s.sockets[0].getsockname()[1] for s in tcp],
                "silent": silent.getsockname()[1],
            }
        ),
        flush=True,
    )
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
