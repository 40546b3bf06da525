"""The baseline for write throughput: a bare Flask + SQLAlchemy app whose one endpoint inserts one
row and commits. Run under the same gunicorn settings as BridgeOps:

    BENCH_BASELINE_DATABASE_URL=sqlite:///... gunicorn -c deploy/gunicorn.conf.py \
        --chdir scripts/bench baseline_app:app
"""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # The same pragmas BridgeOps sets, so only the application work differs.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = _url(os.environ["BENCH_BASELINE_DATABASE_URL"])
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
db = SQLAlchemy(app)


class BaselineRow(db.Model):
    __tablename__ = "bench_baseline_row"

    id = db.Column(db.Integer, primary_key=True)
    value = db.Column(db.String(200), nullable=False)


@app.post("/rows")
def insert_row():
    row = BaselineRow(value=(request.get_json(silent=True) or {}).get("value", "")[:200])
    db.session.add(row)
    db.session.commit()
    return jsonify(id=row.id), 201


def create_table() -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()
