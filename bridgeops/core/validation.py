"""One validation path for forms and the API: pydantic schemas, Vietnamese messages."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from bridgeops.core.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)

#: pydantic error type → Vietnamese message (ctx values are formatted in).
MESSAGES_VI = {
    "missing": "Trường này là bắt buộc.",
    "int_parsing": "Phải là số nguyên.",
    "int_type": "Phải là số nguyên.",
    "int_from_float": "Phải là số nguyên.",
    "int_parsing_size": "Số quá lớn.",
    "finite_number": "Phải là một số hữu hạn.",
    "too_short": "Quá ít (tối thiểu {min_length}).",
    "float_parsing": "Phải là số.",
    "bool_parsing": "Phải là đúng hoặc sai.",
    "string_type": "Phải là chuỗi ký tự.",
    "string_too_short": "Quá ngắn (tối thiểu {min_length} ký tự).",
    "string_too_long": "Quá dài (tối đa {max_length} ký tự).",
    "string_pattern_mismatch": "Không đúng định dạng.",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}.",
    "greater_than": "Phải lớn hơn {gt}.",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}.",
    "less_than": "Phải nhỏ hơn {lt}.",
    "literal_error": "Giá trị không hợp lệ (chấp nhận: {expected}).",
    "enum": "Giá trị không hợp lệ (chấp nhận: {expected}).",
    "extra_forbidden": "Trường này không được hỗ trợ.",
    "datetime_parsing": "Thời gian không hợp lệ (ISO 8601, ví dụ 2022-04-26T08:30:00+07:00).",
    "datetime_from_date_parsing": "Thời gian không hợp lệ (ISO 8601).",
    "timezone_aware": "Thời gian phải có múi giờ (ví dụ +07:00).",
    "datetime_type": "Thời gian không hợp lệ.",
    "date_parsing": "Ngày không hợp lệ (ví dụ 2022-06-30).",
    "date_from_datetime_parsing": "Ngày không hợp lệ (ví dụ 2022-06-30).",
    "date_from_datetime_inexact": "Chỉ ghi ngày, không ghi giờ (ví dụ 2022-06-30).",
    "date_type": "Ngày không hợp lệ.",
    "list_type": "Phải là một danh sách.",
    "dict_type": "Phải là một đối tượng.",
    "model_type": "Phải là một đối tượng.",
    "model_attributes_type": "Phải là một đối tượng.",
    "json_invalid": "JSON không hợp lệ.",
    "too_long": "Quá nhiều phần tử (tối đa {max_length}).",
    "value_error": "{error}",
    "assertion_error": "{error}",
}


def _message(error: dict[str, Any]) -> str:
    template = MESSAGES_VI.get(error["type"])
    if template is None:
        # Custom errors (PydanticCustomError) already carry a Vietnamese message.
        return str(error.get("msg", "Giá trị không hợp lệ."))
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return str(error.get("msg", "Giá trị không hợp lệ."))


def error_map(exc: PydanticValidationError) -> dict[str, str]:
    """``{"counts.bch": "Phải lớn hơn hoặc bằng 0."}``; the first message per field wins."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "__root__"
        errors.setdefault(field, _message(error))
    return errors


def validate(model: type[M], data: Any) -> M:
    """Validate ``data`` against ``model``; ValidationFailed with per-field messages on error."""
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(error_map(exc)) from None


#: Said of a field holding a NUL character, which no text column can store (PostgreSQL refuses
#: it outright); it is never typed by a person.
NUL_MESSAGE = "Không được chứa ký tự NUL (\\0)."


def nul_fields(value: Any, path: str = "") -> list[str]:
    """Where in a JSON value a string (or an object's key) holds a NUL character."""
    if isinstance(value, str):
        return [path or "__body__"] if "\x00" in value else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            found += [here] if "\x00" in str(key) else nul_fields(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += nul_fields(item, f"{path}.{index}" if path else str(index))
    return found
