"""selfscan: the self-scan of the approach to multi-problem families, as a Flask application."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from selfscan import config as cfg

__version__ = "0.1.0"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: configuration and the instance folder, then the web layer."""
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
        template_folder="web/templates",
    )
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    instance.chmod(0o700)  # owner only: the database, the secret key, backups, the outbox
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

    from selfscan import cli, web

    web.init_app(app)
    cli.register(app)
    return app
