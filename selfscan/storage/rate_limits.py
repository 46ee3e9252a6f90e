"""Rate-limit counters in the SQLite database, so that every worker and server counts together.

A storage backend for the `limits` library (the engine under Flask-Limiter): fixed windows kept
as rows ``(key, hits, expires_at)`` in the table ``rate_limits`` (migration 5). With the default
``memory://`` storage each gunicorn worker would count on its own, and an attacker would get the
limit once per worker. Each call is one short statement on the thread's connection
(``connection_per_thread``), the one its requests use too.
"""

from __future__ import annotations

import time
from pathlib import Path

from limits.storage import Storage

from selfscan.storage.connection_per_thread import thread_connection
from selfscan.storage.db import Database


class SQLiteStorage(Storage):
    """Counters in the ``rate_limits`` table of the service's database."""

    STORAGE_SCHEME = ["selfscan-sqlite"]

    def __init__(self, database: str | Path) -> None:
        super().__init__(None)
        self.database = str(database)

    @property
    def base_exceptions(self) -> type[Exception]:
        return Exception

    def _db(self) -> Database:
        return thread_connection(self.database)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        row = self._db().execute(
            """INSERT INTO rate_limits (key, hits, expires_at) VALUES (?1, ?2, ?3 + ?4)
               ON CONFLICT (key) DO UPDATE SET
                 hits = CASE WHEN expires_at <= ?3 THEN ?2 ELSE hits + ?2 END,
                 expires_at = CASE WHEN expires_at <= ?3 THEN ?3 + ?4 ELSE expires_at END
               RETURNING hits""", (key, amount, now, expiry)).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._db().execute("SELECT hits FROM rate_limits WHERE key = ? AND expires_at > ?",
                                 (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires_at FROM rate_limits WHERE key = ?",
                                 (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        return bool(self._db().execute("SELECT 1").fetchone())

    def reset(self) -> int | None:
        return int(self._db().execute("DELETE FROM rate_limits").rowcount)

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM rate_limits WHERE key = ?", (key,))

    def purge_expired(self) -> int:
        """Remove windows that ended (called now and then; expired rows are ignored anyway)."""
        return int(self._db().execute("DELETE FROM rate_limits WHERE expires_at <= ?",
                                      (time.time(),)).rowcount)
