"""Concurrent multi-statement writes: BEGIN IMMEDIATE with the busy timeout against a file-lock queue.

    .venv/bin/python bench/bench_writes.py [--processes 5] [--threads 4] [--seconds 8] [--repeat 3]
                                           [--write-docs]

The service's writes other than the answer save (joining a round, submitting, closing, starting a
round) are short transactions of several statements, taken with BEGIN IMMEDIATE so that
concurrent writers wait through SQLite's busy timeout (storage/db.py). Until issue 10 they also
queued on an exclusive flock() of a file beside the database. This benchmark decides whether that
queue earns its place: ``--processes`` worker processes (like gunicorn's) with ``--threads``
threads each join a round and submit, as respondents do, for ``--seconds``, once with the plain
transaction ("busy timeout") and once with the old file-lock queue around it ("file lock"),
interleaved ``--repeat`` times on a fresh database each. It reports writes per second and the
p50/p95/p99 latency of one join-and-submit; with --write-docs the "## Writes" section of
docs/performance.md is replaced. Everything stays in a temporary folder on this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import write_section  # noqa: E402
from selfscan import storage  # noqa: E402
from selfscan.storage import db as dbmod  # noqa: E402
from selfscan.storage import rounds  # noqa: E402

MODES = ("busy timeout", "file lock")


def _install_file_lock(db_path: str) -> None:
    """The removed writer queue, re-created here only for the comparison: an exclusive flock()
    on a file beside the database around every write transaction."""
    fd = os.open(db_path + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    plain_write = dbmod.write

    @contextlib.contextmanager
    def queued(db: dbmod.Database) -> Iterator[dbmod.Database]:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            with plain_write(db) as conn:
                yield conn
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    rounds.write = queued  # type: ignore[assignment]  # the storage module's own reference


def _worker(db_path: str, round_id: int, mode: str, threads: int, until: float,
            out: multiprocessing.Queue) -> None:
    if mode == "file lock":
        _install_file_lock(db_path)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def loop() -> None:
        db = dbmod.connect(db_path)
        mine: list[float] = []
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                pid, _resume = rounds.create_respondent(db, round_id, "police")
                rounds.submit_respondent(db, pid, round_id)
            except Exception:  # noqa: BLE001 - a failed write is counted, not fatal
                with lock:
                    errors[0] += 1
                continue
            mine.append(time.perf_counter() - started)
        db.conn.close()
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((latencies, errors[0]))


def run(mode: str, args: argparse.Namespace) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="selfscan-writes-"))
    db_path = str(folder / "selfscan.db")
    _library, q = storage.prepare(db_path, ROOT / "data" / "gemeenten.csv",
                                  ROOT / "questionnaires")
    db = dbmod.connect(db_path)
    round_id, _token = rounds.create_round(db, municipality_code="GM0363", questionnaire=q,
                                           year=2025)
    db.conn.close()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    until = time.monotonic() + 1.0 + args.seconds
    procs = [multiprocessing.Process(target=_worker, args=(db_path, round_id, mode, args.threads,
                                                           until, queue))
             for _ in range(args.processes)]
    started = time.monotonic()
    for p in procs:
        p.start()
    results = [queue.get(timeout=args.seconds + 60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    duration = time.monotonic() - started
    latencies = sorted(x for lat, _e in results for x in lat)
    cuts = statistics.quantiles(latencies, n=100)
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return {"writes_per_s": len(latencies) / duration, "p50": cuts[49] * 1000,
            "p95": cuts[94] * 1000, "p99": cuts[98] * 1000,
            "errors": float(sum(e for _lat, e in results))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for _ in range(args.repeat):
        for mode in MODES:
            runs[mode].append(run(mode, args))
            print(mode, runs[mode][-1], flush=True)
    medians = {mode: {k: statistics.median(r[k] for r in runs[mode]) for k in runs[mode][0]}
               for mode in MODES}
    base = medians["busy timeout"]["writes_per_s"]
    lines = [
        "## Writes",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores "
        f"({platform.python_implementation()} {platform.python_version()}, SQLite "
        f"{dbmod.sqlite3.sqlite_version}): {args.processes} processes × {args.threads} threads "
        f"each join a round and submit (two write transactions) for {args.seconds} s, the median "
        f"of {args.repeat} interleaved runs, each on a fresh database.",
        "",
        "| writers queue on | join + submit per s | ratio | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in MODES:
        m = medians[mode]
        lines.append(f"| {mode} | {m['writes_per_s']:.0f} | {m['writes_per_s'] / base:.2f} | "
                     f"{m['p50']:.1f} | {m['p95']:.1f} | {m['p99']:.1f} | {m['errors']:.0f} |")
    lock = medians["file lock"]
    plain = medians["busy timeout"]
    verdict = ("The file-lock queue is not faster for the writes it served, so it is gone: "
               "writes take SQLite's lock with BEGIN IMMEDIATE and wait through the busy "
               "timeout." if lock["writes_per_s"] <= plain["writes_per_s"] * 1.05
               and lock["p95"] >= plain["p95"] * 0.95 else
               "The file-lock queue measured faster here; see the closing note of issue 10 for "
               "why the plainer code was kept.")
    lines += ["", verdict, "", "Reproduce:", "",
              "```",
              f".venv/bin/python bench/bench_writes.py --processes {args.processes} --threads "
              f"{args.threads} --seconds {args.seconds} --repeat {args.repeat} --write-docs",
              "```", ""]
    section = "\n".join(lines)
    print("\n" + section)
    if args.write_docs:
        write_section(ROOT / "docs" / "performance.md", section)


if __name__ == "__main__":
    main()
