"""Templates look up the message catalogue of a request once, not once per translated string.

A performance measure that earns its place (docs/performance.md, "Catalogue per request"):
Flask-Babel's template callables resolve the locale and catalogue through several context lookups
for every string, and a questionnaire page has dozens of them. The catalogue is kept on ``g``, so
it lives exactly as long as the request whose language chose it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations


def catalogue() -> Any:
    """The translations of this request, looked up once."""
    if "_catalogue" not in g:
        g._catalogue = get_translations()
    return g._catalogue


def install_gettext_cache(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
    )
