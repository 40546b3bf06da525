"""The cached JSON of a return is the same bytes as one json.dumps, written in batches."""

from __future__ import annotations

import json

from bridgeops.returns import cache


def _document(points: int) -> dict:
    return {
        "schema": "bridgeops.return/v1",
        "conference": {"title": 'Hội nghị "toàn quốc"', "slug": "tq"},
        "totals": {"confirmed": {"points": points}},
        "points": [{"id": i, "unit_name": f"Xã Đông {i}", "counts": {"bch": i % 7}} for i in range(points)],
    }


def test_batched_encoding_gives_the_bytes_of_one_dumps():
    for count in (0, 1, cache.ENCODE_BATCH - 1, cache.ENCODE_BATCH, cache.ENCODE_BATCH * 2 + 3):
        document = _document(count)
        expected = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        assert cache.encode(document) == expected, count


def test_a_document_whose_points_are_not_last_is_encoded_whole():
    document = {"points": [{"id": 1}], "after": "x"}
    assert json.loads(cache.encode(document)) == document
