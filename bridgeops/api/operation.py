"""The ``operation`` decorator: validates input with pydantic and describes it for OpenAPI.

One schema per input: the model that validates a request body or query string is the model
the OpenAPI document is generated from. Who may call is declared with ``@requires(...)``
(``bridgeops.accounts.access``) above ``@operation``; an operation that declares nothing
refuses every call (and fails the route-inventory test).

Request bodies are JSON or nothing: another media type is a 415. Query parameters the
operation does not declare are a 422, so the OpenAPI document tells the whole truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from pydantic import BaseModel

from bridgeops.core.errors import DomainError, Forbidden, ValidationFailed
from bridgeops.core.validation import validate

#: Legacy ``auth=`` levels and the requirement each stands for (prefer ``@requires``).
LEGACY_AUTH = {"token": "SIGNED_IN", "officer": "OFFICER", "technician": "TECHNICIAN", None: "PUBLIC"}
_UNSET = object()


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Kiểu nội dung không được hỗ trợ"
    slug = "unsupported-media-type"


@dataclass
class Operation:
    summary: str
    tags: tuple[str, ...] = ()
    #: Legacy: ``auth="officer"`` etc. stands for ``@requires(OFFICER)``.
    auth: Any = _UNSET
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


def _has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


def _refuse_non_json_body() -> None:
    """A body that is not JSON is a 415, never silently ignored (a form-encoded PATCH used to
    answer 200 and change nothing)."""
    if _has_body() and not request.is_json:
        raise UnsupportedMediaType("Nội dung phải là JSON (Content-Type: application/json).")


def _read_json_body() -> Any:
    if not _has_body():
        return {}
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationFailed({"__body__": "JSON không hợp lệ."})
    return data


def _refuse_undeclared_query(spec: Operation) -> None:
    declared = set(spec.query.model_fields) if spec.query is not None else set()
    for model_field in spec.query.model_fields.values() if spec.query is not None else ():
        if model_field.alias:
            declared.add(model_field.alias)
    unknown = [name for name in request.args if name not in declared]
    if unknown:
        raise ValidationFailed(
            {name: "Tham số này không được hỗ trợ." for name in unknown},
            detail="Có tham số không được hỗ trợ trong địa chỉ.",
        )


def operation(summary: str, **options: Any) -> Callable:
    """Declare an API operation; the view receives ``body=`` and/or ``query=`` models."""
    spec = Operation(summary=summary, **options)
    from bridgeops.accounts import access

    legacy = getattr(access, LEGACY_AUTH[spec.auth]) if spec.auth is not _UNSET else None

    def decorator(view: Callable) -> Callable:
        if access.declared_access(view) is not None:
            raise TypeError(f"{view.__name__}: put @requires(...) above @operation, not below")

        @wraps(view)
        def wrapper(**path_args: Any) -> Response:
            if legacy is not None:
                g.principal = access.authorize(legacy, path_args)
            elif access.AUTHORIZED_KEY not in request.environ:
                raise Forbidden("Thao tác này chưa khai báo ai được gọi (@requires).")
            _refuse_undeclared_query(spec)
            _refuse_non_json_body()
            kwargs: dict[str, Any] = dict(path_args)
            if spec.query is not None:
                kwargs["query"] = validate(spec.query, request.args.to_dict())
            if spec.body is not None:
                kwargs["body"] = validate(spec.body, _read_json_body())
            result = view(**kwargs)
            return _to_response(result, spec.status)

        wrapper.operation = spec  # type: ignore[attr-defined]
        if legacy is not None:
            wrapper.access = legacy  # type: ignore[attr-defined]
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
