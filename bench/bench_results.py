"""Benchmark of the results page with 1,000 closed rounds: server time and transfer size.

    .venv/bin/python bench/bench_results.py [--rounds 1000] [--iterations 500] [--write-docs]

Fills a temporary database (direct SQL inserts of closed rounds with stored scores, as
close_round leaves them), then measures the results page of one closed round through the Flask
test client: p50 and p95 server time over many requests after one warm-up, and the gzipped size of
the HTML plus every stylesheet and script it loads (a first visit, nothing cached).
With --write-docs the "## Results page" section of docs/performance.md is replaced.
"""

from __future__ import annotations

import argparse
import gzip
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import write_section  # noqa: E402
from selfscan import create_app
from selfscan.core import disclosure, scoring
from selfscan.storage import db as dbmod
from selfscan.storage import municipalities, releases, rounds, scores
from selfscan.web import ensure_ready
from selfscan.web import helpers as web  # noqa: E402

FULL_PLOTLY_GZIP_KB = 1470  # plotly.min.js as embedded by plotly for Python, gzipped (anchors.md)


def fill(app, n_rounds: int, seed: int = 4) -> str:
    """Insert ``n_rounds`` closed rounds spread over all municipalities; return a round's token."""
    rng = random.Random(seed)
    q = app.extensions["selfscan.current"]
    with app.app_context():
        db = web.get_db()
        codes = [m["code"] for m in municipalities.municipalities(db)]
        now = dbmod.now()
        with dbmod.write(db) as conn:
            for n in range(n_rounds):
                code = codes[n % len(codes)]
                cur = conn.execute(
                    """INSERT INTO rounds (municipality_code, questionnaire_id, version, year,
                         coordinator_token_hash, invitation_token_hash, invitation_nonce, status,
                         benchmark_consent, approval, respondent_count, created_at, closed_at)
                       VALUES (?, ?, ?, 2025, ?, ?, 'x', 'closed', ?, 'approved', 8, ?, ?)""",
                    (code, q.id, q.version, f"bench-c-{n}", f"bench-i-{n}",
                     int(rng.random() < 0.8), now, now))
                respondents = [{i: rng.choice(scoring.LEVELS) for i in q.items}
                               for _ in range(8)]
                agg = scoring.aggregate(q.structure, respondents, q.phases)
                scores.store_scores(conn, int(cur.lastrowid or 0), agg)
        # The comparison lines of a results page come from the latest release.
        releases.cut(db, *disclosure.published_ids(app.extensions["selfscan.library"], q))
        # The measured round: a real one with ten respondents in three role groups.
        rid, token = rounds.create_round(db, municipality_code="GM0363", questionnaire=q,
                                        year=2025, benchmark_consent=True)
        for role in ["police"] * 4 + ["veilig-thuis"] * 3 + ["municipality-social"] * 3:
            pid, _ = rounds.create_respondent(db, rid, role)
            rounds.save_answers(db, pid, answers={
                i: rng.choice(["0", "1", "2", "3", "4", "unknown"]) for i in q.items})
            rounds.submit_respondent(db, pid, rid)
        rounds.close_round(db, rid, q)
    return token


def measure(n_rounds: int, iterations: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False})
        ensure_ready(app)
        token = fill(app, n_rounds)
        client = app.test_client()
        url = f"/c/{token}/uitkomsten"
        t0 = time.perf_counter()
        first = client.get(url)
        cold_ms = (time.perf_counter() - t0) * 1000
        assert first.status_code == 200, first.status_code
        times = []
        for _ in range(iterations):
            t0 = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200
        html = first.data
        sizes = {"html": len(gzip.compress(html, 6))}
        for ref in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
            body = client.get(ref.decode()).data
            sizes[ref.decode().rsplit("/", 1)[-1]] = len(gzip.compress(body, 6))
        times.sort()
        return {
            "p50": statistics.median(times),
            "p95": times[int(0.95 * (len(times) - 1))],
            "cold": cold_ms,
            "iterations": iterations,
            "rounds": n_rounds,
            "total_kb": sum(sizes.values()) / 1024,
            **{f"size:{k}": v / 1024 for k, v in sizes.items()},
        }


def report(r: dict[str, float], command: str) -> str:
    sizes = "\n".join(f"| {k[5:]} | {v:.1f} |" for k, v in r.items() if k.startswith("size:"))
    below = FULL_PLOTLY_GZIP_KB - r["total_kb"]
    return f"""## Results page

Measured with {int(r['rounds'])} closed rounds in the database (plus the measured round: ten
respondents, three role groups), through the Flask test client on this machine
({platform.machine()}, {platform.python_implementation()} {platform.python_version()}).
Command:

    {command}

| measure | value | target |
|---|---|---|
| server time p50 | {r['p50']:.1f} ms | |
| server time p95 ({int(r['iterations'])} requests) | {r['p95']:.1f} ms | < 50 ms |
| first request (cold cache for this round) | {r['cold']:.1f} ms | |
| transfer, first visit, gzipped | {r['total_kb']:.0f} KB | < 600 KB |

The whole page with its chart bundle stays {below:.0f} KB below the full plotly.js bundle alone
(about {FULL_PLOTLY_GZIP_KB} KB gzipped). Scores of closed rounds are read from `round_scores`;
a round's analysis and stored aggregate are cached per round state (id, creation time, revision,
status) in `selfscan/web/results_cache.py` (what that saves: "Performance measures"); the peer
and national lines come from the latest release (one row read; the release is cut beforehand
from the approved rounds, each municipality's latest).

| file (gzipped) | KB |
|---|---|
{sizes}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    result = measure(args.rounds, args.iterations)
    section = report(result, ".venv/bin/python bench/bench_results.py --write-docs")
    print(section)
    if args.write_docs:
        write_section(ROOT / "docs" / "performance.md", section)
    ok = result["p95"] < 50 and result["total_kb"] < 600
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
