"""SQL the results pages need beyond store.py: stored round scores, submitted answers, comments."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from selfscan import scoring, store
from selfscan.questionnaire import Questionnaire


def stored_aggregate(
    db: sqlite_utils.Database, round_row: dict[str, Any], questionnaire: Questionnaire,
) -> scoring.RoundAggregate | None:
    """The aggregate a closed round stored when it closed; None when nothing was stored.

    The stored rows lack the level distribution and the min/max level; those fields are left
    empty here (the page takes the distribution from the cached per-round computation).
    """
    dims = {r["dimension_id"]: r for r in db.query(
        "SELECT * FROM round_scores WHERE round_id = ?", [round_row["id"]])}
    if not dims:
        return None
    items = {r["item_id"]: r for r in db.query(
        "SELECT * FROM round_item_scores WHERE round_id = ?", [round_row["id"]])}
    out: dict[str, scoring.DimensionAggregate] = {}
    for dim_id, item_ids in questionnaire.structure.items():
        row = dims.get(dim_id)
        if row is None:
            continue
        item_aggs = []
        for item_id in item_ids:
            it = items.get(item_id)
            if it is None:
                continue
            median = it["median"]
            spread = it["spread"]
            item_aggs.append(scoring.ItemAggregate(
                item_id=item_id, median=median, q1=it["q1"], q3=it["q3"], min_level=None,
                max_level=None, spread=spread, respondents=it["respondents"],
                unknown=it["unknown"], not_applicable=it["not_applicable"],
                distribution=(0, 0, 0, 0, 0),
                disagree=scoring.item_disagrees(spread),
                score=None if median is None else scoring.level_score(median)))
        disagreement = row["disagreement"]
        out[dim_id] = scoring.DimensionAggregate(
            dimension_id=dim_id, score=row["score"], coverage=row["coverage"],
            respondents=row["respondents"], unknown_share=row["unknown_share"],
            disagreement=disagreement,
            disagree=scoring.dimension_disagrees(disagreement, item_aggs),
            phase_id=row["phase_id"], items=tuple(item_aggs))
    return scoring.RoundAggregate(out, round_row["overall_score"], round_row["overall_phase"],
                                  round_row["respondent_count"])


submitted = store.submitted  # one query for closing and for provisional results


def comments(db: sqlite_utils.Database, round_id: int) -> dict[int, dict[str, str]]:
    """Comments of submitted respondents: respondent id -> {dimension id -> text}."""
    out: dict[int, dict[str, str]] = {}
    for row in db.query(
        """SELECT c.respondent_id, c.dimension_id, c.text FROM comments c
           JOIN respondents p ON p.id = c.respondent_id
           WHERE p.round_id = ? AND p.status = 'submitted'""", [round_id]):
        out.setdefault(row["respondent_id"], {})[row["dimension_id"]] = row["text"]
    return out
