"""What one API registration costs the database: the statements are pinned, so a lookup or a
flush that creeps back into the hot path (issue 17: the POST at ≥ 0.5× of a bare insert) fails
here rather than in a benchmark run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from bridgeops.audit.models import AuditEvent
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from tests.conftest import bearer
from tests.registration.helpers import MY_LOC, commune_of, point_body

URL = "/api/v1/conferences/namdinh-2022/points"
#: A registration of a commune: who asks (the token with its officer), then the unit with its
#: neighbours, the conference and its categories (one JSON column) in one SELECT, then one INSERT
#: per table (the point's row carries the mark that its invites are due).
EXPECTED = [
    "INSERT access_grant",
    "INSERT audit_event",
    "INSERT bridge_point",
    "INSERT contact",
    "INSERT delegate_count",
    "SELECT access_grant",
    "SELECT admin_unit",
]


def _verb_and_table(statement: str) -> str | None:
    """The verb and table, e.g. "SELECT conference"; None for a connection's own set-up."""
    text = " ".join(statement.split())
    verb = text.split(" ", 1)[0].upper()
    if verb == "SELECT":
        # Named by its first column's table (subqueries follow it).
        match = re.match(r'SELECT\s+"?(\w+)"?\.', text, re.I)
        return f"SELECT {match[1]}" if match else None
    if verb in ("INSERT", "DELETE"):
        return f"{verb} {text.split()[2].strip(chr(34))}"
    if verb == "UPDATE":
        return f"UPDATE {text.split()[1].strip(chr(34))}"
    return None


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        found = _verb_and_table(statement)
        if found:
            seen.append(found)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_an_api_registration_issues_seven_statements(client, demo, officer_token):
    # A first call records the token's use (a write at most every few minutes), not measured.
    first = client.post(URL, json=point_body(commune_of(MY_LOC, 1)), headers=bearer(officer_token))
    assert first.status_code == 201
    body = point_body(commune_of(MY_LOC, 0))
    with statements() as seen:
        response = client.post(URL, json=body, headers=bearer(officer_token))
    assert response.status_code == 201, response.get_json()
    assert sorted(seen) == EXPECTED
    # What the statements wrote is all there: the audit trail and the invites' due mark.
    point_id = response.get_json()["id"]
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_id == point_id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["create", "issue_link"]
    assert db.session.scalar(sa.select(BridgePoint.invites_due_at).where(BridgePoint.id == point_id))


def test_the_categories_come_with_the_unit_as_they_stand(client, demo, officer_token):
    """The unit's SELECT brings the conference's categories along (one JSON column): a category
    moved to the commune level a moment ago is refused for a district and taken for a commune,
    and a conference left without categories still registers points without counts."""
    categories = {c.code: c for c in demo.categories}
    categories["bch"].levels_csv = "commune"
    db.session.commit()

    refused = client.post(URL, json=point_body(MY_LOC, counts={"bch": 3}), headers=bearer(officer_token))
    assert refused.status_code == 422
    assert "không áp dụng cho điểm cầu cấp huyện" in refused.get_json()["errors"]["counts"]

    commune = point_body(commune_of(MY_LOC, 0), counts={"bch": 3})
    taken = client.post(URL, json=commune, headers=bearer(officer_token))
    assert taken.status_code == 201, taken.get_json()
    assert taken.get_json()["counts"] == {"bch": 3}

    for category in list(demo.categories):
        db.session.delete(category)
    db.session.commit()
    bare = client.post(URL, json=point_body(MY_LOC, counts={}), headers=bearer(officer_token))
    assert bare.status_code == 201, bare.get_json()
    counted = point_body(commune_of(MY_LOC, 1), counts={"bch": 1})
    assert client.post(URL, json=counted, headers=bearer(officer_token)).status_code == 422


def test_what_the_one_select_does_not_find_is_asked_step_by_step(client, demo, officer_token):
    """No conference with that slug is a 404 naming it; no unit with that key a 422 on the field
    (the same answers as before the conference and the unit were read together)."""
    missing = client.post(
        "/api/v1/conferences/khong-co/points", json=point_body(MY_LOC), headers=bearer(officer_token)
    )
    assert missing.status_code == 404 and "khong-co" in missing.get_json()["detail"]
    unknown = client.post(URL, json=point_body("99999"), headers=bearer(officer_token))
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"]["unit"] == "Không có đơn vị này trong phạm vi hội nghị."


def test_no_such_conference_answers_before_a_bad_idempotency_key(client, officer_token):
    response = client.post(
        "/api/v1/conferences/khong-co/points",
        json=point_body(MY_LOC),
        headers={**bearer(officer_token), "Idempotency-Key": " "},
    )
    assert response.status_code == 404


def test_the_api_answers_from_rows_left_out_of_the_session_and_the_form_keeps_them_in(app, demo, officer):
    """``register_point`` (the API's) returns the new rows as written, not in the session: the
    API only reads them, and putting them there was a sixteenth of a registration's Python work.
    ``create_point`` (the chair's form, which may confirm the point at once) keeps them in the
    session, so a change to them is written by the next flush."""
    from bridgeops.accounts.access import Principal
    from bridgeops.core.validation import validate
    from bridgeops.registration import service
    from bridgeops.registration.schemas import PointIn

    officer_principal = Principal(kind="officer", user=officer)
    with app.test_request_context():
        api = service.register_point(
            demo.slug, validate(PointIn, point_body(commune_of(MY_LOC, 0))), officer_principal
        )
        form = service.create_point(
            demo, validate(PointIn, point_body(commune_of(MY_LOC, 1))), officer_principal
        )
        assert api.point not in db.session and not any(row in db.session for row in api.point.counts)
        assert form.point in db.session and all(row in db.session for row in form.point.contacts)
        form.point.venue = "Phòng họp tầng 2"
        db.session.commit()
        stored = dict(db.session.execute(sa.select(BridgePoint.id, BridgePoint.venue)).all())
    assert stored[api.point.id] == "Hội trường UBND"
    assert stored[form.point.id] == "Phòng họp tầng 2"
    assert api.point.counts_by_code == point_body(commune_of(MY_LOC, 0))["counts"]
