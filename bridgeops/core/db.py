"""Typed helpers over the ORM: a model's Core table, rows an UPDATE matched, a row that must exist."""

from __future__ import annotations

from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import Executable, Table
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from bridgeops.core.errors import NotFound
from bridgeops.extensions import Base, db


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk statements (``Model.__table__`` is typed as any
    ``FromClause``)."""
    return cast(Table, model.__table__)


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (``rowcount`` lives on the cursor result)."""
    return cast(CursorResult[Any], result).rowcount


def execute_core(statement: Executable, parameters: Any = None) -> CursorResult[Any]:
    """A Core statement (an INSERT of a hot write path) on the session's connection, in its
    transaction: the ORM's execute path (no object is built or flushed for it) is skipped, half
    of the statement's Python cost."""
    return db.session.connection().execute(statement, parameters)


class json_rows(FunctionElement[Any]):  # noqa: N801 — a SQL function, named as one
    """An aggregate: the rows of a subquery as one JSON array of arrays of the given columns
    (``json_rows(a, b)`` → ``[[a1, b1], [a2, b2]]``; None or ``[]`` when there is no row), so a
    statement can bring a few child rows along in one column instead of a second SELECT.
    No order is promised: carry a position column and sort in Python."""

    type = sa.JSON()
    inherit_cache = True
    name = "json_rows"


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


M = TypeVar("M", bound=Base)


def get_row(model: type[M], key: Any, detail: str = "Không tìm thấy dữ liệu này.") -> M:
    """The row with that primary key, where the caller holds a key that must exist (a grant's
    point, a deadline's conference); a missing row answers 404, never an AttributeError."""
    row = db.session.get(model, key)
    if row is None:
        raise NotFound(detail)
    return row


def loaded(model: type[M], columns: dict[str, Any], **related: Any) -> M:
    """A new model object holding ``columns`` as if a query had loaded them: written into its
    ``__dict__`` as the ORM's loaders write a row, with no attribute events and no history.
    ``related``: relationships (objects, or lists of them), set the same way through
    ``set_committed_value``. For rows that Core INSERTs write and ``as_persistent`` then puts in
    the session: building them through the constructor fires an event per attribute (and the
    back-references' events) for history that ``as_persistent`` throws away."""
    row = model()
    row.__dict__.update(columns)
    for key, value in related.items():
        set_committed_value(row, key, value)
    return row


def set_loaded(row: Base, **columns: Any) -> None:
    """Set columns of a ``loaded`` row, not yet in the session, that the database has just
    given (the ids an INSERT returned), the same way: into its ``__dict__``, no event, no
    history. Columns only: a relationship goes through ``loaded``'s ``related``."""
    row.__dict__.update(columns)


def as_persistent(row: M, *reached: Base) -> M:
    """A model object built from the values Core INSERTs just wrote, made persistent in the
    session as if a query had loaded it: no SELECT, and no second INSERT at the next flush.
    ``reached``: the new objects its relationships hold (its children), made persistent with it.
    Every column must be set (one left out would be expired, and read with a SELECT)."""
    for other in reached:
        make_transient_to_detached(other)
    make_transient_to_detached(row)
    db.session.add(row)
    return row


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds, so the caller reads back the rows it
    has just written without a SELECT, after the commit: on SQLite a writer holds the
    database's one write lock from its first INSERT to its commit, and every other writer waits
    (sleeping in SQLite's busy handler), so a hot write path commits before it renders."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
