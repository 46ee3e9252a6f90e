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
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import SECRET, free_port, start_gunicorn, write_section  # noqa: E402
from selfscan import create_app
from selfscan.core import disclosure, scoring, session
from selfscan.storage import db as dbmod
from selfscan.storage import municipalities, releases, rounds, scores, sessions
from selfscan.web import ensure_ready, static_compression
from selfscan.web import helpers as web  # noqa: E402

FULL_PLOTLY_GZIP_KB = 1470  # plotly.min.js as embedded by plotly for Python, gzipped (anchors.md)


def fill(app, n_rounds: int, seed: int = 4) -> tuple[str, str]:
    """Insert ``n_rounds`` closed rounds spread over all municipalities; return the tokens of two
    measured rounds: one without a working session, one with a plan of 30 actions."""
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
        # The measured rounds: real ones with ten respondents in three role groups.
        tokens = []
        for code in ("GM0363", "GM0599"):
            rid, token = rounds.create_round(db, municipality_code=code, questionnaire=q,
                                            year=2025, benchmark_consent=True)
            for role in ["police"] * 4 + ["veilig-thuis"] * 3 + ["municipality-social"] * 3:
                pid, _ = rounds.create_respondent(db, rid, role)
                rounds.save_answers(db, pid, answers={
                    i: rng.choice(["0", "1", "2", "3", "4", "unknown"]) for i in q.items})
                rounds.submit_respondent(db, pid, rid)
            rounds.close_round(db, rid, q)
            tokens.append((rid, token))
        add_plan(db, q, tokens[1][0], app.extensions["selfscan.library"].catalogue)
    return tokens[0][1], tokens[1][1]


def add_plan(db, q, round_id: int, catalogue) -> None:
    """A full working session: an agreed level on every item, a target per dimension, 30 actions."""
    items = list(q.items.values())
    for n, item in enumerate(items):
        sessions.save_agreement(db, round_id, item.id, session.AgreementInput(
            n % 5, note="Besproken in de werksessie.", evidence_title="Convenant 2025"), None)
    for d in q.dimensions:
        sessions.save_target(db, round_id, d.id, 3, None)
    tools = [t.id for t in catalogue.tools]
    for n in range(30):
        item = items[n % len(items)]
        sessions.add_action(db, round_id, session.ActionInput(
            item.dimension_id, item.id, f"Actie {n + 1}: afspraken vastleggen en uitvoeren",
            who="Gemeente", due=date(2027, 1 + n % 12, 1), tool_id=tools[n % len(tools)],
            status=session.STATUSES[n % 4]))


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    """A GET as a browser sends it (accepting gzip and brotli); the body as the server sent it."""
    return _get_encoded(conn, path)[:2]


def _get_encoded(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes, str]:
    """As `_get`, with the content coding the server chose ("identity" for none)."""
    conn.request("GET", path, headers={"Accept-Encoding": "gzip, br"})
    response = conn.getresponse()
    return response.status, response.read(), response.getheader("Content-Encoding") or "identity"


def measure(n_rounds: int, iterations: int) -> dict:
    """Serve the database with gunicorn and time the results page over HTTP; the transfer is the
    bytes the server really sends for the page and every file it links."""
    static_compression.build(ROOT / "static")  # as `make install` does: the copies WhiteNoise sends
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": SECRET})
        ensure_ready(app)
        plain, planned = fill(app, n_rounds)
        port = free_port()
        server = start_gunicorn("wsgi:app", port, Path(tmp), Path(tmp) / "gunicorn.log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            urls = {"plain": f"/c/{plain}/uitkomsten", "plan": f"/c/{planned}/uitkomsten"}
            t0 = time.perf_counter()
            status, html = _get(conn, urls["plan"])
            cold_ms = (time.perf_counter() - t0) * 1000
            assert status == 200, status
            assert b"Actie 30" in html  # the plan is on the page
            _get(conn, urls["plain"])
            times: dict[str, list[float]] = {"plain": [], "plan": []}
            for _ in range(iterations):
                for key, url in urls.items():  # alternating, so both see the same machine noise
                    t0 = time.perf_counter()
                    status, _body = _get(conn, url)
                    times[key].append((time.perf_counter() - t0) * 1000)
                    assert status == 200
            # The page itself as a browser receives it (the HTML is sent as Flask renders it).
            _status, sent, coding = _get_encoded(conn, urls["plan"])
            sizes = {"html": len(sent)}
            codings = {"html": coding}
            for ref in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
                name = ref.decode().rsplit("/", 1)[-1]
                _status, body, codings[name] = _get_encoded(conn, ref.decode())
                sizes[name] = len(body)
            conn.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
        for series in times.values():
            series.sort()
        return {
            "p50": statistics.median(times["plan"]),
            "p95": times["plan"][int(0.95 * (len(times["plan"]) - 1))],
            "plain_p50": statistics.median(times["plain"]),
            "plain_p95": times["plain"][int(0.95 * (len(times["plain"]) - 1))],
            "cold": cold_ms,
            "iterations": iterations,
            "rounds": n_rounds,
            "total_kb": sum(sizes.values()) / 1024,
            **{f"size:{k}": v / 1024 for k, v in sizes.items()},
            "codings": codings,
        }


def report(r: dict, command: str) -> str:
    sizes = "\n".join(f"| {k[5:]} | {r['codings'][k[5:]]} | {v:.1f} |"
                      for k, v in r.items() if k.startswith("size:"))
    below = FULL_PLOTLY_GZIP_KB - r["total_kb"]
    transfer_ok = "met" if r["total_kb"] < 600 else "NOT met"
    plain = [name for name, coding in r["codings"].items() if coding == "identity" and name != "html"]
    uncompressed = (f"Sent uncompressed: {', '.join(plain)} — run `make install` (or `make "
                    "compress`) to build the compressed copies. " if plain else
                    "Every static file is sent as the brotli copy that `make install` builds "
                    "(`selfscan/web/static_compression.py`). ")
    return f"""## Results page

Measured with {int(r['rounds'])} closed rounds in the database (plus two measured rounds of ten
respondents in three role groups: one with a working session — an agreed level on every item, a
target per dimension and a plan of 30 actions — and one without, timed alternately in the same
run as the baseline), served by gunicorn (gunicorn.conf.py) on 127.0.0.1 and
requested over HTTP one at a time, on this machine ({platform.machine()},
{platform.python_implementation()} {platform.python_version()}). The transfer is what the server
really sends to a browser that accepts gzip and brotli, for the page and every file it links.
Command:

    {command}

| measure | value | target |
|---|---|---|
| response time p50, with the plan of 30 actions | {r['p50']:.1f} ms | |
| response time p95, with the plan ({int(r['iterations'])} requests) | {r['p95']:.1f} ms | < 50 ms |
| response time p50 / p95, same page without a plan | {r['plain_p50']:.1f} / {r['plain_p95']:.1f} ms | |
| ratio of medians, plan / no plan | {r['p50'] / r['plain_p50']:.2f} | |
| first request (cold cache for this round) | {r['cold']:.1f} ms | |
| transfer, first visit, as sent | {r['total_kb']:.0f} KB | < 600 KB: {transfer_ok} |

{uncompressed}Before issue 14 this page sent 1523 KB (static files
uncompressed); an earlier 445 KB here came from the benchmark compressing the files itself, not
from what the server sent. For comparison: the full plotly.js bundle alone is about
{FULL_PLOTLY_GZIP_KB} KB gzipped ({below:+.0f} KB against this page).
Scores of closed rounds are read from `round_scores`;
a round's analysis and stored aggregate are cached per round state (id, creation time, revision,
status) in `selfscan/web/results_cache.py` (what that saves: "Performance measures"); the peer
and national lines come from the latest release (one row read; the release is cut beforehand
from the approved rounds, each municipality's latest).

| file | Content-Encoding | KB as sent |
|---|---|---|
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
