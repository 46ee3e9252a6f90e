"""What each kept performance measure saves: all measures on against one measure off, in-process.

    .venv/bin/python bench/bench_measures.py [--rounds 11] [--batch-ms 200] [--write-docs]

Builds a throw-away app (temporary instance folder) with an open round whose respondent answered
page 2, a closed round with eight submitted respondents and a release cut from six approved closed
rounds of other municipalities (for the peer and national lines), then calls the WSGI app directly
(no HTTP, no server) for four requests: the questionnaire page, the answer save, the results page
and the home page. Every measure of the project's rule ("a cache or other performance measure has
to earn its place with a measurement") is switched off in turn, in this same process, by installing
its plain equivalent; the others stay on. Conditions are interleaved round by round (their order
rotates), each a batch of requests timed with time.process_time (CPU time of this process, less
sensitive to other work on a shared machine than wall time); the figures are the medians over the
rounds of the CPU time per request in a batch. With --write-docs the "## Performance measures"
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
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask  # noqa: E402
from flask_babel import get_translations  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from bench.load import SECRET, app_requests, call_wsgi, write_section  # noqa: E402
from selfscan import create_app  # noqa: E402
from selfscan.core import answers as pages  # noqa: E402
from selfscan.core import disclosure  # noqa: E402
from selfscan.storage import connection_per_thread, releases, rounds  # noqa: E402
from selfscan.storage import db as dbmod  # noqa: E402
from selfscan.web import ensure_ready, fragment_cache, gettext_cache  # noqa: E402
from selfscan.web.results_cache import ResultsCache  # noqa: E402

PAGES = ("questionnaire page", "answer save", "results page", "home page")
PEER_CODES = ("GM0014", "GM0344", "GM0518", "GM0599", "GM0772", "GM0034")
ROLES = ("municipality-security", "police", "child-protection", "veilig-thuis", "education")
CALLS: dict[str, int] = {}  # measure -> calls of its plain equivalent (which pages use it)


# --- the app and its data ------------------------------------------------------------------------


def prepare(instance: Path) -> tuple[flask.Flask, dict[str, str]]:
    """The app, and the tokens of the respondent and of the closed round's coordinator."""
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET})
    ensure_ready(app)
    q = app.extensions["selfscan.current"]
    items = [i.id for d in q.dimensions for i in d.items]
    db = dbmod.connect(app.config["DATABASE"])

    def closed_round(code: str, people: int, seed: int) -> str:
        rid, coordinator = rounds.create_round(db, municipality_code=code, questionnaire=q,
                                               year=date.today().year, benchmark_consent=True)
        for n in range(people):
            pid, _resume = rounds.create_respondent(db, rid, ROLES[n % len(ROLES)])
            rounds.save_answers(db, pid, answers={
                item: str((k * 7 + n * 3 + seed) % 5) for k, item in enumerate(items)})
            rounds.submit_respondent(db, pid, rid)
        rounds.close_round(db, rid, q)
        with dbmod.write(db):  # as the CCV's approval would (storage/approvals.py)
            db.execute("UPDATE rounds SET approval = 'approved' WHERE id = ?", [rid])
        return coordinator

    try:
        for n, code in enumerate(PEER_CODES):
            closed_round(code, 3, n)
        # The results page's peer and national lines come from the latest release.
        releases.cut(db, *disclosure.published_ids(app.extensions["selfscan.library"], q))
        closed = closed_round("GM0363", 8, 9)
        rid, _coordinator = rounds.create_round(db, municipality_code="GM0363", questionnaire=q,
                                                year=date.today().year)
        pid, resume = rounds.create_respondent(db, rid, "police")
        dimension = pages.step_of(q, 2).dimension
        rounds.save_answers(db, pid, answers={i.id: str(k % 5)
                                              for k, i in enumerate(
                                                  pages.asked_items(dimension, "police"))},
                            comments={dimension.id: "Afspraken staan op papier."})
    finally:
        db.conn.close()
    return app, {"resume": resume, "closed": closed}


def requests_of(app: flask.Flask, tokens: dict[str, str]) -> dict[str, tuple[dict, bytes]]:
    out = app_requests(app, tokens["resume"])  # questionnaire page and answer save, as bench/load.py
    out["results page"] = (EnvironBuilder(path=f"/c/{tokens['closed']}/uitkomsten").get_environ(),
                           b"")
    out["home page"] = (EnvironBuilder(path="/").get_environ(), b"")
    return {name: out[name] for name in PAGES}


# --- each measure off: its plain equivalent, installed in this process and undone -------------------


def _counted(measure: str, fn: Callable) -> Callable:
    def plain(*args, **kwargs):
        CALLS[measure] = CALLS.get(measure, 0) + 1
        return fn(*args, **kwargs)
    return plain


def fragments_off(_app: flask.Flask) -> Callable[[], None]:
    """The item fragments built again on every request (the cache emptied before each call)."""
    cached = fragment_cache.item_fragments

    def built_every_time(*args):
        fragment_cache.clear()
        return cached(*args)

    fragment_cache.item_fragments = _counted("fragment_cache", built_every_time)
    return lambda: setattr(fragment_cache, "item_fragments", cached)


def results_off(_app: flask.Flask) -> Callable[[], None]:
    """Every analysis and stored aggregate computed again on every request."""
    cached = ResultsCache.get_or_compute
    ResultsCache.get_or_compute = _counted(  # type: ignore[method-assign]
        "results_cache", lambda _self, _key, compute: compute())
    return lambda: setattr(ResultsCache, "get_or_compute", cached)


def gettext_off(app: flask.Flask) -> Callable[[], None]:
    """Flask-Babel's own template callables (what Babel.init_app installs), which look up the
    catalogue for every string, and no `_catalogue` context processor."""
    env = app.jinja_env
    cached = {k: env.globals[k] for k in ("_", "gettext", "ngettext", "pgettext", "npgettext")}
    processors = app.template_context_processors[None]
    ours = [f for f in processors if f.__module__ == gettext_cache.__name__]
    assert len(ours) == 1, "the gettext cache's context processor was not found"
    at = processors.index(ours[0])
    processors.remove(ours[0])
    count = _counted("gettext_cache", get_translations)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: count().ugettext(s),
        ngettext=lambda s, p, n: count().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: count().upgettext(c, s),
        npgettext=lambda c, s, p, n: count().unpgettext(c, s, p, n))

    def undo() -> None:
        env.globals.update(cached)
        processors.insert(at, ours[0])
    return undo


def connections_off(_app: flask.Flask) -> Callable[[], None]:
    """A connection opened per request and closed in teardown (the plain design). This thread's
    reused connection is closed first. The rate-limit counters keep their own connection per
    thread (storage/rate_limits.py), as in production, so closing a request's connection is not
    closing the last one and does not checkpoint the WAL."""
    local = connection_per_thread._local  # the reused connection of this thread
    if getattr(local, "conn", None) is not None:
        local.conn.conn.close()
        del local.conn, local.path
    reuse, end = connection_per_thread.thread_connection, connection_per_thread.end_request
    connection_per_thread.thread_connection = _counted("connection per thread", dbmod.connect)
    connection_per_thread.end_request = lambda db: db.conn.close()

    def undo() -> None:
        connection_per_thread.thread_connection = reuse
        connection_per_thread.end_request = end
    return undo


MEASURES: dict[str, tuple[str, Callable[[flask.Flask], Callable[[], None]]]] = {
    "fragment_cache": ("`selfscan/web/fragment_cache.py`: questionnaire texts of a dimension "
                       "page as ready HTML per version and language", fragments_off),
    "results_cache": ("`selfscan/web/results_cache.py`: per-round analysis and stored aggregate, "
                      "an LRU per app", results_off),
    "gettext_cache": ("`selfscan/web/gettext_cache.py`: the message catalogue looked up once per "
                      "request", gettext_off),
    "connection per thread": ("`selfscan/storage/connection_per_thread.py`: one SQLite "
                              "connection per thread, reused", connections_off),
}
CONDITIONS = ("all on", *MEASURES)


# --- measuring -------------------------------------------------------------------------------------


class Bench:
    def __init__(self, app: flask.Flask, requests: dict[str, tuple[dict, bytes]]) -> None:
        self.app, self.requests, self.i = app, requests, 0
        self.statuses: list[str] = []

    def start_response(self, status: str, _headers: list, _exc: object = None) -> None:
        self.statuses.append(status)

    def call(self, page: str, i: int | None = None) -> bytes:
        """One request; the response body of a GET (for the checks). A save's last answer
        changes with every call unless `i` fixes it."""
        environ, posted = self.requests[page]
        chunks: list[bytes] = []
        self.i += 1
        env = dict(environ)
        if posted:
            call_wsgi(self.app, env, posted, self.i if i is None else i, self.start_response)
        else:
            body = self.app(env, self.start_response)
            chunks = list(body)
            getattr(body, "close", lambda: None)()
        assert self.statuses[-1].startswith("200"), (page, self.statuses[-1])
        return b"".join(chunks)

    def batch(self, page: str, n: int) -> tuple[float, float]:
        """CPU and wall µs per request over `n` requests."""
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            self.call(page)
        return ((time.process_time() - cpu) * 1e6 / n, (time.perf_counter() - wall) * 1e6 / n)

    def condition(self, name: str) -> Callable[[], None]:
        return MEASURES[name][1](self.app) if name in MEASURES else (lambda: None)


def _stable(html: bytes) -> bytes:
    """A page without what is new on every request: a session's CSRF token, a form nonce."""
    return re.sub(rb'name="(csrf_token|form_nonce)" value="[^"]*"', rb"\1", html)


def check_and_size(bench: Bench, batch_ms: float) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Every measure off gives the same pages as all on. Returns the requests per batch of each
    page (about `batch_ms` of CPU with all measures on) and which pages use each measure."""
    # Every save in the checks stores the same answer, so that the pages stay the same.
    reference = {page: _stable(bench.call(page, i=0)) for page in ("answer save", *PAGES)}
    used: dict[str, set[str]] = {}
    for name in MEASURES:
        undo = bench.condition(name)
        try:
            for page in PAGES:
                before = CALLS.get(name, 0)
                assert _stable(bench.call(page, i=0)) == reference[page], f"{name} off: {page} differs"
                if CALLS.get(name, 0) > before:
                    used.setdefault(name, set()).add(page)
        finally:
            undo()
    sizes = {}
    for page in PAGES:
        bench.batch(page, 20)  # warm-up
        cpu, _wall = bench.batch(page, 50)
        sizes[page] = max(20, int(batch_ms * 1000 / max(cpu, 1.0)))
    return sizes, used


def measure(bench: Bench, sizes: dict[str, int], repeat: int) -> dict[tuple[str, str], list]:
    """(condition, page) -> [(cpu µs, wall µs) per round]; conditions rotate between rounds."""
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in range(repeat):
        order = CONDITIONS[r % len(CONDITIONS):] + CONDITIONS[:r % len(CONDITIONS)]
        for name in order:
            undo = bench.condition(name)
            try:
                for page in PAGES:
                    bench.batch(page, max(3, sizes[page] // 20))  # settle into the condition
                    runs.setdefault((name, page), []).append(bench.batch(page, sizes[page]))
            finally:
                undo()
        print(f"round {r + 1}/{repeat} done", file=sys.stderr, flush=True)
    return runs


# --- the report ------------------------------------------------------------------------------------


def summarise(runs: dict[tuple[str, str], list], used: dict[str, set[str]]) -> list[dict]:
    rows = []
    for name in MEASURES:
        for page in PAGES:
            if page not in used.get(name, set()):
                continue
            on, off = runs[("all on", page)], runs[(name, page)]
            paired = [o[0] / b[0] for o, b in zip(off, on, strict=True)]
            cpu_on, cpu_off = (statistics.median(x[0] for x in v) for v in (on, off))
            wall_on, wall_off = (statistics.median(x[1] for x in v) for v in (on, off))
            rows.append({"measure": name, "page": page, "on": cpu_on, "off": cpu_off,
                         "ratio": cpu_off / cpu_on, "low": min(paired), "high": max(paired),
                         "slower": sum(r > 1 for r in paired), "rounds": len(paired),
                         "wall": wall_off / wall_on})
    return rows


def verdict(row: dict) -> str:
    """Measurable: off costs more than all on in at least 90 % of the paired rounds (with 11
    rounds, 10 or 11; by chance alone that happens less than once in a hundred runs)."""
    if row["slower"] >= 0.9 * row["rounds"] and row["off"] > row["on"]:
        return f"saves {row['off'] - row['on']:.0f} µs ({1 - row['on'] / row['off']:.0%})"
    return "**nothing measurable**"


def render(runs: dict, used: dict[str, set[str]], sizes: dict[str, int], args,
           loads: tuple[tuple[float, ...], tuple[float, ...]], command: str) -> str:
    rows = summarise(runs, used)
    lines = [
        "## Performance measures",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores "
        f"({platform.python_implementation()} {platform.python_version()}, load average "
        f"{loads[0][0]:.2f} at the start and {loads[1][0]:.2f} at the end), in one process, "
        "straight into the WSGI app (no HTTP, no gunicorn, one thread). Every kept measure is "
        "switched off in turn by installing its plain equivalent in the same process, the "
        "others on; conditions interleaved over "
        f"{args.rounds} rounds with their order rotating. Per condition and page, a batch of "
        "requests (" + ", ".join(f"{page} {n}" for page, n in sizes.items()) + ") timed with "
        "`time.process_time`; the figures are the **medians over the rounds** of the CPU time "
        "per request of a batch. Each round pairs \"off\" with \"all on\" of the same round: "
        "\"per-round ratios\" is the range of off/on, \"rounds slower\" how many rounds "
        "\"off\" cost more; a measure counts as saving something only where that holds in at "
        "least 90 % of the rounds. The wall-time ratio is shown too, because it also counts "
        "waiting for the disk (WAL checkpoints), which CPU time does not.",
        "",
        "| measure off | page | all on µs | this one off µs | ratio off/on | per-round ratios "
        "| rounds slower | wall ratio | what it saves |",
        "|---|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in rows:
        lines.append(f"| {r['measure']} | {r['page']} | {r['on']:.0f} | {r['off']:.0f} | "
                     f"{r['ratio']:.2f} | {r['low']:.2f}–{r['high']:.2f} | "
                     f"{r['slower']}/{r['rounds']} | {r['wall']:.2f} | {verdict(r)} |")
    base = ", ".join(f"{page} {statistics.median(x[0] for x in runs[('all on', page)]):.0f} µs"
                     for page in PAGES)
    lines += ["", f"All measures on: {base} of CPU per request.", "",
              "The measures, and what \"off\" installs:", ""]
    plain = {
        "fragment_cache": "the fragments built again for every request (the cache emptied "
                          "before each call)",
        "results_cache": "`get_or_compute` computes every time",
        "gettext_cache": "Flask-Babel's own callables, as `Babel.init_app` installs them "
                         "(`get_translations()` per string), without the `_catalogue` context "
                         "processor",
        "connection per thread": "`storage.db.connect` per request and `close()` in teardown; "
                                 "the rate-limit counters keep their own connection per thread "
                                 "(`selfscan/storage/rate_limits.py`), so closing a request's "
                                 "connection is not closing the last one and no longer "
                                 "checkpoints the WAL",
    }
    for name, (what, _off) in MEASURES.items():
        pages_used = ", ".join(p for p in PAGES if p in used.get(name, set())) or "none"
        lines.append(f"- {what}. Off: {plain[name]}. Used by: {pages_used}.")
    lines += ["- The answer save as one SQL statement (a view with a trigger) has no switch; "
              "it is the answer save measured here and in \"## Load\".",
              "", "Reproduce:", "", "```", command, "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--batch-ms", type=float, default=200,
                        help="CPU milliseconds per batch with all measures on (default 200)")
    parser.add_argument("--write-docs", action="store_true",
                        help="replace the '## Performance measures' section of docs/performance.md")
    args = parser.parse_args()
    start_load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="selfscan-measures-") as tmp:
        app, tokens = prepare(Path(tmp) / "instance")
        bench = Bench(app, requests_of(app, tokens))
        sizes, used = check_and_size(bench, args.batch_ms)
        runs = measure(bench, sizes, args.rounds)
        connection_per_thread.thread_connection(app.config["DATABASE"]).conn.close()
    command = (f".venv/bin/python bench/bench_measures.py --rounds {args.rounds} --batch-ms "
               f"{args.batch_ms:g}" + (" --write-docs" if args.write_docs else ""))
    section = render(runs, used, sizes, args, (start_load, os.getloadavg()), command)
    print("\n" + section)
    if args.write_docs:
        write_section(ROOT / "docs" / "performance.md", section)


if __name__ == "__main__":
    main()
