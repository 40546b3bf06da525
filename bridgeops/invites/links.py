"""Each technician's own link ``{BASE_URL}/t/{token}``, written into every invite she gets.

Only the token's sha256 is stored (as for every grant). The token is derived from the app's
secret key and a random nonce kept in the grant's label, so an update months later can print
the same link again; without the secret key the stored nonce reveals nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from bridgeops.accounts import service as accounts
from bridgeops.accounts.models import AccessGrant
from bridgeops.accounts.tokens import hash_token
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.registration.models import Contact

LABEL_PREFIX = "invite:"


def base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def technician_url(token: str) -> str:
    return f"{base_url()}/t/{token}"


def feed_url(token: str) -> str:
    return f"{base_url()}/calendar/{token}.ics"


def _derive(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(key, f"technician-link:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def technician_token(contact: Contact) -> str:
    """The technician's live link token, issuing her a grant the first time."""
    now = utcnow()
    grants = db.session.scalars(
        sa.select(AccessGrant)
        .where(AccessGrant.role == "technician", AccessGrant.contact_id == contact.id,
               AccessGrant.point_id == contact.point_id, AccessGrant.revoked_at.is_(None),
               AccessGrant.label.startswith(LABEL_PREFIX),
               sa.or_(AccessGrant.expires_at.is_(None), AccessGrant.expires_at > now))
        .order_by(AccessGrant.id.desc()))
    for grant in grants:
        token = _derive(grant.label[len(LABEL_PREFIX):])
        if hmac.compare_digest(hash_token(token), grant.token_hash):
            return token
    nonce = secrets.token_urlsafe(16)
    token = _derive(nonce)
    accounts.issue_grant("technician", conference_id=contact.point.conference_id,
                         point_id=contact.point_id, contact_id=contact.id,
                         label=LABEL_PREFIX + nonce,
                         ttl=timedelta(days=current_app.config["LINK_TTL_DAYS"]), token=token)
    return token
