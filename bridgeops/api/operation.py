"""The ``operation`` decorator: validates input with pydantic and describes it for OpenAPI.

One schema per input: the model that validates a request body or query string is the model
the OpenAPI document is generated from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from pydantic import BaseModel

from bridgeops.core.errors import DomainError, ValidationFailed
from bridgeops.core.validation import validate

#: Who may call: None (anyone), "token" (any valid bearer), "officer" (officer or admin),
#: "province" (a province instance's federation credential, checked by the view itself).
AUTH_LEVELS = (None, "token", "officer", "technician", "province")


@dataclass
class Operation:
    summary: str
    tags: tuple[str, ...] = ()
    auth: str | None = "token"
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    #: Extra documented responses: {409: "Vietnamese description"}.
    errors: dict[int, str] = field(default_factory=dict)
    #: Documented request headers: {"If-Match": "ETag of the point"}.
    headers: dict[str, str] = field(default_factory=dict)
    #: Other media types of the response: {"text/csv": "..."}.
    media: dict[str, str] = field(default_factory=dict)
    description: str = ""


def _read_json_body() -> Any:
    if not request.data:
        return {}
    if not request.is_json:
        raise ValidationFailed({"__body__": "Nội dung phải là JSON (Content-Type: application/json)."})
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationFailed({"__body__": "JSON không hợp lệ."})
    return data


def operation(summary: str, **options: Any) -> Callable:
    """Declare an API operation; the view receives ``body=`` and/or ``query=`` models."""
    spec = Operation(summary=summary, **options)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**path_args: Any) -> Response:
            from bridgeops.accounts.access import require_api_principal

            # A province's credential is not an access grant: federation.service checks it.
            g.principal = None if spec.auth == "province" else require_api_principal(spec.auth)
            kwargs: dict[str, Any] = dict(path_args)
            if spec.query is not None:
                kwargs["query"] = validate(spec.query, request.args.to_dict())
            if spec.body is not None:
                kwargs["body"] = validate(spec.body, _read_json_body())
            result = view(**kwargs)
            return _to_response(result, spec.status)

        wrapper.operation = spec  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _to_response(result: Any, default_status: int) -> Response:
    headers: dict[str, str] = {}
    status = default_status
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else {}
    if isinstance(result, Response):
        response = result
    elif result is None:
        response = Response(status=204)
    elif isinstance(result, BaseModel):
        response = jsonify(result.model_dump(mode="json"))
    else:
        response = jsonify(result)
    if result is not None and not isinstance(result, Response):
        response.status_code = status
    for name, value in headers.items():
        response.headers[name] = value
    return response


__all__ = ["operation", "Operation", "DomainError"]
