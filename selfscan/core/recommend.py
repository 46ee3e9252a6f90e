"""Recommendations: which tools from the catalogue fit a round's weak spots, in which order.

Pure functions on a ``RoundAggregate`` and the catalogue; no Flask. The rules (docs/scoring.md):

1. Dimensions are listed weakest first: lowest score first, dimensions without a score last,
   ties in the order the aggregate lists them. A dimension without a score gets no tools.
2. A tool is triggered in a dimension by each ``(item, max_level)`` in its ``relevant_when`` whose
   item belongs to that dimension and whose median level in the round is at or below
   ``max_level``. The median is used as it is, not rounded: a median of 1.5 does not trigger a
   rule with ``max_level`` 1. A tool qualifies in a dimension when it has at least one trigger
   there. The tool's own ``dimensions`` list is not consulted: the answers are the evidence.
3. Qualifying tools are ranked by the lowest triggering level (worst first), then by the number
   of triggering items (more first), then by tool id (so the result never depends on catalogue
   order); at most ``per_dimension`` per dimension. A tool can appear in several dimensions but
   only once per dimension (a repeated tool id in the catalogue counts once, first one wins).
4. Each recommendation carries its reasons: the triggering items with their median level, lowest
   level first, then in questionnaire order.
5. Items with a median level of 1 or lower (``ATTENTION_LEVEL``) that no shown recommendation
   gives as a reason are listed in ``uncovered_items``, so the page can still say they need
   attention; this includes items that no tool matches at all.
6. Coaching (the tool ``coaching_tool_id``) is offered when the overall score is below
   ``coaching_below`` or when the municipality asked for it; it is never ranked as an ordinary tool.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from selfscan.core.scoring import DimensionAggregate, RoundAggregate

# Median levels at or below this need attention even when no tool in the catalogue helps.
ATTENTION_LEVEL: Final = 1


class ToolLike(Protocol):
    """A catalogue entry: the items whose low levels make it relevant."""

    @property
    def id(self) -> str: ...

    @property
    def dimensions(self) -> tuple[str, ...]: ...

    @property
    def relevant_when(self) -> tuple[tuple[str, int], ...]: ...


@dataclass(frozen=True)
class Reason:
    """An item that made a tool relevant, with the round's median level on it."""

    item_id: str
    level: float


@dataclass(frozen=True)
class Recommendation:
    tool_id: str
    dimension_id: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class DimensionRecommendations:
    dimension_id: str
    score: float | None
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True)
class Recommendations:
    dimensions: tuple[DimensionRecommendations, ...]
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


def triggers(tool: ToolLike, dimension: DimensionAggregate) -> tuple[Reason, ...]:
    """The items of ``dimension`` that trigger ``tool``: lowest level first, then item order."""
    medians = item_medians(dimension)
    order = {item_id: index for index, item_id in enumerate(medians)}
    found: dict[str, Reason] = {}
    for item_id, max_level in tool.relevant_when:
        median = medians.get(item_id)
        # setdefault: a catalogue that names the same item twice still gives one reason.
        if median is not None and median <= max_level:
            found.setdefault(item_id, Reason(item_id, median))
    return tuple(sorted(found.values(), key=lambda r: (r.level, order[r.item_id])))


def rank_key(tool_id: str, reasons: Sequence[Reason]) -> tuple[float, int, str]:
    """Sort key of a qualifying tool: lowest triggering level, more triggers, tool id."""
    return (min(r.level for r in reasons), -len(reasons), tool_id)


def rank_tools(
    dimension: DimensionAggregate, tools: Iterable[ToolLike], limit: int
) -> tuple[Recommendation, ...]:
    """The best ``limit`` tools for one dimension; none when the dimension has no score."""
    if dimension.score is None:
        return ()
    seen: set[str] = set()
    qualifying: dict[str, tuple[Reason, ...]] = {}
    for tool in tools:
        # A repeated id counts once, first one wins, so a catalogue slip cannot give it two places.
        if tool.id in seen:
            continue
        seen.add(tool.id)
        reasons = triggers(tool, dimension)
        if reasons:
            qualifying[tool.id] = reasons
    ranked = sorted(qualifying.items(), key=lambda pair: rank_key(*pair))
    return tuple(
        Recommendation(tool_id, dimension.dimension_id, reasons)
        for tool_id, reasons in ranked[:limit]
    )


def uncovered(
    dimensions: Iterable[DimensionAggregate], shown: Iterable[Recommendation]
) -> tuple[Reason, ...]:
    """Items at ``ATTENTION_LEVEL`` or lower that no shown recommendation names as a reason."""
    named = {(rec.dimension_id, r.item_id) for rec in shown for r in rec.reasons}
    return tuple(
        Reason(item_id, median)
        for dimension in dimensions
        for item_id, median in item_medians(dimension).items()
        if median <= ATTENTION_LEVEL and (dimension.dimension_id, item_id) not in named
    )


def offer_coaching(overall: float | None, *, below: float, requested: bool) -> bool:
    """Coaching for a low overall score or on request; no score at all is not a reason by itself."""
    return requested or (overall is not None and overall < below)


def recommend(
    aggregate: RoundAggregate,
    tools: Iterable[ToolLike],
    *,
    per_dimension: int = 3,
    coaching_tool_id: str = "ccv-coaching",
    coaching_below: float = 50.0,
    coaching_requested: bool = False,
) -> Recommendations:
    """Rank the catalogue's tools for a round, weakest dimension first (rules: module docstring)."""
    if per_dimension < 0:
        raise ValueError(f"per_dimension must be 0 or more, not {per_dimension}")
    ordinary = tuple(tool for tool in tools if tool.id != coaching_tool_id)
    ordered = dimension_order(aggregate)
    per = tuple(
        DimensionRecommendations(d.dimension_id, d.score, rank_tools(d, ordinary, per_dimension))
        for d in ordered
    )
    shown = [rec for d in per for rec in d.recommendations]
    return Recommendations(
        dimensions=per,
        uncovered_items=uncovered(ordered, shown),
        offer_coaching=offer_coaching(
            aggregate.overall, below=coaching_below, requested=coaching_requested
        ),
    )
