"""Templates look up the message catalogue of a request once, not once per translated string.

A performance measure that earns its place (docs/performance.md, "Questionnaire page"):
Flask-Babel's gettext resolves the locale and catalogue through several context lookups for every
string, and a page has dozens of them. The catalogue is looked up once per request
(kept on ``g``, so it lives exactly as long as the request whose language chose it) and handed to
every template render as ``_catalogue``; the gettext functions read it from the template context
and fall back to ``g`` in macros imported without context.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.runtime import Context


def catalogue() -> Any:
    """The translations of this request, looked up once."""
    if "_catalogue" not in g:
        g._catalogue = get_translations()
    return g._catalogue


def gettext(message: str, **params: Any) -> str:
    """Flask-Babel's gettext for Python code on busy pages, through the request's catalogue."""
    text = str(catalogue().ugettext(message))
    return text % params if params else text


def _of(ctx: Context) -> Any:
    found = ctx.get("_catalogue")
    return found if found is not None else catalogue()


@pass_context
def _gettext(ctx: Context, s: str) -> str:
    return str(_of(ctx).ugettext(s))


@pass_context
def _ngettext(ctx: Context, s: str, p: str, n: int) -> str:
    return str(_of(ctx).ungettext(s, p, n))


@pass_context
def _pgettext(ctx: Context, c: str, s: str) -> str:
    return str(_of(ctx).upgettext(c, s))


@pass_context
def _npgettext(ctx: Context, c: str, s: str, p: str, n: int) -> str:
    return str(_of(ctx).unpgettext(c, s, p, n))


def install_gettext_cache(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=_gettext, ngettext=_ngettext, newstyle=True, pgettext=_pgettext,
        npgettext=_npgettext)

    @app.context_processor
    def _catalogue() -> dict[str, Any]:
        return {"_catalogue": catalogue()}
