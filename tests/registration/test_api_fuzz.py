"""Schemathesis drives the point endpoints from the generated OpenAPI document: never a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from bridgeops.api.openapi import build_openapi
from tests.conftest import bearer
from tests.registration.helpers import MY_LOC, point_body


@pytest.fixture
def api_schema(app):
    schema = schemathesis.openapi.from_dict(build_openapi(app))
    schema.app = app  # calls go straight to the WSGI app
    return schema


REGISTRATION = [
    ("POST", "/api/v1/conferences/{slug}/points"),
    ("GET", "/api/v1/conferences/{slug}/points"),
    ("PATCH", "/api/v1/points/{point_id}"),
    ("POST", "/api/v1/points/{point_id}/confirm"),
    ("DELETE", "/api/v1/points/{point_id}"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), REGISTRATION)
def test_generated_requests_never_get_a_server_error(
    app, client, demo, officer_token, api_schema, method, path
):
    point = client.post(
        "/api/v1/conferences/namdinh-2022/points", json=point_body(MY_LOC), headers=bearer(officer_token)
    ).get_json()
    operation = api_schema[path][method]

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        case.path_parameters = {"slug": "namdinh-2022", "point_id": point["id"]}
        case.headers = {**(case.headers or {}), **bearer(officer_token), "If-Match": "*"}
        response = case.call(app=app)
        assert response.status_code < 500, response.text

    check()
