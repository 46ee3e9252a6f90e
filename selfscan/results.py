"""The results of one round as a view model: cards, disagreement, breakdowns, comparison, advice.

Plain Python over the scoring, recommendation and anonymity cores; no Flask. Texts from the
questionnaire are resolved in the language passed in; sentences are composed by the templates
and the PDF, so that they can be translated there.

Rules beyond docs/scoring.md:

* Provisional results (open round) are computed from the submitted answers and cached per
  ``(round, revision)``: every submission bumps the revision (answers count only once
  submitted, and submitted answers cannot change), so the cache never serves a stale
  result. A closed round reads its stored scores; the breakdowns come from a cached
  computation of the same kind.
* Role groups are shown only when ``anonymity.safe_role_groups`` allows them (at least 3
  respondents, with complementary suppression). Sides (municipality, care, criminal-law) follow
  the same rule, and a side is also hidden when the respondents in its hidden role groups are
  between 1 and 2: the side minus its shown groups would otherwise give those few away.
* Sides disagree on an item when their median levels are ``scoring.ITEM_DISAGREE_SPREAD`` (2)
  or more apart, and on a dimension when their scores are ``SIDE_GAP_POINTS`` or more apart.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils

from selfscan import anonymity, charts, comparisons, recommend, results_store, scoring
from selfscan.questionnaire import Catalogue, Library, Questionnaire, Tool
from selfscan.roles import BY_ID as ROLES
from selfscan.roles import SIDE_LABELS

SIDE_GAP_POINTS = 25.0
"""A gap of one whole level (25 points) between the sides' dimension scores is worth a word."""

STRONG_WEAK_COUNT = 2
"""How many strongest and weakest items a dimension card names."""

COACHING_TOOL_ID = "ccv-coaching"
SIDE_ORDER = ("municipality", "care", "justice", "other")


class ResultsCache:
    """A small thread-safe LRU cache of per-round computations, one per application."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Any) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        value = compute()  # outside the lock: two threads may compute the same value once each
        with self._lock:
            self.misses += 1
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


def round_key(round_row: dict[str, Any]) -> tuple[Any, ...]:
    """Cache key of a round's computed state; created_at guards against a reused row id."""
    return (round_row["id"], round_row["created_at"], round_row["revision"], round_row["status"])


# --- per-round computation (cached) -------------------------------------------------------------


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
    return Analysis(agg, role_counts, roles, role_aggs, side_counts, sides, side_aggs)


def analysis_for(
    db: sqlite_utils.Database, round_row: dict[str, Any], questionnaire: Questionnaire,
    cache: ResultsCache,
) -> Analysis:
    return cache.get_or_compute(
        ("analysis", *round_key(round_row)),
        lambda: analyse(questionnaire, results_store.submitted(db, round_row["id"])))


def aggregate_for(
    db: sqlite_utils.Database, round_row: dict[str, Any], questionnaire: Questionnaire,
    cache: ResultsCache,
) -> tuple[scoring.RoundAggregate, Analysis]:
    """The round's aggregate (stored scores when closed) and the cached analysis."""
    analysis = analysis_for(db, round_row, questionnaire, cache)
    if round_row["status"] == "closed":
        stored = cache.get_or_compute(
            ("stored", *round_key(round_row)),
            lambda: results_store.stored_aggregate(db, round_row, questionnaire))
        if stored is not None:
            return stored, analysis
    return analysis.aggregate, analysis


# --- the view model -----------------------------------------------------------------------------


@dataclass
class ItemView:
    id: str
    statement: str
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
    national: float | None = None
    side_scores: dict[str, float | None] = field(default_factory=dict)
    sides_disagree: bool = False

    @property
    def bar(self) -> int:
        """The score rounded to a step of 5, for the CSS bar classes."""
        return 0 if self.score is None else int(5 * round(self.score / 5))


@dataclass
class ReasonView:
    item_id: str
    statement: str
    level: float
    level_name: str


@dataclass
class ToolView:
    id: str
    title: str
    publisher: str
    url: str
    url_is_home: bool
    description: str
    reasons: list[ReasonView]


@dataclass
class DimensionAdvice:
    dimension_id: str
    title: str
    score: float | None
    tools: list[ToolView]


@dataclass
class GroupView:
    id: str
    label: str
    respondents: int
    scores: dict[str, float | None]


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
    dimensions: list[DimensionView]
    role_groups: list[GroupView]
    hidden_role_groups: int
    sides: list[GroupView]
    benchmark: comparisons.Benchmark
    peer_group_label: str
    previous: dict[str, Any] | None
    shared_items: int
    advice: list[DimensionAdvice]
    uncovered: list[ReasonView]
    coaching: ToolView | None
    coaching_requested: bool
    radar: dict[str, Any]
    generated: date


def level_label(questionnaire: Questionnaire, level: float, lang: str) -> str:
    """The name of a whole level; for a median between two levels, no name."""
    if float(level).is_integer() and 0 <= int(level) < len(questionnaire.levels):
        return questionnaire.levels[int(level)].name.get(lang)
    return ""


def format_number(value: float | None, digits: int = 1) -> str:
    """A score with `digits` decimals; a dash when there is none."""
    return "–" if value is None else f"{value:.{digits}f}"


def format_pct(value: float | None) -> str:
    """A share (0..1) as a whole percentage; a dash when there is none."""
    return "–" if value is None else f"{round(value * 100)}%"


def format_delta(value: float | None, digits: int = 1) -> str:
    """A change with its sign (a true minus sign); "0" for no change, a dash when unknown."""
    if value is None:
        return "–"
    if value == 0:
        return "0"
    return ("+" if value > 0 else "−") + f"{abs(value):.{digits}f}"


def format_level(level: float | None) -> str:
    """1.0 -> "1", 1.5 -> "1,5" (Dutch and English readers both manage the comma here)."""
    if level is None:
        return "–"
    return str(int(level)) if float(level).is_integer() else f"{level:.1f}"


def _tool_view(tool: Tool, reasons: Sequence[recommend.Reason], q: Questionnaire,
               lang: str) -> ToolView:
    items = q.items
    return ToolView(
        id=tool.id, title=tool.title.get(lang), publisher=tool.publisher, url=tool.url,
        url_is_home=tool.url_is_home, description=tool.description.get(lang),
        reasons=[ReasonView(r.item_id, items[r.item_id].statement.get(lang) if r.item_id in items
                            else r.item_id, r.level, level_label(q, r.level, lang))
                 for r in reasons])


def _strong_weak(items: list[ItemView]) -> tuple[list[ItemView], list[ItemView]]:
    scored = [i for i in items if i.median is not None]
    if not scored:
        return [], []
    high = max(i.median for i in scored)  # type: ignore[type-var]
    low = min(i.median for i in scored)  # type: ignore[type-var]
    if high == low:  # all the same: nothing stands out
        return [], []
    strongest = sorted((i for i in scored if i.median > low),  # type: ignore[operator]
                       key=lambda i: -(i.median or 0))[:STRONG_WEAK_COUNT]
    weakest = sorted((i for i in scored if i.median < high and i not in strongest),
                     key=lambda i: i.median or 0)[:STRONG_WEAK_COUNT]
    return strongest, weakest


def _gap(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) - min(present) if len(present) >= 2 else None


def build(
    db: sqlite_utils.Database, round_row: dict[str, Any], *, library: Library,
    catalogue: Catalogue, lang: str, cache: ResultsCache, series_names: dict[str, str],
) -> ResultsView:
    """Assemble everything the results page, the report and the exports show for one round.

    ``series_names`` names the radar lines (own, peer, national, previous) in the page language.
    """
    q = library.get(round_row["questionnaire_id"], round_row["version"])
    if q is None:
        raise LookupError(f"questionnaire {round_row['questionnaire_id']} "
                          f"v{round_row['version']} is not loaded")
    agg, analysis = aggregate_for(db, round_row, q, cache)
    provisional = round_row["status"] != "closed"
    dim_ids = [d.id for d in q.dimensions]

    # The previous round of the same municipality, compared on what both versions share.
    previous = None
    prev_agg: scoring.RoundAggregate | None = None
    shared_items = 0
    if round_row.get("previous_round_id"):
        prev_row = next(db.query(
            "SELECT * FROM rounds WHERE id = ? AND municipality_code = ?",
            [round_row["previous_round_id"], round_row["municipality_code"]]), None)
        prev_q = prev_row and library.get(prev_row["questionnaire_id"], prev_row["version"])
        if prev_row is not None and prev_q is not None:
            prev_agg, _ = aggregate_for(db, prev_row, prev_q, cache)
            previous = {"year": prev_row["year"], "name": prev_row["name"],
                        "version": prev_row["version"], "closed": prev_row["status"] == "closed",
                        "respondents": prev_agg.respondents,
                        "same_version": prev_row["version"] == round_row["version"]}
    dim_change: dict[str, float | None] = {}
    item_change: dict[str, float | None] = {}
    prev_dim: dict[str, float | None] = {}
    if prev_agg is not None:
        prev_dim = {d: a.score for d, a in prev_agg.dimensions.items()}
        dim_change = scoring.compare({d: a.score for d, a in agg.dimensions.items()}, prev_dim)
        prev_items = {i.item_id: i.median for a in prev_agg.dimensions.values() for i in a.items}
        item_change = scoring.compare(
            {i.item_id: i.median for a in agg.dimensions.values() for i in a.items}, prev_items)
        shared_items = len(item_change)

    bench = comparisons.benchmark(
        db, questionnaire_id=q.id, municipality_code=round_row["municipality_code"],
        peer_group=round_row["peer_group"], dimension_ids=dim_ids,
        synthetic=bool(round_row["synthetic"]))

    sides = [s for s in SIDE_ORDER if s in analysis.shown_sides]
    live_items = {i.item_id: i for a in analysis.aggregate.dimensions.values() for i in a.items}
    dimensions: list[DimensionView] = []
    for d in q.dimensions:
        da = agg.dimensions.get(d.id)
        if da is None:
            continue
        items: list[ItemView] = []
        for ia in da.items:
            side_medians = {
                s: next((x.median for x in analysis.side_aggregates[s].dimensions[d.id].items
                         if x.item_id == ia.item_id), None) for s in sides}
            gap = _gap(list(side_medians.values()))
            live = live_items.get(ia.item_id)
            items.append(ItemView(
                id=ia.item_id, statement=q.items[ia.item_id].statement.get(lang),
                median=ia.median, q1=ia.q1, q3=ia.q3, spread=ia.spread,
                respondents=ia.respondents, unknown=ia.unknown,
                not_applicable=ia.not_applicable, disagree=ia.disagree,
                distribution=live.distribution if live else (0, 0, 0, 0, 0),
                change=item_change.get(ia.item_id), side_medians=side_medians,
                sides_disagree=gap is not None and gap >= scoring.ITEM_DISAGREE_SPREAD))
        strongest, weakest = _strong_weak(items)
        side_scores = {s: analysis.side_aggregates[s].dimensions[d.id].score for s in sides}
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
            change=dim_change.get(d.id), previous=prev_dim.get(d.id),
            peer=bench.peer.medians.get(d.id) if bench.peer.shown else None,
            national=bench.national.medians.get(d.id) if bench.national.shown else None,
            side_scores=side_scores,
            sides_disagree=side_gap is not None and side_gap >= SIDE_GAP_POINTS))

    role_groups = [
        GroupView(role, ROLES[role].label(lang) if role in ROLES else role,
                  analysis.role_counts[role],
                  {d: a.score for d, a in analysis.role_aggregates[role].dimensions.items()})
        for role in sorted(analysis.shown_roles, key=lambda r: list(ROLES).index(r)
                           if r in ROLES else len(ROLES))
    ]
    side_views = [
        GroupView(s, SIDE_LABELS[s][1 if lang == "en" else 0], analysis.side_counts[s],
                  {d: a.score for d, a in analysis.side_aggregates[s].dimensions.items()})
        for s in sides
    ]

    advice = recommend.recommend(
        agg, catalogue.tools, coaching_tool_id=COACHING_TOOL_ID,
        coaching_requested=bool(round_row["coaching_requested"]))
    tools = {t.id: t for t in catalogue.tools}
    advice_views = [
        DimensionAdvice(
            dr.dimension_id, q.dimension(dr.dimension_id).title.get(lang), dr.score,
            [_tool_view(tools[rec.tool_id], rec.reasons, q, lang) for rec in dr.recommendations
             if rec.tool_id in tools])
        for dr in advice.dimensions
    ]
    coaching_tool = catalogue.get(COACHING_TOOL_ID)
    coaching = (_tool_view(coaching_tool, (), q, lang)
                if advice.offer_coaching and coaching_tool is not None else None)
    uncovered = [ReasonView(r.item_id, q.items[r.item_id].statement.get(lang), r.level,
                            level_label(q, r.level, lang))
                 for r in advice.uncovered_items if r.item_id in q.items]

    axes = [dv.title for dv in dimensions]
    series = [charts.Series("own", series_names["own"], [dv.score for dv in dimensions])]
    if bench.peer.shown:
        series.append(charts.Series("peer", series_names["peer"],
                                    [dv.peer for dv in dimensions]))
    if bench.national.shown:
        series.append(charts.Series("national", series_names["national"],
                                    [dv.national for dv in dimensions]))
    if prev_agg is not None:
        series.append(charts.Series("previous", series_names["previous"],
                                    [dv.previous for dv in dimensions]))
    overall_phase = q.phase(agg.overall_phase)
    labels = anonymity.PEER_GROUP_LABELS.get(round_row["peer_group"], ("", ""))
    return ResultsView(
        round=round_row, municipality=round_row["municipality_name"], questionnaire_id=q.id,
        version=q.version, provisional=provisional, respondents=agg.respondents,
        overall=agg.overall,
        overall_phase_name=overall_phase.name.get(lang) if overall_phase else "",
        overall_phase_description=overall_phase.description.get(lang) if overall_phase else "",
        dimensions=dimensions, role_groups=role_groups,
        hidden_role_groups=len([r for r in analysis.role_counts
                                if r not in analysis.shown_roles]),
        sides=side_views, benchmark=bench, peer_group_label=labels[1 if lang == "en" else 0],
        previous=previous, shared_items=shared_items, advice=advice_views, uncovered=uncovered,
        coaching=coaching, coaching_requested=bool(round_row["coaching_requested"]),
        radar=charts.radar(axes, series), generated=date.today())


# --- exports ------------------------------------------------------------------------------------


def results_export(view: ResultsView) -> dict[str, Any]:
    """The municipality's own results as plain data (JSON export; the CSV flattens it)."""
    return {
        "municipality": view.municipality,
        "municipality_code": view.round["municipality_code"],
        "year": view.round["year"],
        "round_name": view.round["name"],
        "questionnaire": {"id": view.questionnaire_id, "version": view.version},
        "status": "provisional" if view.provisional else "closed",
        "generated": view.generated.isoformat(),
        "respondents": view.respondents,
        "overall_score": _r(view.overall),
        "overall_phase": view.overall_phase_name,
        "dimensions": [
            {
                "id": d.id, "title": d.title, "score": _r(d.score), "phase": d.phase_name,
                "respondents": d.respondents, "coverage": _r(d.coverage, 3),
                "unknown_share": _r(d.unknown_share, 3), "disagreement": _r(d.disagreement),
                "change_since_previous": _r(d.change),
                "peer_group_median": _r(d.peer), "national_median": _r(d.national),
                "items": [
                    {"id": i.id, "statement": i.statement, "median_level": i.median,
                     "q1": i.q1, "q3": i.q3, "spread": i.spread,
                     "respondents_with_level": i.respondents, "unknown": i.unknown,
                     "not_applicable": i.not_applicable,
                     "change_since_previous": i.change}
                    for i in d.items
                ],
            }
            for d in view.dimensions
        ],
    }


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


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
