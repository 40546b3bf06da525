"""The deploy/ files stay in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

from bridgeops.config import SETTINGS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _listed() -> set[str]:
    text = (DEPLOY / "bridgeops.env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^(BRIDGEOPS_[A-Z_]+)=", text, flags=re.MULTILINE))


def test_env_example_lists_every_setting_the_app_and_gunicorn_read():
    gunicorn_settings = set(re.findall(r'"(BRIDGEOPS_[A-Z_]+)"',
                                       (DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8")))
    missing = ({env for _key, env, _parse, _default in SETTINGS} | gunicorn_settings) - _listed()
    assert not missing, f"add to deploy/bridgeops.env.example: {sorted(missing)}"


def test_both_units_run_unprivileged_from_the_environment_file():
    for unit in ("bridgeops-web.service", "bridgeops-scheduler.service"):
        text = (DEPLOY / unit).read_text(encoding="utf-8")
        assert "User=bridgeops" in text
        assert "EnvironmentFile=/etc/bridgeops/bridgeops.env" in text
        assert "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text
        assert re.search(r"^Restart=(on-failure|always)$", text, flags=re.MULTILINE)
