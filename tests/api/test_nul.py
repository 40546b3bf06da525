"""A NUL character anywhere in a request is a clear 422, never a database error (PostgreSQL
cannot store it; schemathesis found it in a rehearsal note)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridgeops.core.validation import TooDeep, bad_text_fields, plain_json_text
from tests.conftest import bearer
from tests.registration.helpers import MY_LOC, point_body


def test_a_nul_in_a_json_body_is_a_422_naming_the_field(client, demo, officer_token):
    url = "/api/v1/conferences/namdinh-2022/points"
    before = client.get(url, headers=bearer(officer_token)).get_json()["total"]
    body = point_body(MY_LOC)
    body["venue"] = "Hội trường\x00"
    body["technicians"][0]["name"] = "Kỹ\x00"
    response = client.post(
        "/api/v1/conferences/namdinh-2022/points", json=body, headers=bearer(officer_token)
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert set(errors) == {"venue", "technicians.0.name"}
    assert errors["venue"] == "Không được chứa ký tự NUL (\\0)."
    assert client.get(url, headers=bearer(officer_token)).get_json()["total"] == before


def test_a_nul_in_a_query_is_a_422(client, demo, officer_token):
    response = client.get("/api/v1/conferences/namdinh-2022/points?q=M%00", headers=bearer(officer_token))
    assert response.status_code == 422 and "q" in response.get_json()["errors"]


def test_a_nul_in_a_form_gets_a_vietnamese_page_not_a_server_error(client, officer):
    response = client.post("/login", data={"email": officer.email + "\x00", "password": "mat-khau-123"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dữ liệu không hợp lệ" in page and "chứa ký tự NUL" in page and "<html" in page


# --- The fast path: a body that cannot hold a bad character is not walked -------------------

_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=8) | st.sampled_from(
    ["\x00", "a\x00b", "\ud800", "x\udfff", "😀", "Hội trường", "\\u0000", ""]
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_TEXT, children, max_size=3),
    max_leaves=40,
)


def _walk(value) -> dict | str:
    try:
        return bad_text_fields(value)
    except TooDeep:
        return "too deep"


@given(value=_JSON, ascii_only=st.booleans(), extra_depth=st.integers(0, 40))
def test_a_body_called_plain_has_nothing_the_walk_would_find(value, ascii_only, extra_depth):
    """Whatever the value, its encoding and its nesting: plain_json_text never lets through a
    body in which bad_text_fields would find a NUL, a lone surrogate or too deep a nesting."""
    for _ in range(extra_depth):
        value = [value]
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    if plain_json_text(raw):
        assert _walk(json.loads(raw)) == {}


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        (b'{"venue": "\\u0000"}', True),
        (b'{"venue": "\\uD83D"}', True),  # half of a pair, escaped
        (b'{"venue": "\xed\xa0\x80"}', True),  # a surrogate in UTF-8 bytes: json reads it (surrogatepass)
        ('{"venue": "Hội trường\\u0000"}'.encode("utf-16"), True),  # json reads UTF-16 bodies too
        ('{"venue": "Hội trường"}'.encode("utf-16"), False),
        (b"[" * 33 + b"1" + b"]" * 33, True),  # too deep
        (b'{"venue": "\\\\u0000"}', False),  # an escaped backslash, then the text u0000
    ],
)
def test_what_could_hide_a_bad_character_is_walked(raw, found):
    assert not plain_json_text(raw)
    assert (_walk(json.loads(raw)) != {}) is found


def test_a_surrogate_in_utf8_bytes_is_refused_by_the_api(client, demo, officer_token):
    body = json.dumps(point_body(MY_LOC), ensure_ascii=False).replace("Hội trường UBND", "Hội trường \udc80")
    response = client.post(
        "/api/v1/conferences/namdinh-2022/points",
        data=body.encode("utf-8", "surrogatepass"),
        headers={**bearer(officer_token), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "surrogate" in response.get_json()["errors"]["venue"]


def test_a_unicode_escape_without_four_hex_digits_is_walked():
    # json's pure-Python scanner (used where its C module is missing) reads int("+000", 16) == 0.
    assert json.decoder.py_scanstring('\\u+000"', 0)[0] == "\x00"
    assert not plain_json_text(b'{"venue": "\\u+000"}')
    assert plain_json_text(b'{"venue": "\\u00e0 \\u1ec7"}')  # ordinary escapes stay on the fast path
