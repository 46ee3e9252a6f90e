"""Protective headers on every response, static files included, and caching of hashed assets."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # plotly.js would inject <style> elements; base.html links its stylesheet instead.
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

PROTECTIVE_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def add_headers(response: Response) -> Response:
    """The headers of every page and download (after_request)."""
    h = response.headers
    # No view sets these itself, so they are appended rather than looked up one by one.
    h.extend(PROTECTIVE_HEADERS)
    if request.is_secure:
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if "Cache-Control" not in h:
        # Pages behind secret links must not linger in shared caches.
        h["Cache-Control"] = "no-store"
    return response


def static_headers(headers: Any, _path: str, _url: str) -> None:
    """Static files bypass Flask's after_request: give them the same protective headers."""
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Content-Security-Policy"] = CSP


def is_hashed_asset(_path: str, url: str) -> bool:
    """Files with a content hash in their name never change: cache them for a year."""
    return bool(re.search(r"\.[0-9a-f]{10}\.", url))
