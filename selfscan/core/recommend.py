"""Recommendations: which tools from the catalogue fit a round's weak spots, in which order.

Pure functions on a ``RoundAggregate`` and the catalogue; no Flask. The rules (docs/scoring.md,
"Advice"):

1. Dimensions are listed weakest first: lowest score first, dimensions without a score last,
   ties in the order the aggregate lists them. A dimension without a score gets no advice.
2. A dimension where the partners disagree strongly gets "discuss this together first" with the
   items concerned, before any tool: when the respondents' own dimension scores vary by
   ``scoring.DIMENSION_DISAGREE_STDEV`` points or more, or some item's answers lie
   ``STRONG_SPREAD`` levels apart (the items concerned are those whose answers lie
   ``scoring.ITEM_DISAGREE_SPREAD`` or more apart), or when the care side and the criminal-law
   side disagree on an item (passed in, since only the results view may look at sides).
3. A tool is triggered in a dimension by each ``(item, max_level)`` of its ``relevant_when``
   whose item belongs to the dimension and whose median level is below ``max_level + 1``: a rule
   for level 1 also serves medians 0.5 and 1.5, which lie between levels. A tool qualifies in a
   dimension when it has a trigger there; its own ``dimensions`` list is not consulted.
4. Qualifying tools are ranked by the most urgent item they serve: children's-safety items
   first, then items at level 0 (median below 1), then level 1 (below 2), then the rest; within
   that, tools that serve more of the dimension's triggered items first, then the lowest median,
   then tool id (the result never depends on catalogue order). At most ``per_dimension`` per
   dimension; a repeated tool id in the catalogue counts once, the first one.
5. Coaching (``coaching_tool_id``) is ranked like a tool, on the items of its ``relevant_when``
   that no other qualifying tool serves in that dimension: it fills the gaps the catalogue
   leaves. Apart from that it is offered when the overall score is below ``coaching_below`` or
   when the municipality asked for it.
6. Each recommendation carries its reasons: the triggering items with their median level, most
   urgent first (same order as rule 4), then in questionnaire order.
7. ``first`` holds the most urgent recommendations of the whole round (rule 4 over every
   dimension, each tool once): the first steps a results page can lead with.
8. Items with a median below level 2 (``ATTENTION_LEVEL`` 1 and the half level above it) that
   no shown recommendation names are listed in ``uncovered_items``, so the page can still say
   they need attention.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from selfscan.core.scoring import (
    DIMENSION_DISAGREE_STDEV,
    DimensionAggregate,
    RoundAggregate,
    item_disagrees,
)

ATTENTION_LEVEL: Final = 1
"""Median levels below ATTENTION_LEVEL + 1 need attention even when no tool in the catalogue helps."""

STRONG_SPREAD: Final = 3
"""Answers this many levels apart on one item (0 against 3 or 4) call for a talk first."""

FIRST_STEPS: Final = 3
"""How many of the most urgent recommendations ``first`` holds."""

# The urgency tiers of rule 4.
CHILD_SAFETY, LEVEL_0, LEVEL_1, OTHER = 0, 1, 2, 3


class ToolLike(Protocol):
    """A catalogue entry: the items whose low levels make it relevant."""

    @property
    def id(self) -> str: ...

    @property
    def relevant_when(self) -> tuple[tuple[str, int], ...]: ...


@dataclass(frozen=True)
class Reason:
    """An item that made a tool relevant (or that needs a talk), with the round's median on it."""

    item_id: str
    level: float
    tier: int = OTHER


@dataclass(frozen=True)
class Recommendation:
    tool_id: str
    dimension_id: str
    reasons: tuple[Reason, ...]

    @property
    def tier(self) -> int:
        return min(r.tier for r in self.reasons)


@dataclass(frozen=True)
class Discussion:
    """Disagreement to talk through before any tool: the items concerned, and between whom."""

    reasons: tuple[Reason, ...]
    respondents: bool  # the respondents disagree among themselves
    sides: bool  # the care side and the criminal-law side disagree


@dataclass(frozen=True)
class DimensionRecommendations:
    dimension_id: str
    score: float | None
    discuss: Discussion | None
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True)
class Recommendations:
    dimensions: tuple[DimensionRecommendations, ...]
    first: tuple[Recommendation, ...]
    uncovered_items: tuple[Reason, ...]
    offer_coaching: bool


def dimension_order(aggregate: RoundAggregate) -> tuple[DimensionAggregate, ...]:
    """The dimensions weakest first; without a score last; ties keep the aggregate's order."""
    # sorted() is stable, so equal keys keep the aggregate's (questionnaire) order.
    return tuple(
        sorted(
            aggregate.dimensions.values(),
            key=lambda d: (d.score is None, d.score if d.score is not None else 0.0),
        )
    )


def item_medians(dimension: DimensionAggregate) -> dict[str, float]:
    """Median level per item of the dimension, for the items that have one, in item order."""
    return {item.item_id: item.median for item in dimension.items if item.median is not None}


def tier(item_id: str, median: float, child_safety: Collection[str]) -> int:
    """How urgent an item is (rule 4): children's safety, level 0, level 1, the rest."""
    if item_id in child_safety:
        return CHILD_SAFETY
    if median < 1:
        return LEVEL_0
    if median < 2:
        return LEVEL_1
    return OTHER


def serves(median: float, max_level: int) -> bool:
    """Rule 3: a rule for ``max_level`` serves every median below the next whole level."""
    return median < max_level + 1


def _reason_order(reasons: Iterable[Reason], order: Mapping[str, int]) -> tuple[Reason, ...]:
    return tuple(sorted(reasons, key=lambda r: (r.tier, r.level, order[r.item_id])))


def triggers(tool: ToolLike, dimension: DimensionAggregate,
             child_safety: Collection[str] = ()) -> tuple[Reason, ...]:
    """The items of ``dimension`` that trigger ``tool``, most urgent first, then item order."""
    medians = item_medians(dimension)
    order = {item_id: index for index, item_id in enumerate(medians)}
    found: dict[str, Reason] = {}
    for item_id, max_level in tool.relevant_when:
        median = medians.get(item_id)
        # setdefault: a catalogue that names the same item twice still gives one reason.
        if median is not None and serves(median, max_level):
            found.setdefault(item_id, Reason(item_id, median, tier(item_id, median, child_safety)))
    return _reason_order(found.values(), order)


def rank_key(rec: Recommendation) -> tuple[int, int, float, str]:
    """Sort key of rule 4: most urgent item, more items served, lowest median, tool id."""
    return (rec.tier, -len(rec.reasons), min(r.level for r in rec.reasons), rec.tool_id)


def rank_tools(
    dimension: DimensionAggregate, tools: Iterable[ToolLike], limit: int,
    child_safety: Collection[str] = (), coaching: ToolLike | None = None,
) -> tuple[Recommendation, ...]:
    """The best ``limit`` tools for one dimension; none when the dimension has no score."""
    if dimension.score is None:
        return ()
    seen: set[str] = set()
    qualifying: list[Recommendation] = []
    for tool in tools:
        # A repeated id counts once, first one wins, so a catalogue slip cannot give it two places.
        if tool.id in seen:
            continue
        seen.add(tool.id)
        reasons = triggers(tool, dimension, child_safety)
        if reasons:
            qualifying.append(Recommendation(tool.id, dimension.dimension_id, reasons))
    if coaching is not None:
        served = {r.item_id for rec in qualifying for r in rec.reasons}
        gaps = tuple(r for r in triggers(coaching, dimension, child_safety)
                     if r.item_id not in served)
        if gaps:
            qualifying.append(Recommendation(coaching.id, dimension.dimension_id, gaps))
    return tuple(sorted(qualifying, key=rank_key)[:limit])


def discussion(dimension: DimensionAggregate, side_items: Collection[str] = (),
               child_safety: Collection[str] = ()) -> Discussion | None:
    """Rule 2: what to talk through first in a dimension, or None."""
    if dimension.score is None:
        return None
    strong = (dimension.disagreement is not None
              and dimension.disagreement >= DIMENSION_DISAGREE_STDEV) or any(
        item.spread is not None and item.spread >= STRONG_SPREAD for item in dimension.items)
    order = {item.item_id: index for index, item in enumerate(dimension.items)}
    disputed = {item.item_id: item for item in dimension.items
                if (strong and item_disagrees(item.spread)) or item.item_id in side_items}
    if not disputed:
        return None
    reasons = (Reason(i, item.median if item.median is not None else 0.0,
                      tier(i, item.median if item.median is not None else 0.0, child_safety))
               for i, item in disputed.items())
    respondents = strong and any(item_disagrees(item.spread) for item in disputed.values())
    sides = any(i in side_items for i in disputed)
    return Discussion(_reason_order(reasons, order), respondents, sides)


def uncovered(
    dimensions: Iterable[DimensionAggregate], shown: Iterable[Recommendation]
) -> tuple[Reason, ...]:
    """Items below level ``ATTENTION_LEVEL + 1`` that no shown recommendation names."""
    named = {(rec.dimension_id, r.item_id) for rec in shown for r in rec.reasons}
    return tuple(
        Reason(item_id, median)
        for dimension in dimensions
        for item_id, median in item_medians(dimension).items()
        if serves(median, ATTENTION_LEVEL) and (dimension.dimension_id, item_id) not in named
    )


def first_steps(per: Sequence[DimensionRecommendations], limit: int = FIRST_STEPS
                ) -> tuple[Recommendation, ...]:
    """Rule 7: the most urgent recommendations of the round, each tool once."""
    out: list[Recommendation] = []
    for rec in sorted((rec for d in per for rec in d.recommendations), key=rank_key):
        if all(rec.tool_id != done.tool_id for done in out):
            out.append(rec)
    return tuple(out[:limit])


def offer_coaching(overall: float | None, *, below: float, requested: bool) -> bool:
    """Coaching for a low overall score or on request; no score at all is not a reason by itself."""
    return requested or (overall is not None and overall < below)


def recommend(
    aggregate: RoundAggregate,
    tools: Iterable[ToolLike],
    *,
    per_dimension: int = 3,
    child_safety: Collection[str] = (),
    side_items: Mapping[str, Collection[str]] | None = None,
    coaching_tool_id: str = "ccv-coaching",
    coaching_below: float = 50.0,
    coaching_requested: bool = False,
) -> Recommendations:
    """Rank the catalogue's tools for a round, weakest dimension first (rules: module docstring).

    ``child_safety`` names the children's-safety items; ``side_items`` maps a dimension id to
    its items on which the care and criminal-law sides disagree (only where they may be shown).
    """
    if per_dimension < 0:
        raise ValueError(f"per_dimension must be 0 or more, not {per_dimension}")
    tools = tuple(tools)
    coaching = next((tool for tool in tools if tool.id == coaching_tool_id), None)
    ordinary = tuple(tool for tool in tools if tool.id != coaching_tool_id)
    ordered = dimension_order(aggregate)
    sides = side_items or {}
    per = tuple(
        DimensionRecommendations(
            d.dimension_id, d.score,
            discussion(d, sides.get(d.dimension_id, ()), child_safety),
            rank_tools(d, ordinary, per_dimension, child_safety, coaching))
        for d in ordered
    )
    shown = [rec for d in per for rec in d.recommendations]
    return Recommendations(
        dimensions=per,
        first=first_steps(per),
        uncovered_items=uncovered(ordered, shown),
        offer_coaching=offer_coaching(
            aggregate.overall, below=coaching_below, requested=coaching_requested
        ),
    )
