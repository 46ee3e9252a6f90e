"""The read-only results link of a round: a secret link for the college, the council or partners.

Only the hash of its token is stored (rounds.readonly_token_hash). A round has at most one: making
a new one replaces the old, which then stops working; revoking clears it.
"""

from __future__ import annotations

from typing import Any

from selfscan.core import tokens
from selfscan.storage import rounds
from selfscan.storage.db import Database, log_event, write


def create_or_replace(db: Database, round_id: int) -> str:
    """A new read-only token for the round (any previous one stops working); returns the token."""
    token = tokens.new_token()
    with write(db):
        db.execute("UPDATE rounds SET readonly_token_hash = ? WHERE id = ?",
                   (tokens.token_hash(token), round_id))
        log_event(db, "readonly_link_made", round_id)
    return token


def revoke(db: Database, round_id: int) -> None:
    """The round's read-only link stops working."""
    with write(db):
        db.execute("UPDATE rounds SET readonly_token_hash = NULL WHERE id = ?", (round_id,))
        log_event(db, "readonly_link_revoked", round_id)


def round_by_readonly(db: Database, token: str) -> dict[str, Any] | None:
    """The round behind a read-only link (the coordinator lookup's row); None when unknown."""
    return rounds._round_by_token(db, "readonly_token_hash", token)


def has_link(db: Database, round_id: int) -> bool:
    row = db.execute("SELECT readonly_token_hash IS NOT NULL FROM rounds WHERE id = ?",
                     (round_id,)).fetchone()
    return bool(row and row[0])
