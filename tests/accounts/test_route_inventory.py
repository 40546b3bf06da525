"""Every route states who may call it: one requirement from bridgeops.accounts.access."""

from __future__ import annotations

import pytest
from flask import Blueprint

from bridgeops import create_app
from bridgeops.accounts import access
from bridgeops.accounts.access import OFFICER, PUBLIC, REQUIREMENTS, declared_access, requires
from bridgeops.api import operation
from bridgeops.extensions import db
from tests.conftest import bearer

#: Flask's own static files: the only route without a declaration.
FRAMEWORK_ENDPOINTS = {"static"}


def undeclared_routes(app) -> list[str]:
    return sorted(
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in FRAMEWORK_ENDPOINTS
        and declared_access(app.view_functions[rule.endpoint]) not in REQUIREMENTS
    )


def test_every_route_declares_its_access(app):
    assert undeclared_routes(app) == []
    assert len(list(app.url_map.iter_rules())) > 40


def test_a_route_that_states_nothing_fails_the_inventory(database_url):
    extra = Blueprint("extra", __name__)

    @extra.get("/extra/undeclared")
    def undeclared():
        return "oops"

    @extra.get("/extra/declared")
    @requires(PUBLIC)
    def declared():
        return "ok"

    app = create_app({"TESTING": True, "SECRET_KEY": "inventory", "DATABASE_URL": database_url})
    app.register_blueprint(extra)
    assert undeclared_routes(app) == ["/extra/undeclared (extra.undeclared)"]


def test_an_api_operation_without_requires_refuses_every_call(database_url, officer_token):
    extra = Blueprint("extra_api", __name__, url_prefix="/api/v1/extra")

    @extra.get("/nothing-declared")
    @operation("Không khai báo quyền")
    def nothing_declared():
        return {"secret": 1}

    app = create_app({"TESTING": True, "SECRET_KEY": "inventory", "DATABASE_URL": database_url})
    app.register_blueprint(extra)
    try:
        response = app.test_client().get("/api/v1/extra/nothing-declared", headers=bearer(officer_token))
        assert response.status_code == 403 and "secret" not in response.get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_requires_below_operation_is_refused_at_import():
    with pytest.raises(TypeError, match="above @operation"):

        @operation("Sai thứ tự")
        @requires(OFFICER)
        def wrong_order():
            return None


def test_each_requirement_is_documented_in_the_module_docstring():
    for requirement in REQUIREMENTS:
        name = next(k for k, v in vars(access).items() if v is requirement)
        assert f"``{name}``" in access.__doc__
