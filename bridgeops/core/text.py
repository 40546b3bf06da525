"""Vietnamese text: NFC normalisation and diacritic folding for search."""

from __future__ import annotations

import unicodedata


def clean(value: str | None) -> str:
    """NFC-normalised, trimmed, inner whitespace collapsed."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", value).split())


def fold(value: str | None) -> str:
    """Lower case without diacritics, so "nam dinh" matches "Nam Định"."""
    text = unicodedata.normalize("NFD", clean(value).lower()).replace("đ", "d")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
