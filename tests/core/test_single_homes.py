"""The rules that have one home each: phone display, probe-target syntax, level names, the
back-off, the BASE_URL host, the per-process cache and its checksum."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bridgeops.config import base_host
from bridgeops.core.cache import ProcessCache, weighted_sum
from bridgeops.core.phones import phone_display
from bridgeops.core.targets import TargetSyntaxError, parse_target
from bridgeops.core.time import doubling_wait
from bridgeops.units.models import LEVEL_LABELS, TIER_LABELS


def test_phone_display_writes_numbers_as_vietnamese_people_do():
    assert phone_display("+84912000111") == "0912 000 111"
    assert phone_display("+842283849123") == "0228 3849 123"
    assert phone_display(None) == ""
    assert phone_display("không rõ") == "không rõ"


@pytest.mark.parametrize(
    ("text", "scheme", "host", "port", "path"),
    [
        ("https://cau.namdinh.vn/health?x=1", "https", "cau.namdinh.vn", 443, "/health?x=1"),
        ("  http://10.0.0.5  ", "http", "10.0.0.5", 80, "/"),
        ("tcp://10.0.0.5:1720", "tcp", "10.0.0.5", 1720, "/"),
        ("SIP://10.0.0.5", "sip", "10.0.0.5", 5060, "/"),
    ],
)
def test_probe_target_parses(text, scheme, host, port, path):
    target = parse_target(text)
    assert (target.scheme, target.host, target.port, target.path) == (scheme, host, port, path)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("ftp://10.0.0.5", "phải có dạng"),
        ("http://cau nam dinh.vn", "phải có dạng"),
        ("tcp://10.0.0.5", "cần có cổng"),
        ("tcp://10.0.0.5:1720/path", "phải có dạng"),
        ("http://admin:secret@10.0.0.5", "tên đăng nhập"),
        ("http://10.0.0.5:99999", "phải có dạng"),
    ],
)
def test_bad_probe_target_is_refused_in_vietnamese(text, says):
    with pytest.raises(TargetSyntaxError, match=says):
        parse_target(text)


def test_level_labels_and_tiers_come_from_one_table():
    assert LEVEL_LABELS == {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}
    assert TIER_LABELS == {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


def test_doubling_wait_doubles_and_caps_only_when_asked():
    first = timedelta(seconds=1)
    assert [doubling_wait(first, n).total_seconds() for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert doubling_wait(first, 10, timedelta(seconds=30)) == timedelta(seconds=30)
    assert doubling_wait(first, 0) == first


def test_base_host_is_the_host_of_base_url():
    assert base_host({"BASE_URL": "https://cau.namdinh.vn:8443/app/"}) == "cau.namdinh.vn"
    assert base_host({"BASE_URL": ""}) == "bridgeops.local"


def test_process_cache_builds_once_and_forgets_the_least_recently_used():
    cache: ProcessCache[str] = ProcessCache(2)
    built = []

    def build(key):
        def _build():
            built.append(key)
            return key.upper()

        return _build

    assert cache.get_or_build("a", build("a")) == "A"
    assert cache.get_or_build("a", build("a")) == "A"
    cache.get_or_build("b", build("b"))
    cache.get_or_build("a", build("a"))  # a is now the most recent
    cache.get_or_build("c", build("c"))  # b goes
    cache.get_or_build("a", build("a"))
    cache.get_or_build("b", build("b"))
    assert built == ["a", "b", "c", "b"]
    assert len(cache) == 2


def test_a_key_being_built_is_waited_for_not_built_twice():
    """The warm-up thread builds the roll-up; a request for the same key meanwhile waits for
    that build (single flight) instead of building it a second time."""
    cache: ProcessCache[str] = ProcessCache(4)
    started, release = threading.Event(), threading.Event()
    builds = []

    def slow_build():
        builds.append("warm-up")
        started.set()
        release.wait(10)
        return "roll-up"

    warm_up = threading.Thread(target=cache.get_or_build, args=("k", slow_build))
    warm_up.start()
    assert started.wait(10)
    answers = []
    request = threading.Thread(
        target=lambda: answers.append(cache.get_or_build("k", lambda: builds.append("request") or "again"))
    )
    request.start()
    request.join(0.2)
    assert request.is_alive(), "the request waits for the build under way"
    release.set()
    warm_up.join(10)
    request.join(10)
    assert answers == ["roll-up"] and builds == ["warm-up"]


def test_a_waiter_builds_itself_when_the_build_it_waited_for_fails():
    cache: ProcessCache[str] = ProcessCache(4)
    started, release = threading.Event(), threading.Event()

    def failing_build():
        started.set()
        release.wait(10)
        raise RuntimeError("database gone")

    def run_failing():
        with contextlib.suppress(RuntimeError):
            cache.get_or_build("k", failing_build)

    first = threading.Thread(target=run_failing)
    first.start()
    assert started.wait(10)
    answers = []
    second = threading.Thread(target=lambda: answers.append(cache.get_or_build("k", lambda: "built")))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert answers == ["built"]
    assert cache.get_or_build("k", lambda: "not again") == "built"


def test_weighted_sum_moves_when_two_rows_swap_values():
    engine = sa.create_engine("sqlite://")
    rows = sa.table("rows", sa.column("id", sa.Integer), sa.column("status", sa.Integer))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE rows (id INTEGER PRIMARY KEY, status INTEGER)"))
        connection.execute(sa.text("INSERT INTO rows VALUES (5, 1), (7, 2), (1014, 3)"))
        checksum = sa.select(sa.func.sum(rows.c.status), weighted_sum(rows.c.status, rows.c.id))
        plain_before, before = connection.execute(checksum).one()
        connection.execute(sa.text("UPDATE rows SET status = 3 - status WHERE id IN (5, 7)"))
        plain_after, after = connection.execute(checksum).one()
    assert plain_before == plain_after  # a plain sum misses the swap
    assert before != after
