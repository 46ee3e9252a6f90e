"""Peer-group and national medians per dimension for a municipality's results page.

SQL over the stored round scores only (never over answers): per other municipality its latest
closed round of the same questionnaire id with benchmark consent; the median is taken over that
small per-municipality result. A line (and each point on it) is shown only when at least
``anonymity.THRESHOLD`` other municipalities stand behind it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import sqlite_utils

from selfscan.anonymity import THRESHOLD, is_shown

# The latest closed, consented round per municipality; window functions need SQLite >= 3.25.
_LATEST_SCORES = """
WITH latest AS (
    SELECT r.id, r.municipality_code, m.peer_group,
           ROW_NUMBER() OVER (PARTITION BY r.municipality_code
                              ORDER BY r.closed_at DESC, r.id DESC) AS n
    FROM rounds r JOIN municipalities m ON m.code = r.municipality_code
    WHERE r.status = 'closed' AND r.benchmark_consent = 1 AND r.synthetic = :synthetic
      AND r.questionnaire_id = :questionnaire_id AND r.municipality_code != :own
)
SELECT l.municipality_code, l.peer_group, s.dimension_id, s.score
FROM latest l JOIN round_scores s ON s.round_id = l.id
WHERE l.n = 1 AND s.score IS NOT NULL
"""


@dataclass(frozen=True)
class BenchmarkLine:
    """One comparison line: a median per dimension, and how many municipalities are behind it."""

    key: str  # "peer" or "national"
    municipalities: int
    medians: dict[str, float | None] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return is_shown(self.municipalities) and any(
            v is not None for v in self.medians.values())


@dataclass(frozen=True)
class Benchmark:
    peer: BenchmarkLine
    national: BenchmarkLine
    threshold: int = THRESHOLD


def _line(key: str, scores: dict[str, dict[str, float]], dimension_ids: list[str]) -> BenchmarkLine:
    """Medians per dimension over municipality -> {dimension -> score}, thresholded per point."""
    medians: dict[str, float | None] = {}
    for dim in dimension_ids:
        values = sorted(s[dim] for s in scores.values() if dim in s)
        # The threshold holds for every point, not only for the line as a whole.
        medians[dim] = statistics.median(values) if is_shown(len(values)) else None
    return BenchmarkLine(key, len(scores), medians)


def benchmark(
    db: sqlite_utils.Database, *, questionnaire_id: str, municipality_code: str,
    peer_group: str, dimension_ids: list[str], synthetic: bool = False,
) -> Benchmark:
    """The peer-group and national median lines for a round of ``municipality_code``.

    Synthetic (demo) rounds are only compared with synthetic rounds, real ones with real ones.
    """
    national: dict[str, dict[str, float]] = {}
    peers: dict[str, dict[str, float]] = {}
    for row in db.execute(_LATEST_SCORES, {
        "synthetic": int(synthetic), "questionnaire_id": questionnaire_id,
        "own": municipality_code,
    }).fetchall():
        code, group, dim, score = row
        national.setdefault(code, {})[dim] = score
        if group == peer_group:
            peers.setdefault(code, {})[dim] = score
    return Benchmark(
        peer=_line("peer", peers, dimension_ids),
        national=_line("national", national, dimension_ids),
    )
