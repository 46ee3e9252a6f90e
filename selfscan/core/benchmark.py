"""The CCV's national benchmark: statistics over stored round scores, with every anonymity rule.

Plain Python over rows that ``selfscan.storage.benchmark`` reads; no SQL, no Flask.

Which rounds count: closed rounds whose municipality gave benchmark consent, and either only real
rounds or only synthetic ones (never mixed). Per municipality only its latest closed round in the
filtered set counts, so every municipality is counted once.

Which statistics are shown (the threshold lives in selfscan.core.anonymity):

* A selection (the set of municipalities behind a filter: year, questionnaire version, peer group,
  province) is shown only when it holds at least ``THRESHOLD`` municipalities.
* Differencing across filters: peer group and province split their parent selection (the same filters
  without that one) into a partition. A selection is shown only when ``anonymity.suppress`` over that
  partition, with the parent's count as known total, shows its cell. So the selections of the other
  groups cannot be subtracted from the parent to reveal a group of one to four.
* A year selection is a subset of the all-years selection; the difference must be 0 or at least
  ``THRESHOLD`` municipalities.
* Inside a shown selection, a statistic over fewer municipalities (a dimension or item without
  answers in some rounds) is shown only when it has at least ``THRESHOLD`` municipalities and the
  municipalities left out are 0 or at least ``THRESHOLD``.
* Distributions are given as percentiles (P10, Q1, median, Q3, P90), never as the individual
  municipality scores or the minimum and maximum: a list of points would reveal a municipality's
  exact score as soon as two selections differ by one municipality.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from selfscan.core.anonymity import PEER_GROUPS, THRESHOLD, suppress

TOP_ITEMS = 10
"""How many items each bottleneck list holds."""


class FilterError(ValueError):
    """A filter value the benchmark does not know; the message is Dutch and says what to do."""


@dataclass(frozen=True)
class Filters:
    """The filters of a benchmark selection. None means: not filtered on this."""

    year: int | None = None
    questionnaire_id: str | None = None
    version: int | None = None
    peer_group: str | None = None
    province: str | None = None
    synthetic: bool = False

    @property
    def version_key(self) -> str | None:
        if self.questionnaire_id is None:
            return None
        return f"{self.questionnaire_id}:{self.version}"

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "version": self.version_key, "peer_group": self.peer_group,
                "province": self.province, "synthetic": self.synthetic}


def parse_filters(args: Mapping[str, str], provinces: Iterable[str],
                  versions: Iterable[tuple[str, int]]) -> Filters:
    """Filters from query parameters (jaar/year, versie/version, peergroep/peer_group, provincie/
    province, synthetisch/synthetic); raises FilterError with a Dutch message on a bad value."""

    def get(*names: str) -> str:
        for name in names:
            value = (args.get(name) or "").strip()
            if value:
                return value
        return ""

    year: int | None = None
    raw_year = get("jaar", "year")
    if raw_year:
        if not raw_year.isdigit() or not 2000 <= int(raw_year) <= 2100:
            raise FilterError(f"Het jaar '{raw_year[:20]}' bestaat niet. Kies een jaar zoals 2025.")
        year = int(raw_year)
    qid: str | None = None
    version: int | None = None
    raw_version = get("versie", "version")
    if raw_version:
        qid_part, _, number = raw_version.partition(":")
        if not number.isdigit() or (qid_part, int(number)) not in set(versions):
            raise FilterError(f"De vragenlijstversie '{raw_version[:40]}' bestaat niet. Kies een "
                              "versie uit de lijst, zoals mpg:1.")
        qid, version = qid_part, int(number)
    peer_group = get("peergroep", "peer_group") or None
    if peer_group is not None and peer_group not in PEER_GROUPS:
        raise FilterError(f"De peergroep '{peer_group[:40]}' bestaat niet. Kies uit: "
                          + ", ".join(PEER_GROUPS) + ".")
    province = get("provincie", "province") or None
    if province is not None and province not in set(provinces):
        raise FilterError(f"De provincie '{province[:40]}' bestaat niet. Kies een provincie uit "
                          "de lijst.")
    raw_synthetic = get("synthetisch", "synthetic").lower()
    if raw_synthetic not in ("", "0", "1", "ja", "nee", "true", "false"):
        raise FilterError("Gebruik synthetisch=1 voor de demonstratiegegevens, of laat het weg.")
    synthetic = raw_synthetic in ("1", "ja", "true")
    return Filters(year, qid, version, peer_group, province, synthetic)



# --- the rows the statistics are computed from ------------------------------------------------


@dataclass
class BenchmarkRow:
    """The latest closed round of one municipality in one year, with its stored scores."""

    round_id: int
    municipality: str
    year: int
    peer_group: str
    province: str
    rounds: int  # closed rounds of this municipality in this year
    respondents: int  # respondents in those rounds
    overall: float | None
    scores: dict[str, float | None] = field(default_factory=dict)


ItemScoreRow = tuple[str, float | None, int, int, int]
"""(item_id, median, respondents, unknown, not_applicable) of one round's stored item score."""

def _selection(rows: Sequence[BenchmarkRow], filters: Filters) -> dict[str, BenchmarkRow]:
    """Municipality code -> its latest row in the selection the filters describe."""
    out: dict[str, BenchmarkRow] = {}
    for row in rows:
        if filters.year is not None and row.year != filters.year:
            continue
        if filters.peer_group is not None and row.peer_group != filters.peer_group:
            continue
        if filters.province is not None and row.province != filters.province:
            continue
        best = out.get(row.municipality)
        if best is None or (row.year, row.round_id) > (best.year, best.round_id):
            out[row.municipality] = row
    return out


def _small(n: int) -> bool:
    """A count that may not be shown or worked out: one to four municipalities."""
    return 0 < n < THRESHOLD


def selection_verdict(rows: Sequence[BenchmarkRow], filters: Filters) -> str | None:
    """None when the selection may be shown; otherwise the Dutch reason why it is suppressed."""
    members = _selection(rows, filters)
    if len(members) < THRESHOLD:
        return (f"Minder dan {THRESHOLD} gemeenten in deze selectie: de cijfers worden niet "
                "getoond.")
    for attribute in ("peer_group", "province"):
        value = getattr(filters, attribute)
        if value is None:
            continue
        parent = _selection(rows, replace(filters, peer_group=None) if attribute == "peer_group"
                            else replace(filters, province=None))
        cells = Counter(getattr(row, attribute) for row in parent.values())
        verdict = suppress(cells, total=len(parent))
        if verdict.total_hidden or not verdict.shows(value):
            return ("Deze selectie wordt niet getoond: samen met andere selecties zou anders "
                    f"een groep van minder dan {THRESHOLD} gemeenten te herleiden zijn.")
    if filters.year is not None:
        parent = _selection(rows, replace(filters, year=None))
        if _small(len(parent) - len(members)):
            return ("Dit jaar wordt niet getoond: het verschil met alle jaren samen zou een groep "
                    f"van minder dan {THRESHOLD} gemeenten laten zien.")
    return None


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    cuts = statistics.quantiles(sorted(values), n=20, method="inclusive")
    return {"p10": cuts[1], "q1": cuts[4], "median": cuts[9], "q3": cuts[14], "p90": cuts[17]}


def _statistic_allowed(n: int, n_selection: int) -> bool:
    return n >= THRESHOLD and not _small(n_selection - n)


def _dimension_stats(members: Mapping[str, BenchmarkRow], dimension_ids: Sequence[str]
                     ) -> list[dict[str, Any]]:
    out = []
    for dim in dimension_ids:
        values = [score for row in members.values()
                  if (score := row.scores.get(dim)) is not None]
        entry: dict[str, Any] = {"id": dim, "shown": False, "municipalities": None,
                                 "p10": None, "q1": None, "median": None, "q3": None,
                                 "p90": None}
        if _statistic_allowed(len(values), len(members)):
            entry.update(_percentiles(values), shown=True, municipalities=len(values))
        out.append(entry)
    return out


def _dimension_order(rows: Sequence[BenchmarkRow], preferred: Sequence[str]) -> list[str]:
    present = {dim for row in rows for dim in row.scores}
    return [d for d in preferred if d in present] + sorted(present - set(preferred))


def round_half(value: float | None) -> float | None:
    return None if value is None else round(value, 1)



def _bottlenecks(item_rows: Iterable[ItemScoreRow], n_selection: int
                 ) -> dict[str, list[dict[str, Any]]]:
    """Items with the lowest median across municipalities and the highest "weet ik niet" share."""
    medians: dict[str, list[float]] = {}
    unknown: dict[str, list[int]] = {}  # item -> [unknown, given, municipalities with answers]
    for item_id, median, respondents, n_unknown, n_na in item_rows:
        if median is not None:
            medians.setdefault(item_id, []).append(median)
        given = respondents + n_unknown + n_na
        if given:
            acc = unknown.setdefault(item_id, [0, 0, 0])
            acc[0] += n_unknown
            acc[1] += given
            acc[2] += 1
    lowest = [
        {"item_id": item, "median": statistics.median(values), "municipalities": len(values)}
        for item, values in medians.items() if _statistic_allowed(len(values), n_selection)
    ]
    lowest.sort(key=lambda e: (e["median"], e["item_id"]))
    most_unknown: list[dict[str, Any]] = [
        {"item_id": item, "unknown_share": acc[0] / acc[1], "municipalities": acc[2]}
        for item, acc in unknown.items() if _statistic_allowed(acc[2], n_selection)
    ]
    most_unknown.sort(key=lambda e: (-e["unknown_share"], e["item_id"]))
    return {"lowest_median": lowest[:TOP_ITEMS], "most_unknown": most_unknown[:TOP_ITEMS]}



def summarise(rows: Sequence[BenchmarkRow], filters: Filters, dimension_order: Sequence[str],
              item_rows_of: Callable[[list[int]], Iterable[ItemScoreRow]]) -> dict[str, Any]:
    """Everything the dashboard and the API show for these filters, already suppressed.

    Suppressed statistics are None in the result (never the real value with a flag), so no
    template or JSON client can leak them by accident.
    """
    dims = _dimension_order(rows, dimension_order)
    years = sorted({row.year for row in rows})
    reason = selection_verdict(rows, filters)
    members = _selection(rows, filters) if reason is None else {}
    result: dict[str, Any] = {
        "filters": filters.as_dict(),
        "synthetic": filters.synthetic,
        "threshold": THRESHOLD,
        "shown": reason is None,
        "reason": reason,
        "municipalities": len(members) if reason is None else None,
        "respondents": sum(r.respondents for r in members.values()) if reason is None else None,
        "dimensions": _dimension_stats(members, dims) if reason is None else [],
        "national": [],
        "years": [],
        "trends": [],
        "bottlenecks": {"lowest_median": [], "most_unknown": []},
        "available_years": years,
    }
    # The national reference: the same year and version, all peer groups and provinces.
    national_filters = replace(filters, peer_group=None, province=None)
    if selection_verdict(rows, national_filters) is None:
        national = _selection(rows, national_filters)
        result["national"] = [
            {"id": d["id"], "median": d["median"], "municipalities": d["municipalities"]}
            for d in _dimension_stats(national, dims)]
    else:
        result["national"] = [{"id": d, "median": None, "municipalities": None} for d in dims]
    # Years and trends cover every year, also when one year is chosen: each year is its own selection.
    for year in years:
        year_filters = replace(filters, year=year)
        year_reason = selection_verdict(rows, year_filters)
        year_members = _selection(rows, year_filters) if year_reason is None else {}
        shown = year_reason is None
        result["years"].append({
            "year": year, "shown": shown,
            "municipalities": len(year_members) if shown else None,
            "rounds": sum(r.rounds for r in year_members.values()) if shown else None,
            "respondents": sum(r.respondents for r in year_members.values()) if shown else None,
        })
        stats = _dimension_stats(year_members, dims) if shown else []
        result["trends"].append({
            "year": year, "shown": shown,
            "medians": {d["id"]: d["median"] for d in stats} if shown else {d: None for d in dims},
            "municipalities": len(year_members) if shown else None,
        })
    if reason is not None:
        return result
    round_ids = [row.round_id for row in members.values()]
    result["bottlenecks"] = _bottlenecks(item_rows_of(round_ids), len(members))
    return result


# --- the anonymised export --------------------------------------------------------------------

SUPPRESSED = "onderdrukt"
def generalise(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace peer group and province by "onderdrukt" where fewer than THRESHOLD municipalities
    of the same year and version share them, with complementary suppression.

    Within a block (year, questionnaire, version) every combination of shown values must hold
    at least THRESHOLD municipalities: first peer group and province; where that fails, the peer
    group alone; where that fails too, neither. When the rows with neither shown are one to four,
    the smallest shown class is moved to them until they are enough. Blocks with fewer than
    THRESHOLD municipalities are left out entirely. Each row is one municipality (the export
    keeps its latest round per block), so counting rows counts municipalities.
    """
    blocks: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        blocks.setdefault((row["year"], row["questionnaire_id"], row["version"]), []).append(row)
    out: list[dict[str, Any]] = []
    for block in blocks.values():
        if len(block) < THRESHOLD:
            continue
        both: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in block:
            both.setdefault((row["peer_group"], row["province"]), []).append(row)
        level2 = {k: v for k, v in both.items() if len(v) >= THRESHOLD}
        rest = [row for k, v in both.items() if k not in level2 for row in v]
        peer_only: dict[str, list[dict[str, Any]]] = {}
        for row in rest:
            peer_only.setdefault(row["peer_group"], []).append(row)
        level1 = {k: v for k, v in peer_only.items() if len(v) >= THRESHOLD}
        level0 = [row for k, v in peer_only.items() if k not in level1 for row in v]
        while _small(len(level0)):
            # Secondary suppression: the smallest shown class joins the fully suppressed rows.
            if level1:
                key1 = min(level1, key=lambda k: (len(level1[k]), k))
                level0.extend(level1.pop(key1))
            else:
                key2 = min(level2, key=lambda k: (len(level2[k]), k))
                level0.extend(level2.pop(key2))
        for (peer, province), members in level2.items():
            out.extend(dict(r, peer_group=peer, province=province) for r in members)
        for peer, members in level1.items():
            out.extend(dict(r, peer_group=peer, province=SUPPRESSED) for r in members)
        out.extend(dict(r, peer_group=SUPPRESSED, province=SUPPRESSED) for r in level0)
    return out

