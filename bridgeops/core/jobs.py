"""What a feature's ``jobs(app)`` returns: the scheduler runs these, features never import it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask


@dataclass(frozen=True)
class JobSpec:
    """A job every ``seconds`` seconds; ``run(app)`` does the work inside an app context."""

    id: str
    seconds: float
    run: Callable[[Flask], None]
