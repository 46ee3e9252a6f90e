"""The web shell: app wiring (extensions, filters, headers, errors, log redaction) and one
blueprint per audience: public, api, coordinator (and contact: its e-mail address), respondent,
results, ccv (and approvals)."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort
from flask_login import current_user

from selfscan import config as cfg
from selfscan import storage
from selfscan.output import formats
from selfscan.web import errors, headers, helpers, logs
from selfscan.web.extensions import babel, csrf, login_manager, select_locale
from selfscan.web.gettext_cache import install_gettext_cache
from selfscan.web.static_compression import FreshWhiteNoise, is_served


def _in_request_language(fmt: Callable[..., str]) -> Callable[..., str]:
    """A number format as a filter that writes in the language of the request (68,1 or 68.1),
    also in macros imported without context."""

    @functools.wraps(fmt)
    def number_filter(value: Any, *args: Any) -> str:
        return fmt(value, *args, lang=helpers.lang())

    return number_filter


# Number formats as filters rather than template macros: a page formats a few hundred numbers
# and a Python filter costs a fraction of a macro call. App-wide: results and CCV pages use them.
FILTERS = {name: _in_request_language(fmt) for name, fmt in (
    ("num", formats.format_number), ("pct", formats.format_pct),
    ("delta", formats.format_delta), ("lvl", formats.format_level))}


def init_app(app: Flask) -> None:
    """Bind extensions, middleware, blueprints, template helpers, headers and error pages."""
    # "//host" paths would otherwise be redirected to a URL that browsers read as another host.
    app.url_map.merge_slashes = False
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider has it; the base type does not
    app.extensions["selfscan.lock"] = threading.Lock()
    _init_extensions(app)
    _init_middleware(app)
    _init_blueprints(app)
    _init_templates(app)
    app.after_request(_add_headers)
    errors.register(app)
    app.teardown_appcontext(helpers.close_db)
    app.before_request(lambda: ensure_ready(app))


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
    library, current = storage.prepare(app.config["DATABASE"], app.config["MUNICIPALITIES_CSV"],
                                       app.config["QUESTIONNAIRES"])
    app.extensions["selfscan.current"] = current
    app.extensions["selfscan.library"] = library


def _init_extensions(app: Flask) -> None:
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_gettext_cache(app)
    # Without Flask-Login's context processor, which loads the user on every page render (a
    # session read on respondent pages that never show it); templates get the lazy proxy instead.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user

    @login_manager.user_loader
    def _load_user(user_id: str) -> Any:
        from selfscan.storage import users

        return users.get_user(helpers.get_db(), user_id)


def _init_middleware(app: Flask) -> None:
    # Static files with their gzip/brotli copies (built by `make install`; a stale copy is not
    # served) and far-future caching for hashed names (WhiteNoise).
    app.wsgi_app = FreshWhiteNoise(  # type: ignore[method-assign]  # WSGI middleware replaces the app
        app.wsgi_app, root=str(cfg.PROJECT_ROOT / "static"), prefix="static/",
        max_age=3600, immutable_file_test=headers.is_hashed_asset, autorefresh=app.debug,
        add_headers_function=headers.static_headers)
    # Flask's own static route stays for url_for and answers what WhiteNoise passes on: it must
    # refuse the developer files (build scripts, README) as WhiteNoise does.
    flask_static = app.view_functions["static"]

    def static(filename: str) -> Any:
        if not is_served(filename):
            abort(404)
        return flask_static(filename=filename)

    app.view_functions["static"] = static
    logs.install_log_redaction()
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # WSGI middleware replaces the app
            app.wsgi_app, x_for=n, x_proto=n, x_host=n)


def _init_blueprints(app: Flask) -> None:
    from selfscan.web import api, approvals, ccv, contact, coordinator, public, readonly, respondent, results

    for module in (public, api, coordinator, contact, respondent, results, readonly, ccv,
                   approvals):
        app.register_blueprint(module.bp)
    from selfscan.web import session  # the working session (werksessie) of a closed round

    app.register_blueprint(session.bp)


def _static_manifest(app: Flask) -> dict[str, str]:
    path = Path(app.static_folder or "") / "vendor" / "manifest.json"
    try:
        manifest: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest


def _init_templates(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
    manifest = _static_manifest(app)

    # Functions as globals, so that macros imported without context can use them too.
    app.jinja_env.globals.update(
        tr=helpers.tr, asset=lambda name: manifest.get(name, name))

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"lang": helpers.lang()}


def _add_headers(response: Response) -> Response:
    return headers.add_headers(response)
