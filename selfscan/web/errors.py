"""Error pages: one table of what each error says, as a page or, for JSON clients, as JSON."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from selfscan.core.messages import N_

# Status -> (title, message): Dutch message ids, translated when the page is made.
MESSAGES: dict[int, tuple[str, str]] = {
    400: (N_("Dit verzoek klopt niet"),
          N_("Wat u verstuurde kon de zelfscan niet verwerken. Er is niets verloren gegaan van "
             "wat al was opgeslagen. Ga terug en probeer het opnieuw.")),
    404: (N_("Pagina niet gevonden"),
          N_("Deze pagina bestaat niet, of de link is niet (meer) geldig. Controleer of u de "
             "hele link hebt gekopieerd. Werkt een link uit een uitnodiging niet meer? Vraag de "
             "coördinator van de scan in uw gemeente om de nieuwe link.")),
    405: (N_("Dat kan hier niet"),
          N_("Deze pagina kan niet op deze manier worden opgevraagd. Ga terug en probeer het "
             "opnieuw via de knoppen op de pagina.")),
    413: (N_("Te veel gegevens"),
          N_("U hebt meer gegevens verstuurd dan de zelfscan aanneemt (meer dan 1 MB). Maak uw "
             "toelichting korter en probeer het opnieuw.")),
    429: (N_("Te veel pogingen"),
          N_("Er zijn in korte tijd te veel verzoeken gedaan. Wacht een paar minuten en probeer "
             "het dan opnieuw.")),
    500: (N_("Er ging iets mis"),
          N_("Er ging aan onze kant iets mis. Wat al was opgeslagen, blijft bewaard. Probeer het "
             "over een paar minuten opnieuw.")),
}
CSRF_MESSAGE = (N_("Het formulier is verlopen"),
                N_("Uw sessie is verlopen of het formulier is niet volledig verstuurd. Ga terug, "
                   "laad de pagina opnieuw en verstuur opnieuw."))

def _wants_json() -> bool:
    return (request.path.startswith("/api/") or request.path == "/healthz"
            or "/autosave/" in request.path)


def error_page(code: int, title: str, message: str) -> ResponseReturnValue:
    """An error as a page that tells the user what to do, or as JSON for API clients."""
    if _wants_json():
        return jsonify({"error": title, "message": message}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _handle(exc: Exception) -> ResponseReturnValue:
    if isinstance(exc, CSRFError):
        return error_page(400, _(CSRF_MESSAGE[0]), _(CSRF_MESSAGE[1]))
    if isinstance(exc, HTTPException):
        code = exc.code or 500
        if code in MESSAGES:
            title, message = MESSAGES[code]
            # A 400 raised with helpers.bad_request carries a message for the user.
            custom = exc.description if getattr(exc, "selfscan_message", False) else None
            return error_page(code, _(title), custom or _(message))
        return error_page(code, exc.name, exc.description or "")
    from flask import current_app

    current_app.logger.exception("unexpected error on %s %s", request.method, request.url_rule)
    title, message = MESSAGES[500]
    return error_page(500, _(title), _(message))


def register(app: Flask) -> None:
    for code in MESSAGES:
        if code != 500:
            app.register_error_handler(code, _handle)
    app.register_error_handler(CSRFError, _handle)
    app.register_error_handler(Exception, _handle)

