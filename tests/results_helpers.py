"""Helpers for the results tests: rounds with submitted answers, made directly through the store."""

from __future__ import annotations

import html
import re
from typing import Any

from selfscan.storage import rounds
from selfscan.web import helpers as web


def current(app: Any) -> Any:
    return app.extensions["selfscan.current"]


def make_round(
    app: Any, respondents: list[tuple[str, Any]], *, code: str = "GM0363", close: bool = True,
    consent: bool = True, coaching: bool = False, previous_round_id: int | None = None,
    comments: dict[str, str] | None = None,
) -> tuple[int, str]:
    """A round of ``code`` with one submitted respondent per (role group, answers).

    ``answers`` is a level for every item ("0".."4", "unknown", "na"), or a dict item -> value
    with a "*" key as the default for the other items.
    """
    with app.app_context():
        db = web.get_db()
        q = current(app)
        round_id, token = rounds.create_round(
            db, municipality_code=code, questionnaire=q, year=2025, benchmark_consent=consent,
            coaching_requested=coaching, contact_email="a@b.nl" if coaching else None,
            previous_round_id=previous_round_id)
        for role, answers in respondents:
            if isinstance(answers, str):
                answers = {"*": answers}
            default = answers.get("*")
            values = {i: answers.get(i, default) for i in q.items}
            pid, _ = rounds.create_respondent(db, round_id, role)
            rounds.save_answers(db, pid, answers=values, comments=comments or {})
            rounds.submit_respondent(db, pid, round_id)
        if close:
            rounds.close_round(db, round_id, q)
    return round_id, token


def other_municipalities(app: Any, peer_group: str | None, n: int,
                         exclude: str = "GM0363") -> list[str]:
    with app.app_context():
        db = web.get_db()
        sql = "SELECT code FROM municipalities WHERE code != ?"
        args: list[Any] = [exclude]
        if peer_group:
            sql += " AND peer_group = ?"
            args.append(peer_group)
        return [r["code"] for r in db.query(sql + " ORDER BY code LIMIT ?", [*args, n])]


def text_of(page: str) -> str:
    """The visible text of a page, whitespace collapsed and entities decoded."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def element(page: str, element_id: str) -> str:
    """The HTML of the table or section with this id ('' when absent)."""
    match = re.search(rf'<(table|section|div|p|li|figcaption)\b[^>]*id="{element_id}".*?</\1>', page, re.S)
    return match.group(0) if match else ""
