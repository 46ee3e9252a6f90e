"""Comparison lines on a municipality's results page: peer-group, caseload and national medians.

Plain Python over a release (core.disclosure): the lines are the release's national cell and the
cells of the municipality's peer group (size) and of its caseload band (the number of families
in the approach, the median of its respondents' answers) in their one-way tables, as published there — whole
numbers, each only where the release shows it. So a results page publishes nothing that the
release did not already publish to the CCV, and two results pages seen at two moments differ
only when the release does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from selfscan.core.anonymity import THRESHOLD


@dataclass(frozen=True)
class ComparisonLine:
    """One comparison line: a median per dimension, and the band of municipalities behind it."""

    key: str  # "peer", "caseload" or "national"
    municipalities: str | None  # a count band ("5-9", ...), None when the release hides it
    medians: dict[str, int | None] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.municipalities is not None and any(
            v is not None for v in self.medians.values())


@dataclass(frozen=True)
class Comparison:
    """The two comparison lines of a results page, and the release they come from."""

    peer: ComparisonLine
    national: ComparisonLine
    release: int | None = None
    caseload: ComparisonLine = field(default_factory=lambda: ComparisonLine("caseload", None))
    caseload_band: str | None = None
    release_date: str = ""
    threshold: int = THRESHOLD


def _line(key: str, cell: Mapping[str, Any] | None, dimension_ids: Sequence[str]
          ) -> ComparisonLine:
    if not cell or not cell.get("shown"):
        return ComparisonLine(key, None, {d: None for d in dimension_ids})
    dims = cell.get("dimensions", {})
    return ComparisonLine(key, cell.get("municipalities"),
                          {d: dims.get(d, {}).get("median") for d in dimension_ids})


def from_release(national: Mapping[str, Any] | None, peer_cells: Mapping[str, Any] | None,
                 peer_group: str, dimension_ids: Sequence[str], number: int | None = None,
                 date: str = "", caseload_cells: Mapping[str, Any] | None = None,
                 caseload_band: str | None = None) -> Comparison:
    """The lines of a results page from a release's national cell and the cells of its size and
    caseload tables (None: no release yet)."""
    caseload = (caseload_cells or {}).get(caseload_band) if caseload_band else None
    return Comparison(_line("peer", (peer_cells or {}).get(peer_group), dimension_ids),
                      _line("national", national, dimension_ids),
                      release=number, release_date=date,
                      caseload=_line("caseload", caseload, dimension_ids),
                      caseload_band=caseload_band)
