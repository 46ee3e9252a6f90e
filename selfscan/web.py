"""Helpers shared by the views: the database of this request, the library, language, errors."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from flask import current_app, g
from flask_babel import get_locale

from selfscan import db as dbmod
from selfscan.questionnaire import Library


def get_db() -> sqlite_utils.Database:
    """One connection per request, closed in teardown; never shared between threads."""
    if "db" not in g:
        g.db = dbmod.connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.conn.close()


def library() -> Library:
    return current_app.extensions["selfscan.library"]


def lang() -> str:
    loc = get_locale()
    return loc.language if loc is not None else "nl"


def tr(text: Any) -> str:
    """A questionnaire text in the language of this request (Dutch when there is no English)."""
    if text is None:
        return ""
    return text.get(lang())
