"""Load benchmark on loopback: selfscan pages under gunicorn against a Flask "hello" baseline.

    .venv/bin/python bench/load.py [--seconds 10] [--connections 16] [--write-docs]

Starts two gunicorns with gunicorn.conf.py (selfscan and bench/hello.py) on 127.0.0.1, on a
throw-away instance folder with prepared rounds, and measures requests per second and
p50/p95/p99 latency per endpoint with wrk (Debian package `wrk`) or, when wrk is absent, with
a small Python load generator (threads with keep-alive connections). Every run is bounded in
time and, for the Python generator, in requests. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from selfscan.storage import rounds  # noqa: E402

SECRET = "bench-secret-not-for-production"
CCV_EMAIL, CCV_PASSWORD = "bench@ccv.example", "bench-wachtwoord-lang-genoeg"
BENCHMARK_CODES = ("GM0014", "GM0344", "GM0518", "GM0599", "GM0772", "GM0034")

WRK_SCRIPT = r"""
local values = {"0", "1", "2", "3", "4", "unknown"}
local method, body_prefix, headers = "%(method)s", "%(body)s", {}
%(headers)s
request = function()
  if method == "POST" then
    return wrk.format("POST", nil, headers, body_prefix .. values[math.random(#values)])
  end
  return wrk.format("GET", nil, headers, nil)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50": %%d, "p95": %%d, "p99": %%d, ' ..
    '"status_errors": %%d, "socket_errors": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(instance: Path) -> dict[str, str]:
    """Rounds, respondents and a CCV account, made through the store like real use."""
    from datetime import date

    from selfscan import create_app
    from selfscan.core import disclosure, tokens
    from selfscan.storage import db as dbmod
    from selfscan.storage import releases, users
    from selfscan.web import ensure_ready

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET})
    ensure_ready(app)
    q = app.extensions["selfscan.current"]
    items = [i.id for d in q.dimensions for i in d.items]
    db = dbmod.connect(app.config["DATABASE"])
    roles = ("municipality-security", "police", "child-protection", "veilig-thuis", "education")

    def round_with(code: str, people: int, close: bool, seed: int) -> tuple[str, list[str]]:
        rid, coordinator = rounds.create_round(db, municipality_code=code, questionnaire=q,
                                              year=date.today().year, benchmark_consent=True)
        resumes = []
        for n in range(people):
            pid, resume = rounds.create_respondent(db, rid, roles[n % len(roles)])
            rounds.save_answers(db, pid, answers={
                item: str((k * 7 + n * 3 + seed) % 5) for k, item in enumerate(items)})
            rounds.submit_respondent(db, pid, rid)
            resumes.append(resume)
        if close:
            rounds.close_round(db, rid, q)
        return coordinator, resumes

    try:
        for n, code in enumerate(BENCHMARK_CODES):
            round_with(code, 4, True, n)
        with dbmod.write(db):  # approved, as the CCV would (storage/approvals.py)
            db.execute("UPDATE rounds SET approval = 'approved' WHERE status = 'closed'")
        # The dashboard and the results page's comparison lines read the latest release.
        releases.cut(db, *disclosure.published_ids(app.extensions["selfscan.library"], q))
        closed, _ = round_with("GM0363", 6, True, 9)
        open_coordinator, _ = round_with("GM0363", 0, False, 0)
        row = rounds.round_by_coordinator(db, open_coordinator)
        invitation = tokens.invitation_token(open_coordinator, row["invitation_nonce"])
        _pid, resume = rounds.create_respondent(db, row["id"], "police")
        users.create_user(db, CCV_EMAIL, CCV_PASSWORD)
    finally:
        db.conn.close()
    return {"closed": closed, "resume": resume, "invitation": invitation}


def start_gunicorn(app_spec: str, port: int, instance: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "SELFSCAN_INSTANCE_PATH": str(instance), "SELFSCAN_SECRET_KEY": SECRET,
           "PORT": f"127.0.0.1:{port}", "GUNICORN_LOGLEVEL": "warning"}
    # No access log during the benchmark: writing it would measure the terminal, not the app.
    cmd = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--access-logfile",
           "/dev/null", app_spec]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"gunicorn {app_spec} did not start; see {log}")


def csrf_of(html: str) -> str:
    """The CSRF token in a page's form."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def session_for(url: str, *, login: bool = False) -> tuple[str, str, str]:
    """Cookie, CSRF token and page as a browser holds them after opening `url` (and signing in)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url, timeout=10) as r:
        html = r.read().decode()
    csrf = csrf_of(html)
    if login:
        body = urllib.parse.urlencode({"csrf_token": csrf, "email": CCV_EMAIL,
                                       "password": CCV_PASSWORD}).encode()
        with opener.open(urllib.request.Request(url, data=body), timeout=10) as r:
            assert "/inloggen" not in r.url, "sign-in for the benchmark failed"
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, csrf, html


def autosave_body(html: str) -> str:
    """What the page's script posts in a background save once the page is filled in.

    Every field of the form (URLSearchParams(FormData(form)) in static/js/selfscan.js): the
    CSRF token, the questionnaire version, one answer per statement and the (empty) comment.
    The last answer is left open: the load script appends a random value to every request.
    """
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    items = list(dict.fromkeys(re.findall(r'name="(item-[^"]+)"', html)))
    comments = re.findall(r'<textarea[^>]* name="(comment-[^"]+)"', html)
    assert items and comments, "the questionnaire page has no answers or comment field"
    pairs = [*fields.items(), *((item, str(n % 5)) for n, item in enumerate(items[:-1])),
             (comments[0], "")]
    return urllib.parse.urlencode(pairs) + f"&{items[-1]}="


def server_ticks(master: int) -> dict[int, int]:
    """CPU clock ticks (user + system) used so far by a gunicorn master and its workers."""
    ticks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(entry) == master or int(fields[1]) == master:
            ticks[int(entry)] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_seconds(before: dict[int, int], after: dict[int, int]) -> float:
    # A worker that restarted in between starts again from zero.
    spent = sum(t - before.get(pid, 0) for pid, t in after.items())
    return spent / os.sysconf("SC_CLK_TCK")


def app_requests(app, resume: str) -> dict[str, tuple[dict, bytes]]:
    """WSGI environs of the questionnaire page (page 2) and the answer save of one respondent.

    Per request: (environ, posted body without its last answer's value); see call_wsgi. The
    save carries the link's CSRF token and every field of the page, as the page's script does.
    """
    from werkzeug.test import EnvironBuilder

    page = f"/r/{resume}/stap/2"
    html = app.test_client().get(page).get_data(as_text=True)
    body = autosave_body(html)
    return {
        "questionnaire page": (EnvironBuilder(path=page).get_environ(), b""),
        "answer save": (EnvironBuilder(
            path=f"/r/{resume}/autosave/2", method="POST", data=body + "0",
            headers={"X-CSRFToken": csrf_of(html),
                     "Content-Type": "application/x-www-form-urlencoded"},
        ).get_environ(), body.encode()),
    }


def call_wsgi(wsgi, environ: dict, posted: bytes, i: int, start_response) -> None:
    """One request straight into a WSGI app, its body consumed. A POST gets `posted` plus a last
    answer that changes with `i`, so that most saves change one answer, as in the load runs."""
    import io

    env = dict(environ)
    if posted:
        env["wsgi.input"] = io.BytesIO(posted + b"01234"[i % 5:i % 5 + 1])
    body_iter = wsgi(env, start_response)
    b"".join(body_iter)
    getattr(body_iter, "close", lambda: None)()


def in_process_costs(instance: Path, tokens: dict[str, str], n: int = 2000) -> dict[str, float]:
    """Microseconds per request inside the WSGI app alone: no HTTP, no gunicorn, no threads.

    The median of `n` calls after a warm-up, for hello, a questionnaire page and an answer
    save; what these cost is what the app can change, the rest is the server's.
    """
    from werkzeug.test import EnvironBuilder

    from bench.hello import app as hello_app
    from selfscan import create_app

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET})
    environs = {"hello": (hello_app, EnvironBuilder(path="/").get_environ(), b"")}
    environs.update({name: (app, env, posted)
                     for name, (env, posted) in app_requests(app, tokens["resume"]).items()})
    out = {}
    statuses: list[str] = []

    def start_response(status: str, _headers: list, _exc: object = None) -> None:
        statuses.append(status)

    for name, (wsgi, environ, posted) in environs.items():
        times = []
        for i in range(n + n // 4):
            t0 = time.perf_counter()
            call_wsgi(wsgi, environ, posted, i, start_response)
            times.append(time.perf_counter() - t0)
        assert statuses[-1].startswith("200"), (name, statuses[-1])
        out[name] = statistics.median(times[n // 4:]) * 1e6
    return out


def run_wrk(url: str, method: str, headers: dict[str, str], body: str, args) -> dict:
    lua_headers = "\n".join(f'headers["{k}"] = "{v}"' for k, v in headers.items())
    script = WRK_SCRIPT % {"method": method, "body": body, "headers": lua_headers}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d",
             f"{args.seconds}s", "--timeout", "10s", "-s", fh.name, url],
            capture_output=True, text=True, timeout=args.seconds + 60).stdout
    finally:
        os.unlink(fh.name)
    raw = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    return {"rps": raw["requests"] / (raw["duration_us"] / 1e6), "p50": raw["p50"] / 1000,
            "p95": raw["p95"] / 1000, "p99": raw["p99"] / 1000, "requests": raw["requests"],
            "errors": raw["status_errors"] + raw["socket_errors"]}


def run_python(url: str, method: str, headers: dict[str, str], body: str, args) -> dict:
    """Threads with one keep-alive connection each, bounded by time and request count."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    stop = time.monotonic() + args.seconds
    latencies: list[float] = []
    errors = [0]
    budget = [args.max_requests]
    lock = threading.Lock()

    def worker(seed: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        n = seed
        while time.monotonic() < stop:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            n += 1
            data = (body + "01234"[n % 5]).encode() if method == "POST" else None
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=data, headers=headers)
                r = conn.getresponse()
                r.read()
                ok = r.status < 400
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    duration = time.monotonic() - started
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"rps": len(latencies) / duration, "p50": q[49], "p95": q[94], "p99": q[98],
            "requests": len(latencies), "errors": errors[0]}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per endpoint (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--max-requests", type=int, default=50_000,
                        help="per endpoint, Python generator only")
    parser.add_argument("--engine", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--repeat", type=int, default=3,
                        help="measurements per endpoint, interleaved; medians are reported")
    parser.add_argument("--warmup", type=int, default=2,
                        help="seconds of unmeasured load per endpoint first (every worker "
                             "builds its app on its first request)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="measure only the endpoints whose name contains one of these words "
                             "(the hello baseline always runs); not with --write-docs")
    parser.add_argument("--write-docs", action="store_true",
                        help="replace the '## Load' section of docs/performance.md")
    args = parser.parse_args()
    if args.only and args.write_docs:
        parser.error("--write-docs needs every endpoint; drop --only")
    return args


def _targets(base: str, hello: str, tokens: dict[str, str], only: list[str] | None
             ) -> list[tuple[str, str, str, dict[str, str], str]]:
    """(name, url, method, headers, body) of every endpoint measured, each checked once."""
    step_cookie, step_csrf, step_html = session_for(f"{base}/r/{tokens['resume']}/stap/2")
    targets = [
        ("hello (baseline)", hello, "GET", {}, ""),
        ("home page", f"{base}/", "GET", {}, ""),
        ("questionnaire page", f"{base}/r/{tokens['resume']}/stap/2", "GET",
         {"Cookie": step_cookie}, ""),
        ("answer save", f"{base}/r/{tokens['resume']}/autosave/2", "POST",
         {"Cookie": step_cookie, "X-CSRFToken": step_csrf,
          "Content-Type": "application/x-www-form-urlencoded"},
         autosave_body(step_html)),
        ("results page", f"{base}/c/{tokens['closed']}/uitkomsten", "GET", {}, ""),
    ]
    try:
        ccv_cookie, _, _ = session_for(f"{base}/ccv/inloggen", login=True)
        targets.append(("CCV dashboard", f"{base}/ccv", "GET", {"Cookie": ccv_cookie}, ""))
    except (urllib.error.HTTPError, AttributeError, AssertionError) as exc:
        print(f"CCV dashboard skipped: {exc}", file=sys.stderr)
    if only:
        targets = [t for t in targets
                   if t[0].startswith("hello") or any(word in t[0] for word in only)]
    for name, url, method, headers, body in targets:
        # Check the endpoint answers correctly before measuring it.
        req = urllib.request.Request(url, method=method, headers=headers,
                                     data=(body + "1").encode() if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200, (name, r.status)
    return targets


def _measure(targets: list[tuple[str, str, str, dict[str, str], str]], run, args,
             procs: list[subprocess.Popen]) -> dict[str, dict]:
    for _name, url, method, headers, body in targets:
        run(url, method, headers, body, argparse.Namespace(**{**vars(args),
                                                               "seconds": args.warmup}))
    # Interleave the repetitions so that a noisy moment hits every endpoint alike.
    runs: dict[str, list[dict]] = {name: [] for name, *_ in targets}
    for _ in range(args.repeat):
        for name, url, method, headers, body in targets:
            master = (procs[1] if name.startswith("hello") else procs[0]).pid
            before = server_ticks(master)
            result = run(url, method, headers, body, args)
            spent = cpu_seconds(before, server_ticks(master))
            result["cpu_us"] = spent * 1e6 / max(1, result["requests"])
            runs[name].append(result)
    results = {}
    for name, *_ in targets:
        results[name] = {key: statistics.median(r[key] for r in runs[name])
                         for key in runs[name][0]}
        print(f"{name:22} {results[name]['rps']:8.0f} req/s  p50 {results[name]['p50']:6.1f}"
              f" ms  p95 {results[name]['p95']:6.1f} ms  p99 {results[name]['p99']:6.1f} ms"
              f"  server CPU {results[name]['cpu_us']:5.0f} µs/request"
              f"  errors {results[name]['errors']}", flush=True)
    return results


def main() -> None:
    args = _arguments()
    engine = args.engine if args.engine != "auto" else ("wrk" if shutil.which("wrk") else "python")
    run = run_wrk if engine == "wrk" else run_python

    workdir = Path(tempfile.mkdtemp(prefix="selfscan-bench-"))
    instance = workdir / "instance"
    tokens = prepare(instance)
    costs = in_process_costs(instance, tokens)
    ports = {"selfscan": free_port(), "hello": free_port()}
    procs = [start_gunicorn("wsgi:app", ports["selfscan"], instance, workdir / "selfscan.log"),
             start_gunicorn("bench.hello:app", ports["hello"], instance, workdir / "hello.log")]
    try:
        targets = _targets(f"http://127.0.0.1:{ports['selfscan']}",
                           f"http://127.0.0.1:{ports['hello']}/", tokens, args.only)
        results = _measure(targets, run, args, procs)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(workdir, ignore_errors=True)

    command = (f".venv/bin/python bench/load.py --seconds {args.seconds} --connections "
               f"{args.connections} --repeat {args.repeat}"
               + (" --engine python" if engine == "python" else "")
               + (" --write-docs" if args.write_docs else ""))
    section = render(results, costs, engine, args, command)
    print("\n" + section)
    if args.write_docs:
        write_section(ROOT / "docs" / "performance.md", section)


def _conf_summary() -> str:
    spec = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), spec)  # noqa: S102 - our own config file
    return (f"{spec['workers']} workers × {spec['threads']} threads ({spec['worker_class']}), "
            f"timeout {spec['timeout']} s")


def render(results: dict[str, dict], costs: dict[str, float], engine: str, args,
           command: str) -> str:
    hello = results["hello (baseline)"]["rps"]
    lines = [
        "## Load",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores, loopback only, with "
        f"{'wrk (Debian package `wrk`)' if engine == 'wrk' else 'the Python load generator'}: "
        f"{args.connections} connections, {args.seconds} s per endpoint after {args.warmup} s "
        f"of warm-up, the median of {args.repeat} interleaved runs, gunicorn.conf.py "
        f"({_conf_summary()}) for both selfscan and the one-line Flask app `bench/hello.py`. "
        "The load generator runs on the same machine and takes CPU from the server, so the "
        "absolute numbers are a floor; the ratios to \"hello\" are what to compare between runs. "
        "\"Server CPU\" is the user and system time of the gunicorn master and workers during "
        "a run divided by the requests it served (from /proc): the steadiest figure on a noisy "
        "machine, and with every core busy, requests per second are about its inverse.",
        "",
        "The answer save posts what the page's script posts in a background save "
        "(`static/js/selfscan.js`): every field of a filled-in questionnaire page, with the "
        "last answer set to a random value, so that most saves change one answer.",
        "",
        "| endpoint | requests/s | ratio to hello | server CPU µs/request | p50 ms | p95 ms "
        "| p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['rps']:.0f} | {r['rps'] / hello:.2f} | {r['cpu_us']:.0f} | "
                     f"{r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['errors']:.0f} |")
    lines += [
        "",
        "Targets (issue 10): questionnaire page and answer save at least 0.33 of hello; if the "
        "plain design lands between 0.25 and 0.33, report the figure. "
        + " ".join(_target_verdict(n, results[n]["rps"] / hello)
                   for n in ("questionnaire page", "answer save") if n in results),
        "",
        "In the app alone (WSGI calls without HTTP, median of 2,000, same run): hello "
        f"{costs['hello']:.0f} µs, questionnaire page {costs['questionnaire page']:.0f} µs, "
        f"answer save {costs['answer save']:.0f} µs per request. Where the time went and what "
        "was done: a questionnaire page first cost 2.9 ms and an answer save 2.2 ms (measured "
        "then through the Flask test client, which adds about 0.1 ms). The measures kept, each "
        "in a module named for it; what each saves per page is measured in \"Performance "
        "measures\" (`bench/bench_measures.py`):",
        "",
        "- One SQLite connection per thread, reused by its later requests, instead of one per "
        "request (`selfscan/storage/connection_per_thread.py`): opening a connection costs its "
        "pragmas, and closing the last connection to the database checkpointed the WAL.",
        "- The questionnaire texts of a dimension page (statements, explanations, level "
        "descriptions) are built as ready HTML once per questionnaire version and language "
        "(`selfscan/web/fragment_cache.py`); the template renders everything that differs per "
        "respondent (which answer is ticked, links, tokens, the comment) on every request, as "
        "on any other page.",
        "- Templates and the busy respondent pages look up the message catalogue once per "
        "request instead of once per translated string (`selfscan/web/gettext_cache.py`); "
        "a cache of links to static files measured nothing and was removed.",
        "- Respondent pages carry a CSRF token bound to their secret link instead of one kept in "
        "a session, so answering reads no session and sets no cookie "
        "(`tokens.link_csrf_token`; tests show a token works for its own link only and that a "
        "whole answer round works with cookies refused).",
        "- An answer save is one SQL statement: an INSERT into the view `saves`, whose trigger "
        "writes answers, context answers and comments (schema migration 3), with the check that "
        "the respondent has not submitted and the round is open inside it, and only the values "
        "that differ from what is stored passed on. SQLite holds its write lock only inside that "
        "one call, never while the worker's Python code waits for the GIL. The other writes "
        "(starting a round, joining, submitting, closing) are short BEGIN IMMEDIATE "
        "transactions that wait through SQLite's busy timeout; the file-lock writer queue that "
        "used to be around them was removed after `bench/bench_writes.py` measured it no faster "
        "(\"Writes\").",
        "- Rate limits on secret links are tested on every link request (two indexed lookups "
        "in the `rate_limits` table, on the thread's connection: "
        "`selfscan/storage/rate_limits.py`) and counted only for unknown links.",
        "- Workers restart every 100,000 requests instead of every 5,000 (a restart costs a "
        "second of start-up, which showed as p95 spikes).",
        "",
        "What remains of a questionnaire page is mostly rendering its template, every part that "
        "differs per respondent (more than half of its time in a cProfile run), and Flask's and "
        "gunicorn's own work per request, which the one-line hello app shares only in part.",
        "",
        "Reproduce (this command installs nothing and uses wrk when it is installed, otherwise "
        "a Python load generator; `make bench` runs every benchmark and, as root on Debian, "
        "installs wrk first):",
        "",
        "```",
        command,
        "```",
        "",
        "The concurrency and fault tests (`tests/test_concurrency.py`: 50 respondents saving at "
        "once, a worker killed with SIGKILL, a backup under load) run for "
        "`SELFSCAN_CONCURRENCY_SECONDS`: 60 s (the issue's full minute) in CI, which `.ci/run` "
        "sets; 20 s by default in a local `make test`.",
        "",
    ]
    return "\n".join(lines)


def _target_verdict(name: str, ratio: float) -> str:
    if ratio >= 0.33:
        return f"{name.capitalize()}: {ratio:.2f}, at least 0.33 (met)."
    if ratio >= 0.25:
        return f"{name.capitalize()}: {ratio:.2f}, between 0.25 and 0.33 (the figure, as agreed)."
    return f"{name.capitalize()}: {ratio:.2f}, below 0.25 (NOT met)."


def write_section(path: Path, section: str) -> None:
    """Replace only the section whose heading `section` starts with ("## Load", ...) in the
    performance notes; the other sections belong to the other benchmarks."""
    heading = section.splitlines()[0]
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n\n"
    pattern = re.compile("^" + re.escape(heading) + r"\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
