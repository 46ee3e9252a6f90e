"""The working session's records: agreed levels per item, targets per dimension, the action plan.

Agreed levels live only in session_items: nothing here writes answers or round_scores. Every
save is one short write transaction that compares the version the page started from with the
stored one, so a stale page raises ``Conflict`` (with what is stored now) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from selfscan.core.session import (
    CARRIED_STATUSES,
    Action,
    ActionInput,
    Agreement,
    AgreementInput,
    Conflict,
    Target,
)
from selfscan.storage.db import Database, now, write, write_statement

# --- agreed levels -----------------------------------------------------------------------------

_AGREEMENT_COLUMNS = "item_id, agreed_level, note, evidence_title, evidence_url, skipped, version"


def _agreement(row: Mapping[str, Any]) -> Agreement:
    return Agreement(row["item_id"], row["agreed_level"], row["note"], row["evidence_title"],
                     row["evidence_url"], bool(row["skipped"]), row["version"])


def agreements(db: Database, round_id: int) -> dict[str, Agreement]:
    return {r["item_id"]: _agreement(r) for r in db.query(
        f"SELECT {_AGREEMENT_COLUMNS} FROM session_items WHERE round_id = ?", [round_id])}


def _stored_agreement(db: Database, round_id: int, item_id: str) -> Agreement | None:
    row = next(db.query(f"SELECT {_AGREEMENT_COLUMNS} FROM session_items "
                        "WHERE round_id = ? AND item_id = ?", [round_id, item_id]), None)
    return None if row is None else _agreement(row)


def _check_version(current: Agreement | Target | Action | None, expected: int | None) -> None:
    # None or 0 means "new": the page saw no stored record. Anything else must match exactly.
    stored = 0 if current is None else current.version
    if stored != (expected or 0):
        raise Conflict(current)


def save_agreement(db: Database, round_id: int, item_id: str, values: AgreementInput,
                   expected_version: int | None) -> Agreement:
    """Insert (expected_version None or 0) or update the agreement on an item; bumps its version.

    Raises Conflict, changing nothing, when the stored version is not the expected one.
    """
    with write(db):
        _check_version(_stored_agreement(db, round_id, item_id), expected_version)
        # The position is the coordinator's order and is left as it is.
        db.execute(
            """INSERT INTO session_items (round_id, item_id, agreed_level, note, evidence_title,
                 evidence_url, skipped, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
               ON CONFLICT (round_id, item_id) DO UPDATE SET agreed_level = excluded.agreed_level,
                 note = excluded.note, evidence_title = excluded.evidence_title,
                 evidence_url = excluded.evidence_url, skipped = excluded.skipped,
                 version = version + 1, updated_at = excluded.updated_at""",
            (round_id, item_id, values.agreed_level, values.note, values.evidence_title,
             values.evidence_url, int(values.skipped), now()))
        saved = _stored_agreement(db, round_id, item_id)
    assert saved is not None
    return saved


def order(db: Database, round_id: int) -> tuple[dict[str, int | None], set[str]]:
    """The coordinator's positions and the skipped items, for core.session.apply_order."""
    rows = db.execute("SELECT item_id, position, skipped FROM session_items WHERE round_id = ?",
                      [round_id]).fetchall()
    return {r[0]: r[1] for r in rows}, {r[0] for r in rows if r[2]}


_SET_POSITION = """INSERT INTO session_items (round_id, item_id, position, version, updated_at)
    VALUES (?, ?, ?, 0, ?)
    ON CONFLICT (round_id, item_id) DO UPDATE SET position = excluded.position"""


def set_position(db: Database, round_id: int, item_id: str, position: int | None) -> None:
    """Place an item in the discussion order. No version bump: moving an item does not touch
    what was agreed on it, so it should not make someone's open edit conflict."""
    write_statement(db, _SET_POSITION, [round_id, item_id, position, now()])


def set_order(db: Database, round_id: int, item_ids: Sequence[str]) -> None:
    """Number these items 0, 1, 2 … in the discussion order, in one write transaction."""
    stamp = now()
    with write(db):
        db.conn.executemany(_SET_POSITION, [(round_id, item_id, position, stamp)
                                             for position, item_id in enumerate(item_ids)])


# --- targets -----------------------------------------------------------------------------------


def targets(db: Database, round_id: int) -> dict[str, Target]:
    return {r["dimension_id"]: Target(r["dimension_id"], r["target_level"], r["version"])
            for r in db.query("SELECT dimension_id, target_level, version FROM session_targets "
                              "WHERE round_id = ?", [round_id])}


def save_target(db: Database, round_id: int, dimension_id: str, level: int,
                expected_version: int | None) -> Target:
    """Insert or update the target of a dimension, with the same version rule as agreements."""
    with write(db):
        _check_version(targets(db, round_id).get(dimension_id), expected_version)
        db.execute(
            """INSERT INTO session_targets (round_id, dimension_id, target_level, version,
                 updated_at) VALUES (?, ?, ?, 1, ?)
               ON CONFLICT (round_id, dimension_id) DO UPDATE SET
                 target_level = excluded.target_level, version = version + 1,
                 updated_at = excluded.updated_at""",
            (round_id, dimension_id, level, now()))
        return targets(db, round_id)[dimension_id]


# --- actions -----------------------------------------------------------------------------------

_ACTION_COLUMNS = ("id, round_id, dimension_id, item_id, what, who, due, tool_id, status, "
                   "carried_from, version")


def _action(row: Mapping[str, Any]) -> Action:
    return Action(row["id"], row["round_id"], row["dimension_id"], row["item_id"], row["what"],
                  row["who"], date.fromisoformat(row["due"]) if row["due"] else None,
                  row["tool_id"], row["status"], row["carried_from"], row["version"])


def actions(db: Database, round_id: int) -> list[Action]:
    """The plan of a round in the order it was made."""
    return [_action(r) for r in db.query(
        f"SELECT {_ACTION_COLUMNS} FROM actions WHERE round_id = ? ORDER BY id", [round_id])]


def action(db: Database, round_id: int, action_id: int) -> Action | None:
    row = next(db.query(f"SELECT {_ACTION_COLUMNS} FROM actions WHERE round_id = ? AND id = ?",
                        [round_id, action_id]), None)
    return None if row is None else _action(row)


def _due(values: ActionInput) -> str | None:
    return values.due.isoformat() if values.due else None


def add_action(db: Database, round_id: int, values: ActionInput) -> Action:
    stamp = now()
    with write(db):
        cur = db.execute(
            """INSERT INTO actions (round_id, dimension_id, item_id, what, who, due, tool_id,
                 status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (round_id, values.dimension_id, values.item_id, values.what, values.who,
             _due(values), values.tool_id, values.status, stamp, stamp))
        added = action(db, round_id, int(cur.lastrowid or 0))
    assert added is not None
    return added


def update_action(db: Database, round_id: int, action_id: int, values: ActionInput,
                  expected_version: int) -> Action:
    """Change an action of the round; Conflict (changing nothing) when it was changed or deleted
    since the page was shown. carried_from stays as it is."""
    with write(db):
        current = action(db, round_id, action_id)
        if current is None:
            raise Conflict(None)
        _check_version(current, expected_version)
        db.execute(
            """UPDATE actions SET dimension_id = ?, item_id = ?, what = ?, who = ?, due = ?,
                 tool_id = ?, status = ?, version = version + 1, updated_at = ?
               WHERE round_id = ? AND id = ? AND version = ?""",
            (values.dimension_id, values.item_id, values.what, values.who, _due(values),
             values.tool_id, values.status, now(), round_id, action_id, expected_version))
        updated = action(db, round_id, action_id)
    assert updated is not None
    return updated


def delete_action(db: Database, round_id: int, action_id: int,
                  expected_version: int | None = None) -> bool:
    """Delete an action of the round; True when it was there. With expected_version, a changed
    action raises Conflict and stays."""
    with write(db):
        current = action(db, round_id, action_id)
        if current is None:
            return False
        if expected_version is not None:
            _check_version(current, expected_version)
        db.execute("DELETE FROM actions WHERE round_id = ? AND id = ?", (round_id, action_id))
    return True


def carry_over_actions(db: Database, from_round_id: int, to_round_id: int) -> int:
    """Copy the open and busy actions of a round into the next one; returns how many were copied.

    Idempotent: an action already carried into the next round is not copied again, so the
    coordinator page may call this every time it opens.
    """
    stamp = now()
    marks = ", ".join("?" for _ in CARRIED_STATUSES)
    return write_statement(
        db,
        f"""INSERT INTO actions (round_id, dimension_id, item_id, what, who, due, tool_id, status,
              carried_from, created_at, updated_at)
            SELECT ?, a.dimension_id, a.item_id, a.what, a.who, a.due, a.tool_id, a.status, a.id,
                   ?, ?
            FROM actions a
            WHERE a.round_id = ? AND a.status IN ({marks})
              AND NOT EXISTS (SELECT 1 FROM actions b WHERE b.round_id = ? AND b.carried_from = a.id)
            ORDER BY a.id""",
        [to_round_id, stamp, stamp, from_round_id, *CARRIED_STATUSES, to_round_id])
