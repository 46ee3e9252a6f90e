"""SQL of the CCV's coaching list: confirmed coaching requests, each with its own round's results."""

from __future__ import annotations

from typing import Any

from selfscan.storage.db import Database, log_event, now, write


def coaching_requests(db: Database) -> list[dict[str, Any]]:
    """Every round whose coordinator asked for coaching and confirmed the address.

    The only place where municipality names appear for the CCV: the municipality asked to be
    contacted. The scores are those of the requesting round itself once it is closed, never
    those of the municipality's other rounds (which may not have consented to anything).
    Open requests come first, then handled ones, each by municipality name.
    """
    requests = list(db.query("""
        SELECT r.id, r.municipality_code, m.name AS municipality_name, m.province,
               r.contact_email, r.year, r.status, r.synthetic, r.created_at,
               r.email_confirmed_at, r.closed_at, r.coaching_handled_at, r.overall_score,
               r.respondent_count
        FROM rounds r JOIN municipalities m ON m.code = r.municipality_code
        WHERE r.coaching_requested = 1 AND r.email_confirmed_at IS NOT NULL
        ORDER BY r.coaching_handled_at IS NOT NULL, m.name COLLATE NOCASE, r.id DESC"""))
    for req in requests:
        req["scores"] = {} if req["status"] != "closed" else {
            rec["dimension_id"]: rec["score"] for rec in db.query(
                "SELECT dimension_id, score FROM round_scores WHERE round_id = ?", [req["id"]])}
    return requests


def mark_handled(db: Database, round_id: int) -> bool:
    """Mark a confirmed coaching request handled (purge-expired then erases its address)."""
    with write(db):
        cur = db.execute(
            """UPDATE rounds SET coaching_handled_at = ? WHERE id = ? AND coaching_requested = 1
               AND email_confirmed_at IS NOT NULL AND coaching_handled_at IS NULL""",
            (now(), round_id))
        if cur.rowcount:
            log_event(db, "coaching_handled", round_id)
    return bool(cur.rowcount)
