"""The ``bridgeops`` command group (also ``flask --app wsgi …``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from bridgeops.core.cli import fail
from bridgeops.core.errors import DomainError
from bridgeops.core.urls import external_url
from bridgeops.extensions import db
from bridgeops.units.models import DEFAULT_MAP, MAPS


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the schema to the latest migration."""
    from flask_migrate import upgrade

    from bridgeops.extensions import init_migrate

    init_migrate(current_app)
    upgrade()
    click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@click.group("units")
def units_group() -> None:
    """The administrative unit tree (GSO gazetteer)."""


@units_group.command("import")
@click.option("--province", "provinces", multiple=True, help="GSO province code; repeatable.")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV or JSON file of code,name,kind,parent_code instead of the GSO data.",
)
@click.option(
    "--map",
    "unit_map",
    type=click.Choice(MAPS),
    default=DEFAULT_MAP,
    show_default=True,
    help="2023: the GSO map, 63 provinces, three levels; "
    "2025: the map since 1 July 2025, 34 provinces, two levels.",
)
@with_appcontext
def units_import(provinces: tuple[str, ...], path: Path | None, unit_map: str) -> None:
    """Load units (all provinces by default). Running it again changes nothing; the other map
    stays as it is."""
    from bridgeops.units import service

    try:
        rows = list(
            service.file_rows(path, unit_map) if path else service.map_rows(unit_map, provinces or None)
        )
        if sys.stdout.isatty():
            with click.progressbar(length=len(rows), label="Đang nạp đơn vị") as bar:
                result = service.import_units(rows, progress=bar.update)
        else:
            result = service.import_units(rows)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(
        f"Đơn vị: {result.created} mới, {result.updated} cập nhật, "
        f"{result.unchanged} không đổi ({result.total} tất cả)."
    )


@click.command("demo")
@click.option(
    "--map",
    "unit_map",
    type=click.Choice(MAPS),
    default=DEFAULT_MAP,
    show_default=True,
    help="2023: the plan's conference of 2022; 2025: a 2027 conference of Ninh Bình "
    "on today's two-level map.",
)
@with_appcontext
def demo(unit_map: str) -> None:
    """The plan's conference (namdinh-2022) with Nam Định's units, or with --map 2025 a 2027
    conference of Ninh Bình (ninhbinh-2027) on the 2025 map."""
    from bridgeops.demo import create_demo, create_demo_2025

    conference, created = create_demo() if unit_map == DEFAULT_MAP else create_demo_2025()
    db.session.commit()
    click.echo(("Đã tạo" if created else "Đã có sẵn") + f" hội nghị {conference.slug}: {conference.title}")
    click.echo(f"Mở {external_url('accounts.login')} và đăng nhập bằng tài khoản cán bộ. Chưa có tài khoản:")
    click.echo("  bridgeops users create --email you@example.vn --name 'Tên' --role officer --password '…'")
    chairs = "chủ tịch huyện" if unit_map == DEFAULT_MAP else "chủ tịch xã, phường"
    click.echo(f"Đường dẫn cho {chairs}: bridgeops links issue --conference {conference.slug}")


@click.group("users")
def users_group() -> None:
    """Officer and admin accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    type=click.Choice(["officer", "admin", "viewer"]),
    default="officer",
    help="admin: also manages accounts; viewer: read-only (leadership).",
)
@click.option("--password", required=True)
@with_appcontext
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create an officer, admin or viewer account."""
    from bridgeops.accounts import service

    try:
        user = service.create_user(email, name, role, password)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Đã tạo tài khoản {user.email} ({user.role}).")


@users_group.command("deactivate")
@click.option("--email", required=True)
@with_appcontext
def users_deactivate(email: str) -> None:
    """Lock an account: no login, its sessions end, its API and feed tokens are revoked."""
    from bridgeops.accounts import service

    try:
        user = service.get_user_by_email(email)
        revoked = service.deactivate_user(user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Đã khóa tài khoản {user.email}; đã thu hồi {revoked} mã.")


@click.group("tokens")
def tokens_group() -> None:
    """Officers' API tokens and read-only calendar feed tokens."""


@tokens_group.command("create")
@click.option("--email", required=True, help="The officer the token acts for.")
@click.option(
    "--days", type=click.IntRange(min=1), default=90, show_default=True, help="Days until the token expires."
)
@click.option(
    "--feed", is_flag=True, help="A read-only calendar feed token (/calendar/<token>.ics), not an API token."
)
@with_appcontext
def tokens_create(email: str, days: int, feed: bool) -> None:
    """Print a bearer API token (or a feed URL) for an officer (the last line of output)."""
    from bridgeops.accounts import service

    try:
        issued = service.create_api_token(email, days=days, feed=feed)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    if feed:
        click.echo(f"Địa chỉ lịch cho {email}, hết hạn sau {days} ngày (chỉ hiển thị một lần):")
        click.echo(external_url("invites.calendar_feed", token=issued.token))
        return
    click.echo(f"Mã API cho {email}, hết hạn sau {days} ngày (chỉ hiển thị một lần):")
    click.echo(issued.token)


@tokens_group.command("list")
@click.option("--email", default=None, help="Only this officer's tokens.")
@with_appcontext
def tokens_list(email: str | None) -> None:
    """One line per token: id, kind, officer, created, expires, state (never the token)."""
    from bridgeops.accounts import service

    try:
        grants = service.officer_tokens(email)
    except DomainError as error:
        fail(error)
    for grant in grants:
        state = "revoked" if grant.revoked_at is not None else "live" if service.is_live(grant) else "expired"
        click.echo(
            "\t".join(
                [
                    str(grant.id),
                    str(grant.role),
                    grant.user.email if grant.user else "",
                    grant.created_at.isoformat(timespec="seconds"),
                    grant.expires_at.isoformat(timespec="seconds") if grant.expires_at else "never",
                    state,
                ]
            )
        )


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def tokens_revoke(token_id: int) -> None:
    """Revoke an API or feed token by the id `tokens list` shows."""
    from bridgeops.accounts import service

    try:
        grant = service.revoke_officer_token(token_id)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Đã thu hồi mã số {grant.id}.")


def register(app: Flask) -> None:
    """Add every command to the app's CLI."""
    for command in (init_db, units_group, demo, users_group, tokens_group):
        app.cli.add_command(command)
    from bridgeops.scheduler import scheduler_command

    app.cli.add_command(scheduler_command)


def _create_app(*_args) -> Flask:
    from bridgeops import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``bridgeops`` console script."""
    cli = FlaskGroup(
        create_app=_create_app,
        add_version_option=False,
        help="BridgeOps — điều phối hội nghị truyền hình trực tuyến.",
    )
    cli.main(prog_name="bridgeops")
