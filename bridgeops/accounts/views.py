"""Officer login and logout, and the admin's page of officer accounts."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from bridgeops.accounts import service
from bridgeops.accounts.access import ADMIN, PUBLIC, SIGN_OUT, requires
from bridgeops.accounts.forms import LoginForm
from bridgeops.accounts.models import ROLE_LABELS, USER_ROLES, User
from bridgeops.core.errors import DomainError, NotFound
from bridgeops.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _failed(response) -> bool:
    return response.status_code == 401


def _account_from_address() -> str:
    """Failed logins per account *and* address: an attacker elsewhere cannot lock the real
    officer out, and one address cannot try one account more than the limit."""
    from flask_limiter.util import get_remote_address

    email = (request.form.get("email") or "").strip().lower()
    return f"login:{email}:{get_remote_address()}"


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("10 per minute", methods=["POST"], deduct_when=_failed)
@limiter.limit("20 per hour", methods=["POST"], deduct_when=_failed, key_func=_account_from_address)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # nothing of a link session or an earlier login survives
            login_user(user)
            session[service.LOGIN_AT_KEY] = time.time()
            flash(f"Xin chào {user.name}.", "success")
            target = request.args.get("next", "")
            if not target.startswith("/") or urlsplit(target).netloc or target.startswith("//"):
                target = url_for("home.index")
            return redirect(target)
        form.password.errors.append("Email hoặc mật khẩu không đúng.")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@requires(SIGN_OUT)
def logout():
    """End this session and every other session of the account (the cookie stops working)."""
    if g.principal.user is not None:
        service.end_sessions(g.principal.user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("Đã đăng xuất.", "info")
    return redirect(url_for("accounts.login"))


# --- Officer accounts (admins) ---------------------------------------------------------------


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/users", methods=["GET", "POST"])
@requires(ADMIN)
def users():
    """List officer accounts and invite a new one (a one-time link to choose a password)."""
    values = {"email": "", "name": "", "role": "officer"}
    errors: dict[str, str] = {}
    invite_url = None
    status = 200
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        try:
            invited = service.invite_user(values["email"], values["name"], values["role"], g.principal.actor)
            db.session.commit()
            invite_url = url_for("accounts.accept_invite", token=invited.token, _external=True)
            flash(
                f"Đã mời {invited.grant.user.name}. Gửi đường dẫn dưới đây cho người được mời; "
                "đường dẫn chỉ hiện một lần.",
                "success",
            )
            values = {"email": "", "name": "", "role": "officer"}
        except DomainError as error:
            db.session.rollback()
            errors = error.errors or {"__all__": error.detail}
            status = error.status
    response = render_template(
        "accounts/users.html",
        users=service.list_users(),
        values=values,
        errors=errors,
        roles=USER_ROLES,
        role_labels=ROLE_LABELS,
        invite_url=invite_url,
    )
    from flask import make_response

    return _no_store(make_response(response, status))


@bp.post("/admin/users/<int:user_id>/active")
@requires(ADMIN)
def set_active(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Không có tài khoản này.")
    if request.form.get("active") == "1":
        service.reactivate_user(user)
        flash(f"Đã mở lại tài khoản {user.name}.", "success")
    elif user.id == g.principal.user.id:
        flash("Bạn không thể tự khóa tài khoản của mình.", "warning")
    else:
        revoked = service.deactivate_user(user)
        flash(f"Đã khóa tài khoản {user.name}; đã thu hồi {revoked} mã API.", "success")
    db.session.commit()
    return redirect(url_for("accounts.users"), code=303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
def accept_invite(token: str):
    """The invited officer chooses her password; the link then stops working."""
    grant = service.find_invite(token)
    if grant is None:
        return render_template("registration/link_error.html", gone=False), 404
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.form.get("password", "")
        if len(password) < 10:
            errors["password"] = "Mật khẩu cần ít nhất 10 ký tự."
        elif password != request.form.get("password_again", ""):
            errors["password_again"] = "Hai lần nhập mật khẩu không giống nhau."
        else:
            service.accept_invite(grant, password)
            db.session.commit()
            flash("Đã đặt mật khẩu. Vui lòng đăng nhập.", "success")
            return redirect(url_for("accounts.login"), code=303)
    from flask import make_response

    response = make_response(
        render_template("accounts/invite.html", user=grant.user, errors=errors), 422 if errors else 200
    )
    return _no_store(response)
