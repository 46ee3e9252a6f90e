"""Helpers shared by the views: the database of this request, the library, language, errors."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
from flask import Response, current_app, g
from flask_babel import get_locale
from werkzeug.exceptions import BadRequest

from selfscan import db as dbmod
from selfscan.questionnaire import Library, Questionnaire

_local = threading.local()


def get_db() -> sqlite_utils.Database:
    """The connection of this thread, opened once and reused by its later requests.

    Opening a SQLite connection costs the pragmas, and closing the last one checkpoints the
    WAL; a connection per thread (never shared between threads) avoids both on every request.
    """
    if "db" in g:
        return g.db
    path = current_app.config["DATABASE"]
    cached = getattr(_local, "conn", None)
    if cached is None or _local.path != path:
        if cached is not None:
            cached.conn.close()
        _local.conn, _local.path = dbmod.connect(path), path
    g.db = _local.conn
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """End of request: never leave a transaction open on the reused connection."""
    conn = g.pop("db", None)
    if conn is not None and conn.conn.in_transaction:
        conn.conn.rollback()


def library() -> Library:
    return current_app.extensions["selfscan.library"]


def current() -> Questionnaire:
    """The questionnaire version new rounds use."""
    return current_app.extensions["selfscan.current"]


def attachment(body: bytes | str, mimetype: str, filename: str) -> Response:
    """A download: the browser saves it under `filename` instead of showing it."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def lang() -> str:
    """The language of this request, worked out once per request."""
    if "lang" not in g:
        loc = get_locale()
        g.lang = loc.language if loc is not None else "nl"
    return g.lang


def tr(text: Any) -> str:
    """A questionnaire text in the language of this request (Dutch when there is no English)."""
    if text is None:
        return ""
    return text.get(lang())


def bad_request(message: str) -> BadRequest:
    """A 400 whose message the error page shows as it is (it tells the user what to do)."""
    exc = BadRequest(message)
    exc.selfscan_message = True  # type: ignore[attr-defined]
    return exc


def safe_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
