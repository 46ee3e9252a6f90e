"""SQLite access: connections with the right pragmas, numbered migrations and online backup."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000

# Numbered migrations: index + 1 is the schema version they lead to (PRAGMA user_version).
# Never edit a migration that has shipped; add a new one.
MIGRATIONS: list[str] = [
    # 1: the foundation
    """
    CREATE TABLE municipalities (
        code TEXT PRIMARY KEY CHECK (code GLOB 'GM[0-9][0-9][0-9][0-9]'),
        name TEXT NOT NULL UNIQUE,
        province TEXT NOT NULL,
        population INTEGER NOT NULL CHECK (population >= 0),
        size_class INTEGER NOT NULL,
        peer_group TEXT NOT NULL
    );
    CREATE TABLE questionnaire_versions (
        questionnaire_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        definition TEXT NOT NULL,
        source TEXT NOT NULL,
        loaded_at TEXT NOT NULL,
        PRIMARY KEY (questionnaire_id, version)
    );
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        municipality_code TEXT NOT NULL REFERENCES municipalities(code),
        questionnaire_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        year INTEGER NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        coordinator_token_hash TEXT NOT NULL UNIQUE,
        invitation_token_hash TEXT NOT NULL UNIQUE,
        invitation_nonce TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        benchmark_consent INTEGER NOT NULL DEFAULT 0,
        coaching_requested INTEGER NOT NULL DEFAULT 0,
        contact_email TEXT,
        previous_round_id INTEGER REFERENCES rounds(id) ON DELETE SET NULL,
        synthetic INTEGER NOT NULL DEFAULT 0,
        revision INTEGER NOT NULL DEFAULT 0,
        overall_score REAL,
        overall_phase TEXT,
        respondent_count INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        closed_at TEXT,
        FOREIGN KEY (questionnaire_id, version)
            REFERENCES questionnaire_versions(questionnaire_id, version)
    );
    CREATE INDEX rounds_benchmark ON rounds(status, benchmark_consent, synthetic, year);
    CREATE INDEX rounds_municipality ON rounds(municipality_code);
    CREATE TABLE respondents (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        resume_token_hash TEXT NOT NULL UNIQUE,
        role_group TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'started' CHECK (status IN ('started', 'submitted')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        submitted_at TEXT
    );
    CREATE INDEX respondents_round ON respondents(round_id);
    CREATE TABLE answers (
        respondent_id INTEGER NOT NULL REFERENCES respondents(id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        value TEXT NOT NULL CHECK (value IN ('0', '1', '2', '3', '4', 'unknown', 'na')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (respondent_id, item_id)
    ) WITHOUT ROWID;
    CREATE TABLE context_answers (
        respondent_id INTEGER NOT NULL REFERENCES respondents(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (respondent_id, question_id)
    ) WITHOUT ROWID;
    CREATE TABLE comments (
        respondent_id INTEGER NOT NULL REFERENCES respondents(id) ON DELETE CASCADE,
        dimension_id TEXT NOT NULL,
        text TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (respondent_id, dimension_id)
    ) WITHOUT ROWID;
    CREATE TABLE round_scores (
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        dimension_id TEXT NOT NULL,
        score REAL,
        coverage REAL NOT NULL,
        respondents INTEGER NOT NULL,
        disagreement REAL,
        unknown_share REAL NOT NULL,
        phase_id TEXT,
        PRIMARY KEY (round_id, dimension_id)
    ) WITHOUT ROWID;
    CREATE INDEX round_scores_dimension ON round_scores(dimension_id, score);
    CREATE TABLE round_item_scores (
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        median REAL,
        q1 REAL,
        q3 REAL,
        spread INTEGER,
        respondents INTEGER NOT NULL,
        unknown INTEGER NOT NULL,
        not_applicable INTEGER NOT NULL,
        PRIMARY KEY (round_id, item_id)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        round_id INTEGER,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('ccv', 'admin')),
        created_at TEXT NOT NULL,
        last_login_at TEXT
    );
    CREATE TABLE api_tokens (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    """,
    # 2: the benchmark reads each municipality's latest consented closed round; this covering
    # index keeps that lookup off the table (docs/performance.md, CCV benchmark).
    """
    CREATE INDEX rounds_benchmark_latest ON rounds(synthetic, status, benchmark_consent,
        municipality_code, year, closed_at, questionnaire_id, version, respondent_count);
    """,
    # 3: a respondent's save (answers, context answers and a comment of one page) as rows of
    # one INSERT into this view, so that the whole save is a single statement: SQLite holds
    # the write lock only inside that one step, never while Python code of the worker runs
    # (store.save_answers, docs/performance.md, Load). A NULL value clears the thing.
    # And an index for the ON DELETE SET NULL of previous_round_id: without it, deleting a
    # round scans every round, and purging many synthetic rounds took minutes.
    """
    CREATE INDEX rounds_previous ON rounds(previous_round_id);
    CREATE VIEW saves (respondent_id, kind, key, value, updated_at) AS
        SELECT NULL, NULL, NULL, NULL, NULL WHERE 0;
    CREATE TRIGGER saves_insert INSTEAD OF INSERT ON saves
    BEGIN
        INSERT INTO answers (respondent_id, item_id, value, updated_at)
            SELECT NEW.respondent_id, NEW.key, NEW.value, NEW.updated_at
            WHERE NEW.kind = 'answer' AND NEW.value IS NOT NULL
            ON CONFLICT (respondent_id, item_id)
            DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;
        DELETE FROM answers WHERE NEW.kind = 'answer' AND NEW.value IS NULL
            AND respondent_id = NEW.respondent_id AND item_id = NEW.key;
        INSERT INTO context_answers (respondent_id, question_id, value, updated_at)
            SELECT NEW.respondent_id, NEW.key, NEW.value, NEW.updated_at
            WHERE NEW.kind = 'context' AND NEW.value IS NOT NULL
            ON CONFLICT (respondent_id, question_id)
            DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;
        DELETE FROM context_answers WHERE NEW.kind = 'context' AND NEW.value IS NULL
            AND respondent_id = NEW.respondent_id AND question_id = NEW.key;
        INSERT INTO comments (respondent_id, dimension_id, text, updated_at)
            SELECT NEW.respondent_id, NEW.key, NEW.value, NEW.updated_at
            WHERE NEW.kind = 'comment' AND NEW.value IS NOT NULL
            ON CONFLICT (respondent_id, dimension_id)
            DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at;
        DELETE FROM comments WHERE NEW.kind = 'comment' AND NEW.value IS NULL
            AND respondent_id = NEW.respondent_id AND dimension_id = NEW.key;
        SELECT RAISE(ABORT, 'unknown kind of save')
            WHERE NEW.kind NOT IN ('answer', 'context', 'comment');
    END;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database with the settings every connection needs.

    WAL lets readers proceed while one worker writes; the busy timeout makes a writer from
    outside the service (a CLI command) wait instead of failing; foreign keys are off by
    default in SQLite and must be set per connection. isolation_level=None leaves
    transaction control to `write()` below.
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)  # timeout= sets SQLite's busy timeout
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        db.writer_queue = _WriterQueue(str(path))  # type: ignore[attr-defined]
    return db


class _WriterQueue:
    """An exclusive lock on a file beside the database, taken around every write transaction.

    Writers in other gunicorn workers would otherwise meet SQLite's busy handler, which
    sleeps for 1 ms, then 2, 5, 10 ... between retries while a write takes a tenth of that;
    a waiter on flock() is woken the moment the lock is free. The kernel drops the lock when
    a process dies, so a killed worker never leaves it held. Threads use their own
    connections and so their own file descriptions, which flock() also serialises.
    """

    def __init__(self, db_path: str) -> None:
        self.fd = os.open(db_path + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        weakref.finalize(self, os.close, self.fd)

    def __enter__(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *_exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)


def _queue_for(db: sqlite_utils.Database) -> _WriterQueue | None:
    return getattr(db, "writer_queue", None)  # set by connect(); None for in-memory databases


@contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """A short write transaction taken with BEGIN IMMEDIATE, writers queued on a file lock.

    A deferred transaction that reads first and then writes fails at once with SQLITE_BUSY
    when another connection writes in between, ignoring the busy timeout; taking the write
    lock up front makes concurrent writers queue instead.
    """
    conn = db.conn
    queue = _queue_for(db)
    with queue if queue is not None else contextlib.nullcontext():
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")


def write_statement(db: sqlite_utils.Database, sql: str, params: Iterable[Any]) -> int:
    """Run one writing statement as its own transaction; returns the rows it and its triggers changed.

    No BEGIN, no COMMIT and no writer queue: a writing statement takes SQLite's write lock
    before it reads, so what it checks and what it writes see the same state, and it holds
    the lock only inside one call into SQLite, where no other thread of the worker can keep
    it waiting for the GIL. Under load that beat queueing on the file lock (docs/performance.md).
    """
    before = db.conn.total_changes
    db.conn.execute(sql, tuple(params))
    return db.conn.total_changes - before


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not seen yet; safe to call on every start."""
    with write(db) as conn:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for number in range(current, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
    return schema_version(db)


def _statements(script: str) -> list[str]:
    # executescript() would commit our transaction; split on complete statements instead.
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    return out


def backup(source: sqlite_utils.Database, target: str | Path) -> None:
    """Write a consistent copy of a live database with SQLite's online backup API."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    dest = sqlite3.connect(str(target))
    try:
        source.conn.backup(dest)
    finally:
        dest.close()
