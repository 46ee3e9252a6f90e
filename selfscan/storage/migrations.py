"""The schema as numbered migrations, applied in order on every start (PRAGMA user_version)."""

from __future__ import annotations

import sqlite3

import sqlite_utils

from selfscan.storage.db import write

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
    # (storage.rounds.save_answers, docs/performance.md, Load). A NULL value clears the thing.
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
    # 4: one word per concept: accounts have an account role, respondents a role group.
    """
    ALTER TABLE users RENAME COLUMN role TO account_role;
    """,
    # 5: signing out or a new password ends every session of an account (the session carries the
    # version it was made with); rate limits counted in the database, so that every worker and
    # server shares them (storage/rate_limits.py).
    """
    ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        hits INTEGER NOT NULL,
        expires_at REAL NOT NULL
    ) WITHOUT ROWID;
    """,
    # 6: only real, confirmed rounds feed anything shared. A round that is to count beyond its
    # municipality needs its coordinator's e-mail address confirmed (a link mailed to it) and
    # the CCV's approval; until then it counts nowhere else. Existing rounds start unapproved.
    """
    ALTER TABLE rounds ADD COLUMN email_confirmed_at TEXT;
    ALTER TABLE rounds ADD COLUMN approval TEXT NOT NULL DEFAULT 'none'
        CHECK (approval IN ('none', 'pending', 'approved', 'rejected'));
    ALTER TABLE rounds ADD COLUMN approval_changed_at TEXT;
    CREATE INDEX rounds_contact_email ON rounds(contact_email);
    CREATE INDEX rounds_approval ON rounds(approval, synthetic);
    CREATE TABLE email_confirmations (
        token_hash TEXT PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX email_confirmations_round ON email_confirmations(round_id);
    UPDATE rounds SET approval = 'approved' WHERE synthetic = 1;
    """,
    # 7: releases: every figure that leaves a municipality comes from a numbered, dated, frozen
    # set of tables computed from approved rounds (core/disclosure.py). release_members keeps
    # which round of which municipality a release used, to count the changes between releases;
    # no foreign key, so that deleting a round never changes a published release.
    """
    CREATE TABLE releases (
        id INTEGER PRIMARY KEY,
        synthetic INTEGER NOT NULL DEFAULT 0,
        number INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        content TEXT NOT NULL,
        UNIQUE (synthetic, number)
    );
    CREATE TABLE release_members (
        release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
        municipality_code TEXT NOT NULL,
        round_id INTEGER NOT NULL,
        PRIMARY KEY (release_id, municipality_code)
    ) WITHOUT ROWID;
    """,
    # 8: the CCV marks a coaching request handled (after which its address is erased), and
    # purge-expired records when it warned a coordinator that an inactive round will be deleted.
    """
    ALTER TABLE rounds ADD COLUMN coaching_handled_at TEXT;
    ALTER TABLE rounds ADD COLUMN deletion_warned_at TEXT;
    CREATE INDEX rounds_open_inactive ON rounds(status, synthetic, created_at);
    CREATE INDEX email_confirmations_created ON email_confirmations(created_at);
    """,
    # 9: the part after the scan (issue 13). The working session keeps per item what the group
    # agreed (beside the respondents' scores, never replacing them) and per dimension a target
    # for the next round; actions form the plan. Every editable row carries a version that an
    # update must name, so that two people editing at once see a conflict instead of overwriting
    # each other. A read-only results link can be handed to the college, council or partners.
    """
    CREATE TABLE session_items (
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        agreed_level INTEGER CHECK (agreed_level BETWEEN 0 AND 4),
        note TEXT NOT NULL DEFAULT '',
        evidence_title TEXT NOT NULL DEFAULT '',
        evidence_url TEXT NOT NULL DEFAULT '',
        skipped INTEGER NOT NULL DEFAULT 0,
        position INTEGER,
        version INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (round_id, item_id)
    ) WITHOUT ROWID;
    CREATE TABLE session_targets (
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        dimension_id TEXT NOT NULL,
        target_level INTEGER NOT NULL CHECK (target_level BETWEEN 0 AND 4),
        version INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (round_id, dimension_id)
    ) WITHOUT ROWID;
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        dimension_id TEXT NOT NULL,
        item_id TEXT,
        what TEXT NOT NULL,
        who TEXT NOT NULL DEFAULT '',
        due TEXT,
        tool_id TEXT,
        status TEXT NOT NULL DEFAULT 'open'
            CHECK (status IN ('open', 'busy', 'done', 'dropped')),
        carried_from INTEGER REFERENCES actions(id) ON DELETE SET NULL,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX actions_round ON actions(round_id, status);
    ALTER TABLE rounds ADD COLUMN readonly_token_hash TEXT;
    CREATE UNIQUE INDEX rounds_readonly_token ON rounds(readonly_token_hash)
        WHERE readonly_token_hash IS NOT NULL;
    """,
    # 10: a respondent chooses per dimension whether the working session may show their comment
    # (without their name). A save carries that choice as rows of a new kind 'share' (key: the
    # dimension, value '1' or '0'); the trigger of migration 3 is replaced by this one, which
    # knows that kind and sets comments.shared of an existing comment. storage.rounds.save_answers
    # sends the share rows after the comment rows of the same save, so a new comment and its
    # share can arrive in one INSERT (its rows reach the trigger in the order they are sent).
    """
    ALTER TABLE comments ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
    DROP TRIGGER saves_insert;
    CREATE TRIGGER saves_insert INSTEAD OF INSERT ON saves
    BEGIN
        SELECT RAISE(ABORT, 'unknown kind of save')
            WHERE NEW.kind NOT IN ('answer', 'context', 'comment', 'share');
        SELECT RAISE(ABORT, 'a share is 0 or 1')
            WHERE NEW.kind = 'share' AND (NEW.value IS NULL OR NEW.value NOT IN ('0', '1'));
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
        UPDATE comments SET shared = CAST(NEW.value AS INTEGER), updated_at = NEW.updated_at
            WHERE NEW.kind = 'share'
            AND respondent_id = NEW.respondent_id AND dimension_id = NEW.key;
    END;
    """,
    # 11: an account can be disabled (flask --app selfscan disable-user): it cannot sign in and
    # its API tokens stop working, while its history stays.
    """
    ALTER TABLE users ADD COLUMN disabled_at TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not seen yet; safe to call on every start."""
    with write(db):
        current = db.execute("PRAGMA user_version").fetchone()[0]
        for number in range(current, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[number]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number + 1}")
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
