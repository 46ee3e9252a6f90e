"""Links that are the same on every page: static files and pages without arguments.

A performance measure that earns its place (docs/performance.md, "Questionnaire page"): every
page links three stylesheets and four fixed pages, and building a URL with ``url_for`` costs
about as much as rendering a paragraph. Each such URL is built once per script root (the prefix
under which the service is mounted) and endpoint or file, and only for links that carry nothing
of a request: ``page_url`` refuses endpoints whose rule has arguments, so a secret link can never
end up here.
"""

from __future__ import annotations

import threading

from flask import current_app, request, url_for

_cache: dict[tuple[str, str, str], str] = {}
_lock = threading.Lock()


def _remember(key: tuple[str, str, str], url: str) -> str:
    with _lock:
        _cache[key] = url
    return url


def static_url(filename: str) -> str:
    """url_for("static", filename=...), built once per script root and file."""
    key = (request.script_root, "static", filename)
    found = _cache.get(key)
    return found if found is not None else _remember(key, url_for("static", filename=filename))


def page_url(endpoint: str) -> str:
    """url_for(endpoint) of a page without arguments, built once per script root."""
    key = (request.script_root, endpoint, "")
    found = _cache.get(key)
    if found is not None:
        return found
    rules = list(current_app.url_map.iter_rules(endpoint))
    if not rules or any(rule.arguments for rule in rules):
        raise ValueError(f"{endpoint} has arguments; use url_for")
    return _remember(key, url_for(endpoint))


def clear() -> None:
    with _lock:
        _cache.clear()
