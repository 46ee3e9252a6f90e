"""SQL of the CCV's approval queue: confirmed rounds waiting for approval, and the decisions.

Only approved rounds count in shared figures (storage/releases.py reads approval = 'approved').
A round can be decided only once its coordinator confirmed the address (approval is then
'pending'); an unconfirmed round stays 'none' whatever anyone posts. No scores are read here.
"""

from __future__ import annotations

from typing import Any

from selfscan.storage.db import Database, log_event, now, write

DECISIONS = {"approve": "approved", "reject": "rejected"}
RECENT = 50
"""How many decided rounds the queue shows."""

_COLUMNS = """r.id, r.year, r.name, r.status, r.contact_email, r.created_at,
              r.email_confirmed_at, r.closed_at, r.approval, r.approval_changed_at,
              r.benchmark_consent, r.coaching_requested, m.name AS municipality_name,
              m.province"""


def waiting(db: Database) -> list[dict[str, Any]]:
    """Confirmed real rounds waiting for a decision, the longest waiting first."""
    return list(db.query(
        f"""SELECT {_COLUMNS} FROM rounds r JOIN municipalities m ON m.code = r.municipality_code
            WHERE r.approval = 'pending' AND r.synthetic = 0
            ORDER BY r.email_confirmed_at, r.id"""))


def recently_decided(db: Database, limit: int = RECENT) -> list[dict[str, Any]]:
    return list(db.query(
        f"""SELECT {_COLUMNS} FROM rounds r JOIN municipalities m ON m.code = r.municipality_code
            WHERE r.approval IN ('approved', 'rejected') AND r.synthetic = 0
            ORDER BY r.approval_changed_at DESC, r.id DESC LIMIT ?""", [limit]))


def decide(db: Database, round_id: int, decision: str) -> bool:
    """Approve or reject a confirmed real round (a decision may be changed); False otherwise."""
    approval = DECISIONS[decision]
    with write(db):
        cur = db.execute(
            """UPDATE rounds SET approval = ?, approval_changed_at = ?
               WHERE id = ? AND synthetic = 0 AND email_confirmed_at IS NOT NULL
                 AND approval IN ('pending', 'approved', 'rejected')""",
            (approval, now(), round_id))
        if cur.rowcount:
            log_event(db, f"round_{approval}", round_id)
    return bool(cur.rowcount)
