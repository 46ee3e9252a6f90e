"""The anonymity rules, in one place: thresholds, complementary suppression and peer groups.

Pure functions; no Flask, no database. The rules (docs/scoring.md, "Anonymity"):

* A benchmark statistic is shown only when at least ``THRESHOLD`` (5) distinct municipalities are
  behind it; this holds for every breakdown, not only the total, because a floor on totals alone
  leaks through the breakdowns.
* Within one round, a breakdown by role group is shown only for groups of at least
  ``ROLE_GROUP_THRESHOLD`` (3) respondents, with the same complementary suppression against the
  round's respondent count (which the page always shows).
* ``suppress`` applies this to a one-dimensional breakdown (cells plus, optionally, a total):

  1. If the total is shown and is between 1 and ``threshold - 1``, everything is hidden: the
     total and every cell (``total_hidden``).
  2. Primary: every cell with ``0 < count < threshold`` is hidden. A count of 0 is shown: there
     is nothing behind it to protect, and the page says "no data".
  3. Secondary, only when a total is shown: whoever subtracts the shown cells from the total learns
     the sum ``H`` of the ``k`` hidden cells, and knows each hidden cell is at least 1 (zeros are
     shown). A hidden cell is then pinned down exactly when ``k == 1`` or ``H == k``. So while
     cells are hidden and not (``k >= 2`` and ``H >= threshold`` and ``H > k``), the smallest
     shown non-zero cell is hidden as well (ties: the first in the mapping's order).
  4. If that runs out of cells to hide, the total is hidden instead (``total_hidden``).

  Guarantee: every shown cell is 0 or at least ``threshold``; and either the total is hidden, or
  no cell is hidden, or at least two cells are hidden that together hold at least ``threshold``
  and each hidden cell has at least two values (1 .. ``H - k + 1``) that fit what is shown.
  Units that fall in no cell (``total`` larger than the sum of the cells) are treated as known
  to the reader, the careful assumption. The guarantee is about working cells out by
  subtraction; it does not claim that a reader who also replays this algorithm learns nothing.
* Peer groups: municipalities are compared with others of similar size. The eight CBS size
  classes are too fine for a few dozen participants, so neighbouring classes are merged.
"""

import bisect
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Generic, TypeVar

THRESHOLD: Final = 5
"""Minimum number of distinct municipalities behind any benchmark statistic."""

ROLE_GROUP_THRESHOLD: Final = 3
"""Minimum number of respondents behind a role-group breakdown within one round."""

PROVISIONAL_FROM: Final = 3
"""Submitted respondents an open round needs before its provisional results are shown: with
fewer, the results of an open round would be one or two persons' answers."""

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Suppression(Generic[K]):
    """What to hide of a breakdown: the hidden cell keys, and whether the total is hidden too."""

    hidden: frozenset[K]
    total_hidden: bool

    def shows(self, key: K) -> bool:
        return key not in self.hidden


def is_shown(n_municipalities: int) -> bool:
    """May a benchmark statistic over this many distinct municipalities be shown?"""
    return n_municipalities >= THRESHOLD


def _is_safe(hidden_counts: list[int], threshold: int) -> bool:
    # See rule 3 in the module docstring: nothing hidden, or a hidden group whose sum does not
    # pin any single hidden cell down and is not itself a small number.
    k, h = len(hidden_counts), sum(hidden_counts)
    return k == 0 or (k >= 2 and h >= threshold and h > k)


def suppress(
    cells: Mapping[K, int], total: int | None = None, threshold: int = THRESHOLD
) -> Suppression[K]:
    """Which cells of a one-dimensional breakdown (and whether its total) to hide.

    ``total`` is the total shown next to the cells (None when none is shown); it may exceed the
    sum of the cells when some units fall in no cell, but not be smaller.
    """
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, not {threshold}")
    if any(count < 0 for count in cells.values()):
        raise ValueError("cell counts cannot be negative")
    if total is not None and total < sum(cells.values()):
        raise ValueError(f"total {total} is smaller than the sum of the cells")
    if total is not None and 0 < total < threshold:
        return Suppression(frozenset(cells), total_hidden=True)

    hidden = [key for key, count in cells.items() if 0 < count < threshold]
    if total is None:
        # Without a total nothing can be worked out by subtraction: primary suppression suffices.
        return Suppression(frozenset(hidden), total_hidden=False)

    # Candidates for secondary suppression, smallest first; sorted() keeps mapping order on ties.
    candidates = sorted(
        (key for key, count in cells.items() if count >= threshold), key=lambda key: cells[key]
    )
    while not _is_safe([cells[key] for key in hidden], threshold):
        if not candidates:
            return Suppression(frozenset(hidden), total_hidden=True)
        hidden.append(candidates.pop(0))
    return Suppression(frozenset(hidden), total_hidden=False)


def safe_role_groups(counts: Mapping[str, int], total: int | None = None) -> set[str]:
    """The role groups of a round whose breakdown may be shown.

    ``total`` is the round's respondent count shown on the page (default: the sum of ``counts``).
    Groups without respondents are not returned: there is nothing to show for them. When
    ``suppress`` would hide the total, no group is returned, because the page shows the total.
    """
    shown_total = sum(counts.values()) if total is None else total
    result = suppress(counts, shown_total, ROLE_GROUP_THRESHOLD)
    if result.total_hidden:
        # The round's respondent count is always on the page, so a breakdown that needs the total
        # hidden (three groups of one, say) is not shown at all. suppress has then already hidden
        # every non-empty group; the check keeps this function safe on its own terms.
        return set()
    return {group for group, count in counts.items() if count > 0 and result.shows(group)}


# --- peer groups ---------------------------------------------------------------------------

SIZE_CLASS_LOWER_BOUNDS: Final = (0, 5_000, 10_000, 20_000, 50_000, 100_000, 150_000, 250_000)
"""Lowest population of size class 1..8 (CBS gemeentegrootteklasse), in order.

Our codes: 1 <5k, 2 5-10k, 3 10-20k, 4 20-50k, 5 50-100k, 6 100-150k, 7 150-250k, 8 >=250k.
The domain brief confirms codes 4-7 for these ranges on CBS table 82949NED; 1-3 and 8 follow
the same pattern and are our own numbering until checked against CBS.
"""

PEER_GROUPS: Final = ("tot-20k", "20k-50k", "50k-100k", "100k-plus")
"""Peer groups, smallest municipalities first."""

PEER_GROUP_OF_SIZE_CLASS: Final[Mapping[int, str]] = MappingProxyType(
    {
        # A few dozen participants spread over eight classes would leave most classes below the
        # threshold, so neighbouring classes are merged at the small and the large end.
        1: "tot-20k",
        2: "tot-20k",
        3: "tot-20k",
        4: "20k-50k",
        5: "50k-100k",
        6: "100k-plus",
        7: "100k-plus",
        8: "100k-plus",
    }
)

PEER_GROUP_LABELS: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "tot-20k": ("Tot 20.000 inwoners", "Under 20,000 inhabitants"),
        "20k-50k": ("20.000 tot 50.000 inwoners", "20,000 to 50,000 inhabitants"),
        "50k-100k": ("50.000 tot 100.000 inwoners", "50,000 to 100,000 inhabitants"),
        "100k-plus": ("100.000 inwoners of meer", "100,000 inhabitants or more"),
    }
)
"""Peer group id -> (Dutch label, English label)."""


def size_class(population: int) -> int:
    """The size class code 1..8 of a municipality with this many inhabitants."""
    if population < 0:
        raise ValueError(f"population cannot be negative: {population}")
    return bisect.bisect_right(SIZE_CLASS_LOWER_BOUNDS, population)


def peer_group_for(population: int) -> str:
    """The peer group id of a municipality with this many inhabitants."""
    return PEER_GROUP_OF_SIZE_CLASS[size_class(population)]
