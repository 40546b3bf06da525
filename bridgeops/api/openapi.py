"""The OpenAPI 3.1 document, generated from the routes and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

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


def build_openapi(app: Flask, title: str = "BridgeOps API", version: str = "1") -> dict[str, Any]:
    """Walk the API routes; every body, query and response model becomes a component schema."""
    operations: list[tuple[str, str, Operation, list[dict[str, Any]], Any]] = []
    models: dict[type[BaseModel], str] = {}
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

    keyed = [(model, mode) for model, mode in models.items()]
    key_map, defs = models_json_schema(keyed, ref_template=REF)  # type: ignore[arg-type]
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Problem"] = {
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

    paths: dict[str, dict[str, Any]] = {}
    for path, method, spec, path_params, access in sorted(operations, key=lambda o: (o[0], o[1])):
        op: dict[str, Any] = {
            "summary": spec.summary,
            "operationId": f"{method}_{path}",
            "tags": list(spec.tags),
            "parameters": list(path_params),
        }
        if spec.description:
            op["description"] = spec.description
        if spec.query is not None:
            query_schema = schemas.get(spec.query.__name__, {})
            required = set(query_schema.get("required", []))
            for name, prop in query_schema.get("properties", {}).items():
                op["parameters"].append(
                    {"name": name, "in": "query", "required": name in required, "schema": _without_null(prop)}
                )
        for header, description in spec.headers.items():
            op["parameters"].append(
                {
                    "name": header,
                    "in": "header",
                    "required": False,
                    "description": description,
                    "schema": {"type": "string"},
                }
            )
        if spec.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": key_map[(spec.body, "validation")]}},
            }
        responses: dict[str, Any] = {}
        if spec.status == 204 or (spec.response is None and not spec.media):
            responses[str(spec.status)] = {"description": "Thành công"}
        else:
            content: dict[str, Any] = {}
            if spec.response is not None:
                content["application/json"] = {"schema": key_map[(spec.response, models[spec.response])]}
            for media, description in spec.media.items():
                content[media] = {"schema": {"type": "string", "description": description}}
            responses[str(spec.status)] = {"description": "Thành công", "content": content}
        # Every operation refuses query parameters it does not declare.
        responses["422"] = _problem_response("Dữ liệu không hợp lệ")
        if spec.body is not None:
            responses["415"] = _problem_response("Nội dung không phải JSON")
        if access is not None and access.kinds is not None:
            # Reads also accept an officer's session cookie; writes take a bearer token only.
            op["security"] = [{"bearer": []}, {"session": []}] if method == "get" else [{"bearer": []}]
            responses["401"] = _problem_response("Thiếu hoặc sai mã truy cập")
            responses["403"] = _problem_response("Không có quyền")
        if path_params:
            responses["404"] = _problem_response("Không tìm thấy")
        for status, description in spec.errors.items():
            responses[str(status)] = _problem_response(description)
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
