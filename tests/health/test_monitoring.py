"""The rehearsal window moved to now, real peers on loopback, the scheduler's sweep job."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.health.models import HealthChange, HealthIncident, SessionAvailability
from bridgeops.mail.models import OutboxMessage
from tests.conftest import bearer
from tests.factories import chair_token, make_point
from tests.health.conftest import (
    DISTRICT,
    OTHER_DISTRICT,
    PROVINCE,
    closed_port,
    communes_of,
    move_window_to_now,
    state_of,
    sweep,
    technician_token,
)

OFFICER_MAIL = "tuyengiao@hoiphunu.local"


def alerts() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "alert").order_by(OutboxMessage.id)
        )
    )


@pytest.fixture
def webhook(app, monkeypatch):
    """A real HTTP receiver for BRIDGEOPS_ALERT_WEBHOOK_URL; yields the list of JSON bodies."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(app.config, "ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/hook")
    yield received
    server.shutdown()
    server.server_close()


def test_http_tcp_silent_and_heartbeat_points_reach_their_states(
    app, demo, client, fast_probes, http_peer, tcp_peer_factory, silent_peer
):
    move_window_to_now(demo)
    province = make_point(demo, PROVINCE, target=http_peer)
    closed = make_point(demo, DISTRICT, target=f"tcp://127.0.0.1:{closed_port()}")
    listener = tcp_peer_factory()
    stops = make_point(demo, OTHER_DISTRICT, target=listener.target)
    hung = make_point(demo, communes_of(OTHER_DISTRICT, 1)[0], target=silent_peer)
    beating = make_point(demo, communes_of(DISTRICT, 1)[0])
    token = technician_token(beating)
    db.session.commit()

    assert client.post("/api/v1/heartbeat", headers=bearer(token)).status_code == 204
    sweep(app)
    assert state_of(province) == "up"
    assert state_of(stops) == "up"
    assert state_of(beating) == "up"
    assert state_of(closed) == "pending"
    assert state_of(hung) == "pending"

    listener.stop()
    sweep(app, times=2)
    assert state_of(closed) == "down"  # three failed checks: the configured PROBE_FAILURES
    assert state_of(stops) == "pending"
    assert state_of(hung) == "pending"  # failed enough, but waits while its district decides…
    sweep(app)
    assert state_of(stops) == "down"
    assert state_of(hung) == "unreachable"  # …then down: the commune is behind it
    assert state_of(province) == "up"
    assert state_of(beating) == "up"  # heartbeat says alive although its district is down


def test_closed_port_goes_down_after_the_configured_number_of_failures(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "PROBE_FAILURES", 2)
    move_window_to_now(demo)
    point = make_point(demo, DISTRICT, target=f"tcp://127.0.0.1:{closed_port()}")
    db.session.commit()
    sweep(app)
    assert state_of(point) == "pending"
    sweep(app)
    assert state_of(point) == "down"


def test_sip_options_answered_by_sipp_is_up_and_silent_sip_port_is_not(app, demo, sip_peer, fast_probes):
    move_window_to_now(demo)
    answering = make_point(demo, DISTRICT, target=sip_peer)
    silent = make_point(demo, OTHER_DISTRICT, target=f"sip://127.0.0.1:{closed_port()}")
    db.session.commit()
    sweep(app)
    assert state_of(answering) == "up"
    assert state_of(silent) == "pending"


def test_district_failure_makes_communes_unreachable_and_yields_one_alert(
    app, demo, client, officer_token, fast_probes, http_peer, tcp_peer_factory, webhook
):
    session = move_window_to_now(demo)
    make_point(demo, PROVINCE, target=http_peer)
    district_peer = tcp_peer_factory()
    district = make_point(
        demo,
        DISTRICT,
        target=district_peer.target,
        technicians=(("Trần Thị Kỹ", "+84912000111", "ky.mylo@hoiphunu.vn"),),
    )
    commune_peers, communes = [], []
    for index, code in enumerate(communes_of(DISTRICT, 3)):
        commune_peers.append(tcp_peer_factory())
        communes.append(
            make_point(
                demo,
                code,
                target=commune_peers[-1].target,
                technicians=((f"KTV xã {index}", f"+8491200020{index}", f"ktv{index}@hoiphunu.vn"),),
            )
        )
    other_district = make_point(demo, OTHER_DISTRICT, target=http_peer)
    db.session.commit()

    sweep(app)
    assert {state_of(p) for p in [district, *communes, other_district]} == {"up"}

    district_peer.stop()
    for peer in commune_peers:
        peer.stop()
    sweep(app, times=3)
    assert state_of(district) == "down"
    assert [state_of(c) for c in communes] == ["unreachable"] * 3

    sent = alerts()
    assert sorted(m.recipient for m in sent) == sorted([OFFICER_MAIL, "ky.mylo@hoiphunu.vn"])
    officer_mail = next(m for m in sent if m.recipient == OFFICER_MAIL)
    assert "Mỹ Lộc" in officer_mail.subject and "3 điểm phía sau" in officer_mail.subject
    assert len(webhook) == 1
    (alert,) = webhook[0]["alerts"]
    assert alert["kind"] == "down" and alert["point"]["id"] == district.id
    assert sorted(a["id"] for a in alert["affected"]) == sorted(c.id for c in communes)

    sweep(app)  # still down: nothing new
    assert len(alerts()) == 2 and len(webhook) == 1

    status = client.get(f"/api/v1/conferences/{demo.slug}/status", headers=bearer(officer_token))
    assert status.status_code == 200
    body = status.get_json()
    assert body["summary"]["down"] == 1 and body["summary"]["unreachable"] == 3
    assert body["summary"]["up"] == 2
    assert [p["state"] for p in body["points"][:4]] == ["down"] + ["unreachable"] * 3
    assert body["points"][0]["unit"]["code"] == DISTRICT
    assert body["window"]["active"] is True

    board = client.get(f"/conferences/{demo.slug}/board", headers=bearer(officer_token))
    page = board.get_data(as_text=True)
    assert board.status_code == 200
    assert "2 / 6" in page
    assert 'href="tel:+84912000111"' in page
    problem_rows = re.findall(r'<tr class="state-(\w+)" data-point-id="(\d+)"', page)
    assert problem_rows[0] == ("down", str(district.id))
    assert sorted(int(pid) for _, pid in problem_rows[1:]) == sorted(c.id for c in communes)

    chair = chair_token(demo, OTHER_DISTRICT)
    db.session.commit()
    own = client.get(f"/api/v1/conferences/{demo.slug}/status", headers=bearer(chair)).get_json()
    assert own["total"] == 1 and own["points"][0]["id"] == other_district.id
    chair_board = client.get(f"/conferences/{demo.slug}/board", headers=bearer(chair))
    assert "Mỹ Lộc" not in chair_board.get_data(as_text=True)

    # Recovery: the district and its communes answer again (new listeners).
    district.probe_target = tcp_peer_factory().target
    for commune in communes:
        commune.probe_target = tcp_peer_factory().target
    db.session.commit()
    sweep(app)
    assert state_of(district) == "down"  # one good check is not enough
    sweep(app)
    assert state_of(district) == "up"
    assert [state_of(c) for c in communes] == ["up"] * 3
    recovered = [m for m in alerts() if "kết nối lại" in m.subject]
    assert sorted(m.recipient for m in recovered) == sorted([OFFICER_MAIL, "ky.mylo@hoiphunu.vn"])
    assert len(webhook) == 2 and webhook[1]["alerts"][0]["kind"] == "recovery"

    incident = db.session.scalar(sa.select(HealthIncident).where(HealthIncident.point_id == district.id))
    assert incident.kind == "down" and incident.ended_at is not None
    assert incident.duration_seconds >= 0
    changes = db.session.scalars(
        sa.select(HealthChange.to_state).where(HealthChange.point_id == district.id).order_by(HealthChange.id)
    ).all()
    assert changes == ["up", "pending", "down", "up"]
    counters = db.session.get(SessionAvailability, (district.id, session.id))
    assert (counters.checks, counters.up_checks) == (7, 3)

    history = client.get(f"/api/v1/points/{district.id}/health", headers=bearer(officer_token)).get_json()
    assert history["state"] == "up"
    assert [c["to_state"] for c in history["changes"]] == ["up", "down", "pending", "up"]
    assert history["incidents"][0]["ended_at"] is not None
    assert history["availability"][0]["checks"] == 7
    assert abs(history["availability"][0]["share_up"] - 3 / 7) < 1e-9
    page = client.get(
        f"/conferences/{demo.slug}/points/{district.id}/health", headers=bearer(officer_token)
    ).get_data(as_text=True)
    assert "42,9 %" in page and "Tổng duyệt kết nối" in page
    assert client.get(f"/api/v1/points/{district.id}/health", headers=bearer(chair)).status_code == 404


def test_nothing_is_probed_outside_session_windows(app, demo, http_peer):
    point = make_point(demo, DISTRICT, target=http_peer)
    db.session.commit()
    assert sweep(app) == []
    assert state_of(point) == "unknown"


def test_a_dead_webhook_does_not_stop_the_sweep_or_the_mail(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "ALERT_WEBHOOK_URL", f"http://127.0.0.1:{closed_port()}/")
    monkeypatch.setitem(app.config, "PROBE_FAILURES", 1)
    move_window_to_now(demo)
    point = make_point(demo, DISTRICT, target=f"tcp://127.0.0.1:{closed_port()}")
    db.session.commit()
    sweep(app)
    assert state_of(point) == "down"
    assert [m.recipient for m in alerts()] == [OFFICER_MAIL]


def test_a_new_window_starts_from_unknown_and_announces_a_fresh_outage(
    app, demo, client, officer, monkeypatch
):
    from datetime import timedelta

    from bridgeops.health.models import PointHealth
    from bridgeops.health.service import NEW_WINDOW_REASON

    monkeypatch.setitem(app.config, "PROBE_FAILURES", 2)
    rehearsal = move_window_to_now(demo)
    point = make_point(demo, DISTRICT, target=f"tcp://127.0.0.1:{closed_port()}")
    db.session.commit()
    sweep(app, times=2)
    assert state_of(point) == "down" and len(alerts()) == 1
    # That was yesterday's rehearsal; today's session window is open now.
    day = timedelta(days=1)
    rehearsal.starts_at, rehearsal.ends_at = rehearsal.starts_at - day, rehearsal.ends_at - day
    health = db.session.get(PointHealth, point.id)
    yesterday_check = health.last_check_at - day
    health.last_check_at, health.since = yesterday_check, health.since - day
    health.outage_since = health.outage_since - day
    incident = db.session.scalar(sa.select(HealthIncident).where(HealthIncident.point_id == point.id))
    incident.started_at = incident.started_at - day
    db.session.commit()
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    between = client.get(f"/conferences/{demo.slug}/board").get_data(as_text=True)
    assert "Trạng thái dưới đây là của lần kiểm tra cuối" in between  # no window open yet
    move_window_to_now(demo, "session")

    sweep(app)
    assert state_of(point) == "pending"  # today's first failure, not yesterday's "down"
    changes = db.session.scalars(
        sa.select(HealthChange).where(HealthChange.point_id == point.id).order_by(HealthChange.id)
    ).all()
    assert [(c.from_state, c.to_state) for c in changes][-2:] == [("down", "unknown"), ("unknown", "pending")]
    assert changes[-2].reason == NEW_WINDOW_REASON
    db.session.refresh(incident)
    assert incident.ended_at == yesterday_check  # yesterday's outage ended with yesterday
    sweep(app)
    assert state_of(point) == "down"
    assert len(alerts()) == 2  # today's outage is announced again
    during = client.get(f"/conferences/{demo.slug}/board").get_data(as_text=True)
    assert "Trạng thái dưới đây là của lần kiểm tra cuối" not in during
