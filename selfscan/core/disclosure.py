"""What a release may publish: the disclosure control of every figure that leaves a municipality.

Plain Python over the approved rounds that ``selfscan.storage.releases`` reads. A release is a
frozen set of tables; these rules decide what goes in (docs/disclosure-control.md):

* Units: per municipality its latest approved closed round, one unit per municipality.
* Scores are published as whole numbers (0..100), never with decimals that single out a unit.
* Counts of municipalities are published in bands (5-9, 10-19, 20-49, 50+); counts of
  respondents are never published per cell.
* A distribution shows its median from ``THRESHOLD`` (5) municipalities, its quartiles from
  ``QUARTILES_FROM`` (10), P10 and P90 from ``DECILES_FROM`` (20), and never a minimum or a
  maximum: with a handful of units every quantile is one unit's value.
* Breakdowns are a fixed catalogue of one-way tables (``BREAKDOWNS``); no two breakdowns combine.
  In each table a cell of 1 to 4 municipalities is suppressed, and where a suppressed cell could
  be worked out from the table's total and the other cells, further cells are suppressed too
  (``anonymity.suppress``, complementary suppression against the table total).
* Inside a shown cell, a dimension's distribution is shown only when at least ``THRESHOLD``
  municipalities have a score on it and the ones without are 0 or at least ``THRESHOLD``.
* Two consecutive releases differ by at least ``MIN_CHANGES`` municipalities (entered, left or
  replaced a round), and the rounds that appear and the rounds that disappear are each 0 or at
  least ``MIN_CHANGES``, so that subtracting one release (or its row file) from the next never
  isolates one.
* The row file carries only quasi-identifiers whose every combination occurs at least
  ``THRESHOLD`` times (k-anonymity): columns are dropped, least useful first, until that holds.
* Action plans (``plans``) are national only, never split by a breakdown: per dimension the
  median share of actions done, under the same rule as a dimension inside a cell; per catalogue
  tool the number of municipalities whose plan names it as a band, and only from ``THRESHOLD``
  (a tool below it is left out, not listed as zero). The plan never enters the row file.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from selfscan.core.anonymity import THRESHOLD, suppress
from selfscan.core.messages import N_, Message
from selfscan.core.questionnaire import Library, Questionnaire

QUARTILES_FROM = 10
DECILES_FROM = 20
MIN_CHANGES = 5
"""Municipalities that must have entered, left or replaced a round since the last release."""

COUNT_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (5, 9, "5-9"), (10, 19, "10-19"), (20, 49, "20-49"), (50, None, "50+"))

BREAKDOWNS = ("province", "peer_group", "year", "version", "caseload")
"""The one-way tables of a release besides the national total, in the order they are shown."""

QUASI_IDENTIFIERS = ("version", "year", "peer_group", "caseload", "province")
"""Columns of the row file that could single out a municipality, most useful first: when the file
is not k-anonymous the last one is dropped first."""

CASELOAD_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 0, "0"), (1, 4, "1-4"), (5, 19, "5-19"), (20, None, "20+"))
"""Bands of the number of families a municipality's approach works with (context question)."""

TOP_ITEMS = 10


@dataclass(frozen=True)
class Unit:
    """One municipality's latest approved closed round, as a release uses it."""

    municipality: str
    round_id: int
    year: int
    version: str
    province: str
    peer_group: str
    caseload: str | None
    overall: float | None
    dimensions: Mapping[str, float | None]
    item_medians: Mapping[str, float | None] = field(default_factory=dict)
    item_unknown: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # (unknown, given)
    # The round's action plan: catalogue tools its (not dropped) actions name, and per dimension
    # (actions done, actions not dropped) as core.session.done_share counts them.
    plan_tools: frozenset[str] = frozenset()
    plan_actions: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def quasi_identifier(self, column: str) -> str:
        value = getattr(self, column)
        return "" if value is None else str(value)


def whole(score: float | None) -> int | None:
    """A score as a whole number, halves rounded up (0.5 -> 1), as people round."""
    return None if score is None else int(math.floor(score + 0.5))


def count_band(n: int) -> str | None:
    """A number of municipalities as its band; None below the threshold (not published)."""
    for low, high, label in COUNT_BANDS:
        if n >= low and (high is None or n <= high):
            return label
    return None


def caseload_band(families: float | None) -> str | None:
    """The band of a number of families (the median of the respondents' answers)."""
    if families is None or families < 0:
        return None
    # The band with the highest lower bound at or below the number: a median between two whole
    # numbers (4.5) belongs with the lower one.
    return next(label for low, _high, label in reversed(CASELOAD_BANDS) if families >= low)


def distribution(values: Sequence[float]) -> dict[str, int | None]:
    """Median, quartiles and deciles of scores as whole numbers, each only from enough units."""
    n = len(values)
    out: dict[str, int | None] = {"median": None, "q1": None, "q3": None, "p10": None,
                                  "p90": None}
    if n < THRESHOLD:
        return out
    ordered = sorted(values)
    out["median"] = whole(statistics.median(ordered))
    if n >= QUARTILES_FROM:
        q1, _median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
        out["q1"], out["q3"] = whole(q1), whole(q3)
    if n >= DECILES_FROM:
        cuts = statistics.quantiles(ordered, n=10, method="inclusive")
        out["p10"], out["p90"] = whole(cuts[0]), whole(cuts[-1])
    return out


def _statistic_allowed(n: int, n_cell: int) -> bool:
    left_out = n_cell - n
    return n >= THRESHOLD and (left_out == 0 or left_out >= THRESHOLD)


def cell(units: Sequence[Unit], dimension_ids: Sequence[str]) -> dict[str, Any]:
    """The published figures of one shown cell."""
    overall = [u.overall for u in units if u.overall is not None]
    dims: dict[str, dict[str, int | None]] = {}
    for dim in dimension_ids:
        values = [s for u in units if (s := u.dimensions.get(dim)) is not None]
        dims[dim] = (distribution(values) if _statistic_allowed(len(values), len(units))
                     else distribution([]))
    return {"shown": True, "municipalities": count_band(len(units)),
            "overall": (distribution(overall) if _statistic_allowed(len(overall), len(units))
                        else distribution([])),
            "dimensions": dims}


HIDDEN_CELL: dict[str, Any] = {"shown": False}


def table(units: Sequence[Unit], breakdown: str, dimension_ids: Sequence[str]
          ) -> dict[str, Any]:
    """A one-way table of the units by ``breakdown``, with primary and complementary suppression
    against the table total (the national count, which the release always carries)."""
    groups: dict[str, list[Unit]] = {}
    for unit in units:
        groups.setdefault(unit.quasi_identifier(breakdown), []).append(unit)
    counts = {key: len(members) for key, members in sorted(groups.items())}
    verdict = suppress(counts, total=len(units))
    cells = {key: (HIDDEN_CELL if verdict.total_hidden or not verdict.shows(key)
                   else cell(groups[key], dimension_ids))
             for key in counts}
    return {"breakdown": breakdown, "cells": cells}


def bottlenecks(units: Sequence[Unit]) -> dict[str, list[dict[str, Any]]]:
    """Items with the lowest median score and the highest "weet ik niet" share across
    municipalities, each from enough municipalities, as whole numbers."""
    medians: dict[str, list[float]] = {}
    unknown: dict[str, list[int]] = {}
    for unit in units:
        for item, median in unit.item_medians.items():
            if median is not None:
                medians.setdefault(item, []).append(median)
        for item, (n_unknown, given) in unit.item_unknown.items():
            if given:
                acc = unknown.setdefault(item, [0, 0, 0])
                acc[0] += n_unknown
                acc[1] += given
                acc[2] += 1
    n = len(units)
    lowest: list[dict[str, Any]] = sorted(
        ({"item_id": item, "score": whole(statistics.median(values) * 25),
          "municipalities": count_band(len(values))}
         for item, values in medians.items() if _statistic_allowed(len(values), n)),
        key=lambda e: (e["score"], e["item_id"]))
    most_unknown: list[dict[str, Any]] = sorted(
        ({"item_id": item, "unknown_percent": whole(100 * acc[0] / acc[1]),
          "municipalities": count_band(acc[2])}
         for item, acc in unknown.items() if _statistic_allowed(acc[2], n)),
        key=lambda e: (-int(e["unknown_percent"]), e["item_id"]))
    return {"lowest": lowest[:TOP_ITEMS], "most_unknown": most_unknown[:TOP_ITEMS]}


def k_anonymous_columns(units: Sequence[Unit], k: int = THRESHOLD) -> tuple[str, ...]:
    """The quasi-identifiers the row file may carry: the most useful ones such that every
    combination of their values occurs at least ``k`` times."""
    columns = list(QUASI_IDENTIFIERS)
    while columns:
        combos = Counter(tuple(u.quasi_identifier(c) for c in columns) for u in units)
        if all(count >= k for count in combos.values()):
            break
        columns.pop()
    return tuple(columns)


def rows(units: Sequence[Unit], dimension_ids: Sequence[str], item_ids: Sequence[str]
         ) -> dict[str, Any]:
    """The anonymised row file: per unit its k-anonymous quasi-identifiers and whole scores.

    Rows are sorted by their content, so their order says nothing about municipalities or time;
    no file at all when fewer than ``THRESHOLD`` units are released.
    """
    if len(units) < THRESHOLD:
        return {"columns": [], "rows": []}
    columns = k_anonymous_columns(units)
    out = []
    for unit in units:
        row: dict[str, Any] = {c: unit.quasi_identifier(c) for c in columns}
        row["overall"] = whole(unit.overall)
        row.update({f"dimension:{d}": whole(unit.dimensions.get(d)) for d in dimension_ids})
        row.update({f"item:{i}": unit.item_medians.get(i) for i in item_ids})
        out.append(row)
    out.sort(key=lambda r: [("" if v is None else str(v)) for v in r.values()])
    return {"columns": list(columns), "rows": out}


def changes(previous: Mapping[str, int], current: Mapping[str, int]) -> int:
    """Municipalities that entered, left, or replaced their round between two releases
    (municipality code -> round id of the release)."""
    return sum(1 for code in set(previous) | set(current)
               if previous.get(code) != current.get(code))


def added_and_removed(previous: Mapping[str, int], current: Mapping[str, int]) -> tuple[int, int]:
    """Rounds that appear in the new release (entered or replaced) and rounds that disappear from
    it (left or replaced): the rows someone sees come and go when comparing two row files."""
    added = sum(1 for code, rid in current.items() if previous.get(code) != rid)
    removed = sum(1 for code, rid in previous.items() if current.get(code) != rid)
    return added, removed


class ReleaseRefused(Exception):
    """A release that would differ from the previous one by too few municipalities."""

    def __init__(self, changed: int) -> None:
        self.changed = changed
        self.message = Message(
            N_("Sinds de vorige release zijn %(changed)s gemeenten veranderd; er moeten er "
               "minstens %(needed)s veranderd zijn, zodat twee releases nooit één gemeente "
               "laten zien. Wacht tot er meer rondes zijn goedgekeurd."),
            {"changed": changed, "needed": MIN_CHANGES})
        super().__init__(self.message.text % self.message.params)


def _done_shares(units: Sequence[Unit], dimension_id: str) -> list[float]:
    """Each municipality's share of its actions in a dimension that are done (those with any)."""
    out = []
    for unit in units:
        done, total = unit.plan_actions.get(dimension_id, (0, 0))
        if total:
            out.append(done / total)
    return out


def plans(units: Sequence[Unit], dimension_ids: Sequence[str]) -> dict[str, Any]:
    """The national figures of the action plans.

    Per dimension the median over municipalities of their share of actions done (done / not
    dropped), as a whole percentage, with the number of municipalities that have actions in it
    as a band: only when at least ``THRESHOLD`` have and the ones without are 0 or at least
    ``THRESHOLD`` (the rule of a dimension inside a cell). Per catalogue tool the number of
    municipalities whose plan names it, as a band, only from ``THRESHOLD``: tools below it are
    absent, so absence means "fewer than five or none". Tools are listed by band, then id; their
    order says nothing more than the band.
    """
    if len(units) < THRESHOLD:
        return {"municipalities": None, "dimensions": {}, "tools": []}
    dims: dict[str, dict[str, Any]] = {}
    for dim in dimension_ids:
        shares = _done_shares(units, dim)
        allowed = _statistic_allowed(len(shares), len(units))
        dims[dim] = {"done_percent": (whole(100 * statistics.median(shares)) if allowed else None),
                     "municipalities": count_band(len(shares)) if allowed else None}
    named = Counter(tool for u in units for tool in u.plan_tools)
    tools = [{"tool_id": tool, "municipalities": count_band(n)}
             for tool, n in named.items() if n >= THRESHOLD]
    band_order = {label: rank for rank, (_low, _high, label) in enumerate(COUNT_BANDS)}
    tools.sort(key=lambda t: (-band_order[str(t["municipalities"])], t["tool_id"]))
    with_plan = sum(1 for u in units if any(total for _d, total in u.plan_actions.values()))
    return {"municipalities": count_band(with_plan), "dimensions": dims, "tools": tools}


def content(units: Sequence[Unit], dimension_ids: Sequence[str], item_ids: Sequence[str]
            ) -> dict[str, Any]:
    """Everything a release publishes, already suppressed: suppressed figures are absent or
    None, never the real value with a flag."""
    national = (cell(units, dimension_ids) if len(units) >= THRESHOLD else dict(HIDDEN_CELL))
    return {
        "municipalities": count_band(len(units)),
        "dimension_ids": list(dimension_ids),
        "national": national,
        "tables": {b: table(units, b, dimension_ids) if len(units) >= THRESHOLD
                   else {"breakdown": b, "cells": {}} for b in BREAKDOWNS},
        "bottlenecks": (bottlenecks(units) if len(units) >= THRESHOLD
                        else {"lowest": [], "most_unknown": []}),
        "rows": rows(units, dimension_ids, item_ids),
        "plans": plans(units, dimension_ids),
    }


def check_release(previous: Mapping[str, int] | None, units: Iterable[Unit]) -> dict[str, int]:
    """The members of a new release (code -> round id); ReleaseRefused when it differs from the
    previous release by fewer than MIN_CHANGES municipalities."""
    members = {u.municipality: u.round_id for u in units}
    changed = changes(previous or {}, members)
    added, removed = added_and_removed(previous or {}, members)
    # Also each side on its own: four leaving and one entering are five changes, but comparing
    # the two row files would show the one new row (and the four old ones) by itself.
    if changed < MIN_CHANGES or 0 < added < MIN_CHANGES or 0 < removed < MIN_CHANGES:
        raise ReleaseRefused(min([changed, *(n for n in (added, removed) if n)]))
    return members


def published_ids(library: Library, current: Questionnaire) -> tuple[list[str], list[str]]:
    """The dimension ids (in the current version's order, then older ones) and item ids of every
    loaded version, the columns a release publishes."""
    dims = [d.id for d in current.dimensions]
    dims += [d.id for q in library.questionnaires for d in q.dimensions if d.id not in dims]
    items: list[str] = []
    for q in (current, *library.questionnaires):
        items += [i for i in q.items if i not in items]
    return dims, items
