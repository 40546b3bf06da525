"""One malloc arena per process (ops/memory.py): threads that allocate at once share it, so a
national return built on each of a worker's threads in turn does not leave one heap per thread."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc arenas"
)

#: Four threads each hold a malloc'd block at the same time; glibc's own report (malloc_info)
#: then lists one <heap> per arena in use.
HEAPS_WITH_FOUR_THREADS = r"""
import ctypes, ctypes.util, runpy, sys, tempfile, threading

if sys.argv[1] == "config":
    runpy.run_path(sys.argv[2])
elif sys.argv[1] == "call":
    from bridgeops.ops.memory import limit_malloc_arenas
    assert limit_malloc_arenas()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
together = threading.Barrier(5)

def hold_a_block():
    block = libc.malloc(4096)
    together.wait()
    together.wait()
    libc.free(block)

threads = [threading.Thread(target=hold_a_block) for _ in range(4)]
for thread in threads:
    thread.start()
together.wait()
with tempfile.NamedTemporaryFile("r", suffix=".xml") as report:
    handle = libc.fopen(report.name.encode(), b"w")
    libc.malloc_info(0, handle)
    libc.fclose(handle)
    heaps = report.read().count("<heap nr=")
together.wait()
for thread in threads:
    thread.join()
print(heaps)
"""


def _heaps(*args: str, **env: str) -> int:
    environ = {
        k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX", "BRIDGEOPS_MALLOC_ARENAS")
    }
    environ.update(env, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", HEAPS_WITH_FOUR_THREADS, *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def test_threads_get_an_arena_each_by_default():
    assert _heaps("none") > 1


def test_one_arena_once_limited():
    assert _heaps("call") == 1


def test_the_gunicorn_config_limits_the_master_before_its_workers_fork():
    assert _heaps("config", str(ROOT / "deploy" / "gunicorn.conf.py")) == 1


def test_an_operator_setting_is_left_to_glibc():
    # MALLOC_ARENA_MAX is glibc's own: it caps at 2, and the config does not override it.
    assert _heaps("config", str(ROOT / "deploy" / "gunicorn.conf.py"), MALLOC_ARENA_MAX="2") == 2
    assert _heaps("config", str(ROOT / "deploy" / "gunicorn.conf.py"), BRIDGEOPS_MALLOC_ARENAS="3") == 3
