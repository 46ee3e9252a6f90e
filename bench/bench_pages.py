"""Page loads as a phone sees them: Chromium on "Slow 4G" with a 4x slower CPU, first and repeat visit.

    .venv/bin/python bench/bench_pages.py [--repeat 5] [--write-docs]

Prepares a throw-away instance (bench/load.py's rounds: a closed round of six respondents with
benchmark data, an open round with a respondent), builds the compressed static files as
`make install` does, serves the app with gunicorn (gunicorn.conf.py) on 127.0.0.1 and loads the
home page, a questionnaire page (a respondent's dimension step) and the results page of the closed
round in Debian's Chromium through Playwright, with the Chrome DevTools throttling over CDP:
`Network.emulateNetworkConditions` with DevTools' "Slow 4G" preset and
`Emulation.setCPUThrottlingRate` 4. Each repetition is a new browser context (first visit, empty
cache) followed by a second load in the same page (repeat visit, warm cache). Reported are the
medians over the repetitions of: bytes transferred (CDP `Network.loadingFinished`
encodedDataLength), First Contentful Paint, Largest Contentful Paint (PerformanceObserver
'largest-contentful-paint'), Total Blocking Time (sum over long tasks of their part after FCP
beyond 50 ms, until the page is quiet) and the longest task. The server stops by itself.
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import free_port, prepare, start_gunicorn, write_section
from selfscan.web import static_compression

# Chrome DevTools' "Slow 4G" preset (devtools-frontend, SDK NetworkManager.ts, Slow4GConditions):
# ~1.6 Mbit/s down and ~0.75 Mbit/s up at 90 %, and 150 ms RTT times 3.75 = 562.5 ms latency.
SLOW_4G = {"offline": False, "latency": 150 * 3.75, "downloadThroughput": 1.6e6 / 8 * 0.9,
           "uploadThroughput": 750e3 / 8 * 0.9}
CPU_SLOWDOWN = 4
# A mid-range phone as Lighthouse's mobile run emulates it (screen size and pixel density).
PHONE = {"viewport": {"width": 412, "height": 823}, "device_scale_factor": 1.75, "is_mobile": True,
         "has_touch": True, "locale": "nl-NL"}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
QUIET_MS = 2000  # the page counts as loaded after this long without a long task or request
GOALS = {"questionnaire page": ("lcp", 1500), "results page": ("lcp", 2500)}
LONGEST_TASK_GOAL = ("questionnaire page", 200)

# Installed before any script of the page runs (Playwright adds it through CDP, outside the CSP).
OBSERVE = """(() => {
  const perf = window.__perf = {lcp: null, element: '', tasks: []};
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      perf.lcp = e.startTime;
      const el = e.element;
      perf.element = el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.getAttribute('class') ? '.' + el.getAttribute('class').split(' ')[0] : '') : '';
    }
  }).observe({type: 'largest-contentful-paint', buffered: true});
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) perf.tasks.push([e.startTime, e.duration]);
  }).observe({type: 'longtask', buffered: true});
})();"""

READ = """() => {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const nav = performance.getEntriesByType('navigation')[0];
  return {fcp: fcp ? fcp.startTime : null, load: nav ? nav.loadEventEnd : null,
          lcp: window.__perf.lcp, element: window.__perf.element, tasks: window.__perf.tasks,
          now: performance.now()};
}"""


class Loads:
    """The network events of one page over CDP: bytes and content codings per load."""

    def __init__(self, cdp) -> None:
        self.bytes = 0
        self.requests = 0
        self.last_event = time.monotonic()
        self.codings: dict[str, str] = {}
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.requestWillBeSent", self._sent)

    def reset(self) -> None:
        self.bytes = self.requests = 0
        self.codings, self.urls, self.sizes = {}, {}, {}

    def _sent(self, event: dict) -> None:
        self.last_event = time.monotonic()
        self.urls[event["requestId"]] = ("" if event.get("type") == "Document"
                                         else event["request"]["url"])

    def _response(self, event: dict) -> None:
        self.last_event = time.monotonic()
        headers = {k.lower(): v for k, v in event["response"].get("headers", {}).items()}
        name = (event["response"]["url"].split("?")[0].rsplit("/", 1)[-1]
                if event.get("type") != "Document" else "") or "(page)"
        self.codings[name] = headers.get("content-encoding", "identity")

    def _finished(self, event: dict) -> None:
        self.last_event = time.monotonic()
        self.requests += 1
        self.bytes += int(event.get("encodedDataLength", 0))
        url = self.urls.get(event["requestId"], "")
        name = url.split("?")[0].rsplit("/", 1)[-1] or "(page)"
        self.sizes[name] = self.sizes.get(name, 0) + int(event.get("encodedDataLength", 0))


def load_once(page, loads: Loads, url: str) -> dict:
    """Navigate, wait until the page is quiet, and read what the observers saw."""
    loads.reset()
    page.goto(url, wait_until="load", timeout=120_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = page.evaluate(READ)
        last_task_end = max((s + d for s, d in seen["tasks"]), default=0.0)
        quiet_tasks = seen["now"] - max(last_task_end, seen["load"] or 0) >= QUIET_MS
        quiet_network = (time.monotonic() - loads.last_event) * 1000 >= QUIET_MS
        if quiet_tasks and quiet_network:
            break
        time.sleep(0.25)
    fcp = seen["fcp"] or 0.0
    tbt = 0.0
    for start, duration in seen["tasks"]:
        end = start + duration
        if end > fcp:
            tbt += max(0.0, end - max(start, fcp) - 50)
    return {"bytes": loads.bytes, "requests": loads.requests, "fcp": fcp, "lcp": seen["lcp"] or 0.0,
            "tbt": tbt, "longest": max((d for _s, d in seen["tasks"]), default=0.0),
            "load": seen["load"] or 0.0, "element": seen["element"], "codings": dict(loads.codings),
            "sizes": dict(loads.sizes)}


def run(base: str, pages: dict[str, str], repeat: int) -> dict[tuple[str, str], list[dict]]:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("SELFSCAN_CHROMIUM") or "/usr/bin/chromium"  # as the browser tests
    results: dict[tuple[str, str], list[dict]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            for n in range(repeat):
                for name, path in pages.items():
                    context = browser.new_context(**PHONE)
                    try:
                        page = context.new_page()
                        page.add_init_script(OBSERVE)
                        cdp = context.new_cdp_session(page)
                        cdp.send("Network.enable")
                        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
                        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
                        loads = Loads(cdp)
                        for visit in ("first visit", "repeat visit"):
                            r = load_once(page, loads, base + path)
                            results.setdefault((name, visit), []).append(r)
                            print(f"run {n + 1}/{repeat} {name}, {visit}: {r['bytes'] / 1024:.0f} KB, "
                                  f"LCP {r['lcp']:.0f} ms, TBT {r['tbt']:.0f} ms, longest task "
                                  f"{r['longest']:.0f} ms", flush=True)
                    finally:
                        context.close()
        finally:
            browser.close()
    return results


def warm_up(base: str, pages: dict[str, str], times: int = 30) -> None:
    """Request every page and the files it links until each gunicorn worker has rendered them:
    a worker's first request compiles templates and fills caches, which no visitor sees twice."""
    for path in pages.values():
        for _ in range(times):
            with urllib.request.urlopen(base + path, timeout=30) as response:
                html = response.read().decode()
        for ref in set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)):
            with urllib.request.urlopen(base + ref, timeout=30) as response:
                response.read()


def measure(repeat: int) -> dict[tuple[str, str], list[dict]]:
    static_compression.build(ROOT / "static")  # as `make install` does: the copies WhiteNoise sends
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        tokens = prepare(instance)
        pages = {"home page": "/", "questionnaire page": f"/r/{tokens['resume']}/stap/2",
                 "results page": f"/c/{tokens['closed']}/uitkomsten"}
        port = free_port()
        server = start_gunicorn("wsgi:app", port, instance, instance / "gunicorn.log")
        try:
            warm_up(f"http://127.0.0.1:{port}", pages)
            return run(f"http://127.0.0.1:{port}", pages, repeat)
        finally:
            server.terminate()
            server.wait(timeout=30)


def summarise(results: dict[tuple[str, str], list[dict]]) -> dict[tuple[str, str], dict]:
    out = {}
    for key, runs in results.items():
        out[key] = {m: statistics.median(r[m] for r in runs)
                    for m in ("bytes", "requests", "fcp", "lcp", "tbt", "longest", "load")}
        out[key]["max_longest"] = max(r["longest"] for r in runs)
        out[key]["element"] = max((r["element"] for r in runs), key=[r["element"] for r in runs].count)
        out[key]["codings"] = runs[-1]["codings"]
        out[key]["sizes"] = runs[-1]["sizes"]
    return out


def verdicts(s: dict[tuple[str, str], dict]) -> list[str]:
    lines = []
    for page, (measure_name, limit) in GOALS.items():
        value = s[(page, "first visit")][measure_name]
        lines.append(f"{page} LCP ≤ {limit / 1000:.1f} s (first visit): {value / 1000:.2f} s, "
                     + ("met" if value <= limit else "NOT met"))
    page, limit = LONGEST_TASK_GOAL
    worst = max(s[(page, v)]["max_longest"] for v in ("first visit", "repeat visit"))
    lines.append(f"no long task over {limit} ms on the {page} (longest in any run): {worst:.0f} ms, "
                 + ("met" if worst <= limit else "NOT met"))
    return lines


def report(s: dict[tuple[str, str], dict], repeat: int, command: str,
           load: tuple[float, float]) -> str:
    rows = "\n".join(
        f"| {page} | {visit} | {v['bytes'] / 1024:.0f} | {v['requests']:.0f} | {v['fcp']:.0f} | "
        f"{v['lcp']:.0f} | {v['tbt']:.0f} | {v['longest']:.0f} | {v['load']:.0f} | `{v['element']}` |"
        for (page, visit), v in s.items())
    files = "\n".join(
        f"| {page} | {name} | {first['codings'].get(name, '')} | {size / 1024:.1f} |"
        for page in ("questionnaire page", "results page")
        for first in [s[(page, "first visit")]]
        for name, size in sorted(first["sizes"].items(), key=lambda kv: -kv[1]))
    goals = "\n".join(f"- {line}" for line in verdicts(s))
    return f"""## Page loads on a phone

Measured {time.strftime('%Y-%m-%d')} on this machine ({platform.machine()}, {os.cpu_count()} cores
shared with other work) with Debian's Chromium through Playwright, served by gunicorn
(gunicorn.conf.py) on 127.0.0.1, with the static files' compressed copies built as by
`make install`. Throttling through the Chrome DevTools Protocol: `Network.emulateNetworkConditions`
with DevTools' "Slow 4G" preset (latency 562.5 ms = 150 ms × 3.75, download 180,000 B/s =
1.6 Mbit/s × 0.9, upload 84,375 B/s = 750 kbit/s × 0.9) and `Emulation.setCPUThrottlingRate` 4;
a 412 × 823 px viewport at 1.75 device pixels. First visit: a new browser context (empty cache);
repeat visit: the same page loaded again (warm cache). Figures are the medians of {repeat}
repetitions; the transfer counts every response as it came over the wire (CDP
`Network.loadingFinished` encodedDataLength, headers included), TBT sums the part of every long
task after First Contentful Paint beyond 50 ms until the page has been quiet for {QUIET_MS / 1000:.0f} s
(no long task, no request), "longest task" is the longest single task of the load. Command:

    {command}

| page | visit | KB sent | requests | FCP ms | LCP ms | TBT ms | longest task ms | load ms | LCP element |
|---|---|---:|---:|---:|---:|---:|---:|---:|---|
{rows}

Goals (issue 14):

{goals}

The questionnaire and results pages on a first visit, per response (the last run; KB as
transferred, headers included; "(page)" is the HTML):

| page | file | Content-Encoding | KB |
|---|---|---|---:|
{files}

Static files come as the brotli copies that `make install` builds; the HTML is sent uncompressed
(docs/deployment.md, "Static files", says why). The machine's load average was {load[0]:.1f} at
the start and {load[1]:.1f} at the end: the CPU slowdown of 4 comes on top of whatever the machine
leaves to Chromium, so on a busy machine the CPU-bound parts (rendering, the chart bundle's
evaluation) and the long tasks come out longer than on an idle one.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if not Path(os.environ.get("SELFSCAN_CHROMIUM") or "/usr/bin/chromium").exists():
        print("bench_pages: Chromium not found (apt-get install chromium, or set SELFSCAN_CHROMIUM); "
              "page loads not measured")
        return
    load_before = os.getloadavg()[0]
    summary = summarise(measure(args.repeat))
    section = report(summary, args.repeat,
                     f".venv/bin/python bench/bench_pages.py --repeat {args.repeat} --write-docs",
                     (load_before, os.getloadavg()[0]))
    print(section)
    if args.write_docs:
        write_section(ROOT / "docs" / "performance.md", section)
    print("\n".join(verdicts(summary)))


if __name__ == "__main__":
    main()
