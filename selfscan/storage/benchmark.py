"""SQL of the CCV's national benchmark: the rows its statistics are computed from.

The rules (which rounds count, what may be shown) live in ``selfscan.core.benchmark``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from selfscan.core import benchmark as rules
from selfscan.core.benchmark import BenchmarkRow, Filters, ItemScoreRow
from selfscan.storage.db import Database
from selfscan.storage.rounds import latest_closed


def scope_rows(db: Database, filters: Filters) -> list[BenchmarkRow]:
    """Latest closed round per municipality and year, in the scope of data kind and version.

    Peer group, province and year are applied in Python on this small set (at most the number of
    municipalities times the number of years), so that the parent selections needed for the
    anonymity checks cost no extra queries.
    """
    latest = latest_closed(
        partition="r.municipality_code, r.year",
        where="r.synthetic = :synthetic AND r.benchmark_consent = 1 AND (:qid IS NULL OR "
              "(r.questionnaire_id = :qid AND r.version = :version))")
    sql = f"""
        WITH latest AS ({latest})
        SELECT l.id, l.municipality_code, l.year, l.overall_score, m.peer_group, m.province,
               l.rounds_in_partition, l.respondents_in_partition, s.dimension_id, s.score
        FROM latest l JOIN municipalities m ON m.code = l.municipality_code
        LEFT JOIN round_scores s ON s.round_id = l.id
    """
    params = {"synthetic": int(filters.synthetic), "qid": filters.questionnaire_id,
              "version": filters.version}
    rows: dict[int, BenchmarkRow] = {}
    for rec in db.execute(sql, params).fetchall():
        (rid, code, year, overall, peer, province, n_rounds, n_resp, dimension_id, score) = rec
        row = rows.get(rid)
        if row is None:
            row = rows[rid] = BenchmarkRow(rid, code, year, peer, province, n_rounds, n_resp or 0,
                                           overall)
        if dimension_id is not None:
            row.scores[dimension_id] = score
    return list(rows.values())


def item_score_rows(db: Database, round_ids: Sequence[int]) -> list[ItemScoreRow]:
    """The stored item scores of these rounds, for the bottleneck lists."""
    return db.execute(
        """SELECT item_id, median, respondents, unknown, not_applicable FROM round_item_scores
           WHERE round_id IN (SELECT value FROM json_each(?))""",
        (json.dumps(list(round_ids)),)).fetchall()


def benchmark(db: Database, filters: Filters, dimension_order: Sequence[str] = ()) -> dict[str, Any]:
    """Everything the dashboard and the API show for these filters, already suppressed."""
    return rules.summarise(scope_rows(db, filters), filters, dimension_order,
                           lambda ids: item_score_rows(db, ids))


def has_rounds(db: Database, *, synthetic: bool) -> bool:
    """Whether the benchmark has closed, consented rounds, real or synthetic (the generator
    makes its rounds closed and consented)."""
    found = db.execute("""SELECT EXISTS (SELECT 1 FROM rounds WHERE status = 'closed'
                          AND benchmark_consent = 1 AND synthetic = ?)""",
                       [int(synthetic)]).fetchone()[0]
    return bool(found)

