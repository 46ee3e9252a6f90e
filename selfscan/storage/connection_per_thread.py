"""One SQLite connection per thread, reused by the thread's later requests.

A performance measure that earns its place (docs/performance.md, "Performance measures": 40% of a
questionnaire page, 65% of an answer save): opening a connection costs its pragmas on every
request, and closing the last connection to a database would checkpoint the WAL. A connection
is never shared between threads (each thread has its own), and ``end_request`` rolls back
whatever a request left open, so the next request on the thread starts clean.
"""

from __future__ import annotations

import threading
from pathlib import Path

from selfscan.storage.db import Database, connect

_local = threading.local()


def thread_connection(path: str | Path) -> Database:
    """The connection of this thread for ``path``, opened once and reused by its later requests."""
    key = str(path)
    cached: Database | None = getattr(_local, "conn", None)
    if cached is None or getattr(_local, "path", None) != key:
        if cached is not None:
            cached.conn.close()
        _local.conn, _local.path = connect(key), key
    return _local.conn  # type: ignore[no-any-return]  # threading.local attributes are untyped


def end_request(db: Database) -> None:
    """Never leave a transaction open on a reused connection."""
    if db.conn.in_transaction:
        db.conn.rollback()
