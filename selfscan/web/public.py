"""Public pages: home, privacy, accessibility, the glossary, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from selfscan.core.anonymity import PROVISIONAL_FROM, ROLE_GROUP_THRESHOLD, THRESHOLD
from selfscan.web import helpers as web
from selfscan.web.extensions import LANG_COOKIE, SUPPORTED_LANGUAGES
from selfscan.web.respondent import minutes_range

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    q = web.current()
    return render_template("public/home.html", questionnaire=q, minutes=minutes_range(q))


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    # For clients that ask for /favicon.ico without reading the page's <link rel="icon">.
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template("public/privacy.html")


@bp.get("/toegankelijkheid")
def accessibility() -> ResponseReturnValue:
    return render_template("public/accessibility.html")


@bp.get("/woordenlijst")
def glossary() -> ResponseReturnValue:
    """The words of the results page explained; the phases and levels come from the current
    questionnaire, so that the page never names a phase the scan does not use."""
    return render_template("public/glossary.html", questionnaire=web.current(),
                           threshold=THRESHOLD, role_group_threshold=ROLE_GROUP_THRESHOLD,
                           provisional_from=PROVISIONAL_FROM)


@bp.get("/taal/<code>")
def switch_language(code: str) -> ResponseReturnValue:
    response = redirect(web.safe_path(request.args.get("next")) or "/", code=303)
    if code in SUPPORTED_LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=bool(current_app.config["SECURE_COOKIES"]))
    return response
