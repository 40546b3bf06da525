"""``bridgeops health probe`` and ``bridgeops health status``."""

from __future__ import annotations

from bridgeops.extensions import db
from tests.factories import make_point
from tests.health.conftest import DISTRICT, PROVINCE, closed_port


def test_probe_command_checks_every_target_now_without_changing_states(runner, demo, http_peer):
    make_point(demo, PROVINCE, target=http_peer)
    make_point(demo, DISTRICT, target=f"tcp://127.0.0.1:{closed_port()}")
    db.session.commit()
    result = runner.invoke(args=["health", "probe", "--conference", demo.slug])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("36\t") and lines[0].split("\t")[3:] == ["OK", "HTTP 200"]
    assert lines[1].startswith("358\t") and "\tLỖI\t" in lines[1]
    assert "2 điểm có địa chỉ kiểm tra, 1 lỗi" in lines[2]
    status = runner.invoke(args=["health", "status", "--conference", demo.slug])
    assert status.exit_code == 0
    assert status.output.startswith("0/2 điểm cầu trực tuyến")


def test_health_commands_refuse_an_unknown_conference(runner, app):
    result = runner.invoke(args=["health", "status", "--conference", "khong-co"])
    assert result.exit_code != 0 and "khong-co" in result.output
