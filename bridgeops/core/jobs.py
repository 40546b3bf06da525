"""What a feature's ``jobs(app)`` returns: the scheduler runs these, features never import it."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask


@dataclass(frozen=True)
class JobSpec:
    """A job every ``seconds`` seconds; ``run(app)`` does the work inside an app context."""

    id: str
    seconds: float
    run: Callable[[Flask], object]


def new_holder_id() -> str:
    """This process's id as a lease or claim holder: host, pid and a random part (a restarted
    process with a reused pid is still someone else). Scheduler leases and outbox claims share it."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
