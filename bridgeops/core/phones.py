"""Phone numbers as people read them (they are stored in E.164)."""

from __future__ import annotations

import phonenumbers


def phone_display(phone: str | None) -> str:
    """A stored number as Vietnamese people write it: "+84912000111" → "0912 000 111"; a
    foreign number in its own national form; anything unparsable as it was stored."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, "VN")
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
