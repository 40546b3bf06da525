"""Federation answers other capabilities' questions about the credentials it keeps."""

from __future__ import annotations

from bridgeops.events import token_recognised
from bridgeops.federation.service import live_province


@token_recognised.connect
def on_token_recognised(_sender, *, token: str, **_extra) -> bool:
    """A live province credential is a token that works (the bad-token throttle lets it pass)."""
    return live_province(token) is not None
