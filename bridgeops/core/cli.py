"""Helpers every feature's click commands share."""

from __future__ import annotations

import click

from bridgeops.core.errors import DomainError


def fail(error: DomainError) -> None:
    """End a command with the domain error's Vietnamese message (and its field errors)."""
    message = error.detail
    if error.errors:
        message += " " + "; ".join(f"{k}: {v}" for k, v in error.errors.items())
    raise click.ClickException(message)
