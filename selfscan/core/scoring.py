"""Scores of the self-scan: per respondent, per round, maturity phases and comparisons.

Pure functions on plain values; no Flask, no database. The rules (see docs/scoring.md):

* A respondent answers each item with a level 0..4, "unknown" ("weet ik niet") or "na" ("niet van
  toepassing"), or leaves it unanswered. A level counts ``LEVEL_SCORE[level]`` points (0..100);
  unknown, na and unanswered never count as 0: they are left out of every score and only show up
  in the counts and in the coverage.
* Respondent: the score of a dimension is the mean of its items' points; the overall score is the
  unweighted mean of the dimension scores that exist.
* Round (several respondents): per item the median level (and quartiles, spread, distribution);
  the dimension score is the mean of ``median * 25`` over the items that have a median, so one
  outlying respondent cannot move a dimension much; disagreement is the population standard
  deviation of the respondents' own dimension scores.
* Overall: only when at least ``dimensions_needed`` dimensions have a score (four of five);
  otherwise there is no overall score and no overall phase, and the page names the dimensions
  that lack answers.
* Phases are named after levels (``PhaseLike.from_level``): a score is in the phase of the level
  its mean level rounds to, halves rounding down, so no round is shown a phase more than half a
  level above its mean and a round exactly between two levels gets the lower one. With the
  phases start (0), opbouw (2), ingericht (3) and geborgd (4) the boundaries are 37.5, 62.5
  and 87.5 points: every item at "In ontwikkeling" (50) is opbouw, every item at "Ingericht"
  (75) is ingericht.

Scores are not rounded here; round to one decimal only when displaying.
"""

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal, Protocol, TypeAlias, TypeGuard

Answer: TypeAlias = int | str
"""A level 0..4, or ``UNKNOWN`` / ``NOT_APPLICABLE``."""

Structure: TypeAlias = Mapping[str, Sequence[str]]
"""Dimension id -> its item ids, in questionnaire order."""

UNKNOWN: Final = "unknown"
NOT_APPLICABLE: Final = "na"
LEVELS: Final = (0, 1, 2, 3, 4)

LEVEL_SCORE: Final[Mapping[int, int]] = MappingProxyType({0: 0, 1: 25, 2: 50, 3: 75, 4: 100})
"""Points per level: the five levels spread evenly over 0..100."""

# An item shows disagreement when two respondents are at least this many levels apart.
ITEM_DISAGREE_SPREAD: Final = 2
# A dimension shows disagreement from this standard deviation of respondents' scores (points).
DIMENSION_DISAGREE_STDEV: Final = 20.0

_RAW_ANSWERS: Final[Mapping[str, Answer]] = MappingProxyType(
    {str(level): level for level in LEVELS} | {UNKNOWN: UNKNOWN, NOT_APPLICABLE: NOT_APPLICABLE}
)

_Kind = Literal["level", "unknown", "na", "unanswered"]


class PhaseLike(Protocol):
    """A maturity phase, named after the level it starts at (0 for the first)."""

    @property
    def id(self) -> str: ...

    @property
    def from_level(self) -> int: ...


@dataclass(frozen=True)
class DimensionScore:
    """One respondent's result on one dimension."""

    dimension_id: str
    score: float | None
    answered: int
    unknown: int
    not_applicable: int
    unanswered: int
    total: int
    coverage: float
    phase_id: str | None


@dataclass(frozen=True)
class ScanScore:
    """One respondent's result: per dimension and overall."""

    dimensions: dict[str, DimensionScore]
    overall: float | None
    overall_phase: str | None


@dataclass(frozen=True)
class ItemAggregate:
    """The answers of a round's respondents on one item."""

    item_id: str
    median: float | None
    q1: float | None
    q3: float | None
    min_level: int | None
    max_level: int | None
    spread: int | None
    respondents: int
    unknown: int
    not_applicable: int
    distribution: tuple[int, int, int, int, int]
    disagree: bool
    score: float | None


@dataclass(frozen=True)
class DimensionAggregate:
    """A round's result on one dimension."""

    dimension_id: str
    score: float | None
    coverage: float
    respondents: int
    unknown_share: float
    disagreement: float | None
    disagree: bool
    phase_id: str | None
    items: tuple[ItemAggregate, ...]


@dataclass(frozen=True)
class RoundAggregate:
    """A round's result: per dimension and overall."""

    dimensions: dict[str, DimensionAggregate]
    overall: float | None
    overall_phase: str | None
    respondents: int


def parse_answer(raw: str) -> Answer:
    """Turn a form value ("0".."4", "unknown", "na") into an answer; ValueError on anything else."""
    # Exact match only: a form that sends " 3" or "3.0" is broken and should be noticed.
    if isinstance(raw, str) and raw in _RAW_ANSWERS:
        return _RAW_ANSWERS[raw]
    raise ValueError(f"not an answer: {raw!r} (expected 0-4, {UNKNOWN!r} or {NOT_APPLICABLE!r})")


def is_level(answer: object) -> TypeGuard[int]:
    """True for a level 0..4 (bool is not a level, although Python counts it as an int)."""
    return isinstance(answer, int) and not isinstance(answer, bool) and answer in LEVEL_SCORE


def _kind(answer: object) -> _Kind:
    # None (a missing key, or an explicit null from storage) means the item was left open.
    if answer is None:
        return "unanswered"
    if is_level(answer):
        return "level"
    if answer == UNKNOWN:
        return "unknown"
    if answer == NOT_APPLICABLE:
        return "na"
    # Silently skipping a bad value would turn it into "unanswered" and hide a bug upstream.
    raise ValueError(f"not an answer: {answer!r}")


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.fmean(values) if values else None


def phase_floor(from_level: int) -> float:
    """The score above which a phase named after ``from_level`` begins: halfway to the level
    below (37.5 for level 2); 0 for a phase that starts at level 0."""
    return 0.0 if from_level == 0 else LEVEL_SCORE[from_level] - LEVEL_SCORE[1] / 2


def phase_for(score: float | None, phases: Iterable[PhaseLike]) -> str | None:
    """The id of the phase that holds ``score``; None for no score.

    A phase holds the scores strictly above its floor (``phase_floor``), up to the next phase:
    a score exactly on a boundary belongs to the lower phase (ties never flatter).
    """
    if score is None:
        return None
    best: PhaseLike | None = None
    for phase in phases:
        inside = phase.from_level == 0 or score > phase_floor(phase.from_level)
        if inside and (best is None or phase.from_level > best.from_level):
            best = phase
    return best.id if best is not None else None


def dimensions_needed(dimensions: int) -> int:
    """How many dimensions need a score for an overall score: all but one (4 of 5)."""
    return max(1, dimensions - 1)


def overall_score(scores: Iterable[float | None]) -> float | None:
    """The unweighted mean of the dimension scores, or None when too few dimensions have one."""
    scores = list(scores)
    scored = [s for s in scores if s is not None]
    if not scored or len(scored) < dimensions_needed(len(scores)):
        return None
    return statistics.fmean(scored)


def score_respondent(
    structure: Structure, answers: Mapping[str, Answer], phases: Iterable[PhaseLike]
) -> ScanScore:
    """Score one respondent's answers. Answers on item ids outside ``structure`` are ignored."""
    phases = tuple(phases)
    dimensions: dict[str, DimensionScore] = {}
    for dimension_id, item_ids in structure.items():
        points: list[int] = []
        counts: dict[_Kind, int] = {"level": 0, "unknown": 0, "na": 0, "unanswered": 0}
        for item_id in item_ids:
            answer = answers.get(item_id)
            if is_level(answer):
                points.append(LEVEL_SCORE[answer])
            counts[_kind(answer)] += 1
        total = len(item_ids)
        score = _mean(points)
        dimensions[dimension_id] = DimensionScore(
            dimension_id=dimension_id,
            score=score,
            answered=counts["level"],
            unknown=counts["unknown"],
            not_applicable=counts["na"],
            unanswered=counts["unanswered"],
            total=total,
            coverage=counts["level"] / total if total else 0.0,
            phase_id=phase_for(score, phases),
        )
    overall = overall_score(d.score for d in dimensions.values())
    return ScanScore(dimensions, overall, phase_for(overall, phases))


def quartiles(levels: Sequence[int]) -> tuple[float, float]:
    """First and third quartile of one or more levels.

    Method: ``statistics.quantiles(method="inclusive")`` (linear interpolation between the sorted
    values, the same as numpy's default and Excel's QUARTILE.INC) for two or more values, so the
    quartiles never leave the range of levels actually given; a single value is its own quartiles.
    """
    if not levels:
        raise ValueError("quartiles of no levels")
    if len(levels) == 1:
        return float(levels[0]), float(levels[0])
    q1, _, q3 = statistics.quantiles(levels, n=4, method="inclusive")
    return q1, q3


def aggregate_item(item_id: str, answers: Iterable[Answer | None]) -> ItemAggregate:
    """Summarise the answers (None = unanswered) of several respondents on one item."""
    levels: list[int] = []
    unknown = not_applicable = 0
    for answer in answers:
        kind = _kind(answer)
        if is_level(answer):
            levels.append(answer)
        elif kind == "unknown":
            unknown += 1
        elif kind == "na":
            not_applicable += 1
    if not levels:
        return ItemAggregate(
            item_id,
            None,
            None,
            None,
            None,
            None,
            None,
            0,
            unknown,
            not_applicable,
            (0, 0, 0, 0, 0),
            False,
            None,
        )
    median = float(statistics.median(levels))
    q1, q3 = quartiles(levels)
    low, high = min(levels), max(levels)
    distribution = (
        levels.count(0),
        levels.count(1),
        levels.count(2),
        levels.count(3),
        levels.count(4),
    )
    return ItemAggregate(
        item_id=item_id,
        median=median,
        q1=q1,
        q3=q3,
        min_level=low,
        max_level=high,
        spread=high - low,
        respondents=len(levels),
        unknown=unknown,
        not_applicable=not_applicable,
        distribution=distribution,
        disagree=item_disagrees(high - low),
        score=level_score(median),
    )


def level_score(median: float) -> float:
    """A median level on the same 0..100 scale as LEVEL_SCORE (a median of 1.5 gives 37.5)."""
    return median * LEVEL_SCORE[1]


def item_disagrees(spread: float | None) -> bool:
    """Respondents disagree on an item when their answers lie this many levels apart."""
    return spread is not None and spread >= ITEM_DISAGREE_SPREAD


def dimension_disagrees(disagreement: float | None, items: Iterable[ItemAggregate]) -> bool:
    """A dimension is marked when own scores vary widely or any of its items is disputed."""
    return (disagreement is not None and disagreement >= DIMENSION_DISAGREE_STDEV) or any(
        item.disagree for item in items
    )


def aggregate(
    structure: Structure,
    respondents: Sequence[Mapping[str, Answer]],
    phases: Iterable[PhaseLike],
) -> RoundAggregate:
    """Combine the answers of a round's respondents. ``respondents`` counts everyone passed in."""
    phases = tuple(phases)
    individual = [score_respondent(structure, answers, phases) for answers in respondents]
    dimensions: dict[str, DimensionAggregate] = {}
    for dimension_id, item_ids in structure.items():
        items = tuple(
            aggregate_item(item_id, (answers.get(item_id) for answers in respondents))
            for item_id in item_ids
        )
        score = _mean(item.score for item in items if item.score is not None)
        given = sum(item.respondents + item.unknown + item.not_applicable for item in items)
        unknown = sum(item.unknown for item in items)
        # Sorted so the floating-point result cannot depend on the order respondents came in.
        own_scores = sorted(
            own for s in individual if (own := s.dimensions[dimension_id].score) is not None
        )
        disagreement = statistics.pstdev(own_scores) if len(own_scores) >= 2 else None
        dimensions[dimension_id] = DimensionAggregate(
            dimension_id=dimension_id,
            score=score,
            coverage=(sum(1 for item in items if item.respondents) / len(items) if items else 0.0),
            respondents=len(own_scores),
            unknown_share=unknown / given if given else 0.0,
            disagreement=disagreement,
            disagree=dimension_disagrees(disagreement, items),
            phase_id=phase_for(score, phases),
            items=items,
        )
    overall = overall_score(d.score for d in dimensions.values())
    return RoundAggregate(dimensions, overall, phase_for(overall, phases), len(respondents))


def compare(
    current: Mapping[str, float | None], previous: Mapping[str, float | None]
) -> dict[str, float | None]:
    """Change ``current - previous`` per key that both have (None where either has no score).

    Used between rounds and between questionnaire versions; keys present on one side only (an
    item a newer version dropped or added) are left out rather than compared with nothing.
    """
    changes: dict[str, float | None] = {}
    for key, now in current.items():
        if key not in previous:
            continue
        before = previous[key]
        changes[key] = None if now is None or before is None else now - before
    return changes
