"""All SQL of the service: municipalities, questionnaire versions, rounds, answers, scores, events."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from selfscan import scoring, tokens
from selfscan.anonymity import peer_group_for, size_class
from selfscan.db import write, write_statement
from selfscan.questionnaire import Library, Questionnaire, parse_questionnaire


class VersionChanged(Exception):
    """A questionnaire file changed under a version that already has responses."""


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_event(conn: Any, kind: str, round_id: int | None = None, detail: str = "") -> None:
    """Record what happened, never what was answered: the event log holds no content."""
    conn.execute("INSERT INTO events (at, kind, round_id, detail) VALUES (?, ?, ?, ?)",
                 (now(), kind, round_id, detail))


# --- municipalities ----------------------------------------------------------------------------


def read_municipalities(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        population = int(row["population"])
        out.append({
            "code": row["code"], "name": row["name"], "province": row["province"],
            "population": population, "size_class": size_class(population),
            "peer_group": peer_group_for(population),
        })
    return out


def load_municipalities(db: sqlite_utils.Database, path: str | Path) -> int:
    """Upsert the municipality register; idempotent."""
    rows = read_municipalities(path)
    with write(db) as conn:
        conn.executemany(
            """INSERT INTO municipalities (code, name, province, population, size_class, peer_group)
               VALUES (:code, :name, :province, :population, :size_class, :peer_group)
               ON CONFLICT(code) DO UPDATE SET name=excluded.name, province=excluded.province,
                 population=excluded.population, size_class=excluded.size_class,
                 peer_group=excluded.peer_group""",
            rows,
        )
    return len(rows)


def municipalities(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM municipalities ORDER BY name COLLATE NOCASE"))


def municipality(db: sqlite_utils.Database, code: str) -> dict[str, Any] | None:
    return next(db.query("SELECT * FROM municipalities WHERE code = ?", [code]), None)


# --- questionnaire versions --------------------------------------------------------------------


def has_responses(conn: Any, questionnaire_id: str, version: int) -> bool:
    row = conn.execute(
        """SELECT 1 FROM respondents r JOIN rounds s ON s.id = r.round_id
           WHERE s.questionnaire_id = ? AND s.version = ? LIMIT 1""",
        (questionnaire_id, version),
    ).fetchone()
    return row is not None


def sync_questionnaires(db: sqlite_utils.Database, questionnaires: Iterable[Questionnaire]) -> list[str]:
    """Store each loaded version with its content hash; refuse to change one that has responses.

    Returns a line per version saying what happened. Raises VersionChanged (and stores
    nothing) when a file changed under a version that respondents already answered.
    """
    report = []
    with write(db) as conn:
        for q in questionnaires:
            row = conn.execute(
                "SELECT content_hash FROM questionnaire_versions "
                "WHERE questionnaire_id = ? AND version = ?", (q.id, q.version)).fetchone()
            definition = json.dumps(q.raw, ensure_ascii=False, sort_keys=True)
            if row is None:
                conn.execute(
                    "INSERT INTO questionnaire_versions VALUES (?, ?, ?, ?, ?, ?)",
                    (q.id, q.version, q.content_hash, definition, q.source, now()))
                log_event(conn, "questionnaire_loaded", None, f"{q.id} v{q.version}")
                report.append(f"{q.id} v{q.version}: nieuw geladen")
            elif row[0] == q.content_hash:
                report.append(f"{q.id} v{q.version}: ongewijzigd")
            elif has_responses(conn, q.id, q.version):
                raise VersionChanged(
                    f"{q.source}: vragenlijst {q.id!r} versie {q.version} is gewijzigd, maar er "
                    "zijn al antwoorden op deze versie. Een versie met antwoorden verandert niet "
                    f"meer: publiceer de wijziging als nieuwe versie (version: {q.version + 1}) "
                    "in een nieuw bestand, of zet het oude bestand terug.")
            else:
                conn.execute(
                    "UPDATE questionnaire_versions SET content_hash = ?, definition = ?, "
                    "source = ?, loaded_at = ? WHERE questionnaire_id = ? AND version = ?",
                    (q.content_hash, definition, q.source, now(), q.id, q.version))
                log_event(conn, "questionnaire_updated", None, f"{q.id} v{q.version}")
                report.append(f"{q.id} v{q.version}: bijgewerkt (nog geen antwoorden)")
    return report


def stored_questionnaires(db: sqlite_utils.Database) -> list[Questionnaire]:
    """Versions kept in the database, so rounds stay scorable after their file is removed."""
    return [
        parse_questionnaire(json.loads(row["definition"]), row["source"])
        for row in db.query("SELECT * FROM questionnaire_versions ORDER BY questionnaire_id, version")
    ]


def merge_library(files: Library, stored: Iterable[Questionnaire]) -> Library:
    by_key = {q.key: q for q in stored}
    by_key.update({q.key: q for q in files.questionnaires})
    return Library(tuple(sorted(by_key.values(), key=lambda q: q.key)), files.catalogue)


# --- rounds ------------------------------------------------------------------------------------


def create_round(
    db: sqlite_utils.Database, *, municipality_code: str, questionnaire: Questionnaire, year: int,
    name: str = "", benchmark_consent: bool = False, coaching_requested: bool = False,
    contact_email: str | None = None, previous_round_id: int | None = None,
    synthetic: bool = False,
) -> tuple[int, str]:
    """Start a round; returns its id and the coordinator token (shown once, stored hashed)."""
    coordinator = tokens.new_token()
    nonce = tokens.new_token()
    invitation = tokens.invitation_token(coordinator, nonce)
    with write(db) as conn:
        cur = conn.execute(
            """INSERT INTO rounds (municipality_code, questionnaire_id, version, year, name,
                 coordinator_token_hash, invitation_token_hash, invitation_nonce,
                 benchmark_consent, coaching_requested, contact_email, previous_round_id,
                 synthetic, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (municipality_code, questionnaire.id, questionnaire.version, year, name,
             tokens.token_hash(coordinator), tokens.token_hash(invitation), nonce,
             int(benchmark_consent), int(coaching_requested),
             contact_email if coaching_requested else None, previous_round_id, int(synthetic),
             now()))
        round_id = int(cur.lastrowid or 0)
        log_event(conn, "round_started", round_id)
    return round_id, coordinator


_ROUND_SELECT = """SELECT r.*, m.name AS municipality_name, m.province, m.peer_group,
                          m.population, m.size_class
                   FROM rounds r JOIN municipalities m ON m.code = r.municipality_code"""


def round_by_id(db: sqlite_utils.Database, round_id: int) -> dict[str, Any] | None:
    return next(db.query(_ROUND_SELECT + " WHERE r.id = ?", [round_id]), None)


def _round_by_token(db: sqlite_utils.Database, column: str, token: str) -> dict[str, Any] | None:
    if not tokens.looks_valid(token):
        return None
    return next(db.query(_ROUND_SELECT + f" WHERE r.{column} = ?", [tokens.token_hash(token)]),
                None)


def round_by_coordinator(db: sqlite_utils.Database, token: str) -> dict[str, Any] | None:
    return _round_by_token(db, "coordinator_token_hash", token)


def round_by_invitation(db: sqlite_utils.Database, token: str) -> dict[str, Any] | None:
    return _round_by_token(db, "invitation_token_hash", token)


def replace_invitation(db: sqlite_utils.Database, round_id: int, coordinator_token: str) -> None:
    nonce = tokens.new_token()
    invitation = tokens.invitation_token(coordinator_token, nonce)
    with write(db) as conn:
        conn.execute("UPDATE rounds SET invitation_nonce = ?, invitation_token_hash = ? WHERE id = ?",
                     (nonce, tokens.token_hash(invitation), round_id))
        log_event(conn, "invitation_replaced", round_id)


def delete_round(db: sqlite_utils.Database, round_id: int) -> None:
    """Delete a round with everything in it; the event log keeps only that it happened."""
    with write(db) as conn:  # a later round's previous_round_id is cleared by its foreign key
        conn.execute("DELETE FROM rounds WHERE id = ?", (round_id,))
        conn.execute("UPDATE events SET round_id = NULL WHERE round_id = ?", (round_id,))
        log_event(conn, "round_deleted", None)


# --- respondents and answers -------------------------------------------------------------------


def create_respondent(db: sqlite_utils.Database, round_id: int, role: str) -> tuple[int, str]:
    token = tokens.new_token()
    stamp = now()
    with write(db) as conn:
        cur = conn.execute(
            """INSERT INTO respondents (round_id, resume_token_hash, role_group, created_at,
                 updated_at) VALUES (?, ?, ?, ?, ?)""",
            (round_id, tokens.token_hash(token), role, stamp, stamp))
    return int(cur.lastrowid or 0), token


def respondent_by_resume(db: sqlite_utils.Database, token: str) -> dict[str, Any] | None:
    if not tokens.looks_valid(token):
        return None
    return next(db.query(
        """SELECT p.*, r.status AS round_status, r.questionnaire_id, r.version,
                  r.municipality_code, m.name AS municipality_name
           FROM respondents p JOIN rounds r ON r.id = p.round_id
           JOIN municipalities m ON m.code = r.municipality_code
           WHERE p.resume_token_hash = ?""", [tokens.token_hash(token)]), None)


def answers_of(db: sqlite_utils.Database, respondent_id: int) -> dict[str, str]:
    return {r["item_id"]: r["value"] for r in db.query(
        "SELECT item_id, value FROM answers WHERE respondent_id = ?", [respondent_id])}


def context_of(db: sqlite_utils.Database, respondent_id: int) -> dict[str, Any]:
    return {r["question_id"]: json.loads(r["value"]) for r in db.query(
        "SELECT question_id, value FROM context_answers WHERE respondent_id = ?", [respondent_id])}


def comments_of(db: sqlite_utils.Database, respondent_id: int) -> dict[str, str]:
    return {r["dimension_id"]: r["text"] for r in db.query(
        "SELECT dimension_id, text FROM comments WHERE respondent_id = ?", [respondent_id])}


# The guard of every save: nothing is written for a respondent who submitted or whose round
# was closed, not even by a save that was under way at that moment. ?1 is the respondent.
_MAY_SAVE = """EXISTS (SELECT 1 FROM respondents p JOIN rounds r ON r.id = p.round_id
                       WHERE p.id = ?1 AND p.status = 'started' AND r.status = 'open')"""

# What is stored now for a row (kind, key) of a save; NULL when nothing is.
_STORED = """CASE column1
    WHEN 'answer' THEN (SELECT value FROM answers WHERE respondent_id = ?1 AND item_id = column2)
    WHEN 'context' THEN (SELECT value FROM context_answers
                         WHERE respondent_id = ?1 AND question_id = column2)
    WHEN 'comment' THEN (SELECT text FROM comments WHERE respondent_id = ?1 AND dimension_id = column2)
    END"""


def may_save(db: sqlite_utils.Database, respondent_id: int) -> bool:
    """Whether the respondent has not submitted and the round is still open."""
    return db.execute(f"SELECT {_MAY_SAVE}", [respondent_id]).fetchone()[0] == 1


def save_answers(
    db: sqlite_utils.Database, respondent_id: int, *,
    answers: dict[str, str | None] | None = None, context: dict[str, Any] | None = None,
    comments: dict[str, str] | None = None,
) -> bool:
    """Save validated answers of a respondent who has not submitted, all or nothing.

    None as an answer value clears it, as do an empty context value and a blank comment.
    Returns False (and saves nothing) when the respondent already submitted or the round is
    closed, so a second tab cannot change a submission.

    The whole save is one INSERT into the view `saves`, whose trigger writes the three tables
    (schema migration 3), and only what differs from what is stored reaches the trigger: a
    background save sends the whole page while one answer changed. So `updated_at` tells
    when a value last changed, and the write lock is held as briefly as possible.
    """
    stamp = now()
    rows: list[tuple[str, str, str | None]] = []
    rows += [("answer", item_id, value) for item_id, value in (answers or {}).items()]
    rows += [("context", question_id, None if value in (None, "", [])
              else json.dumps(value, ensure_ascii=False))
             for question_id, value in (context or {}).items()]
    rows += [("comment", dimension_id, text if text.strip() else None)
             for dimension_id, text in (comments or {}).items()]
    if not rows:
        return may_save(db, respondent_id)
    values = ", ".join(f"(?{n}, ?{n + 1}, ?{n + 2})" for n in range(3, 3 + 3 * len(rows), 3))
    changed = write_statement(
        db,
        f"""INSERT INTO saves (respondent_id, kind, key, value, updated_at)
            SELECT ?1, column1, column2, column3, ?2 FROM (VALUES {values})
            WHERE {_MAY_SAVE} AND column3 IS NOT ({_STORED})""",
        [respondent_id, stamp, *(x for row in rows for x in row)])
    # No revision bump: results count submitted answers only, and those cannot change.
    # Nothing changed: the guard refused, or everything sent was already stored.
    return changed > 0 or may_save(db, respondent_id)


def submit_respondent(db: sqlite_utils.Database, respondent_id: int, round_id: int) -> bool:
    """Mark a respondent's answers as submitted. Idempotent: True only the first time."""
    with write(db) as conn:
        cur = conn.execute(
            """UPDATE respondents SET status = 'submitted', submitted_at = ?
               WHERE id = ? AND status = 'started'
                 AND (SELECT status FROM rounds WHERE id = ?) = 'open'""",
            (now(), respondent_id, round_id))
        if cur.rowcount:
            conn.execute("UPDATE rounds SET revision = revision + 1 WHERE id = ?", (round_id,))
            log_event(conn, "respondent_submitted", round_id)
    return bool(cur.rowcount)


def progress(db: sqlite_utils.Database, round_id: int) -> dict[str, dict[str, int]]:
    """Per role group: how many started and how many submitted. Never who."""
    out: dict[str, dict[str, int]] = {}
    for row in db.query(
        """SELECT role_group, count(*) AS started, sum(status = 'submitted') AS submitted
           FROM respondents WHERE round_id = ? GROUP BY role_group""", [round_id]):
        out[row["role_group"]] = {"started": row["started"], "submitted": row["submitted"] or 0}
    return out


def submitted(conn: Any, round_id: int) -> list[dict[str, Any]]:
    """Every submitted respondent of a round: [{"id", "role_group", "answers"}], answers parsed.

    Takes a sqlite3 connection (inside a write transaction) or a sqlite_utils Database.
    """
    out: dict[int, dict[str, Any]] = {}
    for pid, role, item_id, value in conn.execute(
        """SELECT p.id, p.role_group, a.item_id, a.value FROM respondents p
           LEFT JOIN answers a ON a.respondent_id = p.id
           WHERE p.round_id = ? AND p.status = 'submitted' ORDER BY p.id""", (round_id,)):
        entry = out.setdefault(pid, {"id": pid, "role_group": role, "answers": {}})
        if item_id is not None:
            entry["answers"][item_id] = scoring.parse_answer(value)
    return list(out.values())


def insert_scores(conn: Any, round_id: int, dim_rows: Iterable[tuple[Any, ...]],
                  item_rows: Iterable[tuple[Any, ...]]) -> None:
    """Store a round's dimension rows (dimension_id, score, coverage, respondents, disagreement,
    unknown_share, phase_id) and item rows (item_id, median, q1, q3, spread, respondents,
    unknown, not_applicable), inside the caller's transaction."""
    conn.executemany("INSERT INTO round_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [(round_id, *row) for row in dim_rows])
    conn.executemany("INSERT INTO round_item_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(round_id, *row) for row in item_rows])


def store_scores(conn: Any, round_id: int, aggregate: Any) -> None:
    """Replace the stored scores of a round with those of an aggregate (inside a transaction)."""
    conn.execute("DELETE FROM round_scores WHERE round_id = ?", (round_id,))
    conn.execute("DELETE FROM round_item_scores WHERE round_id = ?", (round_id,))
    dims = aggregate.dimensions.values()
    insert_scores(
        conn, round_id,
        [(d.dimension_id, d.score, d.coverage, d.respondents, d.disagreement, d.unknown_share,
          d.phase_id) for d in dims],
        [(i.item_id, i.median, i.q1, i.q3, i.spread, i.respondents, i.unknown, i.not_applicable)
         for d in dims for i in d.items])
    conn.execute(
        "UPDATE rounds SET overall_score = ?, overall_phase = ?, respondent_count = ? WHERE id = ?",
        (aggregate.overall, aggregate.overall_phase, aggregate.respondents, round_id))


def close_round(db: sqlite_utils.Database, round_id: int, questionnaire: Questionnaire) -> bool:
    """Close a round and store its scores. Idempotent: True only for the call that closed it."""
    with write(db) as conn:
        status = conn.execute("SELECT status FROM rounds WHERE id = ?", (round_id,)).fetchone()
        if status is None or status[0] != "open":
            return False
        per = [r["answers"] for r in submitted(conn, round_id)]
        agg = scoring.aggregate(questionnaire.structure, per, questionnaire.phases)
        store_scores(conn, round_id, agg)
        conn.execute("UPDATE rounds SET status = 'closed', closed_at = ? WHERE id = ?",
                     (now(), round_id))
        log_event(conn, "round_closed", round_id, f"{len(per)} respondenten")
    return True
