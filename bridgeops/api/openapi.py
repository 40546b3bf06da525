"""The OpenAPI 3.1 document, generated from the routes and their pydantic models."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from bridgeops.api.operation import Operation

_RULE_ARG = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")
REF = "#/components/schemas/{model}"


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for match in _RULE_ARG.finditer(rule):
        schema = (
            {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
            if match["converter"] == "int"
            else {"type": "string"}
        )
        params.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
    return _RULE_ARG.sub(r"{\g<name>}", rule), params


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string, never JSON null: drop the null branch pydantic
    gives an optional field (schemathesis would otherwise send the text "null")."""
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if not branches or len(branches) == len(schema.get("anyOf", [])):
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**rest, **branches[0]} if len(branches) == 1 else {**rest, "anyOf": branches}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
    }


#: The body of every problem+json answer.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

#: (path, method, its Operation, path parameters, the route's access requirement)
Route = tuple[str, str, Operation, list[dict[str, Any]], Any]


def _routes(app: Flask) -> tuple[list[Route], dict[type[BaseModel], JsonSchemaMode]]:
    """Every API operation, and each model it uses with its mode (validation wins over
    serialization when a model is both a body and a response)."""
    operations: list[Route] = []
    models: dict[type[BaseModel], JsonSchemaMode] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        spec: Operation | None = getattr(view, "operation", None)
        if spec is None:
            continue
        path, params = _path(rule.rule)
        access = getattr(view, "access", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations.append((path, method.lower(), spec, params, access))
        if spec.body is not None:
            models[spec.body] = "validation"
        if spec.response is not None:
            models.setdefault(spec.response, "serialization")
        if spec.query is not None:
            models[spec.query] = "validation"
    return operations, models


def _parameters(spec: Operation, path_params: list[dict[str, Any]], schemas: dict[str, Any]) -> list[dict]:
    """Path parameters, then the query model's fields, then the declared headers."""
    parameters = list(path_params)
    if spec.query is not None:
        query_schema = schemas.get(spec.query.__name__, {})
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": _without_null(prop)}
            )
    for header, description in spec.headers.items():
        parameters.append(
            {
                "name": header,
                "in": "header",
                "required": False,
                "description": description,
                "schema": {"type": "string"},
            }
        )
    return parameters


def _success(spec: Operation, response_schema: dict[str, Any] | None) -> dict[str, Any]:
    if spec.status == 204 or (spec.response is None and not spec.media):
        return {"description": "Thành công"}
    content: dict[str, Any] = {}
    if response_schema is not None:
        content["application/json"] = {"schema": response_schema}
    for media, description in spec.media.items():
        content[media] = {"schema": {"type": "string", "description": description}}
    return {"description": "Thành công", "content": content}


def _responses(
    spec: Operation, method: str, access: Any, has_path_params: bool, response_schema: dict[str, Any] | None
) -> tuple[dict[str, Any], list[dict[str, list]] | None]:
    """The operation's responses by status, and its security requirement (None: open)."""
    responses: dict[str, Any] = {str(spec.status): _success(spec, response_schema)}
    # Every operation refuses query parameters it does not declare.
    responses["422"] = _problem_response("Dữ liệu không hợp lệ")
    if spec.body is not None:
        responses["415"] = _problem_response("Nội dung không phải JSON")
    security: list[dict[str, list]] | None = None
    if access is not None and access.kinds is not None:
        # Reads also accept an officer's session cookie; writes take a bearer token only.
        security = [{"bearer": []}, {"session": []}] if method == "get" else [{"bearer": []}]
        responses["401"] = _problem_response("Thiếu hoặc sai mã truy cập")
        responses["403"] = _problem_response("Không có quyền")
    if has_path_params:
        responses["404"] = _problem_response("Không tìm thấy")
    for status, description in spec.errors.items():
        responses[str(status)] = _problem_response(description)
    return responses, security


def build_openapi(app: Flask, title: str = "BridgeOps API", version: str = "1") -> dict[str, Any]:
    """Walk the API routes; every body, query and response model becomes a component schema."""
    operations, models = _routes(app)
    key_map, defs = models_json_schema(list(models.items()), ref_template=REF)
    schemas: dict[str, Any] = {**defs.get("$defs", {}), "Problem": copy.deepcopy(PROBLEM_SCHEMA)}

    paths: dict[str, dict[str, Any]] = {}
    for path, method, spec, path_params, access in sorted(operations, key=lambda o: (o[0], o[1])):
        op: dict[str, Any] = {
            "summary": spec.summary,
            "operationId": f"{method}_{path}",
            "tags": list(spec.tags),
            "parameters": _parameters(spec, path_params, schemas),
        }
        if spec.description:
            op["description"] = spec.description
        if spec.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": key_map[(spec.body, "validation")]}},
            }
        response_schema = None if spec.response is None else key_map[(spec.response, models[spec.response])]
        responses, security = _responses(spec, method, access, bool(path_params), response_schema)
        if security is not None:
            op["security"] = security
        op["responses"] = responses
        paths.setdefault(path, {})[method] = op

    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "API điều phối hội nghị truyền hình trực tuyến (điểm cầu).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "Phiên đăng nhập của cán bộ (chỉ với GET)",
                },
            },
        },
    }
