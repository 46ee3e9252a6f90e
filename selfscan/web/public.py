"""Public pages: home, privacy, accessibility, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue

from selfscan.web import helpers as web
from selfscan.web.extensions import LANG_COOKIE, SUPPORTED_LANGUAGES

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("public/home.html", questionnaire=web.current())


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template("public/privacy.html")


@bp.get("/toegankelijkheid")
def accessibility() -> ResponseReturnValue:
    return render_template("public/accessibility.html")


@bp.get("/taal/<code>")
def switch_language(code: str) -> ResponseReturnValue:
    response = redirect(web.safe_path(request.args.get("next")) or "/", code=303)
    if code in SUPPORTED_LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=bool(current_app.config["SECURE_COOKIES"]))
    return response
