"""On SQLite, a hot write path takes its turn on a file lock before its first write.

SQLite has one write lock per database. A writer that finds it taken sleeps in SQLite's busy
handler (1, 2, 5, 10, 15, 20, 25… ms between tries) and does not notice when it is given back:
under load the lock sits idle while the waiters sleep, and twenty threads registering points at
once spend most of their time asleep. A registration instead takes its *turn* on an advisory
file lock beside the database (``fcntl.flock``) before its first INSERT, and gives it back when
its transaction ends, committed or rolled back: the kernel wakes the next one the moment the
turn is free.

Writers that do not take turns (heartbeats, jobs) meet SQLite's lock as before. A turn is only
taken before its transaction has written anything, so no one holds SQLite's lock while waiting
for a turn, and the two locks cannot wait on each other. A thread that waits more than TURN_WAIT
behind its own process's threads writes without a turn. The trade-off: under a sustained burst
of registrations the turn-holders hand SQLite's lock to each other at once, while other writers
still retry from the busy handler; at the rates a real conference sees (a chair enters a point
every few minutes) the lock is mostly free.

On any other engine, nothing: PostgreSQL locks rows, not the whole database.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from bridgeops.extensions import db

log = logging.getLogger(__name__)

#: Where a session keeps the turn it holds.
INFO_KEY = "write_turn"

#: Seconds a registration waits for its turn behind this process's other threads before it
#: writes without one (SQLite's own busy timeout then applies, as before turns).
TURN_WAIT = 10.0


class _Turn:
    """One database's turn: a thread lock for this process's threads (they share the file's
    descriptor, and flock does not tell them apart) and the file lock for the processes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None
        #: The thread holding the turn (a second session of that thread must not wait for it).
        self.owner: int | None = None

    def acquire(self) -> bool:
        if not self._threads.acquire(timeout=TURN_WAIT):
            log.warning("no write turn at %s after %.0f s; writing without one", self.path, TURN_WAIT)
            return False
        try:
            if self._pid != os.getpid():
                # Opened in this process: a descriptor inherited over fork (gunicorn) would be
                # the parent's open file, whose lock every worker would share.
                self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            assert self._fd is not None
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            self.owner = threading.get_ident()
            return True
        except OSError:
            self._threads.release()
            log.warning("no write turn at %s; writing without one", self.path, exc_info=True)
            return False
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        self.owner = None
        try:
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


_turns: dict[str, _Turn] = {}
_turns_lock = threading.Lock()


def _forget_turns_in_child() -> None:
    """A forked child starts with no turn: the parent's locks may have been held by one of its
    threads at the fork, and the parent's descriptor is the parent's."""
    global _turns_lock
    for turn in _turns.values():
        if turn._fd is not None:
            with contextlib.suppress(OSError):
                os.close(turn._fd)
    _turns.clear()
    _turns_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_turns_in_child)


def _turn_for(database: str) -> _Turn:
    path = os.path.abspath(database) + "-writeturn"
    with _turns_lock:
        turn = _turns.get(path)
        if turn is None:
            turn = _turns[path] = _Turn(path)
        return turn


def take_write_turn() -> None:
    """Wait for this database's write turn, held until the session's transaction ends. Call it
    before the transaction's first write. On PostgreSQL (or an in-memory SQLite), nothing."""
    session = db.session()
    if INFO_KEY in session.info:
        return
    connection = session.connection()
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        return
    if connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        return  # this transaction has written already: waiting now could hold up the turn's holder
    turn = _turn_for(database)
    if turn.owner == threading.get_ident():
        return  # this thread holds it already, through another session: nothing to wait for
    if turn.acquire():
        session.info[INFO_KEY] = turn


@event.listens_for(Session, "after_transaction_end")
def _give_back(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint: the turn goes with the whole transaction
        return
    turn = session.info.pop(INFO_KEY, None)
    if turn is not None:
        turn.release()
