"""Imports every model so that metadata (and Alembic) knows every table."""

from bridgeops.accounts.models import AccessGrant, User  # noqa: F401
from bridgeops.audit.models import AuditEvent  # noqa: F401
from bridgeops.conference.models import Conference, ConferenceSession, DelegateCategory  # noqa: F401
from bridgeops.registration.models import BridgePoint, Contact, DelegateCount  # noqa: F401
from bridgeops.units.models import AdminUnit  # noqa: F401
