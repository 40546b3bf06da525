"""Vietnamese text: NFC normalisation and diacritic folding for search."""

from __future__ import annotations

import unicodedata

#: Invisible format characters that reorder or hide text (bidi overrides and isolates,
#: zero-width spaces and joiners, the BOM): "Huyện A" could otherwise display as another name.
INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d"
        "\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u061c",
    )
)


def clean(value: str | None) -> str:
    """NFC-normalised, invisible format characters removed, trimmed, inner whitespace
    collapsed."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", value).translate(INVISIBLE).split())


def fold(value: str | None) -> str:
    """Lower case without diacritics, so "nam dinh" matches "Nam Định"."""
    text = unicodedata.normalize("NFD", clean(value).lower()).replace("đ", "d")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
