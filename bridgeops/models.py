"""Imports every feature's models so that metadata (and Alembic) knows every table."""

from bridgeops.features import feature_modules

MODEL_MODULES = list(feature_modules("models"))
