"""Each technician's own link ``{BASE_URL}/t/{token}``, written into every invite she gets.

Only the token's sha256 is stored (as for every grant). The token is derived from the app's
secret key and a random nonce kept in the grant's ``nonce`` column (its ``kind`` is
``GrantKind.INVITE``), so an update months later can print the same link again; without the
secret key the stored nonce reveals nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from bridgeops.accounts import service as accounts
from bridgeops.accounts.models import AccessGrant, GrantKind, GrantRole
from bridgeops.accounts.tokens import hash_token
from bridgeops.core.batches import chunks
from bridgeops.core.time import utcnow
from bridgeops.core.urls import external_url
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint, Contact

#: Contacts per ``IN (…)`` lookup.
CHUNK = 500


def technician_url(token: str) -> str:
    return external_url("invites.technician_page", token=token)


def feed_url(token: str) -> str:
    return external_url("invites.calendar_feed", token=token)


def _derive(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(key, f"technician-link:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def technician_token(contact: Contact) -> str:
    """The technician's live link token, issuing her a grant the first time."""
    return technician_tokens([contact])[contact.id]


def technician_tokens(contacts: Iterable[Contact], issue: bool = True) -> dict[int, str]:
    """Each technician's live link token by contact id, with one lookup per ``CHUNK`` contacts
    and one bulk insert for those who have no live grant yet (the deliverer renders a batch of
    invites with this). ``issue=False`` only reads: those without a grant are left out."""
    by_id = {contact.id: contact for contact in contacts}
    ids = sorted(by_id)
    now = utcnow()
    tokens: dict[int, str] = {}
    for chunk in chunks(ids, CHUNK):
        rows = db.session.execute(
            sa.select(AccessGrant.contact_id, AccessGrant.point_id, AccessGrant.nonce, AccessGrant.token_hash)
            .where(
                AccessGrant.role == GrantRole.TECHNICIAN,
                AccessGrant.kind == GrantKind.INVITE,
                AccessGrant.contact_id.in_(chunk),
                AccessGrant.live_clause(now),
            )
            .order_by(AccessGrant.id.desc())
        )
        for contact_id, point_id, nonce, token_hash in rows:
            if contact_id in tokens or point_id != by_id[contact_id].point_id:
                continue
            token = _derive(nonce)
            if hmac.compare_digest(hash_token(token), token_hash):
                tokens[contact_id] = token
    missing = [by_id[contact_id] for contact_id in ids if contact_id not in tokens]
    if missing and issue:
        conferences = _conference_ids({contact.point_id for contact in missing})
        grants = []
        for contact in missing:
            nonce = secrets.token_urlsafe(16)
            tokens[contact.id] = _derive(nonce)
            grants.append(
                {
                    "token": tokens[contact.id],
                    "point_id": contact.point_id,
                    "conference_id": conferences.get(contact.point_id),
                    "contact_id": contact.id,
                    "kind": GrantKind.INVITE,
                    "nonce": nonce,
                    "label": invite_label(contact.name),
                }
            )
        accounts.issue_grants(
            GrantRole.TECHNICIAN, grants, ttl=timedelta(days=current_app.config["LINK_TTL_DAYS"])
        )
    return tokens


def invite_label(name: str) -> str:
    """How people see a technician's own link in lists of grants."""
    return f"Kỹ thuật viên {name} (đường dẫn trong thư mời)"[:200]


def _conference_ids(point_ids: set[int]) -> dict[int, int]:
    return {
        point_id: conference_id
        for chunk in chunks(sorted(point_ids), CHUNK)
        for point_id, conference_id in db.session.execute(
            sa.select(BridgePoint.id, BridgePoint.conference_id).where(BridgePoint.id.in_(chunk))
        )
    }
