"""The small named steps of the factory."""

from __future__ import annotations

import click
from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from bridgeops.core import time as timefmt
from bridgeops.core.errors import HTTP_TITLES, DomainError, ValidationFailed
from bridgeops.core.qr import qr_svg
from bridgeops.extensions import csrf, db, init_migrate, limiter, login_manager


def register_extensions(app: Flask) -> None:
    from bridgeops import models  # noqa: F401  (every table known to metadata and Alembic)

    db.init_app(app)
    app.cli.add_command(MigrationCommands("db", help="Alembic migrations (Flask-Migrate)."))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str):
        from datetime import timedelta

        from flask import session

        from bridgeops.accounts.service import LOGIN_AT_KEY, user_for_session

        max_age = timedelta(hours=app.config["OFFICER_SESSION_HOURS"])
        return user_for_session(session_id, session.get(LOGIN_AT_KEY), max_age)

    from datetime import timedelta

    app.permanent_session_lifetime = timedelta(days=app.config["LINK_SESSION_DAYS"])


class MigrationCommands(click.Command):
    """``flask db …``: Flask-Migrate's command group, imported when the command runs."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        from flask.cli import ScriptInfo
        from flask_migrate.cli import db as commands

        init_migrate((parent or click.get_current_context()).ensure_object(ScriptInfo).load_app())
        return commands.make_context(info_name, args, parent=parent, **extra)


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` for database ids: one beyond what an integer column holds is simply not
    found (404), never an overflow in the database driver."""

    MAX_ID = 2**31 - 1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > self.MAX_ID:
            raise NotFound()
        return number


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter
    from bridgeops.api import register_api
    from bridgeops.features import feature_modules

    for module in feature_modules("views"):
        app.register_blueprint(module.bp)
    register_api(app)
    list(feature_modules("handlers"))  # importing a handlers module connects its receivers


def _wants_problem() -> bool:
    """The API, /healthz and any caller presenting a bearer token (a machine) get problem+json."""
    return (
        request.path.startswith("/api/")
        or request.path == "/healthz"
        or request.headers.get("Authorization", "").lower().startswith("bearer ")
    )


def register_errorhandlers(app: Flask) -> None:
    from bridgeops.api.problems import from_domain_error, problem

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if _wants_problem():
            return from_domain_error(error)
        return (
            render_template("errors/error.html", status=error.status, title=error.title, detail=error.detail),
            error.status,
            error.headers,
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        app.logger.info("csrf refused: %s", error.description)
        return render_template(
            "errors/error.html",
            status=400,
            title="Phiên làm việc đã hết hạn",
            detail="Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và gửi lại.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        # Keep the error's own headers (Allow on a 405, Retry-After on a 429).
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        if _wants_problem():
            # Werkzeug's descriptions are English; people read these.
            detail = HTTP_DETAILS_VI.get(status, HTTP_TITLES.get(status, ""))
            return problem(status, detail=detail if status != 429 else "", headers=headers)
        return (
            render_template(
                "errors/error.html", status=status, title=HTTP_TITLES.get(status, "Lỗi"), detail=""
            ),
            status,
            headers,
        )

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        from bridgeops.core.outage import outage_kind
        from bridgeops.ops.logs import redact_path

        if outage_kind(error):
            return outage_response(error)

        app.logger.exception("unhandled error on %s %s", request.method, redact_path(request.path))
        db.session.rollback()
        if _wants_problem():
            return problem(500, detail="Đã có lỗi ngoài dự kiến; thao tác chưa được lưu.")
        return render_template(
            "errors/error.html",
            status=500,
            title="Lỗi máy chủ",
            detail="Đã có lỗi ngoài dự kiến; thao tác chưa được lưu.",
        ), 500


def outage_response(error: Exception):
    """503 + Retry-After for a request the database (or disk) could not serve: problem+json for
    the API, and for a page the form the person sent, kept, with a button to send it again."""
    from bridgeops.api.problems import problem
    from bridgeops.core.outage import RETRY_AFTER_SECONDS, log_failure

    log_failure("request failed", error)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool discards it
        db.session.remove()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _wants_problem():
        return problem(
            503,
            title="Hệ thống tạm gián đoạn",
            detail="Hệ thống tạm gián đoạn; thao tác chưa được lưu. "
            f"Vui lòng gửi lại sau {RETRY_AFTER_SECONDS} giây.",
            slug="service-unavailable",
            headers=headers,
        )
    fields = []
    if request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        # A password is never written back into a page; she types it again.
        fields = [
            (name, value)
            for name, values in request.form.lists()
            for value in values
            if "password" not in name
        ]
    # Shown back to her: what she wrote in words (not tokens, codes or bare numbers).
    shown = [
        value
        for name, value in fields
        if name != "csrf_token" and any(ch.isalpha() for ch in value) and len(value) < 300
    ]
    return (
        render_template(
            "errors/outage.html",
            fields=fields,
            shown=shown,
            action=request.full_path.rstrip("?"),
            retry_after=RETRY_AFTER_SECONDS,
        ),
        503,
        headers,
    )


HTTP_DETAILS_VI = {
    404: "Không có tài nguyên ở địa chỉ này.",
    405: "Địa chỉ này không nhận thao tác này; hãy dùng nút trên trang.",
    429: "",
}


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["vn_datetime"] = timefmt.format_datetime_vi
    app.jinja_env.filters["vn_date"] = timefmt.format_date_vi
    app.jinja_env.filters["vn_datetime_input"] = timefmt.format_wall_clock_vi
    app.jinja_env.filters["vn_number"] = timefmt.format_number_vi
    app.jinja_env.filters["vn_time_left"] = timefmt.format_time_left_vi
    app.jinja_env.filters["qr_svg"] = qr_svg
    app.jinja_env.filters["tz_label"] = timefmt.zone_label_vi


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _fresh_login_user() -> None:
        # The user comes from this request's cookie, never from an earlier request that
        # shared the app context (tests run many requests in one).
        g.pop("_login_user", None)

    @app.before_request
    def _refuse_bad_text() -> None:
        """A NUL character or a lone surrogate in a query, a form or a JSON body is refused
        with 422, and JSON nested absurdly deep with 400, before any view runs: PostgreSQL
        would reject the first two with a 500, and deep JSON overflowed the stack."""
        from bridgeops.core.validation import NUL_MESSAGE, TooDeep, bad_text_fields, plain_json_text

        fields = [request.args]
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            fields.append(request.form)
        found = {
            name: NUL_MESSAGE
            for multi in fields
            for name, values in multi.lists()
            if "\x00" in name or any("\x00" in value for value in values)
        }
        if (
            request.method in ("POST", "PUT", "PATCH")
            and request.is_json
            and not plain_json_text(request.get_data(cache=True))
        ):
            try:
                found.update(bad_text_fields(request.get_json(silent=True, cache=True)))
            except (RecursionError, TooDeep):
                raise DomainError("Dữ liệu JSON lồng nhau quá sâu; chưa lưu gì.") from None
        if found:
            raise ValidationFailed(
                found, detail="Dữ liệu gửi lên chứa ký tự NUL (\\0) hoặc ký tự Unicode hỏng; chưa lưu gì."
            )


def register_access(app: Flask) -> None:
    """Tell ``accounts.access`` how to find the conference and the point a route names: it sits
    below both capabilities, so it cannot import them."""
    from bridgeops.accounts.access import register_resources
    from bridgeops.conference.service import get_conference
    from bridgeops.registration.models import BridgePoint

    register_resources(
        conference_id=lambda slug: get_conference(slug).id,
        point=lambda point_id: db.session.get(BridgePoint, point_id),
    )


def configure_deployment(app: Flask) -> None:
    """Production checks, cookie flags, JSON logs, and client addresses behind a proxy."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from bridgeops.ops import logs, security

    security.configure_security(app)
    logs.configure_logging(app.config.get("LOG_LEVEL") or "info")
    # Registered before any extension's hooks: every request gets an id and a log line,
    # even one CSRF or a rate limit turns away.
    logs.register_request_log(app)
    security.register_security_hooks(app)
    proxies = app.config.get("PROXY_COUNT", 0)
    if proxies:
        # Flask's documented way to wrap the WSGI app (typeshed sees wsgi_app as a method).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=proxies,
            x_proto=proxies,
            x_host=proxies,
            x_port=proxies,
        )


def register_commands(app: Flask) -> None:
    from bridgeops.cli import register
    from bridgeops.features import feature_modules

    register(app)
    for module in feature_modules("cli"):
        for command in module.commands:
            app.cli.add_command(command)
