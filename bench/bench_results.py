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
import http.client
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

from bench.load import SECRET, free_port, start_gunicorn, write_section  # noqa: E402
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


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    """A GET as a browser sends it (accepting gzip and brotli); the body as the server sent it."""
    conn.request("GET", path, headers={"Accept-Encoding": "gzip, br"})
    response = conn.getresponse()
    return response.status, response.read()


def measure(n_rounds: int, iterations: int) -> dict[str, float]:
    """Serve the database with gunicorn and time the results page over HTTP; the transfer is the
    bytes the server really sends for the page and every file it links."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": SECRET})
        ensure_ready(app)
        token = fill(app, n_rounds)
        port = free_port()
        server = start_gunicorn("wsgi:app", port, Path(tmp), Path(tmp) / "gunicorn.log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            url = f"/c/{token}/uitkomsten"
            t0 = time.perf_counter()
            status, html = _get(conn, url)
            cold_ms = (time.perf_counter() - t0) * 1000
            assert status == 200, status
            times = []
            for _ in range(iterations):
                t0 = time.perf_counter()
                status, _body = _get(conn, url)
                times.append((time.perf_counter() - t0) * 1000)
                assert status == 200
            sizes = {"html": len(html)}
            for ref in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
                sizes[ref.decode().rsplit("/", 1)[-1]] = len(_get(conn, ref.decode())[1])
            conn.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
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
    transfer_ok = "met" if r["total_kb"] < 600 else "NOT met"
    uncompressed = ("The static files are sent uncompressed today (WhiteNoise finds no "
                    "compressed copies); issue 14 builds them. " if r["total_kb"] >= 600 else "")
    return f"""## Results page

Measured with {int(r['rounds'])} closed rounds in the database (plus the measured round: ten
respondents, three role groups), served by gunicorn (gunicorn.conf.py) on 127.0.0.1 and
requested over HTTP one at a time, on this machine ({platform.machine()},
{platform.python_implementation()} {platform.python_version()}). The transfer is what the server
really sends to a browser that accepts gzip and brotli, for the page and every file it links.
Command:

    {command}

| measure | value | target |
|---|---|---|
| response time p50 | {r['p50']:.1f} ms | |
| response time p95 ({int(r['iterations'])} requests) | {r['p95']:.1f} ms | < 50 ms |
| first request (cold cache for this round) | {r['cold']:.1f} ms | |
| transfer, first visit, as sent | {r['total_kb']:.0f} KB | < 600 KB: {transfer_ok} |

{uncompressed}For comparison: the full plotly.js bundle alone is about
{FULL_PLOTLY_GZIP_KB} KB gzipped ({below:+.0f} KB against this page).
Scores of closed rounds are read from `round_scores`;
a round's analysis and stored aggregate are cached per round state (id, creation time, revision,
status) in `selfscan/web/results_cache.py` (what that saves: "Performance measures"); the peer
and national lines come from the latest release (one row read; the release is cut beforehand
from the approved rounds, each municipality's latest).

| file (as sent) | KB |
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
    print("targets:", "p95", "met" if result["p95"] < 50 else "NOT met", "transfer",
          "met" if result["total_kb"] < 600 else "NOT met")


if __name__ == "__main__":
    main()
