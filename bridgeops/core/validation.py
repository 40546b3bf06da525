"""One validation path for forms and the API: pydantic schemas, Vietnamese messages."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

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


def _message(error: ErrorDetails) -> str:
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


SURROGATE_MESSAGE = "Chứa ký tự Unicode không hợp lệ (nửa cặp surrogate)."
#: Deeper JSON than this is refused before any view reads it (no schema nests so deep).
MAX_JSON_DEPTH = 32


class TooDeep(ValueError):
    """A JSON value nested deeper than MAX_JSON_DEPTH."""


#: A lone surrogate: one regex scan, not a Python loop over every character of every request.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return NUL_MESSAGE
    if _SURROGATE.search(text):
        return SURROGATE_MESSAGE
    return None


#: In a JSON text, the escapes that can make a NUL (\u0000) or half of a surrogate pair
#: (\uD800-\uDFFF), and any \u not followed by four hex digits (json's pure-Python scanner
#: reads "\u+000" as a NUL): without one of them, a strict UTF-8 text decodes to neither.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F]|(?![0-9a-fA-F]{4}))")


def plain_json_text(raw: bytes) -> bool:
    """True when the value of the JSON text ``raw`` cannot hold what ``bad_text_fields`` looks
    for, so that a request body need not be walked: strict UTF-8 without a NUL byte (``json``
    reads other encodings, and surrogates encoded in UTF-8, as it finds them), no escape that
    makes a NUL or a surrogate, and fewer brackets than MAX_JSON_DEPTH (which bound the nesting).
    False only means "walk it"."""
    if b"\x00" in raw or raw.count(b"{") + raw.count(b"[") > MAX_JSON_DEPTH:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _SUSPECT_ESCAPE.search(raw) is None


def bad_text_fields(value: Any) -> dict[str, str]:
    """Where in a JSON value a string (or an object's key) holds a NUL character or a lone
    surrogate, with the message for each; iterative, so no nesting overflows the stack.
    Raises TooDeep past MAX_JSON_DEPTH."""
    found: dict[str, str] = {}
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise TooDeep(path)
        if isinstance(item, str):
            problem = _text_problem(item)
            if problem:
                found[path or "__body__"] = problem
        elif isinstance(item, dict):
            for key, child in item.items():
                here = f"{path}.{key}" if path else str(key)
                problem = _text_problem(str(key))
                if problem:
                    found[here.encode("utf-8", "replace").decode("utf-8")] = problem
                else:
                    stack.append((child, here, depth + 1))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((child, f"{path}.{index}" if path else str(index), depth + 1))
    return found


def nul_fields(value: Any, path: str = "") -> list[str]:
    """Where in a JSON value a string (or an object's key) holds a NUL character."""
    return [field for field, message in bad_text_fields(value).items() if message == NUL_MESSAGE]


def normalise_phone(raw: str) -> str:
    """A Vietnamese (or international) number in E.164: "0912 345 678" → "+84912345678"."""
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise PydanticCustomError(
            "phone_invalid", "Số điện thoại không hợp lệ (ví dụ 0912 345 678 hoặc 0228 3849 123)."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """A syntactically valid address, domain lower-cased; no DNS lookup."""
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        raise PydanticCustomError("email_invalid", "Email không hợp lệ (ví dụ ten@example.vn).") from None
