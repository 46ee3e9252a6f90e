"""SQL of the CCV's coaching list: municipalities that asked for coaching, with their results."""

from __future__ import annotations

from typing import Any

from selfscan.storage.db import Database
from selfscan.storage.rounds import latest_closed

_LATEST_OF_MUNICIPALITY = latest_closed(
    partition="r.municipality_code", where="r.municipality_code = ? AND r.synthetic = ?")


def coaching_requests(db: Database) -> list[dict[str, Any]]:
    """Per municipality that asked for coaching: its latest request, contact and latest results.

    The only place where municipality names appear for the CCV: the municipality asked to be
    contacted. Results are those of its latest closed round; an open round has no results yet.
    """
    requests = list(db.query("""
        WITH asked AS (
          SELECT r.*, row_number() OVER (PARTITION BY r.municipality_code
                                         ORDER BY r.created_at DESC, r.id DESC) AS rn
          FROM rounds r WHERE r.coaching_requested = 1)
        SELECT a.id, a.municipality_code, m.name AS municipality_name, m.province,
               a.contact_email, a.year, a.status, a.synthetic, a.created_at
        FROM asked a JOIN municipalities m ON m.code = a.municipality_code
        WHERE a.rn = 1 ORDER BY m.name COLLATE NOCASE"""))
    for req in requests:
        latest = next(db.query(
            f"""SELECT id, year, questionnaire_id, version, overall_score, overall_phase,
                       respondent_count, closed_at, synthetic FROM ({_LATEST_OF_MUNICIPALITY})""",
            [req["municipality_code"], req["synthetic"]]), None)
        req["latest"] = latest
        req["scores"] = {} if latest is None else {
            rec["dimension_id"]: rec["score"] for rec in db.query(
                "SELECT dimension_id, score FROM round_scores WHERE round_id = ?", [latest["id"]])}
    return requests

