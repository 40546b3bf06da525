"""The capabilities of BridgeOps, each a package with optional well-known modules.

The factory, the CLI, the scheduler and Alembic find a feature's parts here by name:
``models`` (tables), ``views`` (``bp``, HTML blueprint), ``api`` (routes on ``api_bp``),
``cli`` (``commands``), ``jobs`` (``jobs(app)``), ``handlers`` (event subscribers).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from types import ModuleType

FEATURES: tuple[str, ...] = (
    "units",
    "conference",
    "accounts",
    "audit",
    "registration",
    "mail",
    "invites",
    "returns",
    "health",
    "ops",
    "attendance",
    "followup",
    "federation",
    "home",
)


def feature_modules(part: str) -> Iterator[ModuleType]:
    """Each feature's ``part`` module, in FEATURES order, where the feature has one."""
    for feature in FEATURES:
        name = f"bridgeops.{feature}.{part}"
        if importlib.util.find_spec(f"bridgeops.{feature}") and importlib.util.find_spec(name):
            yield importlib.import_module(name)
