"""Flask extensions, created once and bound to the application in web.init_app."""

from flask import request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()

SUPPORTED_LANGUAGES = ("nl", "en")
LANG_COOKIE = "selfscan_lang"


def select_locale() -> str:
    """Dutch by default; the visible switch (a cookie) wins over the browser's preference."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    return request.accept_languages.best_match(SUPPORTED_LANGUAGES, default="nl") or "nl"
