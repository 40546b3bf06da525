"""Unbound extensions, bound to the app in the factory."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase

from bridgeops.core.errors import NotFound

#: Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Models subclass ``Model``: Flask-SQLAlchemy's ``db.Model`` (``Base`` with its bind and query
# mixins) at run time; a type checker can't take an attribute as a base class, so it sees ``Base``.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk statements (``Model.__table__`` is typed as any
    ``FromClause``)."""
    return cast(Table, model.__table__)


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (``rowcount`` lives on the cursor result)."""
    return cast(CursorResult[Any], result).rowcount


M = TypeVar("M", bound=Base)


def get_row(model: type[M], key: Any, detail: str = "Không tìm thấy dữ liệu này.") -> M:
    """The row with that primary key, where the caller holds a key that must exist (a grant's
    point, a deadline's conference); a missing row answers 404, never an AttributeError."""
    row = db.session.get(model, key)
    if row is None:
        raise NotFound(detail)
    return row
