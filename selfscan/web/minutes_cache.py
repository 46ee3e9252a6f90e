"""The minutes a role group's questionnaire takes, counted once per version, language and labels.

Counting the words of every role group (``core.reading_time``) takes about 13 ms for the range on
the home page and the invitation (measured 2026-12-01, 12 role groups of questionnaire v3), on
pages that otherwise take a few; the result is the same for every visitor, so it is kept here,
keyed by everything it depends on: the version and its content hash, the role group, the language
and the two answer labels that the pages show.
"""

from __future__ import annotations

from selfscan.core import reading_time
from selfscan.core.questionnaire import Questionnaire

_minutes: dict[tuple[object, ...], int] = {}


def minutes(q: Questionnaire, role_group: str | None, lang: str, extra: tuple[str, str]) -> int:
    """`reading_time.minutes` for these arguments, computed on first use."""
    key = (q.key, q.content_hash, role_group, lang, extra)
    found = _minutes.get(key)
    if found is None:
        found = _minutes[key] = reading_time.minutes(q, role_group, lang, extra)
    return found


def clear() -> None:
    """Forget every count (tests)."""
    _minutes.clear()
