"""Submitted answers and the scores a round stores when it closes; comments of a round."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from selfscan.core import scoring
from selfscan.core.questionnaire import Questionnaire
from selfscan.storage.db import Database, write


def stored_aggregate(
    db: Database, round_row: dict[str, Any], questionnaire: Questionnaire,
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


def comments(db: Database, round_id: int, *, shared_only: bool = False
             ) -> dict[int, dict[str, str]]:
    """Comments of submitted respondents: respondent id -> {dimension id -> text}.

    ``shared_only``: only the comments whose writers let the working session show them.
    """
    out: dict[int, dict[str, str]] = {}
    for row in db.query(
        """SELECT c.respondent_id, c.dimension_id, c.text FROM comments c
           JOIN respondents p ON p.id = c.respondent_id
           WHERE p.round_id = ? AND p.status = 'submitted'
             AND (c.shared = 1 OR NOT ?)""", [round_id, int(shared_only)]):
        out.setdefault(row["respondent_id"], {})[row["dimension_id"]] = row["text"]
    return out


def submitted(db: Database, round_id: int) -> list[dict[str, Any]]:
    """Every submitted respondent of a round: [{"id", "role_group", "answers", "context"}],
    answers parsed, context answers as saved."""
    out: dict[int, dict[str, Any]] = {}
    for pid, role, item_id, value in db.execute(
        """SELECT p.id, p.role_group, a.item_id, a.value FROM respondents p
           LEFT JOIN answers a ON a.respondent_id = p.id
           WHERE p.round_id = ? AND p.status = 'submitted' ORDER BY p.id""", (round_id,)):
        entry = out.setdefault(pid, {"id": pid, "role_group": role, "answers": {},
                                     "context": {}})
        if item_id is not None:
            entry["answers"][item_id] = scoring.parse_answer(value)
    for pid, question_id, value in db.execute(
        """SELECT c.respondent_id, c.question_id, c.value FROM context_answers c
           JOIN respondents p ON p.id = c.respondent_id
           WHERE p.round_id = ? AND p.status = 'submitted'""", (round_id,)):
        if pid in out:
            out[pid]["context"][question_id] = json.loads(value)
    return list(out.values())


def insert_scores(db: Database, round_id: int, dim_rows: Iterable[tuple[Any, ...]],
                  item_rows: Iterable[tuple[Any, ...]]) -> None:
    """Store a round's dimension rows (dimension_id, score, coverage, respondents, disagreement,
    unknown_share, phase_id) and item rows (item_id, median, q1, q3, spread, respondents,
    unknown, not_applicable), inside the caller's transaction."""
    db.conn.executemany("INSERT INTO round_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [(round_id, *row) for row in dim_rows])
    db.conn.executemany("INSERT INTO round_item_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(round_id, *row) for row in item_rows])


def store_scores(db: Database, round_id: int, aggregate: Any) -> None:
    """Replace the stored scores of a round with those of an aggregate (inside a transaction)."""
    db.execute("DELETE FROM round_scores WHERE round_id = ?", (round_id,))
    db.execute("DELETE FROM round_item_scores WHERE round_id = ?", (round_id,))
    dims = aggregate.dimensions.values()
    insert_scores(
        db, round_id,
        [(d.dimension_id, d.score, d.coverage, d.respondents, d.disagreement, d.unknown_share,
          d.phase_id) for d in dims],
        [(i.item_id, i.median, i.q1, i.q3, i.spread, i.respondents, i.unknown, i.not_applicable)
         for d in dims for i in d.items])
    db.execute(
        "UPDATE rounds SET overall_score = ?, overall_phase = ?, respondent_count = ? WHERE id = ?",
        (aggregate.overall, aggregate.overall_phase, aggregate.respondents, round_id))


def apply_scoring_rules(db: Database, library: Any) -> int:
    """Bring the stored phases and overall scores of closed rounds in line with today's rules.

    Rounds store their scores when they close. When a rule changes (the phase bands and the
    four-of-five rule for an overall score, docs/scoring.md), the stored dimension scores stay
    as they are and what follows from them is worked out again, so every page, export and
    release shows the same figures. Idempotent; returns the number of rounds changed.
    """
    rows = db.execute(
        """SELECT r.id, r.questionnaire_id, r.version, r.overall_score, r.overall_phase,
                  s.dimension_id, s.score, s.phase_id
           FROM rounds r JOIN round_scores s ON s.round_id = r.id ORDER BY r.id""").fetchall()
    per_round: dict[int, dict[str, Any]] = {}
    for rid, qid, version, overall, overall_phase, dim_id, score, phase_id in rows:
        entry = per_round.setdefault(rid, {"q": (qid, version), "overall": overall,
                                           "phase": overall_phase, "dims": {}})
        entry["dims"][dim_id] = (score, phase_id)
    updates: list[tuple[str, tuple[Any, ...]]] = []
    changed = 0
    for rid, entry in per_round.items():
        q = library.get(*entry["q"])
        if q is None:
            continue
        dims = entry["dims"]
        before = len(updates)
        for dim_id, (score, phase_id) in dims.items():
            new_phase = scoring.phase_for(score, q.phases)
            if new_phase != phase_id:
                updates.append(("UPDATE round_scores SET phase_id = ? WHERE round_id = ? AND "
                                "dimension_id = ?", (new_phase, rid, dim_id)))
        overall = scoring.overall_score(dims.get(d, (None, None))[0] for d in q.structure)
        phase = scoring.phase_for(overall, q.phases)
        moved = (overall is None) != (entry["overall"] is None) or (
            overall is not None and abs(overall - entry["overall"]) > 1e-9)
        if moved or phase != entry["phase"]:
            updates.append(("UPDATE rounds SET overall_score = ?, overall_phase = ? WHERE id = ?",
                            (overall, phase, rid)))
        if len(updates) > before:  # a dimension's phase alone also changes the round
            changed += 1
    if updates:
        with write(db):
            for sql, params in updates:
                db.execute(sql, params)
    return changed
