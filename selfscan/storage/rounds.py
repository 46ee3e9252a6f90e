"""Rounds, respondents and their answers: creating, finding, saving, submitting, closing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from selfscan.core import scoring, tokens
from selfscan.core.questionnaire import Questionnaire
from selfscan.storage.db import Database, checkpoint, log_event, now, write, write_statement
from selfscan.storage.scores import store_scores, submitted
from selfscan.storage.sessions import carry_over_actions

# --- the latest closed round ------------------------------------------------------------------


def latest_closed(partition: str, where: str = "1") -> str:
    """SQL of the latest closed round per ``partition`` among the closed rounds that pass ``where``.

    The one definition of "latest" that the peer lines, the national benchmark, the export and
    the coaching list share: the round closed last, and of rounds closed at the same moment the
    one made last (the higher id). Every column of ``rounds`` (as ``r``) is there, plus
    ``rounds_in_partition`` and ``respondents_in_partition`` (all closed rounds of the partition
    that pass ``where``). ``partition`` and ``where`` are SQL written in this package, never input.
    """
    return f"""
        SELECT * FROM (
            SELECT r.*,
                   ROW_NUMBER() OVER w AS latest_rank,
                   COUNT(*) OVER (PARTITION BY {partition}) AS rounds_in_partition,
                   SUM(r.respondent_count) OVER (PARTITION BY {partition})
                       AS respondents_in_partition
            FROM rounds r
            WHERE r.status = 'closed' AND ({where})
            WINDOW w AS (PARTITION BY {partition} ORDER BY r.closed_at DESC, r.id DESC)
        ) WHERE latest_rank = 1"""


# --- rounds ------------------------------------------------------------------------------------


def insert_round(
    db: Database, *, municipality_code: str, questionnaire: Questionnaire, year: int,
    name: str = "", benchmark_consent: bool = False, coaching_requested: bool = False,
    contact_email: str | None = None, previous_round_id: int | None = None,
    synthetic: bool = False, created_at: str | None = None,
) -> tuple[int, str]:
    """Insert a round inside the caller's write transaction; returns its id and the coordinator
    token (shown once, stored hashed)."""
    coordinator = tokens.new_token()
    nonce = tokens.new_token()
    invitation = tokens.invitation_token(coordinator, nonce)
    cur = db.execute(
        """INSERT INTO rounds (municipality_code, questionnaire_id, version, year, name,
             coordinator_token_hash, invitation_token_hash, invitation_nonce,
             benchmark_consent, coaching_requested, contact_email, previous_round_id,
             synthetic, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (municipality_code, questionnaire.id, questionnaire.version, year, name,
         tokens.token_hash(coordinator), tokens.token_hash(invitation), nonce,
         int(benchmark_consent), int(coaching_requested),
         # The address is kept only for what needs it: confirming a round that is to count
         # beyond its municipality (benchmark consent or coaching), and coaching contact.
         contact_email if (coaching_requested or benchmark_consent) else None,
         previous_round_id, int(synthetic),
         created_at or now()))
    round_id = int(cur.lastrowid or 0)
    if not synthetic:  # the generator logs its batches, not each of thousands of rounds
        log_event(db, "round_started", round_id)
    return round_id, coordinator


def create_round(
    db: Database, *, municipality_code: str, questionnaire: Questionnaire, year: int,
    name: str = "", benchmark_consent: bool = False, coaching_requested: bool = False,
    contact_email: str | None = None, previous_round_id: int | None = None,
    synthetic: bool = False,
) -> tuple[int, str]:
    """Start a round; returns its id and the coordinator token (shown once, stored hashed).

    The round after an earlier one (``previous_round_id``) starts from its plan: the open and
    busy actions of that round are copied into it in the same transaction (idempotent, see
    sessions.carry_over_actions).
    """
    with write(db):
        made = insert_round(
            db, municipality_code=municipality_code, questionnaire=questionnaire, year=year,
            name=name, benchmark_consent=benchmark_consent,
            coaching_requested=coaching_requested, contact_email=contact_email,
            previous_round_id=previous_round_id, synthetic=synthetic)
        if previous_round_id is not None:
            carry_over_actions(db, previous_round_id, made[0])
        return made


_ROUND_SELECT = """SELECT r.*, m.name AS municipality_name, m.province, m.peer_group,
                          m.population, m.size_class
                   FROM rounds r JOIN municipalities m ON m.code = r.municipality_code"""


def round_by_id(db: Database, round_id: int) -> dict[str, Any] | None:
    return next(db.query(_ROUND_SELECT + " WHERE r.id = ?", [round_id]), None)


def _round_by_token(db: Database, column: str, token: str) -> dict[str, Any] | None:
    if not tokens.looks_valid(token):
        return None
    return next(db.query(_ROUND_SELECT + f" WHERE r.{column} = ?", [tokens.token_hash(token)]),
                None)


def round_by_coordinator(db: Database, token: str) -> dict[str, Any] | None:
    return _round_by_token(db, "coordinator_token_hash", token)


def round_by_invitation(db: Database, token: str) -> dict[str, Any] | None:
    return _round_by_token(db, "invitation_token_hash", token)


def replace_invitation(db: Database, round_id: int, coordinator_token: str) -> None:
    nonce = tokens.new_token()
    invitation = tokens.invitation_token(coordinator_token, nonce)
    with write(db):
        db.execute("UPDATE rounds SET invitation_nonce = ?, invitation_token_hash = ? WHERE id = ?",
                     (nonce, tokens.token_hash(invitation), round_id))
        log_event(db, "invitation_replaced", round_id)


def replace_coordinator(db: Database, round_id: int) -> str:
    """A new coordinator token for a round (its old link stops working); returns the token.

    The invitation token derives from the coordinator token and the stored nonce, so its hash is
    recomputed with the same nonce: the old invitation link stops too, and the new one follows
    from the new coordinator token. Respondents who joined keep their own resume links.
    """
    coordinator = tokens.new_token()
    with write(db):
        row = db.execute("SELECT invitation_nonce FROM rounds WHERE id = ?", (round_id,)).fetchone()
        if row is None:
            raise KeyError(round_id)
        invitation = tokens.invitation_token(coordinator, row[0])
        db.execute("UPDATE rounds SET coordinator_token_hash = ?, invitation_token_hash = ? "
                   "WHERE id = ?", (tokens.token_hash(coordinator), tokens.token_hash(invitation),
                                    round_id))
        log_event(db, "links_replaced", round_id)
    return coordinator


def delete_round(db: Database, round_id: int) -> None:
    """Delete a round with everything in it; the event log keeps only that a round was deleted.

    With secure_delete on (db.connect) the freed pages are overwritten, and the checkpoint
    afterwards empties the WAL, so no text of the round stays in the database or its WAL.
    """
    with write(db):  # a later round's previous_round_id is cleared by its foreign key
        db.execute("DELETE FROM rounds WHERE id = ?", (round_id,))
        # Its events go too: how many joined and submitted, and when, is the round's own.
        db.execute("DELETE FROM events WHERE round_id = ?", (round_id,))
        log_event(db, "round_deleted", None)
    checkpoint(db)


# --- respondents and answers -------------------------------------------------------------------


def create_respondent(db: Database, round_id: int, role: str) -> tuple[int, str]:
    token = tokens.new_token()
    stamp = now()
    with write(db):
        cur = db.execute(
            """INSERT INTO respondents (round_id, resume_token_hash, role_group, created_at,
                 updated_at) VALUES (?, ?, ?, ?, ?)""",
            (round_id, tokens.token_hash(token), role, stamp, stamp))
    return int(cur.lastrowid or 0), token


def respondent_by_resume(db: Database, token: str) -> dict[str, Any] | None:
    if not tokens.looks_valid(token):
        return None
    return next(db.query(
        """SELECT p.*, r.status AS round_status, r.questionnaire_id, r.version,
                  r.municipality_code, m.name AS municipality_name
           FROM respondents p JOIN rounds r ON r.id = p.round_id
           JOIN municipalities m ON m.code = r.municipality_code
           WHERE p.resume_token_hash = ?""", [tokens.token_hash(token)]), None)


def answers_of(db: Database, respondent_id: int) -> dict[str, str]:
    return {r["item_id"]: r["value"] for r in db.query(
        "SELECT item_id, value FROM answers WHERE respondent_id = ?", [respondent_id])}


def context_of(db: Database, respondent_id: int) -> dict[str, Any]:
    return {r["question_id"]: json.loads(r["value"]) for r in db.query(
        "SELECT question_id, value FROM context_answers WHERE respondent_id = ?", [respondent_id])}


def comments_of(db: Database, respondent_id: int) -> dict[str, str]:
    return {r["dimension_id"]: r["text"] for r in db.query(
        "SELECT dimension_id, text FROM comments WHERE respondent_id = ?", [respondent_id])}


def shares_of(db: Database, respondent_id: int) -> dict[str, bool]:
    """Per dimension with a comment: whether the respondent lets the working session show it."""
    return {r["dimension_id"]: bool(r["shared"]) for r in db.query(
        "SELECT dimension_id, shared FROM comments WHERE respondent_id = ?", [respondent_id])}


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
    WHEN 'share' THEN (SELECT CAST(shared AS TEXT) FROM comments
                       WHERE respondent_id = ?1 AND dimension_id = column2)
    END"""


def may_save(db: Database, respondent_id: int) -> bool:
    """Whether the respondent has not submitted and the round is still open."""
    return bool(db.execute(f"SELECT {_MAY_SAVE}", [respondent_id]).fetchone()[0] == 1)


def save_answers(
    db: Database, respondent_id: int, *,
    answers: Mapping[str, str | None] | None = None, context: Mapping[str, Any] | None = None,
    comments: Mapping[str, str] | None = None, shares: Mapping[str, bool] | None = None,
) -> bool:
    """Save validated answers of a respondent who has not submitted, all or nothing.

    None as an answer value clears it, as do an empty context value and a blank comment.
    ``shares`` says per dimension whether the working session may show the respondent's comment
    (without their name); it sets the choice of a comment that is stored or saved in the same
    call, and means nothing for a dimension without a comment (a cleared comment is gone, with
    its choice).
    Returns False (and saves nothing) when the respondent already submitted or the round is
    closed, so a second tab cannot change a submission.

    The whole save is one INSERT into the view `saves`, whose trigger writes the three tables,
    and only what differs from what is stored reaches the trigger: a background save sends the
    whole page while one answer changed. So `updated_at` tells when a value last changed, and
    the write lock is held only inside that one statement (docs/performance.md, "Load").

    The rules of a save live in two places that must change together: the guard and the
    "what differs" test in the statement below (`_MAY_SAVE`, `_STORED`), and the trigger
    `saves_insert` (migration 3, recreated by migration 10 for the kind 'share'; see
    storage/migrations.py), which turns each row into an upsert, an update or a delete per kind.
    Share rows go after the comment rows: the trigger handles the rows in the order sent, and
    a share can only mark a comment that exists by then. To change what a save writes, add a
    new migration that drops and recreates the trigger (and the view where its columns change);
    never edit a migration that databases already ran.
    """
    stamp = now()
    rows: list[tuple[str, str, str | None]] = []
    rows += [("answer", item_id, value) for item_id, value in (answers or {}).items()]
    rows += [("context", question_id, None if value in (None, "", [])
              else json.dumps(value, ensure_ascii=False))
             for question_id, value in (context or {}).items()]
    rows += [("comment", dimension_id, text if text.strip() else None)
             for dimension_id, text in (comments or {}).items()]
    rows += [("share", dimension_id, "1" if shared else "0")  # after the comments, see above
             for dimension_id, shared in (shares or {}).items()]
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


def submit_respondent(db: Database, respondent_id: int, round_id: int) -> bool:
    """Mark a respondent's answers as submitted. Idempotent: True only the first time."""
    with write(db):
        cur = db.execute(
            """UPDATE respondents SET status = 'submitted', submitted_at = ?
               WHERE id = ? AND status = 'started'
                 AND (SELECT status FROM rounds WHERE id = ?) = 'open'""",
            (now(), respondent_id, round_id))
        if cur.rowcount:
            db.execute("UPDATE rounds SET revision = revision + 1 WHERE id = ?", (round_id,))
            log_event(db, "respondent_submitted", round_id)
    return bool(cur.rowcount)


def progress(db: Database, round_id: int) -> dict[str, dict[str, int]]:
    """Per role group: how many started and how many submitted. Never who."""
    out: dict[str, dict[str, int]] = {}
    for row in db.query(
        """SELECT role_group, count(*) AS started, sum(status = 'submitted') AS submitted
           FROM respondents WHERE round_id = ? GROUP BY role_group""", [round_id]):
        out[row["role_group"]] = {"started": row["started"], "submitted": row["submitted"] or 0}
    return out


def close_round(db: Database, round_id: int, questionnaire: Questionnaire) -> bool:
    """Close a round and store its scores. Idempotent: True only for the call that closed it."""
    with write(db):
        status = db.execute("SELECT status FROM rounds WHERE id = ?", (round_id,)).fetchone()
        if status is None or status[0] != "open":
            return False
        per = [r["answers"] for r in submitted(db, round_id)]
        agg = scoring.aggregate(questionnaire.structure, per, questionnaire.phases)
        store_scores(db, round_id, agg)
        db.execute("UPDATE rounds SET status = 'closed', closed_at = ? WHERE id = ?",
                     (now(), round_id))
        log_event(db, "round_closed", round_id)  # no counts: the log holds no content
    return True
