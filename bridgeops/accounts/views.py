"""Officer login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from bridgeops.accounts import service
from bridgeops.accounts.forms import LoginForm
from bridgeops.extensions import limiter

bp = Blueprint("accounts", __name__)


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], deduct_when=_failed)
@limiter.limit("20 per hour", methods=["POST"], deduct_when=_failed,
               key_func=lambda: "login:" + (request.form.get("email") or "").strip().lower())
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            flash(f"Xin chào {user.name}.", "success")
            target = request.args.get("next", "")
            if not target.startswith("/") or urlsplit(target).netloc or target.startswith("//"):
                target = url_for("ops.home")
            return redirect(target)
        form.password.errors.append("Email hoặc mật khẩu không đúng.")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("Đã đăng xuất.", "info")
    return redirect(url_for("accounts.login"))
