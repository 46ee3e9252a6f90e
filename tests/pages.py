"""Reading what a test needs from a rendered page: the CSRF token, the form nonce, text, parts."""

from __future__ import annotations

import re
from html import unescape


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def nonce_of(html: str) -> str:
    match = re.search(r'name="form_nonce" value="([^"]+)"', html)
    assert match, "page has no form nonce"
    return match.group(1)


def version_of(html: str) -> str:
    """The questionnaire version a questionnaire page posts (its hidden field, "id:version")."""
    match = re.search(r'name="version" value="([^"]+)"', html)
    assert match, "page has no questionnaire version"
    return match.group(1)


def text_of(page: str) -> str:
    """The visible text of a page, whitespace collapsed and entities decoded."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def element(page: str, element_id: str) -> str:
    """The HTML of the table or section with this id ('' when absent)."""
    match = re.search(rf'<(table|section|div|p|li|figcaption)\b[^>]*id="{element_id}".*?</\1>', page, re.S)
    return match.group(0) if match else ""
