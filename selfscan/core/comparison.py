"""Comparison lines on a municipality's results page: peer-group and national medians.

Plain Python over the scores that ``selfscan.storage.peers`` reads: per other municipality the
scores of its latest closed round with benchmark consent. A line, and each point on it, is shown
only when at least ``anonymity.THRESHOLD`` other municipalities stand behind it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from selfscan.core.anonymity import THRESHOLD, is_shown


@dataclass(frozen=True)
class ComparisonLine:
    """One comparison line: a median per dimension, and how many municipalities are behind it."""

    key: str  # "peer" or "national"
    municipalities: int
    medians: dict[str, float | None] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return is_shown(self.municipalities) and any(
            v is not None for v in self.medians.values())


@dataclass(frozen=True)
class Comparison:
    """The two comparison lines of a results page."""

    peer: ComparisonLine
    national: ComparisonLine
    threshold: int = THRESHOLD


def line(key: str, scores: dict[str, dict[str, float]], dimension_ids: Sequence[str]
         ) -> ComparisonLine:
    """Medians per dimension over municipality -> {dimension -> score}, thresholded per point."""
    medians: dict[str, float | None] = {}
    for dim in dimension_ids:
        values = sorted(s[dim] for s in scores.values() if dim in s)
        # The threshold holds for every point, not only for the line as a whole.
        medians[dim] = statistics.median(values) if is_shown(len(values)) else None
    return ComparisonLine(key, len(scores), medians)


def comparison(rows: Iterable[tuple[str, str, str, float]], peer_group: str,
               dimension_ids: Sequence[str]) -> Comparison:
    """The peer and national lines from (municipality, peer group, dimension, score) rows."""
    national: dict[str, dict[str, float]] = {}
    peers: dict[str, dict[str, float]] = {}
    for code, group, dim, score in rows:
        national.setdefault(code, {})[dim] = score
        if group == peer_group:
            peers.setdefault(code, {})[dim] = score
    return Comparison(peer=line("peer", peers, dimension_ids),
                      national=line("national", national, dimension_ids))
