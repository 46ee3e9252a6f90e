"""SQL of the retention rules that purge-expired applies (issue 11, part 5).

- A coordinator's e-mail address is erased a set time after the round closes, and at once for a
  coaching request the CCV handled. A confirmed coaching request that is not handled yet keeps
  its address, so that the CCV can still reach the municipality.
- An open round without activity (started, a respondent joining, saving or submitting, the
  address confirmed) for a set time is deleted; when it has a confirmed address, only after a
  warning was mailed to it at least a set number of days before, and with no activity since.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from selfscan.storage.db import Database, checkpoint, log_event, now, write


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def erase_addresses(db: Database, retention_days: int) -> int:
    """Erase addresses of rounds closed ``retention_days`` ago and of handled coaching requests."""
    with write(db):
        erased = int(db.execute(
            """UPDATE rounds SET contact_email = NULL
               WHERE contact_email IS NOT NULL AND (
                 coaching_handled_at IS NOT NULL
                 OR (status = 'closed' AND closed_at <= ?
                     AND NOT (coaching_requested = 1 AND email_confirmed_at IS NOT NULL
                              AND coaching_handled_at IS NULL)))""",
            (_ago(retention_days),)).rowcount)
        if erased:
            log_event(db, "addresses_erased")
    if erased:
        checkpoint(db)
    return erased


# Open real rounds with the moment of their last activity and whether a warning can reach them.
_OPEN_ROUNDS = """
    SELECT * FROM (
      SELECT r.id, r.year, r.contact_email, r.deletion_warned_at, m.name AS municipality_name,
             (r.contact_email IS NOT NULL AND r.email_confirmed_at IS NOT NULL) AS warnable,
             max(r.created_at, coalesce(r.email_confirmed_at, ''),
                 coalesce((SELECT max(max(p.updated_at, coalesce(p.submitted_at, '')))
                           FROM respondents p WHERE p.round_id = r.id), '')) AS last_activity
      FROM rounds r JOIN municipalities m ON m.code = r.municipality_code
      WHERE r.status = 'open' AND r.synthetic = 0)"""


def rounds_to_warn(db: Database, inactive_days: int, warning_days: int) -> list[dict[str, Any]]:
    """Open rounds that will be deleted within ``warning_days`` and were not warned since their
    last activity, with a confirmed address to warn."""
    return list(db.query(
        _OPEN_ROUNDS + """ WHERE warnable AND last_activity <= ?
            AND (deletion_warned_at IS NULL OR deletion_warned_at < last_activity)
            ORDER BY id""", [_ago(max(inactive_days - warning_days, 0))]))


def mark_warned(db: Database, round_id: int) -> None:
    with write(db):
        db.execute("UPDATE rounds SET deletion_warned_at = ? WHERE id = ?", (now(), round_id))
        log_event(db, "deletion_warned", round_id)


def rounds_to_delete(db: Database, inactive_days: int, warning_days: int) -> list[int]:
    """Open rounds inactive for ``inactive_days``: without a confirmed address at once, with one
    only when it was warned at least ``warning_days`` ago and nothing happened since."""
    return [r["id"] for r in db.query(
        _OPEN_ROUNDS + """ WHERE last_activity <= ?
            AND (NOT warnable OR (deletion_warned_at IS NOT NULL
                                  AND deletion_warned_at >= last_activity
                                  AND deletion_warned_at <= ?))
            ORDER BY id""", [_ago(inactive_days), _ago(warning_days)])]
