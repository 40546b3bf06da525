"""The /api/v1 blueprint: wiring, problem+json errors, the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify

from bridgeops.accounts.access import PUBLIC, requires
from bridgeops.api.operation import operation
from bridgeops.api.problems import from_domain_error
from bridgeops.core.errors import DomainError

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")


@api_bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return from_domain_error(error)


@api_bp.get("/openapi.json")
@requires(PUBLIC)
def openapi_document():
    """The OpenAPI 3.1 document of the whole API."""
    from bridgeops.api.openapi import build_openapi

    return jsonify(build_openapi(current_app))


def register_api(app: Flask) -> None:
    """Import every feature's API module (they add routes to api_bp), then register it."""
    from bridgeops.extensions import csrf
    from bridgeops.features import feature_modules

    list(feature_modules("api"))
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)


__all__ = ["api_bp", "operation", "register_api"]
