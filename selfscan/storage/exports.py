"""SQL of the CCV's anonymised export: rounds, dimension scores and item scores, generalised."""

from __future__ import annotations

import json
import random
from typing import Any

from selfscan.core.benchmark import generalise, round_half
from selfscan.storage.db import Database
from selfscan.storage.rounds import latest_closed


def _export_candidates(db: Database, synthetic: bool) -> list[dict[str, Any]]:
    """Latest closed, consented round per municipality, year and questionnaire version."""
    latest = latest_closed(
        partition="r.municipality_code, r.year, r.questionnaire_id, r.version",
        where="r.benchmark_consent = 1 AND r.synthetic = ?")
    sql = f"""
        SELECT l.id, l.municipality_code, l.year, l.questionnaire_id, l.version,
               l.respondent_count, l.overall_score, l.overall_phase, m.peer_group, m.province
        FROM ({latest}) l JOIN municipalities m ON m.code = l.municipality_code
    """
    return list(db.query(sql, [int(synthetic)]))


def export_data(db: Database, synthetic: bool = False,
                seed: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """The anonymised export tables: rounds, dimension scores and item scores.

    No municipality code or name, no round id, no comments, no contact address, no dates finer
    than the year. Rows get a new number in shuffled order, so the numbering says nothing about
    when a round was made. ``synthetic`` selects the demonstration rounds instead of the real
    ones; the two are never mixed.
    """
    rows = generalise(_export_candidates(db, synthetic))
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    rng.shuffle(rows)
    rows.sort(key=lambda r: (r["year"], r["questionnaire_id"], r["version"]))
    number = {row["id"]: i for i, row in enumerate(rows, start=1)}
    ids = json.dumps(list(number))
    rounds_out = [{
        "export_id": number[row["id"]], "year": row["year"],
        "questionnaire_id": row["questionnaire_id"], "version": row["version"],
        "peer_group": row["peer_group"], "province": row["province"],
        "respondents": row["respondent_count"],
        "overall_score": round_half(row["overall_score"]), "overall_phase": row["overall_phase"],
        "synthetic": int(synthetic),
    } for row in rows]
    dimension_scores = [
        {"export_id": number[rec["round_id"]], "dimension_id": rec["dimension_id"],
         "score": round_half(rec["score"]), "coverage": round(rec["coverage"], 3),
         "respondents": rec["respondents"],
         "disagreement": round_half(rec["disagreement"]),
         "unknown_share": round(rec["unknown_share"], 3), "phase_id": rec["phase_id"]}
        for rec in db.query(
            """SELECT * FROM round_scores WHERE round_id IN (SELECT value FROM json_each(?))
               ORDER BY round_id, dimension_id""", [ids])]
    item_scores = [
        {"export_id": number[rec["round_id"]], "item_id": rec["item_id"],
         "median": rec["median"], "q1": rec["q1"], "q3": rec["q3"], "spread": rec["spread"],
         "respondents": rec["respondents"], "unknown": rec["unknown"],
         "not_applicable": rec["not_applicable"]}
        for rec in db.query(
            """SELECT * FROM round_item_scores WHERE round_id IN (SELECT value FROM json_each(?))
               ORDER BY round_id, item_id""", [ids])]
    dimension_scores.sort(key=lambda r: (r["export_id"], r["dimension_id"]))
    item_scores.sort(key=lambda r: (r["export_id"], r["item_id"]))
    return {"rounds": sorted(rounds_out, key=lambda r: r["export_id"]),
            "dimension_scores": dimension_scores, "item_scores": item_scores}

