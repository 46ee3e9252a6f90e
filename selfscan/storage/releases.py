"""SQL of releases: the approved rounds a release is computed from, and the frozen releases.

A release is cut in one write transaction: the units (with their action plans) are read,
checked against the previous release's members (core.disclosure.check_release) and stored with
the published content as JSON. Pages, the API and the exports read releases only, never live rounds.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from selfscan.core import disclosure
from selfscan.core.disclosure import Unit
from selfscan.core.session import Action, done_share
from selfscan.storage.db import Database, log_event, now, write
from selfscan.storage.rounds import latest_closed

CASELOAD_QUESTION = "context-families"

_APPROVED = latest_closed(
    partition="r.municipality_code",
    where="r.approval = 'approved' AND r.benchmark_consent = 1 AND r.synthetic = :synthetic")


@dataclass(frozen=True)
class Release:
    id: int
    number: int
    created_at: str
    synthetic: bool
    content: dict[str, Any]


def units(db: Database, synthetic: bool = False) -> list[Unit]:
    """Per municipality its latest approved closed round, with what a release needs of it."""
    rows = list(db.query(
        f"""SELECT l.id, l.municipality_code, l.year, l.questionnaire_id, l.version,
                   l.overall_score, m.province, m.peer_group
            FROM ({_APPROVED}) l JOIN municipalities m ON m.code = l.municipality_code
            ORDER BY l.municipality_code""", {"synthetic": int(synthetic)}))
    if not rows:
        return []
    ids = json.dumps([r["id"] for r in rows])
    dims: dict[int, dict[str, float | None]] = {}
    for rec in db.query("""SELECT round_id, dimension_id, score FROM round_scores
                           WHERE round_id IN (SELECT value FROM json_each(?))""", [ids]):
        dims.setdefault(rec["round_id"], {})[rec["dimension_id"]] = rec["score"]
    medians: dict[int, dict[str, float | None]] = {}
    unknown: dict[int, dict[str, tuple[int, int]]] = {}
    for rec in db.query("""SELECT round_id, item_id, median, respondents, unknown, not_applicable
                           FROM round_item_scores
                           WHERE round_id IN (SELECT value FROM json_each(?))""", [ids]):
        medians.setdefault(rec["round_id"], {})[rec["item_id"]] = rec["median"]
        given = rec["respondents"] + rec["unknown"] + rec["not_applicable"]
        unknown.setdefault(rec["round_id"], {})[rec["item_id"]] = (rec["unknown"], given)
    caseload = _caseloads(db, ids)
    tools, shares = _plans(db, ids)
    return [Unit(municipality=r["municipality_code"], round_id=r["id"], year=r["year"],
                 version=f"{r['questionnaire_id']}:{r['version']}", province=r["province"],
                 peer_group=r["peer_group"], caseload=caseload.get(r["id"]),
                 overall=r["overall_score"], dimensions=dims.get(r["id"], {}),
                 item_medians=medians.get(r["id"], {}), item_unknown=unknown.get(r["id"], {}),
                 plan_tools=tools.get(r["id"], frozenset()), plan_actions=shares.get(r["id"], {}))
            for r in rows]


def _plans(db: Database, round_ids_json: str
           ) -> tuple[dict[int, frozenset[str]], dict[int, dict[str, tuple[int, int]]]]:
    """Per round the catalogue tools its actions name (dropped actions left out) and per
    dimension (done, not dropped) actions. Only the place, tool and status of an action are
    read: never what it says or who does it."""
    plans: dict[int, list[Action]] = {}
    for rec in db.query("""SELECT round_id, dimension_id, tool_id, status FROM actions
                           WHERE round_id IN (SELECT value FROM json_each(?))""",
                        [round_ids_json]):
        plans.setdefault(rec["round_id"], []).append(Action(
            id=None, round_id=rec["round_id"], dimension_id=rec["dimension_id"], item_id=None,
            what="", who="", due=None, tool_id=rec["tool_id"], status=rec["status"],
            carried_from=None, version=0))
    tools = {rid: frozenset(a.tool_id for a in actions if a.tool_id and a.status != "dropped")
             for rid, actions in plans.items()}
    return tools, {rid: done_share(actions) for rid, actions in plans.items()}


def _caseloads(db: Database, round_ids_json: str) -> dict[int, str | None]:
    """The caseload band of each round: the median of its submitted respondents' answers."""
    answers: dict[int, list[float]] = {}
    for rec in db.query(
            """SELECT p.round_id, c.value FROM context_answers c
               JOIN respondents p ON p.id = c.respondent_id
               WHERE c.question_id = ? AND p.status = 'submitted'
                 AND p.round_id IN (SELECT value FROM json_each(?))""",
            [CASELOAD_QUESTION, round_ids_json]):
        try:
            answers.setdefault(rec["round_id"], []).append(float(json.loads(rec["value"])))
        except (TypeError, ValueError):
            continue
    return {rid: disclosure.caseload_band(statistics.median(values))
            for rid, values in answers.items()}


def _release(row: dict[str, Any] | None) -> Release | None:
    if row is None:
        return None
    return Release(row["id"], row["number"], row["created_at"], bool(row["synthetic"]),
                   json.loads(row["content"]))


def latest(db: Database, synthetic: bool = False) -> Release | None:
    return _release(next(db.query(
        "SELECT * FROM releases WHERE synthetic = ? ORDER BY number DESC LIMIT 1",
        [int(synthetic)]), None))


def by_number(db: Database, number: int, synthetic: bool = False) -> Release | None:
    return _release(next(db.query(
        "SELECT * FROM releases WHERE synthetic = ? AND number = ?", [int(synthetic), number]),
        None))


@dataclass(frozen=True)
class Summary:
    """What the lists of releases and the trends need of a release: its national figures, read
    with json_extract so that the rest of the content (the tables, the row file) is not parsed."""

    number: int
    created_at: str
    synthetic: bool
    municipalities: str | None
    national: dict[str, Any]


def all_releases(db: Database, synthetic: bool = False) -> list[Summary]:
    """A summary of every release of this kind, oldest first."""
    return [Summary(row[0], row[1], bool(synthetic), row[2], json.loads(row[3] or "{}"))
            for row in db.execute(
                """SELECT number, created_at, json_extract(content, '$.municipalities'),
                          json_extract(content, '$.national')
                   FROM releases WHERE synthetic = ? ORDER BY number""", [int(synthetic)])]


def exists(db: Database, synthetic: bool = False) -> bool:
    return bool(db.execute("SELECT EXISTS (SELECT 1 FROM releases WHERE synthetic = ?)",
                           [int(synthetic)]).fetchone()[0])


@dataclass(frozen=True)
class ComparisonSource:
    """The parts of the latest release that a results page compares with."""

    number: int
    created_at: str
    national: dict[str, Any]
    peer_cells: dict[str, Any]
    caseload_cells: dict[str, Any]


def comparison_source(db: Database, synthetic: bool = False) -> ComparisonSource | None:
    """The national cell, the size table and the caseload table of the latest release, without
    parsing the rest: a results page needs only these, on every request."""
    row = db.execute(
        """SELECT number, created_at, json_extract(content, '$.national'),
                  json_extract(content, '$.tables.peer_group.cells'),
                  json_extract(content, '$.tables.caseload.cells')
           FROM releases WHERE synthetic = ? ORDER BY number DESC LIMIT 1""",
        [int(synthetic)]).fetchone()
    if row is None:
        return None
    return ComparisonSource(row[0], row[1], json.loads(row[2] or "{}"),
                            json.loads(row[3] or "{}"), json.loads(row[4] or "{}"))


def _members(db: Database, release_id: int) -> dict[str, int]:
    return {r["municipality_code"]: r["round_id"] for r in db.query(
        "SELECT municipality_code, round_id FROM release_members WHERE release_id = ?",
        [release_id])}


def cut(db: Database, dimension_ids: Sequence[str], item_ids: Sequence[str],
        synthetic: bool = False) -> Release:
    """Compute and store the next release; ReleaseRefused when too little changed."""
    with write(db):
        current = units(db, synthetic)
        previous = latest(db, synthetic)
        members = disclosure.check_release(
            _members(db, previous.id) if previous is not None else None, current)
        published = disclosure.content(current, dimension_ids, item_ids)
        number = (previous.number + 1) if previous is not None else 1
        stamp = now()
        cur = db.execute(
            "INSERT INTO releases (synthetic, number, created_at, content) VALUES (?, ?, ?, ?)",
            (int(synthetic), number, stamp, json.dumps(published, ensure_ascii=False)))
        release_id = int(cur.lastrowid or 0)
        db.conn.executemany(
            "INSERT INTO release_members (release_id, municipality_code, round_id) "
            "VALUES (?, ?, ?)", [(release_id, code, rid) for code, rid in members.items()])
        log_event(db, "release_cut", None, f"{'synthetic ' if synthetic else ''}#{number}")
    return Release(release_id, number, stamp, synthetic, published)
