"""The results of one round as a view model: cards, disagreement, breakdowns, comparison, advice.

Plain Python over the scoring, recommendation and anonymity cores, built from values passed in
(``selfscan.web.results`` reads them from storage); no Flask, no SQL. Texts from the
questionnaire are resolved in the language passed in; sentences are composed by the templates
and the PDF, so that they can be translated there.

Rules beyond docs/scoring.md:

* Provisional results (open round) are computed from the submitted answers; a closed round
  shows its stored scores, and the breakdowns come from the submitted answers.
* Role groups are shown only when ``anonymity.safe_role_groups`` allows them (at least 3
  respondents, with complementary suppression). Sides (municipality, care, criminal-law) follow
  the same rule, and a side is also hidden when the respondents in its hidden role groups are
  between 1 and 2: the side minus its shown groups would otherwise give those few away.
* Sides disagree on an item when their median levels are ``scoring.ITEM_DISAGREE_SPREAD`` (2)
  or more apart, and on a dimension when their scores are ``SIDE_GAP_POINTS`` or more apart.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from selfscan.core import anonymity, recommend, scoring
from selfscan.core.comparison import Comparison
from selfscan.core.messages import N_
from selfscan.core.questionnaire import Catalogue, Questionnaire, Tool
from selfscan.core.roles import BY_ID as ROLES
from selfscan.core.roles import SIDE_LABELS
from selfscan.core.session import Action, Agreement, Target, against_targets, target_score

SIDE_GAP_POINTS = 25.0
"""A gap of one whole level (25 points) between the sides' dimension scores is worth a word."""

STRONG_WEAK_COUNT = 2
"""How many strongest and weakest items a dimension card names."""

SUMMARY_LABELS = 2
"""How many items the summary names per dimension to talk through; the rest is counted."""

SUMMARY_DIMENSIONS = 3
"""How many dimensions to talk through the summary names; the rest is counted."""

COACHING_TOOL_ID = "ccv-coaching"

STATUS_LABELS = {"open": N_("Open"), "busy": N_("Bezig"), "done": N_("Klaar"),
                 "dropped": N_("Vervallen")}
"""The statuses of an action as people read them (Dutch message ids; the web layer translates)."""
SIDE_ORDER = ("municipality", "care", "justice", "other")


# --- per-round computation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """What only the individual answers can tell: the aggregate, breakdowns by group and side."""

    aggregate: scoring.RoundAggregate
    role_counts: dict[str, int]
    shown_roles: frozenset[str]
    role_aggregates: dict[str, scoring.RoundAggregate]
    side_counts: dict[str, int]
    shown_sides: frozenset[str]
    side_aggregates: dict[str, scoring.RoundAggregate]
    context: tuple[ContextSummary, ...] = ()


@dataclass(frozen=True)
class ContextSummary:
    """The respondents' answers to one context question: how many answered, and what.

    Numbers and years: median, lowest and highest; choices: how many chose each option (an
    option several respondents may tick counts each of them once). Free text is not summarised.
    """

    question_id: str
    answered: int
    median: float | None = None
    low: int | None = None
    high: int | None = None
    counts: tuple[tuple[str, int], ...] = ()


def summarise_context(questionnaire: Questionnaire, respondents: Sequence[dict[str, Any]]
                      ) -> tuple[ContextSummary, ...]:
    """A summary per context question of the version, from the respondents' context answers."""
    out = []
    for question in questionnaire.context_questions:
        given = [r.get("context", {}).get(question.id) for r in respondents]
        given = [g for g in given if g not in (None, "", [])]
        if question.type in ("number", "year"):
            numbers = sorted(int(g) for g in given if isinstance(g, int | float))
            out.append(ContextSummary(
                question.id, len(numbers),
                float(statistics.median(numbers)) if numbers else None,
                numbers[0] if numbers else None, numbers[-1] if numbers else None))
        elif question.type in ("choice", "multi_choice"):
            chosen = [set(g) if isinstance(g, list) else {g} for g in given]
            out.append(ContextSummary(
                question.id, len(chosen),
                counts=tuple((o.id, sum(1 for c in chosen if o.id in c))
                             for o in question.options)))
        else:
            out.append(ContextSummary(question.id, len(given)))
    return tuple(out)


def shown_sides(role_counts: dict[str, int], shown_roles: set[str] | frozenset[str]) -> set[str]:
    """The sides whose breakdown may be shown, given the role groups that are shown."""
    side_counts: dict[str, int] = {}
    hidden_in_side: dict[str, int] = {}
    for role, count in role_counts.items():
        side = ROLES[role].side if role in ROLES else "other"
        side_counts[side] = side_counts.get(side, 0) + count
        if role not in shown_roles:
            hidden_in_side[side] = hidden_in_side.get(side, 0) + count
    safe = anonymity.safe_role_groups(side_counts)
    return {
        side for side in safe
        if not 0 < hidden_in_side.get(side, 0) < anonymity.ROLE_GROUP_THRESHOLD
    }


def analyse(questionnaire: Questionnaire, respondents: Sequence[dict[str, Any]]) -> Analysis:
    """Aggregate a round's submitted respondents, overall and per safe role group and side."""
    structure, phases = questionnaire.structure, questionnaire.phases
    agg = scoring.aggregate(structure, [r["answers"] for r in respondents], phases)
    role_counts: dict[str, int] = {}
    for r in respondents:
        role_counts[r["role_group"]] = role_counts.get(r["role_group"], 0) + 1
    roles = frozenset(anonymity.safe_role_groups(role_counts))
    sides = frozenset(shown_sides(role_counts, roles))

    def side_of(role: str) -> str:
        return ROLES[role].side if role in ROLES else "other"

    side_counts: dict[str, int] = {}
    for role, count in role_counts.items():
        side_counts[side_of(role)] = side_counts.get(side_of(role), 0) + count
    role_aggs = {
        role: scoring.aggregate(
            structure, [r["answers"] for r in respondents if r["role_group"] == role], phases)
        for role in roles
    }
    side_aggs = {
        side: scoring.aggregate(
            structure, [r["answers"] for r in respondents if side_of(r["role_group"]) == side],
            phases)
        for side in sides
    }
    return Analysis(agg, role_counts, roles, role_aggs, side_counts, sides, side_aggs,
                    summarise_context(questionnaire, respondents))


# --- the view model -----------------------------------------------------------------------------


@dataclass
class ItemView:
    id: str
    statement: str
    label: str  # the short label
    median: float | None
    q1: float | None
    q3: float | None
    spread: int | None
    respondents: int
    unknown: int
    not_applicable: int
    disagree: bool
    distribution: tuple[int, ...]
    change: float | None = None  # median level minus the previous round's
    side_medians: dict[str, float | None] = field(default_factory=dict)
    sides_disagree: bool = False
    # What the working session agreed: kept beside the median, never in place of it.
    agreed_level: int | None = None
    agreed_note: str = ""
    evidence_title: str = ""
    evidence_url: str = ""


@dataclass
class DimensionView:
    id: str
    title: str
    description: str
    score: float | None
    phase_name: str
    phase_description: str
    respondents: int
    coverage: float
    unknown_share: float
    disagreement: float | None
    disagree: bool
    items: list[ItemView]
    strongest: list[ItemView]
    weakest: list[ItemView]
    disagree_items: list[ItemView]
    change: float | None = None
    previous: float | None = None
    peer: float | None = None
    caseload: float | None = None
    national: float | None = None
    side_scores: dict[str, float | None] = field(default_factory=dict)
    sides_disagree: bool = False
    target_level: int | None = None  # the level the working session aims at for the next round
    target_score: int | None = None  # that level as a score (level x 25)

    @property
    def bar(self) -> int:
        """The score rounded to a step of 5, for the CSS bar classes."""
        return 0 if self.score is None else int(5 * round(self.score / 5))


@dataclass
class ReasonView:
    item_id: str
    label: str  # the item's short label (the statement where a version has none)
    level: float
    level_name: str
    child_safety: bool = False


@dataclass
class ToolView:
    id: str
    title: str
    publisher: str
    url: str
    url_is_home: bool
    description: str
    reasons: list[ReasonView]
    dimension_id: str = ""
    dimension_title: str = ""
    coaching_route: bool = False  # coaching in place of a tool: nothing else in the catalogue fits


@dataclass
class Discussion:
    """Rule 2 of the advice: disagreement to talk through before any tool."""

    reasons: list[ReasonView]
    respondents: bool
    sides: bool


@dataclass
class DimensionAdvice:
    dimension_id: str
    title: str
    score: float | None
    tools: list[ToolView]
    discuss: Discussion | None = None


@dataclass
class ContextView:
    """One context question on the results page: the question, how many answered, a summary."""

    id: str
    question: str
    type: str
    answered: int
    median: float | None
    low: int | None
    high: int | None
    counts: list[tuple[str, int]]  # (option label, respondents who chose it)


@dataclass
class GroupView:
    id: str
    label: str
    respondents: int
    scores: dict[str, float | None]
    not_asked: frozenset[str] = frozenset()  # dimensions of which the group is asked no item


@dataclass(frozen=True)
class Plan:
    """What the working sessions recorded, as the results need it: read from storage by the web
    layer. ``previous_*`` are those of the round this one follows (empty without one)."""

    agreements: dict[str, Agreement] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    previous_targets: dict[str, Target] = field(default_factory=dict)
    previous_actions: tuple[Action, ...] = ()


@dataclass
class ActionView:
    """One line of the action plan as the results, the report and the exports show it."""

    id: int | None
    dimension_id: str
    dimension_title: str
    item_id: str | None
    item_label: str  # the item's short label; empty for an action on the whole dimension
    what: str
    who: str
    due: date | None
    tool_id: str | None
    tool_title: str
    status: str
    status_label: str
    carried: bool  # carried over from the previous round

    @property
    def due_text(self) -> str:
        """The date as dd-mm-jjjj; empty when there is none."""
        return self.due.strftime("%d-%m-%Y") if self.due else ""


@dataclass
class TargetCheck:
    """A target of the previous round against this round's score."""

    dimension_id: str
    title: str
    level: int
    target_score: int
    score: float | None
    met: bool | None  # None when the dimension has no score now


@dataclass
class ResultsView:
    round: dict[str, Any]
    municipality: str
    questionnaire_id: str
    version: int
    provisional: bool
    respondents: int
    overall: float | None
    overall_phase_name: str
    overall_phase_description: str
    missing_dimensions: list[str]  # titles of the dimensions without a score
    overall_needs: int  # how many dimensions need a score for an overall score
    dimensions: list[DimensionView]
    role_groups: list[GroupView]
    hidden_role_groups: int
    sides: list[GroupView]
    context: list[ContextView]
    comparison: Comparison
    peer_group_label: str
    previous: dict[str, Any] | None
    shared_items: int
    advice: list[DimensionAdvice]
    first_steps: list[ToolView]
    uncovered: list[ReasonView]
    coaching: ToolView | None
    coaching_requested: bool
    generated: date
    radar: dict[str, Any] = field(default_factory=dict)  # set by the web layer (output.charts)
    actions: list[ActionView] = field(default_factory=list)
    previous_targets: list[TargetCheck] = field(default_factory=list)
    previous_done: list[ActionView] = field(default_factory=list)  # done in the previous round

    @property
    def summary(self) -> Summary:
        """The top of the results page and the report: what a reader needs in two minutes."""
        return summarise(self.dimensions, self.advice, self.first_steps)

    @property
    def has_agreements(self) -> bool:
        """Whether the working session agreed a level on any item."""
        return any(i.agreed_level is not None for d in self.dimensions for i in d.items)

    @property
    def agreed(self) -> list[tuple[DimensionView, ItemView]]:
        """The items on which the working session recorded something, in questionnaire order."""
        return [(d, i) for d in self.dimensions for i in d.items
                if i.agreed_level is not None or i.agreed_note or i.evidence_title]

    @property
    def has_targets(self) -> bool:
        return any(d.target_level is not None for d in self.dimensions)


@dataclass(frozen=True)
class DimensionMention:
    """A dimension named in the summary: its title and score (with the phase, when it has one)."""

    id: str
    title: str
    score: float
    phase_name: str


@dataclass(frozen=True)
class Disagreement:
    """A dimension whose items the partners should talk through first (rule 2 of the advice),
    named in the summary by the items' short labels."""

    dimension_id: str
    title: str
    labels: tuple[str, ...]  # the first SUMMARY_LABELS items, most urgent first
    more: int  # how many more items the discussion block names
    respondents: bool  # the respondents disagree among themselves
    sides: bool  # the care side and the criminal-law side disagree


@dataclass(frozen=True)
class Summary:
    """The strongest and weakest dimension, where the partners disagree, and the first steps.

    Everything here is already on the page further down (the dimension cards, the discussion
    blocks of the advice, the first steps), so the summary shows nothing the anonymity rules
    hide: side medians never appear in it, only the fact that the sides disagree.
    """

    strongest: DimensionMention | None
    weakest: DimensionMention | None
    disagreements: tuple[Disagreement, ...]  # at most SUMMARY_DIMENSIONS, weakest first
    more_disagreements: int  # how many more dimensions have something to talk through
    first_steps: tuple[ToolView, ...]

    @property
    def empty(self) -> bool:
        return not (self.strongest or self.disagreements or self.first_steps)


def summarise(dimensions: Sequence[DimensionView], advice: Sequence[DimensionAdvice],
              first_steps: Sequence[ToolView]) -> Summary:
    """The summary of a round from its dimension views, its advice blocks and first steps.

    The strongest and weakest dimension are named only when at least two dimensions have a
    score and the scores differ; on a tie the first in questionnaire order is named. The
    disagreements follow the order of the advice (weakest dimension first); the summary names
    at most ``SUMMARY_DIMENSIONS`` of them with ``SUMMARY_LABELS`` items each and counts the rest.
    """
    scored = [d for d in dimensions if d.score is not None]
    strongest = weakest = None
    if len(scored) >= 2:
        high = max(scored, key=lambda d: d.score or 0.0)  # max/min keep the first of a tie
        low = min(scored, key=lambda d: d.score or 0.0)
        if high.score != low.score:
            strongest, weakest = (DimensionMention(d.id, d.title, d.score or 0.0, d.phase_name)
                                  for d in (high, low))
    disagreements = [
        Disagreement(block.dimension_id, block.title,
                     tuple(r.label for r in block.discuss.reasons[:SUMMARY_LABELS]),
                     max(0, len(block.discuss.reasons) - SUMMARY_LABELS),
                     block.discuss.respondents, block.discuss.sides)
        for block in advice if block.discuss is not None and block.discuss.reasons]
    return Summary(strongest, weakest, tuple(disagreements[:SUMMARY_DIMENSIONS]),
                   max(0, len(disagreements) - SUMMARY_DIMENSIONS), tuple(first_steps))


def level_label(questionnaire: Questionnaire, level: float, lang: str) -> str:
    """The name of a whole level; for a median between two levels, no name."""
    if float(level).is_integer() and 0 <= int(level) < len(questionnaire.levels):
        return questionnaire.levels[int(level)].name.get(lang)
    return ""


def _reason_view(r: recommend.Reason, q: Questionnaire, lang: str) -> ReasonView:
    item = q.items.get(r.item_id)
    return ReasonView(r.item_id, item.label(lang) if item else r.item_id, r.level,
                      level_label(q, r.level, lang), bool(item and item.child_safety))


def _tool_view(tool: Tool, reasons: Sequence[recommend.Reason], q: Questionnaire,
               lang: str, dimension_id: str = "") -> ToolView:
    return ToolView(
        id=tool.id, title=tool.title.get(lang), publisher=tool.publisher, url=tool.url,
        url_is_home=tool.url_is_home, description=tool.description.get(lang),
        reasons=[_reason_view(r, q, lang) for r in reasons if r.item_id in q.items],
        dimension_id=dimension_id,
        dimension_title=q.dimension(dimension_id).title.get(lang) if dimension_id else "",
        coaching_route=tool.id == COACHING_TOOL_ID and bool(reasons))


def _strong_weak(items: list[ItemView]) -> tuple[list[ItemView], list[ItemView]]:
    scored = [(i, i.median) for i in items if i.median is not None]
    if not scored:
        return [], []
    high = max(m for _i, m in scored)
    low = min(m for _i, m in scored)
    if high == low:  # all the same: nothing stands out
        return [], []
    strongest = [i for i, _m in sorted(((i, m) for i, m in scored if m > low),
                                       key=lambda pair: -pair[1])][:STRONG_WEAK_COUNT]
    weakest = [i for i, _m in sorted(((i, m) for i, m in scored
                                      if m < high and i not in strongest),
                                     key=lambda pair: pair[1])][:STRONG_WEAK_COUNT]
    return strongest, weakest


def _gap(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) - min(present) if len(present) >= 2 else None


@dataclass(frozen=True)
class PreviousRound:
    """The municipality's previous round, as the comparison with it needs it."""

    year: int
    name: str
    version: int
    closed: bool
    aggregate: scoring.RoundAggregate


@dataclass(frozen=True)
class _Changes:
    """What changed since the previous round, on what both questionnaire versions share."""

    previous_scores: dict[str, float | None] = field(default_factory=dict)
    dimensions: dict[str, float | None] = field(default_factory=dict)
    items: dict[str, float | None] = field(default_factory=dict)


def _changes(agg: scoring.RoundAggregate, previous: PreviousRound | None) -> _Changes:
    if previous is None:
        return _Changes()
    before = previous.aggregate
    previous_scores = {d: a.score for d, a in before.dimensions.items()}
    before_items = {i.item_id: i.median for a in before.dimensions.values() for i in a.items}
    return _Changes(
        previous_scores=previous_scores,
        dimensions=scoring.compare({d: a.score for d, a in agg.dimensions.items()},
                                   previous_scores),
        items=scoring.compare(
            {i.item_id: i.median for a in agg.dimensions.values() for i in a.items},
            before_items))


def _side_item_median(side: scoring.RoundAggregate, dimension_id: str, item_id: str
                      ) -> float | None:
    """A side's median on one statement, only from ROLE_GROUP_THRESHOLD answers with a level: a
    side is shown from three respondents, but where two of them said "weet ik niet" or were not
    asked, its median would be one person's answer."""
    found = next((x for x in side.dimensions[dimension_id].items if x.item_id == item_id), None)
    if found is None or found.respondents < anonymity.ROLE_GROUP_THRESHOLD:
        return None
    return found.median


def _group_dimension_score(group: scoring.RoundAggregate, dimension_id: str) -> float | None:
    """A role group's or side's score on a dimension, only from ROLE_GROUP_THRESHOLD respondents
    with a score on it (the same reason as for a statement)."""
    found = group.dimensions.get(dimension_id)
    if found is None or found.respondents < anonymity.ROLE_GROUP_THRESHOLD:
        return None
    return found.score


def _item_views(q: Questionnaire, da: scoring.DimensionAggregate, analysis: Analysis,
                sides: Sequence[str], changes: _Changes, lang: str) -> list[ItemView]:
    live_items = {i.item_id: i for a in analysis.aggregate.dimensions.values() for i in a.items}
    items: list[ItemView] = []
    for ia in da.items:
        side_medians = {s: _side_item_median(analysis.side_aggregates[s], da.dimension_id,
                                             ia.item_id) for s in sides}
        gap = _gap(list(side_medians.values()))
        live = live_items.get(ia.item_id)
        items.append(ItemView(
            id=ia.item_id, statement=q.items[ia.item_id].statement.get(lang),
            label=q.items[ia.item_id].label(lang),
            median=ia.median, q1=ia.q1, q3=ia.q3, spread=ia.spread,
            respondents=ia.respondents, unknown=ia.unknown,
            not_applicable=ia.not_applicable, disagree=ia.disagree,
            distribution=live.distribution if live else (0, 0, 0, 0, 0),
            change=changes.items.get(ia.item_id), side_medians=side_medians,
            sides_disagree=gap is not None and gap >= scoring.ITEM_DISAGREE_SPREAD))
    return items


def _dimension_views(q: Questionnaire, agg: scoring.RoundAggregate, analysis: Analysis,
                     comparison: Comparison, changes: _Changes, lang: str) -> list[DimensionView]:
    sides = [s for s in SIDE_ORDER if s in analysis.shown_sides]
    dimensions: list[DimensionView] = []
    for d in q.dimensions:
        da = agg.dimensions.get(d.id)
        if da is None:
            continue
        items = _item_views(q, da, analysis, sides, changes, lang)
        strongest, weakest = _strong_weak(items)
        side_scores = {s: _group_dimension_score(analysis.side_aggregates[s], d.id) for s in sides}
        side_gap = _gap(list(side_scores.values()))
        phase = q.phase(da.phase_id)
        dimensions.append(DimensionView(
            id=d.id, title=d.title.get(lang), description=d.description.get(lang),
            score=da.score, phase_name=phase.name.get(lang) if phase else "",
            phase_description=phase.description.get(lang) if phase else "",
            respondents=da.respondents, coverage=da.coverage, unknown_share=da.unknown_share,
            disagreement=da.disagreement,
            disagree=da.disagree or any(i.sides_disagree for i in items),
            items=items, strongest=strongest, weakest=weakest,
            disagree_items=[i for i in items if i.disagree or i.sides_disagree],
            change=changes.dimensions.get(d.id), previous=changes.previous_scores.get(d.id),
            peer=comparison.peer.medians.get(d.id) if comparison.peer.shown else None,
            caseload=(comparison.caseload.medians.get(d.id) if comparison.caseload.shown
                      else None),
            national=(comparison.national.medians.get(d.id) if comparison.national.shown
                      else None),
            side_scores=side_scores,
            sides_disagree=side_gap is not None and side_gap >= SIDE_GAP_POINTS))
    return dimensions


def _not_asked(q: Questionnaire, roles: Sequence[str]) -> frozenset[str]:
    """The dimensions of which none of these role groups is asked a single item (audience)."""
    return frozenset(d.id for d in q.dimensions
                     if not any(i.asks(role) for i in d.items for role in roles))


def _group_views(q: Questionnaire, analysis: Analysis, lang: str
                 ) -> tuple[list[GroupView], list[GroupView]]:
    """The shown role groups (in the order of roles.py) and the shown sides of the chain."""
    role_order = list(ROLES)
    role_groups = [
        GroupView(role, ROLES[role].label(lang) if role in ROLES else role,
                  analysis.role_counts[role],
                  {d: _group_dimension_score(analysis.role_aggregates[role], d)
                   for d in analysis.role_aggregates[role].dimensions},
                  _not_asked(q, [role]))
        for role in sorted(analysis.shown_roles, key=lambda r: role_order.index(r)
                           if r in ROLES else len(ROLES))
    ]
    sides = [
        GroupView(s, SIDE_LABELS[s][1 if lang == "en" else 0], analysis.side_counts[s],
                  {d: _group_dimension_score(analysis.side_aggregates[s], d)
                   for d in analysis.side_aggregates[s].dimensions},
                  _not_asked(q, [r for r in analysis.role_counts
                                 if (ROLES[r].side if r in ROLES else "other") == s]))
        for s in SIDE_ORDER if s in analysis.shown_sides
    ]
    return role_groups, sides


def _context_views(q: Questionnaire, analysis: Analysis, lang: str) -> list[ContextView]:
    summaries = {c.question_id: c for c in analysis.context}
    views = []
    for question in q.context_questions:
        c = summaries.get(question.id)
        if c is None or question.type == "text":
            continue
        labels = {o.id: o.label.get(lang) for o in question.options}
        views.append(ContextView(
            question.id, question.question.get(lang), question.type, c.answered, c.median,
            c.low, c.high, [(labels[o], n) for o, n in c.counts if n]))
    return views


@dataclass(frozen=True)
class _Advice:
    dimensions: list[DimensionAdvice]
    first_steps: list[ToolView]
    uncovered: list[ReasonView]
    coaching: ToolView | None


def side_items(analysis: Analysis) -> dict[str, tuple[str, ...]]:
    """Per dimension, the items on which the care side and the criminal-law side are
    ``scoring.ITEM_DISAGREE_SPREAD`` levels or more apart (only when both sides may be shown, and
    each side's median comes from at least ROLE_GROUP_THRESHOLD answers with a level)."""
    if not {"care", "justice"} <= analysis.shown_sides:
        return {}
    care, justice = analysis.side_aggregates["care"], analysis.side_aggregates["justice"]
    out: dict[str, tuple[str, ...]] = {}
    for dim_id, dim in care.dimensions.items():
        apart = []
        for item in dim.items:
            a = _side_item_median(care, dim_id, item.item_id)
            b = _side_item_median(justice, dim_id, item.item_id)
            if a is not None and b is not None and abs(a - b) >= scoring.ITEM_DISAGREE_SPREAD:
                apart.append(item.item_id)
        if apart:
            out[dim_id] = tuple(apart)
    return out


def _advice(q: Questionnaire, agg: scoring.RoundAggregate, analysis: Analysis,
            catalogue: Catalogue, coaching_requested: bool, lang: str) -> _Advice:
    advice = recommend.recommend(
        agg, catalogue.tools, child_safety=q.child_safety_items, side_items=side_items(analysis),
        coaching_tool_id=COACHING_TOOL_ID, coaching_requested=coaching_requested)
    tools = {t.id: t for t in catalogue.tools}

    def tool(rec: recommend.Recommendation) -> ToolView:
        return _tool_view(tools[rec.tool_id], rec.reasons, q, lang, rec.dimension_id)

    dimensions = [
        DimensionAdvice(
            dr.dimension_id, q.dimension(dr.dimension_id).title.get(lang), dr.score,
            [tool(rec) for rec in dr.recommendations if rec.tool_id in tools],
            None if dr.discuss is None else Discussion(
                [_reason_view(r, q, lang) for r in dr.discuss.reasons if r.item_id in q.items],
                dr.discuss.respondents, dr.discuss.sides))
        for dr in advice.dimensions
    ]
    coaching_tool = catalogue.get(COACHING_TOOL_ID)
    coaching = (_tool_view(coaching_tool, (), q, lang)
                if advice.offer_coaching and coaching_tool is not None else None)
    uncovered = [_reason_view(r, q, lang) for r in advice.uncovered_items if r.item_id in q.items]
    return _Advice(dimensions, [tool(rec) for rec in advice.first if rec.tool_id in tools],
                   uncovered, coaching)


# --- the working session's plan ----------------------------------------------------------------


def _apply_plan(dimensions: Sequence[DimensionView], plan: Plan) -> None:
    """Put the agreed levels beside the items' medians and the targets on the dimensions."""
    for d in dimensions:
        target = plan.targets.get(d.id)
        if target is not None:
            d.target_level, d.target_score = target.level, target_score(target.level)
        for i in d.items:
            agreement = plan.agreements.get(i.id)
            if agreement is not None:
                i.agreed_level, i.agreed_note = agreement.agreed_level, agreement.note
                i.evidence_title, i.evidence_url = agreement.evidence_title, agreement.evidence_url


def action_views(q: Questionnaire, actions: Sequence[Action], catalogue: Catalogue,
                 status_labels: Mapping[str, str], lang: str) -> list[ActionView]:
    """The lines of a plan with the titles, labels and status names people read."""
    views = []
    for a in actions:
        dimension = next((d for d in q.dimensions if d.id == a.dimension_id), None)
        item = q.items.get(a.item_id) if a.item_id else None
        tool = catalogue.get(a.tool_id) if a.tool_id else None
        views.append(ActionView(
            id=a.id, dimension_id=a.dimension_id,
            dimension_title=dimension.title.get(lang) if dimension else a.dimension_id,
            item_id=a.item_id, item_label=item.label(lang) if item else (a.item_id or ""),
            what=a.what, who=a.who, due=a.due, tool_id=a.tool_id,
            tool_title=tool.title.get(lang) if tool else (a.tool_id or ""), status=a.status,
            status_label=status_labels.get(a.status, a.status), carried=a.carried_from is not None))
    return views


def _target_checks(q: Questionnaire, agg: scoring.RoundAggregate, targets: Mapping[str, Target],
                   lang: str) -> list[TargetCheck]:
    """The previous round's targets, in questionnaire order, against this round's scores."""
    checked = against_targets(agg, targets.values())
    return [TargetCheck(d.id, d.title.get(lang), targets[d.id].level, checked[d.id][1],
                        checked[d.id][0], checked[d.id][2])
            for d in q.dimensions if d.id in checked]


def build(
    round_row: dict[str, Any], q: Questionnaire, agg: scoring.RoundAggregate, analysis: Analysis,
    *, previous: PreviousRound | None, comparison: Comparison, catalogue: Catalogue, lang: str,
    plan: Plan | None = None, status_labels: Mapping[str, str] | None = None,
) -> ResultsView:
    """Assemble everything the results page, the report and the exports show for one round.

    ``agg`` is the round's aggregate (its stored scores when closed), ``analysis`` the
    breakdowns of its submitted answers, ``previous`` the round it follows (if any) and
    ``comparison`` the peer and national lines. ``plan`` is what the working sessions recorded
    (agreed levels, targets, actions; and the previous round's targets and actions), and
    ``status_labels`` names the statuses of actions in the reader's language.
    """
    plan = plan or Plan()
    labels = STATUS_LABELS if status_labels is None else status_labels
    changes = _changes(agg, previous)
    dimensions = _dimension_views(q, agg, analysis, comparison, changes, lang)
    _apply_plan(dimensions, plan)
    role_groups, sides = _group_views(q, analysis, lang)
    advice = _advice(q, agg, analysis, catalogue, bool(round_row["coaching_requested"]), lang)
    overall_phase = q.phase(agg.overall_phase)
    peer_labels = anonymity.PEER_GROUP_LABELS.get(round_row["peer_group"], ("", ""))
    return ResultsView(
        round=round_row, municipality=round_row["municipality_name"], questionnaire_id=q.id,
        version=q.version, provisional=round_row["status"] != "closed",
        respondents=agg.respondents, overall=agg.overall,
        overall_phase_name=overall_phase.name.get(lang) if overall_phase else "",
        overall_phase_description=overall_phase.description.get(lang) if overall_phase else "",
        missing_dimensions=[d.title.get(lang) for d in q.dimensions
                            if d.id in agg.dimensions and agg.dimensions[d.id].score is None],
        overall_needs=scoring.dimensions_needed(len(q.dimensions)),
        dimensions=dimensions, role_groups=role_groups,
        hidden_role_groups=len([r for r in analysis.role_counts
                                if r not in analysis.shown_roles]),
        sides=sides, context=_context_views(q, analysis, lang), comparison=comparison,
        peer_group_label=peer_labels[1 if lang == "en" else 0],
        previous=None if previous is None else {
            "year": previous.year, "name": previous.name, "version": previous.version,
            "closed": previous.closed, "respondents": previous.aggregate.respondents,
            "same_version": previous.version == q.version},
        shared_items=len(changes.items), advice=advice.dimensions,
        first_steps=advice.first_steps, uncovered=advice.uncovered,
        coaching=advice.coaching, coaching_requested=bool(round_row["coaching_requested"]),
        generated=date.today(),
        actions=action_views(q, plan.actions, catalogue, labels, lang),
        previous_targets=_target_checks(q, agg, plan.previous_targets, lang),
        previous_done=action_views(q, [a for a in plan.previous_actions if a.status == "done"],
                                   catalogue, labels, lang))


# --- exports ------------------------------------------------------------------------------------


def respondent_rows(
    questionnaire: Questionnaire, respondents: Sequence[dict[str, Any]],
    comments: dict[int, dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Anonymous respondent-level answers: no ids, no times; role group only for safe groups.

    Rows are ordered by their content, not by submission, so the order gives nothing away.
    """
    counts: dict[str, int] = {}
    for r in respondents:
        counts[r["role_group"]] = counts.get(r["role_group"], 0) + 1
    safe = anonymity.safe_role_groups(counts)
    item_ids = [i for ids in questionnaire.structure.values() for i in ids]
    rows = []
    for r in respondents:
        row: dict[str, Any] = {"role_group": r["role_group"] if r["role_group"] in safe else ""}
        for item_id in item_ids:
            value = r["answers"].get(item_id)
            row[item_id] = "" if value is None else str(value)
        if comments is not None:
            for d in questionnaire.dimensions:
                row[f"comment-{d.id}"] = comments.get(r["id"], {}).get(d.id, "")
        rows.append(row)
    rows.sort(key=lambda row: [str(v) for v in row.values()])
    for number, row in enumerate(rows, start=1):
        row["respondent"] = number
    return [{"respondent": row.pop("respondent"), **row} for row in rows]
