"""Reading what a test needs from a rendered page: the CSRF token and the form nonce."""

from __future__ import annotations

import re


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def nonce_of(html: str) -> str:
    match = re.search(r'name="form_nonce" value="([^"]+)"', html)
    assert match, "page has no form nonce"
    return match.group(1)
