"""SQL of the coordinator's e-mail address: confirmation links, confirming, the rounds of an address.

A round that is to count beyond its municipality (benchmark consent or a coaching request)
needs its coordinator's address confirmed through a link mailed to it. The link's token is
stored hashed in ``email_confirmations`` and is valid for CONFIRMATION_VALID_DAYS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from selfscan.core import tokens
from selfscan.storage.db import Database, log_event, now, write

CONFIRMATION_VALID_DAYS = 14


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _valid_since() -> str:
    return _stamp(datetime.now(UTC) - timedelta(days=CONFIRMATION_VALID_DAYS))


def wants_confirmation(r: dict[str, Any]) -> bool:
    """Whether a round asks to count beyond its municipality and has an address to confirm."""
    return bool((r["benchmark_consent"] or r["coaching_requested"]) and r["contact_email"]
                and not r["email_confirmed_at"] and not r["synthetic"])


def new_confirmation(db: Database, round_id: int) -> str:
    """A fresh confirmation token for the round (earlier ones stop working); shown once."""
    token = tokens.new_token()
    with write(db):
        db.execute("DELETE FROM email_confirmations WHERE round_id = ?", (round_id,))
        db.execute("INSERT INTO email_confirmations (token_hash, round_id, created_at) "
                   "VALUES (?, ?, ?)", (tokens.token_hash(token), round_id, now()))
    return token


def set_address(db: Database, round_id: int, address: str) -> bool:
    """Give an unconfirmed round that asked to count beyond its municipality a (new) address."""
    with write(db):
        cur = db.execute(
            """UPDATE rounds SET contact_email = ? WHERE id = ? AND email_confirmed_at IS NULL
               AND (benchmark_consent = 1 OR coaching_requested = 1)""", (address, round_id))
        if cur.rowcount:
            log_event(db, "contact_address_set", round_id)
    return bool(cur.rowcount)


def round_for_confirmation(db: Database, token: str) -> dict[str, Any] | None:
    """The round behind a confirmation link that has not expired; None otherwise."""
    if not tokens.looks_valid(token):
        return None
    return next(db.query(
        """SELECT r.id, r.year, r.name, r.contact_email, r.email_confirmed_at, r.approval,
                  r.benchmark_consent, r.coaching_requested, m.name AS municipality_name
           FROM email_confirmations c JOIN rounds r ON r.id = c.round_id
           JOIN municipalities m ON m.code = r.municipality_code
           WHERE c.token_hash = ? AND c.created_at > ?""",
        [tokens.token_hash(token), _valid_since()]), None)


def confirm(db: Database, token: str) -> bool:
    """Confirm the address behind a valid link: the round waits for the CCV's approval when it
    asked to count beyond its municipality. Idempotent; a decided approval stays as it is."""
    if not tokens.looks_valid(token):
        return False
    with write(db):
        row = db.execute("SELECT round_id FROM email_confirmations WHERE token_hash = ? "
                         "AND created_at > ?", (tokens.token_hash(token), _valid_since())).fetchone()
        if row is None:
            return False
        cur = db.execute(
            """UPDATE rounds SET email_confirmed_at = ?1,
                 approval = CASE WHEN approval = 'none'
                                  AND (benchmark_consent = 1 OR coaching_requested = 1)
                                 THEN 'pending' ELSE approval END,
                 approval_changed_at = CASE WHEN approval = 'none'
                                  AND (benchmark_consent = 1 OR coaching_requested = 1)
                                 THEN ?1 ELSE approval_changed_at END
               WHERE id = ?2 AND email_confirmed_at IS NULL AND contact_email IS NOT NULL""",
            (now(), row[0]))
        if cur.rowcount:
            log_event(db, "email_confirmed", row[0])
    return True


def rounds_of_address(db: Database, address: str) -> list[dict[str, Any]]:
    """The real rounds whose confirmed contact address this is (addresses are kept lowercase)."""
    return list(db.query(
        """SELECT r.id, r.year, r.name, r.status, r.invitation_nonce,
                  m.name AS municipality_name
           FROM rounds r JOIN municipalities m ON m.code = r.municipality_code
           WHERE r.contact_email = ? AND r.email_confirmed_at IS NOT NULL AND r.synthetic = 0
           ORDER BY r.created_at, r.id""", [address.strip().lower()]))


def purge_expired_confirmations(db: Database) -> int:
    """Delete confirmation links that expired; returns how many."""
    with write(db):
        return int(db.execute("DELETE FROM email_confirmations WHERE created_at <= ?",
                              (_valid_since(),)).rowcount)
