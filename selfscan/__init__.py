"""selfscan: the self-scan of the approach to multi-problem families, as a Flask application."""

from __future__ import annotations

import logging
import re
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from selfscan import config as cfg
from selfscan import db as dbmod
from selfscan import store
from selfscan.questionnaire import load_folder

__version__ = "0.1.0"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: configuration, storage, extensions, blueprints, CLI, error pages."""
    settings = cfg.from_environment()
    if test_config:
        settings.update(test_config)
    app = Flask(
        __name__,
        instance_path=str(Path(settings["INSTANCE_PATH"]).resolve())
        if settings.get("INSTANCE_PATH") else None,
        instance_relative_config=True,
        static_folder=str(cfg.PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = cfg.instance_secret_key(instance)
    if not settings.get("DATABASE"):
        settings["DATABASE"] = str(instance / "selfscan.db")
    app.config.update(settings)
    app.config.update(
        # A respondent may take longer than an hour: the CSRF token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(app.config["SECURE_COOKIES"]),
        REMEMBER_COOKIE_SECURE=bool(app.config["SECURE_COOKIES"]),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=int(app.config["SESSION_MINUTES"])),
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
    )
    if test_config:
        app.config.update(test_config)

    # "//host" paths would otherwise be redirected to a URL that browsers read as another host.
    app.url_map.merge_slashes = False
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keys in the order written
    app.extensions["selfscan.lock"] = threading.Lock()
    _init_extensions(app)
    _register(app)
    app.before_request(lambda: ensure_ready(app))
    return app


def ensure_ready(app: Flask) -> None:
    """Prepare storage once per process, on the first request or CLI command that needs it.

    Not done in create_app itself, so that commands such as check-questionnaires never touch
    the database.
    """
    if "selfscan.library" in app.extensions:
        return
    with app.extensions["selfscan.lock"]:
        if "selfscan.library" not in app.extensions:
            init_storage(app)


def init_storage(app: Flask) -> None:
    """Migrate the schema and load the register and questionnaires; idempotent."""
    Path(app.config["DATABASE"]).parent.mkdir(parents=True, exist_ok=True)
    conn = dbmod.connect(app.config["DATABASE"])
    try:
        dbmod.migrate(conn)
        if conn.execute("SELECT count(*) FROM municipalities").fetchone()[0] == 0:
            store.load_municipalities(conn, app.config["MUNICIPALITIES_CSV"])
        files = load_folder(app.config["QUESTIONNAIRES"])
        store.sync_questionnaires(conn, files.questionnaires)
        app.extensions["selfscan.library"] = store.merge_library(
            files, store.stored_questionnaires(conn))
        app.extensions["selfscan.current"] = files.current
    finally:
        conn.conn.close()


def _init_extensions(app: Flask) -> None:
    from selfscan.extensions import babel, csrf, login_manager, select_locale

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    _install_fast_gettext(app)
    login_manager.init_app(app)

    @login_manager.user_loader
    def _load_user(user_id: str):  # type: ignore[no-untyped-def]
        from selfscan import users, web

        return users.get_user(web.get_db(), user_id)
    # Static files with compression and far-future caching for hashed names (WhiteNoise).
    from whitenoise import WhiteNoise

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app, root=str(cfg.PROJECT_ROOT / "static"), prefix="static/",
        max_age=3600, immutable_file_test=_is_hashed_asset, autorefresh=app.debug,
        add_headers_function=_static_headers)
    install_log_redaction()
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def _install_fast_gettext(app: Flask) -> None:
    """Templates look up the catalogue of the request once, not once per translated string.

    Flask-Babel's template callables resolve the locale and catalogue through several context
    lookups for every string; a questionnaire page has dozens of them.
    """
    from flask import g
    from flask_babel import get_translations

    def catalogue() -> Any:
        if "_catalogue" not in g:
            g._catalogue = get_translations()
        return g._catalogue

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
    )


def _static_headers(headers: Any, _path: str, _url: str) -> None:
    """Static files bypass Flask's after_request: give them the same protective headers."""
    from selfscan.views import CSP

    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Content-Security-Policy"] = CSP


def _is_hashed_asset(_path: str, url: str) -> bool:
    """Files with a content hash in their name never change: cache them for a year."""
    return bool(re.search(r"\.[0-9a-f]{10}\.", url))


class _RedactTokens(logging.Filter):
    """Remove secret-link tokens from log lines (request logs of the dev server and gunicorn)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):  # gunicorn's access log passes its atoms as a dict
            record.args = {k: redact(v) if isinstance(v, str) else v
                           for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg)) if isinstance(record.msg, str) else record.msg
        return True


_TOKEN_IN_PATH = re.compile(r"(/|%2F)(c|i|r)(/|%2F)[A-Za-z0-9_-]{16,}", re.IGNORECASE)


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}[verborgen]", text)


def install_log_redaction() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "selfscan", "flask.app"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactTokens) for f in logger.filters):
            logger.addFilter(_RedactTokens())


def _register(app: Flask) -> None:
    from selfscan import cli, views, web

    app.teardown_appcontext(web.close_db)
    views.register(app)
    cli.register(app)
