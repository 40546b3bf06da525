"""Random keys for identifiers that leave the system (calendar UIDs, Message-IDs).

Database ids restart from a backup after a restore; a random key never comes back, so a UID or
Message-ID already in someone's mailbox is never given to something else.
"""

from __future__ import annotations

import uuid


def new_public_key() -> str:
    """32 hex characters, random (UUID 4)."""
    return uuid.uuid4().hex
