"""On SQLite, registrations take turns on a file lock before their first write (core.writeturn):
a waiting one is woken the moment the turn is free instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from bridgeops.accounts.models import AccessGrant
from bridgeops.core.writeturn import INFO_KEY, take_write_turn
from bridgeops.extensions import db
from tests.conftest import bearer
from tests.registration.helpers import MY_LOC, VU_BAN, commune_of, point_body

URL = "/api/v1/conferences/namdinh-2022/points"


@pytest.fixture
def on_sqlite(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows: no turns (see test_postgresql_takes_no_turn)")


def _in_thread(app, work) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def run() -> None:
        with app.app_context():
            result["value"] = work()
            result["at"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_a_registration_waits_for_the_turn_and_goes_the_moment_it_is_free(
    app, client, demo, officer_token, on_sqlite
):
    assert (
        client.post(URL, json=point_body(commune_of(MY_LOC, 1)), headers=bearer(officer_token)).status_code
        == 201
    )
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        take_write_turn()
        held.set()
        release.wait(10)
        db.session.commit()  # the turn goes with the transaction

    holder, _ = _in_thread(app, hold)
    assert held.wait(5)

    def register() -> int:
        body = point_body(commune_of(MY_LOC, 0))
        return app.test_client().post(URL, json=body, headers=bearer(officer_token)).status_code

    registration, result = _in_thread(app, register)
    registration.join(0.5)
    assert registration.is_alive(), "the registration wrote while another held the turn"
    released_at = time.monotonic()
    release.set()
    registration.join(10)
    holder.join(10)
    assert result["value"] == 201
    assert result["at"] >= released_at


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_the_turn_is_given_back_when_the_transaction_ends(app, demo, on_sqlite, end):
    take_write_turn()
    assert INFO_KEY in db.session.info
    getattr(db.session, end)()
    assert INFO_KEY not in db.session.info

    def take() -> bool:
        take_write_turn()
        taken = INFO_KEY in db.session.info
        db.session.rollback()
        return taken

    other, result = _in_thread(app, take)
    other.join(5)
    assert result["value"] is True


def test_a_transaction_that_has_written_takes_no_turn(app, demo, on_sqlite):
    # Waiting for a turn while holding SQLite's lock could hold up the turn's holder.
    db.session.execute(sa.update(AccessGrant).values(label=AccessGrant.label))
    take_write_turn()
    assert INFO_KEY not in db.session.info
    db.session.rollback()


def test_postgresql_takes_no_turn(app, demo):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite takes turns (the tests above)")
    take_write_turn()
    assert INFO_KEY not in db.session.info


def test_many_registrations_at_once_all_land(app, demo, officer_token):
    communes = [commune_of(district, i) for district in (MY_LOC, VU_BAN) for i in range(4)]
    threads = [
        _in_thread(
            app,
            lambda code=code: (
                app.test_client().post(URL, json=point_body(code), headers=bearer(officer_token)).status_code
            ),
        )
        for code in communes
    ]
    for thread, _ in threads:
        thread.join(30)
    assert [result.get("value") for _, result in threads] == [201] * len(communes)


def test_a_second_session_of_the_same_thread_does_not_wait_for_its_own_turn(app, demo, on_sqlite):
    take_write_turn()
    assert INFO_KEY in db.session.info
    done = threading.Event()

    def nested() -> None:
        with app.app_context():  # another session, the same thread
            take_write_turn()
            assert INFO_KEY not in db.session.info
            db.session.rollback()
        done.set()

    started = time.monotonic()
    nested()
    assert done.is_set()
    assert time.monotonic() - started < 5  # not the TURN_WAIT (10 s) of a thread waiting for itself
    db.session.rollback()
    assert INFO_KEY not in db.session.info
