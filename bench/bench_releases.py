"""Releases at scale: computing a release, and the CCV pages and API reading one.

    .venv/bin/python bench/bench_releases.py [--sizes 1000 10000 100000] [--requests 40]
                                             [--write-docs]

Per size, a temporary database is filled with that many closed, approved synthetic rounds (the
demo-data generator: respondents' answers scored by the scoring core, spread over the 342
municipalities and five years). Then it measures, through the Flask test client after a CCV
sign-in: the time to compute a release (the units query over all rounds plus every disclosure
rule; the median of 3, and one real cut that stores it), and p50/p95 of GET /ccv, GET /ccv with a
breakdown table and GET /api/v1/benchmark reading that release (after 5 warm-up requests).
Target (issue 11): p95 < 50 ms at 100,000 rounds. With --write-docs the "## CCV benchmark"
section of docs/performance.md is replaced.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import write_section  # noqa: E402
from selfscan import create_app  # noqa: E402
from selfscan.core import disclosure  # noqa: E402
from selfscan.storage import db as dbmod  # noqa: E402
from selfscan.storage import releases, users  # noqa: E402
from selfscan.storage.demo import insert_synthetic  # noqa: E402
from selfscan.web import ensure_ready  # noqa: E402

EMAIL, PASSWORD = "bench@ccv.example", "bench-wachtwoord-lang-genoeg"
ENDPOINTS = (("GET /ccv", "/ccv?synthetisch=1"),
             ("GET /ccv?tabel=province", "/ccv?synthetisch=1&tabel=province"),
             ("GET /api/v1/benchmark", "/api/v1/benchmark?synthetisch=1"))


def _sign_in(client) -> None:
    page = client.get("/ccv/inloggen").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/ccv/inloggen", data={"csrf_token": token, "email": EMAIL,
                                                  "password": PASSWORD})
    assert response.status_code == 303, response.status_code


def measure(size: int, requests: int) -> dict[str, float]:
    instance = Path(tempfile.mkdtemp(prefix="selfscan-releases-"))
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    ensure_ready(app)
    db = dbmod.connect(app.config["DATABASE"])
    started = time.monotonic()
    insert_synthetic(db, app.extensions["selfscan.current"], size, seed=size)
    filled = time.monotonic() - started
    users.create_user(db, EMAIL, PASSWORD)
    ids = disclosure.published_ids(app.extensions["selfscan.library"],
                                   app.extensions["selfscan.current"])
    compute = []
    for _ in range(3):
        t = time.perf_counter()
        disclosure.content(releases.units(db, synthetic=True), *ids)
        compute.append(time.perf_counter() - t)
    t = time.perf_counter()
    releases.cut(db, *ids, synthetic=True)
    stored = time.perf_counter() - t
    db.conn.close()
    client = app.test_client()
    _sign_in(client)
    out = {"fill_s": filled, "compute_ms": statistics.median(compute) * 1000,
           "cut_ms": stored * 1000}
    for name, path in ENDPOINTS:
        for _ in range(5):
            assert client.get(path).status_code == 200
        times = []
        for _ in range(requests):
            t = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - t) * 1000)
        cuts = statistics.quantiles(times, n=20)
        out[f"{name} p50"] = statistics.median(times)
        out[f"{name} p95"] = cuts[18]
    for path in instance.rglob("*"):
        if path.is_file():
            path.unlink()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    results = {}
    for size in args.sizes:
        results[size] = measure(size, args.requests)
        print(size, {k: round(v, 1) for k, v in results[size].items()}, flush=True)
    load = os.getloadavg()[0]
    lines = [
        "## CCV benchmark",
        "",
        "Every CCV figure comes from a release (docs/disclosure-control.md). Cutting a release "
        "reads, per municipality, its latest approved closed round (one window query over all "
        "rounds, `rounds.latest_closed`), their stored scores and item scores, and applies every "
        "disclosure rule to at most 342 units; the pages and the API then read one stored "
        "release, so they do not grow with the number of rounds.",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores "
        f"({platform.python_implementation()} {platform.python_version()}, load average "
        f"{load:.1f} at the end), through the Flask test client after 5 warm-up requests, "
        f"{args.requests} requests per endpoint and size; synthetic approved rounds from the "
        "demo-data generator:",
        "",
        "| closed rounds | compute a release (median of 3) ms | cut and store ms | endpoint "
        "| p50 ms | p95 ms |",
        "|---:|---:|---:|---|---:|---:|",
    ]
    for size, r in results.items():
        for n, (name, _path) in enumerate(ENDPOINTS):
            first = (f"| {size:,} | {r['compute_ms']:.0f} | {r['cut_ms']:.0f} " if n == 0
                     else "| | | ")
            lines.append(first + f"| {name} | {r[name + ' p50']:.1f} | {r[name + ' p95']:.1f} |")
    largest = max(results)
    worst = max(results[largest][f"{name} p95"] for name, _ in ENDPOINTS)
    verdict = "met" if worst < 50 else "not met"
    scope = "" if largest >= 100_000 else " (100,000 rounds not measured in this run)"
    lines += ["", f"Target (issue 11): p95 < 50 ms at 100,000 rounds: {verdict} at {largest:,} "
              f"rounds, worst p95 {worst:.1f} ms{scope}.",
              "", "Reproduce:", "", "```",
              ".venv/bin/python bench/bench_releases.py --sizes "
              + " ".join(str(s) for s in args.sizes) + f" --requests {args.requests} --write-docs",
              "```", ""]
    section = "\n".join(lines)
    print("\n" + section)
    if args.write_docs:
        write_section(ROOT / "docs" / "performance.md", section)


if __name__ == "__main__":
    main()
