"""Fewer malloc arenas for our threaded processes, so a worker's memory stays within budget.

glibc gives each thread that allocates while another holds an arena's lock an arena of its own
(up to 8 per core), and memory freed in one arena is not reused by the others. A gunicorn worker
runs its requests on 4 threads: a national return built on each of them in turn (the roll-up's
rows pass through libpq's and SQLite's C allocations) left its worker at 165 MB instead of 135 MB
(four long-lived threads building it in turn, PostgreSQL and SQLite alike; 142 MB with one arena,
149 MB with two). Python threads take turns on the GIL anyway, so one shared arena costs nothing
measurable.

Called before any thread starts, by deploy/gunicorn.conf.py in the master (its workers inherit
the setting over fork). Not by the scheduler: its peak is the same either way (169 vs 170 MB
nationally on PostgreSQL) and its probe sweep's threads did more work on one arena (8.2 against
5.9 s of CPU in one run). ``MALLOC_ARENA_MAX`` in the environment, read by glibc itself, wins.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

#: glibc's M_ARENA_MAX parameter of mallopt(3).
M_ARENA_MAX = -8

#: Arenas per process unless BRIDGEOPS_MALLOC_ARENAS says otherwise.
DEFAULT_ARENAS = 1


def limit_malloc_arenas(arenas: int | None = None) -> bool:
    """Cap this process's malloc arenas (glibc only); True when the cap was set."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False  # the operator's own setting, already read by glibc
    if arenas is None:
        configured = os.environ.get("BRIDGEOPS_MALLOC_ARENAS", "").strip()
        arenas = int(configured) if configured.isdigit() else DEFAULT_ARENAS
    if arenas <= 0:
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
