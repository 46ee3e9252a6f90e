"""SQLite connections: the pragmas every connection needs, write transactions, backup, events.

Every SQL string of the service lives in this package (``selfscan.storage``); this module holds
what all of them share. One connection type throughout: ``sqlite_utils.Database``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

Database = sqlite_utils.Database

BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path) -> Database:
    """Open the database with the settings every connection needs.

    WAL lets readers proceed while one worker writes; the busy timeout makes a writer wait for
    another instead of failing; foreign keys are off by default in SQLite and must be set per
    connection. isolation_level=None leaves transaction control to `write()` below.
    """
    if str(path) != ":memory:" and not Path(path).exists():
        # Created owner-only; SQLite gives the -wal and -shm files the same permissions.
        os.close(os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)  # timeout= sets SQLite's busy timeout
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted content is overwritten, so that nothing of a deleted round stays in the file.
    conn.execute("PRAGMA secure_delete = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return sqlite_utils.Database(conn)


@contextmanager
def write(db: Database) -> Iterator[Database]:
    """A short write transaction taken with BEGIN IMMEDIATE.

    A deferred transaction that reads first and then writes fails at once with SQLITE_BUSY
    when another connection writes in between, ignoring the busy timeout; taking the write
    lock up front makes concurrent writers wait their turn through the busy timeout.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


def write_statement(db: Database, sql: str, params: Iterable[Any]) -> int:
    """Run one writing statement as its own transaction; returns the rows it and its triggers changed.

    No BEGIN and no COMMIT: a writing statement takes SQLite's write lock before it reads, so
    what it checks and what it writes see the same state, and it holds the lock only inside one
    call into SQLite, never while Python code of the worker runs.
    """
    before = db.conn.total_changes
    db.execute(sql, tuple(params))
    return db.conn.total_changes - before


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_event(db: Database, kind: str, round_id: int | None = None, detail: str = "") -> None:
    """Record what happened, never what was answered: the event log holds no content."""
    db.execute("INSERT INTO events (at, kind, round_id, detail) VALUES (?, ?, ?, ?)",
               (now(), kind, round_id, detail))


def checkpoint(db: Database) -> None:
    """Copy the WAL into the database file and empty it (TRUNCATE), so that content deleted
    with secure_delete is gone from the WAL as well. Best effort while readers are active."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()


def backup(source: Database, target: str | Path) -> None:
    """Write a consistent copy of a live database with SQLite's online backup API (mode 600)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.close(os.open(str(target), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    os.chmod(target, 0o600)
    dest = sqlite3.connect(str(target))
    try:
        source.conn.backup(dest)
    finally:
        dest.close()
