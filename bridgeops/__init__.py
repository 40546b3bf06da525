"""BridgeOps: coordination of a video-bridge conference across a province's bridge points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from bridgeops.config import PROJECT_ROOT, load_config


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """The application factory."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(load_config(Path(app.instance_path)))
    if config_overrides:
        app.config.update(config_overrides)
    _derive_config(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from bridgeops import setup

    setup.configure_deployment(app)
    setup.register_extensions(app)
    setup.register_blueprints(app)
    setup.register_access(app)
    setup.register_errorhandlers(app)
    setup.register_template_helpers(app)
    setup.register_request_hooks(app)
    setup.register_commands(app)
    return app


def _derive_config(app: Flask) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = _driver_url(app.config["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config["JSON_SORT_KEYS"] = False
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]


def _driver_url(url: str) -> str:
    """PostgreSQL through psycopg 3 whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
