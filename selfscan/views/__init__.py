"""The web shell: blueprints per audience, error pages, security headers, template helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from selfscan import results as results_core
from selfscan import web

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # plotly.js would inject <style> elements; base.html links its stylesheet instead.
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


PROTECTIVE_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


# Number formats as filters rather than template macros: a page formats a few hundred numbers
# and a Python filter costs a fraction of a macro call. App-wide: results and CCV pages use them.
FILTERS = {"num": results_core.format_number, "pct": results_core.format_pct,
           "delta": results_core.format_delta, "lvl": results_core.format_level}


def _static_manifest(app: Flask) -> dict[str, str]:
    path = Path(app.static_folder or "") / "vendor" / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def register(app: Flask) -> None:
    from selfscan.views import api, ccv, public, results, scan

    for module in (public, api, scan, results, ccv):
        app.register_blueprint(module.bp)

    app.jinja_env.filters.update(FILTERS)
    manifest = _static_manifest(app)

    static_urls: dict[tuple[str, str], str] = {}

    def static_url(filename: str) -> str:
        """url_for('static', ...) once per file: pages link the same few files every time."""
        key = (request.script_root, filename)
        if key not in static_urls:
            static_urls[key] = url_for("static", filename=filename)
        return static_urls[key]

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"lang": web.lang(), "tr": web.tr, "asset": lambda name: manifest.get(name, name),
                "static_url": static_url}

    @app.after_request
    def _headers(response):  # type: ignore[no-untyped-def]
        h = response.headers
        # No view sets these itself, so they are appended rather than looked up one by one.
        h.extend(PROTECTIVE_HEADERS)
        if request.is_secure:
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if "Cache-Control" not in h:
            # Pages behind secret links must not linger in shared caches.
            h["Cache-Control"] = "no-store"
        return response

    def wants_json() -> bool:
        return (request.path.startswith("/api/") or request.path == "/healthz"
                or "/autosave/" in request.path)

    def error_page(code: int, title: str, message: str, template: str = "errors/error.html"):  # type: ignore[no-untyped-def]
        if wants_json():
            return jsonify({"error": title, "message": message}), code
        return render_template(template, code=code, title=title, message=message), code

    @app.errorhandler(CSRFError)
    def _csrf(_exc):  # type: ignore[no-untyped-def]
        return error_page(400, _("Het formulier is verlopen"), _(
            "Uw sessie is verlopen of het formulier is niet volledig verstuurd. "
            "Ga terug, laad de pagina opnieuw en verstuur opnieuw."))

    @app.errorhandler(404)
    def _not_found(_exc):  # type: ignore[no-untyped-def]
        return error_page(404, _("Pagina niet gevonden"), _(
            "Deze pagina bestaat niet, of de link is niet (meer) geldig. Controleer of u de "
            "hele link hebt gekopieerd. Werkt een link uit een uitnodiging niet meer? Vraag "
            "de coördinator van de scan in uw gemeente om de nieuwe link."))

    @app.errorhandler(405)
    def _method(_exc):  # type: ignore[no-untyped-def]
        return error_page(405, _("Dat kan hier niet"), _(
            "Deze pagina kan niet op deze manier worden opgevraagd. Ga terug en probeer het "
            "opnieuw via de knoppen op de pagina."))

    @app.errorhandler(413)
    def _too_large(_exc):  # type: ignore[no-untyped-def]
        return error_page(413, _("Te veel gegevens"), _(
            "U hebt meer gegevens verstuurd dan de zelfscan aanneemt (meer dan 1 MB). "
            "Maak uw toelichting korter en probeer het opnieuw."))

    @app.errorhandler(429)
    def _too_many(_exc):  # type: ignore[no-untyped-def]
        return error_page(429, _("Te veel pogingen"), _(
            "Er zijn in korte tijd te veel verzoeken gedaan. Wacht een paar minuten en "
            "probeer het dan opnieuw."))

    @app.errorhandler(400)
    def _bad_request(exc):  # type: ignore[no-untyped-def]
        desc = getattr(exc, "description", "") or ""
        custom = desc if getattr(exc, "selfscan_message", False) else ""
        return error_page(400, _("Dit verzoek klopt niet"), custom or _(
            "Wat u verstuurde kon de zelfscan niet verwerken. Er is niets verloren gegaan van "
            "wat al was opgeslagen. Ga terug en probeer het opnieuw."))

    @app.errorhandler(Exception)
    def _unexpected(exc):  # type: ignore[no-untyped-def]
        if isinstance(exc, HTTPException):
            return error_page(exc.code or 500, exc.name, exc.description or "")
        app.logger.exception("unexpected error on %s %s", request.method, request.url_rule)
        return error_page(500, _("Er ging iets mis"), _(
            "Er ging aan onze kant iets mis. Wat al was opgeslagen, blijft bewaard. "
            "Probeer het over een paar minuten opnieuw."))
