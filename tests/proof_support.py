"""Helpers for the proof tests (security, fuzz, concurrency, browser): rounds made through the store."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from pages import csrf_of  # noqa: F401  (re-exported for the proof tests)

from selfscan.core import tokens
from selfscan.storage import db as dbmod
from selfscan.storage import rounds

ROLES = ("municipality-security", "police", "child-protection", "veilig-thuis", "education",
         "municipality-social")


@dataclass
class RoundHandle:
    """The secret links of a round made for a test; tokens as a coordinator would hold them."""

    round_id: int
    coordinator: str
    invitation: str
    respondents: list[tuple[int, str]] = field(default_factory=list)  # (id, resume token)


def make_round(app: Flask, *, respondents: int = 0, submitted: int = 0, closed: bool = False,
               municipality: str = "GM0363", consent: bool = True,
               seed: int = 0) -> RoundHandle:
    """A round with `respondents` people answering every item; the first `submitted` submit."""
    q = app.extensions["selfscan.current"]
    db = dbmod.connect(app.config["DATABASE"])
    try:
        round_id, coordinator = rounds.create_round(
            db, municipality_code=municipality, questionnaire=q, year=date.today().year,
            benchmark_consent=consent)
        row = rounds.round_by_id(db, round_id)
        handle = RoundHandle(round_id, coordinator,
                             tokens.invitation_token(coordinator, row["invitation_nonce"]))
        items = [i.id for d in q.dimensions for i in d.items]
        for n in range(respondents):
            rid, resume = rounds.create_respondent(db, round_id, ROLES[n % len(ROLES)])
            answers = {item: str((k + n + seed) % 5) for k, item in enumerate(items)}
            rounds.save_answers(db, rid, answers=answers)
            if n < submitted:
                rounds.submit_respondent(db, rid, round_id)
            handle.respondents.append((rid, resume))
        if closed:
            rounds.close_round(db, round_id, q)
    finally:
        db.conn.close()
    return handle


def db_snapshot(path: str | Path) -> list[str]:
    """Every row of every table as SQL text, to show that a refused request changed nothing."""
    conn = sqlite3.connect(str(path))
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def answer_values(path: str | Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT respondent_id, item_id, value FROM answers").fetchall()
    finally:
        conn.close()


def item_ids(app: Flask) -> set[str]:
    q = app.extensions["selfscan.current"]
    return {i.id for d in q.dimensions for i in d.items}

