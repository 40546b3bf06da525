"""``bridgeops federation register|revoke|list``: the provinces allowed to submit to TW."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bridgeops.core.cli import fail
from bridgeops.core.errors import DomainError
from bridgeops.extensions import db


@click.group("federation")
def federation_group() -> None:
    """National mode at TW: provinces that submit their returns here."""


@federation_group.command("register")
@click.option("--code", required=True, help="The province's unit code, as its instance uses it: 36.")
@click.option("--name", default="", help="Shown to TW (default: the unit's name).")
@click.option("--contact-name", default="", help="The province's contact officer.")
@click.option("--contact-phone", default="", help="Her phone, e.g. 0912 345 678.")
@with_appcontext
def register_command(code: str, name: str, contact_name: str, contact_phone: str) -> None:
    """Register a province (or re-register a revoked one). The last line printed is its
    credential: the province sets it as BRIDGEOPS_TW_RETURN_TOKEN. It is shown only once."""
    from bridgeops.federation import service

    try:
        issued = service.register_province(code, name, contact_name, contact_phone)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(
        f"Đã đăng ký {issued.province.name} (mã {issued.province.code}). Mã gửi báo cáo "
        "(chỉ hiện một lần; đặt vào BRIDGEOPS_TW_RETURN_TOKEN của tỉnh):"
    )
    click.echo(issued.token)


@federation_group.command("revoke")
@click.option("--code", required=True)
@with_appcontext
def revoke_command(code: str) -> None:
    """Revoke a province's credential; what it submitted stays."""
    from bridgeops.federation import service

    try:
        province = service.revoke_province(code)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Đã thu hồi mã gửi báo cáo của {province.name} (mã {province.code}).")


@federation_group.command("list")
@with_appcontext
def list_command() -> None:
    """One line per province: code, name, contact phone, state."""
    from bridgeops.federation import service

    for province in service.list_provinces():
        state = "đã thu hồi" if province.revoked_at else "đang hiệu lực"
        click.echo(f"{province.code}\t{province.name}\t{province.contact_phone}\t{state}")


commands = [federation_group]
