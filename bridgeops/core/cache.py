"""Per-process caches keyed by a data fingerprint, and the checksum fingerprints are made of.

A page that is expensive to build (the live return, the health board) is kept in the worker's
memory under a key that ends with a *fingerprint*: a few aggregate values read in one cheap
query, chosen so that any change the page could show moves at least one of them. A hit costs
the fingerprint query; a stale entry is never served, it just stops being asked for and falls
out of the LRU.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import sqlalchemy as sa
from cachetools import LRUCache

V = TypeVar("V")


class ProcessCache(Generic[V]):
    """An LRU of at most ``maxsize`` values for this process, safe across threads.

    A missing value is built outside the lock, so one slow build does not hold up other keys;
    a second thread asking for a key already being built waits for that build (single flight)
    instead of building it again: a worker's first request then takes what is left of its
    warm-up's build, not a second build competing for the same CPU. A waiter whose builder
    failed, or took longer than ``wait`` seconds, builds the value itself.
    """

    def __init__(self, maxsize: int, wait: float = 30.0) -> None:
        self._entries: LRUCache[Hashable, V] = LRUCache(maxsize)
        self._building: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
        self._wait = wait

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                return value
            pending = self._building.get(key)
            if pending is None:
                done = self._building[key] = threading.Event()
        if pending is not None:
            pending.wait(self._wait)
            with self._lock:
                value = self._entries.get(key)
            if value is None:
                value = build()
                with self._lock:
                    self._entries[key] = value
            return value
        try:
            value = build()
            with self._lock:
                self._entries[key] = value
            return value
        finally:
            with self._lock:
                self._building.pop(key, None)
            done.set()

    def discard_where(self, stale: Callable[[Hashable], bool]) -> int:
        """Drop the entries whose key ``stale`` picks; how many went."""
        with self._lock:
            keys = [key for key in self._entries if stale(key)]
            for key in keys:
                del self._entries[key]
        return len(keys)

    def held_keys(self) -> list[Hashable]:
        """The keys held now (a copy: safe to read while other threads build entries)."""
        with self._lock:
            return list(self._entries.keys())

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def weighted_sum(
    value: sa.ColumnExpressionArgument[int], row_id: sa.ColumnExpressionArgument[int]
) -> sa.ColumnElement:
    """``SUM(value × row_id)`` in BIGINT: a checksum of which row holds which value.

    A plain ``SUM(value)`` stays put when two rows swap values (one point goes from confirmed to
    draft while another goes the other way); weighting each value by its row's id moves the sum.
    Ids and values are small positive integers, so the BIGINT sum cannot overflow for any table
    we hold. Not a hash: other columns of the fingerprint (counts, versions, last update) catch
    what a coincidence here would miss."""
    return sa.func.sum(sa.cast(value, sa.BigInteger) * row_id)
