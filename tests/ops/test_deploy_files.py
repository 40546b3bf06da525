"""The deploy/ files stay in step with the code."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from bridgeops.config import SETTINGS
from tests.live_server import gunicorn, wait_until_up

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _listed() -> set[str]:
    text = (DEPLOY / "bridgeops.env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^(BRIDGEOPS_[A-Z_]+)=", text, flags=re.MULTILINE))


def test_env_example_lists_every_setting_the_app_and_gunicorn_read():
    gunicorn_settings = set(
        re.findall(r'"(BRIDGEOPS_[A-Z_]+)"', (DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8"))
    )
    missing = ({env for _key, env, _parse, _default in SETTINGS} | gunicorn_settings) - _listed()
    assert not missing, f"add to deploy/bridgeops.env.example: {sorted(missing)}"


def test_both_units_run_unprivileged_from_the_environment_file():
    for unit in ("bridgeops-web.service", "bridgeops-scheduler.service"):
        text = (DEPLOY / unit).read_text(encoding="utf-8")
        assert "User=bridgeops" in text
        assert "EnvironmentFile=/etc/bridgeops/bridgeops.env" in text
        assert "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text
        assert re.search(r"^Restart=(on-failure|always)$", text, flags=re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _site_for_test(directory: Path, gunicorn_url: str, port: int) -> Path:
    """deploy/nginx-bridgeops.conf with this machine's ports, certificate and folders."""
    site = (DEPLOY / "nginx-bridgeops.conf").read_text(encoding="utf-8")
    replacements = {
        "127.0.0.1:8000": gunicorn_url.removeprefix("http://"),
        "listen 443 ssl http2;": f"listen 127.0.0.1:{port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{_free_port()};",
        "listen [::]:80;": "",
        "/etc/letsencrypt/live/cau.example.vn/": f"{directory}/",
        "/var/log/nginx/": f"{directory}/",
        "/opt/bridgeops/": f"{DEPLOY.parent}/",
    }
    for old, new in replacements.items():
        assert old in site, old
        site = site.replace(old, new)
    (directory / "site.conf").write_text(site, encoding="utf-8")
    temp = " ".join(
        f"{kind}_temp_path {directory}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = directory / "nginx.conf"
    conf.write_text(
        f"worker_processes 1; pid {directory}/nginx.pid; error_log {directory}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; {temp}\n"
        f"include {directory}/site.conf; }}\n",
        encoding="utf-8",
    )
    return conf


@pytest.mark.skipif(
    not (shutil.which("nginx") and shutil.which("openssl")), reason="nginx or openssl is not installed"
)
def test_nginx_site_serves_the_app_over_tls_with_static_files_and_token_free_logs(database_url, tmp_path):
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(tmp_path / "privkey.pem"),
            "-out",
            str(tmp_path / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    token = "Zq3v9Xk2Lm8Pn4Rt6Yw1Bc5Df7Gh0Jk2Lm4Np6Qr8S"
    with gunicorn(
        database_url, BRIDGEOPS_PROXY_COUNT="1", BRIDGEOPS_BASE_URL=f"https://localhost:{port}"
    ) as web:
        conf = _site_for_test(tmp_path, web.url, port)
        nginx = subprocess.Popen(
            ["nginx", "-c", str(conf), "-e", str(tmp_path / "error.log"), "-g", "daemon off;"],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base, cert = f"https://localhost:{port}", str(tmp_path / "fullchain.pem")
            wait_until_up(base + "/healthz", 20, verify=cert)
            health = requests.get(base + "/healthz", verify=cert, timeout=10)
            css = requests.get(base + "/static/css/app.css", verify=cert, timeout=10)
            requests.get(f"{base}/c/{token}?ref={token}", verify=cert, timeout=10)
        finally:
            nginx.terminate()
            _, errors = nginx.communicate(timeout=20)
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert "frame-ancestors 'none'" in health.headers["Content-Security-Policy"]
    assert health.headers["Strict-Transport-Security"].startswith("max-age=")
    assert css.status_code == 200 and "Server" in css.headers and "X-Request-ID" not in css.headers
    access_log = (tmp_path / "bridgeops.access.log").read_text(encoding="utf-8")
    assert "/c/Zq3v..." in access_log
    assert token not in access_log + web.log, errors


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_units_have_no_unknown_or_invalid_directives(tmp_path):
    env_file = tmp_path / "bridgeops.env"
    env_file.write_text("BRIDGEOPS_ENV=production\n", encoding="utf-8")
    units = []
    for source in sorted(DEPLOY.glob("bridgeops-*.service")) + sorted(DEPLOY.glob("*.timer")):
        text = (
            source.read_text(encoding="utf-8")
            .replace("/opt/bridgeops", str(DEPLOY.parent))
            .replace("/etc/bridgeops/bridgeops.env", str(env_file))
            .replace("=bridgeops\n", "=daemon\n")
        )  # a user that exists on any Debian
        (tmp_path / source.name).write_text(text, encoding="utf-8")
        units.append(str(tmp_path / source.name))
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    problems = [
        line
        for line in result.stderr.splitlines()
        if "Unknown" in line or "Invalid" in line or "Failed" in line or "bad" in line.lower()
    ]
    assert result.returncode == 0 and not problems, result.stderr
