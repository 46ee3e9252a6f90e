"""Gunicorn settings for selfscan in production: gunicorn -c gunicorn.conf.py wsgi:app."""

import multiprocessing
import os

# Loopback by default: the reverse proxy (nginx, see docs/deployment.md) terminates HTTPS.
# PORT may be a bare port number or a full host:port (or unix:/path) bind address.
_port = os.environ.get("PORT", "127.0.0.1:8000")
bind = [_port if (":" in _port or _port.startswith("unix")) else f"127.0.0.1:{_port}"]

# The classic 2 x cores + 1, capped: every worker holds its own SQLite connections and the
# questionnaire library in memory, and SQLite allows one writer at a time, so more processes
# past ~9 only add lock waits. GUNICORN_WORKERS overrides for small containers.
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))

# Threads per worker: a request waiting on the SQLite write lock (BEGIN IMMEDIATE, busy timeout
# 10 s in selfscan/storage/db.py) should not block the other requests of its process. gthread
# keeps memory low compared with more workers.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))

# A page renders in milliseconds; the slowest request is the PDF report (a few seconds).
# 30 s kills a worker only when it is truly stuck, well above the 10 s SQLite busy timeout.
timeout = 30
# On restart or deploy, let running requests (a respondent's save) finish before stopping.
graceful_timeout = 20
# Behind a proxy that keeps connections to us open: keep idle connections a little longer
# than the proxy's own upstream keepalive so the proxy never writes to a closed socket.
keepalive = 5

# Recycle workers now and then so that slow leaks cannot grow forever; jitter avoids all
# workers restarting at the same moment. Rarely: a restart costs a second of start-up work
# (loading and validating the questionnaires), which showed up as p95 spikes under load.
max_requests = 100_000
max_requests_jitter = 10_000

# Logs to stdout/stderr for the service manager (journald, docker). The access log's
# tokens in secret links are redacted by a logging filter (selfscan/web/logs.py) that
# create_app installs.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# No query string (%(q)s) and no referer: both may carry a secret link.
access_log_format = '%(h)s %(l)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s'

# Only trust X-Forwarded-* from the local proxy; the app applies ProxyFix via
# SELFSCAN_PROXY_COUNT.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Limits against oversized requests before they reach Flask.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Every worker builds its own app after the fork, so no SQLite handle or lock ever crosses a
# fork, and a restarted worker reads the questionnaires afresh.
preload_app = False


def on_starting(server: object) -> None:
    """Check the SELFSCAN_* settings before any worker starts: a bad value stops gunicorn with
    one line that names the variable and the expected form, instead of a worker's traceback."""
    import sys

    from selfscan.config import SettingError, from_environment

    try:
        from_environment()
    except SettingError as exc:
        print(f"selfscan: {exc.message}", file=sys.stderr)
        sys.exit(1)
