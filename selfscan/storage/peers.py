"""SQL of the comparison lines on a results page: other municipalities' latest consented scores.

Over the stored round scores only, never over answers. The medians and their threshold are the
core's (``selfscan.core.comparison``).
"""

from __future__ import annotations

from collections.abc import Sequence

from selfscan.core.comparison import Comparison, comparison
from selfscan.storage.db import Database
from selfscan.storage.rounds import latest_closed

_LATEST_SCORES = f"""
    SELECT l.municipality_code, m.peer_group, s.dimension_id, s.score
    FROM ({latest_closed(
        partition="r.municipality_code",
        where="r.benchmark_consent = 1 AND r.synthetic = :synthetic "
              "AND r.questionnaire_id = :questionnaire_id AND r.municipality_code != :own")}) l
    JOIN municipalities m ON m.code = l.municipality_code
    JOIN round_scores s ON s.round_id = l.id
    WHERE s.score IS NOT NULL"""


def comparison_for(
    db: Database, *, questionnaire_id: str, municipality_code: str, peer_group: str,
    dimension_ids: Sequence[str], synthetic: bool = False,
) -> Comparison:
    """The peer-group and national lines for a round of ``municipality_code``.

    Synthetic (demo) rounds are only compared with synthetic rounds, real ones with real ones.
    """
    rows = db.execute(_LATEST_SCORES, {
        "synthetic": int(synthetic), "questionnaire_id": questionnaire_id,
        "own": municipality_code,
    }).fetchall()
    return comparison(rows, peer_group, dimension_ids)
