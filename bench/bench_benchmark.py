"""Measure the CCV dashboard and benchmark API at 1,000 / 10,000 / 100,000 closed rounds.

Run: .venv/bin/python bench/bench_benchmark.py [--sizes 1000 10000 100000] [--requests 40]
     [--without-index]

Builds a temporary database per size with bulk inserts (the demo-data generator, then marked as
real rounds; they are closed, consented and approved), cuts the first release from them (pages and
the API read releases only) and times that cut. Then it serves the database with gunicorn
(gunicorn.conf.py, as in production) on 127.0.0.1, signs in over HTTP as a browser does, and
times GET /ccv and GET /api/v1/benchmark with several query variants, one request at a time over
a kept-alive connection, as a person meets them. Prints p50/p95 in milliseconds and the cut in
seconds as a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import (  # noqa: E402
    CCV_EMAIL,
    CCV_PASSWORD,
    SECRET,
    free_port,
    session_for,
    start_gunicorn,
)
from selfscan import create_app
from selfscan.core import disclosure
from selfscan.storage import db as dbmod
from selfscan.storage import releases, users  # noqa: E402
from selfscan.storage.demo import insert_synthetic  # noqa: E402
from selfscan.web import ensure_ready

# The covering index of schema migration 2; --without-index drops it to show what it buys.
DROP_INDEX = "DROP INDEX IF EXISTS rounds_benchmark_latest"
# The dashboard shows one one-way table at a time (?tabel=); the API ignores it.
QUERIES = ["", "?tabel=peer_group", "?tabel=province", "?release=1", "?tabel=year"]


def build(folder: Path, n: int, index: bool):
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": SECRET})
    ensure_ready(app)
    conn = dbmod.connect(app.config["DATABASE"])
    started = time.perf_counter()
    insert_synthetic(conn, app.extensions["selfscan.current"], n, seed=n)
    with dbmod.write(conn) as c:
        c.execute("UPDATE rounds SET synthetic = 0")  # measure the real-data path
        if not index:
            c.execute(DROP_INDEX)
    conn.execute("ANALYZE")
    build_s = time.perf_counter() - started
    # Pages and the API read releases only: cut the first one from the approved rounds.
    started = time.perf_counter()
    releases.cut(conn, *disclosure.published_ids(app.extensions["selfscan.library"],
                                                 app.extensions["selfscan.current"]))
    cut_s = time.perf_counter() - started
    users.create_user(conn, CCV_EMAIL, CCV_PASSWORD)
    token = users.create_api_token(conn, 1, "bench")
    year = conn.execute("SELECT max(year) FROM rounds").fetchone()[0]
    conn.conn.close()
    return app, token, year, build_s, cut_s


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def measure(folder: Path, token: str, year: int, requests: int) -> dict[str, list[float]]:
    """Times of the dashboard and the API through gunicorn serving the instance in ``folder``."""
    port = free_port()
    server = start_gunicorn("wsgi:app", port, folder, folder / "gunicorn.log")
    try:
        cookie, _csrf, _page = session_for(f"http://127.0.0.1:{port}/ccv/inloggen", login=True)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        timings: dict[str, list[float]] = {"dashboard": [], "api": []}
        for i in range(requests + 5):
            query = QUERIES[i % len(QUERIES)].format(year=year)
            for name, path, headers in (
                    ("dashboard", "/ccv" + query, {"Cookie": cookie}),
                    ("api", "/api/v1/benchmark" + query,
                     {"Authorization": f"Bearer {token}"})):
                t0 = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - t0) * 1000
                assert response.status == 200, (path, response.status)
                if i >= 5:  # the first requests start the workers and warm their caches
                    timings[name].append(elapsed)
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--without-index", action="store_true",
                        help="measure without the covering index of migration 2")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            _app, token, year, build_s, cut_s = build(Path(tmp), n, not args.without_index)
            timings = measure(Path(tmp), token, year, args.requests)
            for name, values in timings.items():
                rows.append((n, name, statistics.median(values), percentile(values, 95), cut_s))
            print(f"{n} rondes klaar (opbouw {build_s:.1f} s, release {cut_s:.2f} s)",
                  file=sys.stderr)
    print(f"index: {'none' if args.without_index else 'rounds_benchmark_latest'}, "
          f"{args.requests} requests per endpoint per size\n")
    print("| closed rounds | endpoint | p50 ms | p95 ms | cutting the release s |")
    print("|---:|---|---:|---:|---:|")
    for n, name, p50, p95, cut in rows:
        print(f"| {n:,} | {'GET /ccv' if name == 'dashboard' else 'GET /api/v1/benchmark'} "
              f"| {p50:.1f} | {p95:.1f} | {cut:.2f} |")
    by = {(n, name): p95 for n, name, _p50, p95, _b in rows}
    sizes = sorted({n for n, *_ in rows})
    for name in ("dashboard", "api"):
        for small, big in zip(sizes, sizes[1:], strict=False):
            factor = by[(big, name)] / by[(small, name)]
            print(f"\n{name}: p95 x{factor:.1f} from {small:,} to {big:,} rounds "
                  f"(rounds x{big / small:.0f})", end="")
    print()


if __name__ == "__main__":
    main()
