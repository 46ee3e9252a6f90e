"""Rate limits on what an attacker repeats: guessing secret links and guessing passwords.

Built on the `limits` library (the engine under Flask-Limiter), called only where a limit
applies, so that the pages respondents use pay nothing for it on every request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from selfscan.storage.rate_limits import SQLiteStorage

__all__ = ["allowed", "enabled", "hit", "hits", "parse_many", "retry_after"]


def _strategy() -> FixedWindowRateLimiter:
    """One limiter per application, on the storage the operator configured: by default the
    service's own database, so that every worker and server counts together."""
    strategy: FixedWindowRateLimiter | None = current_app.extensions.get("selfscan.ratelimit")
    if strategy is None:
        uri = current_app.config["RATELIMIT_STORAGE_URI"]
        storage = (SQLiteStorage(current_app.config["DATABASE"]) if uri in ("", "database")
                   else storage_from_string(uri))
        strategy = FixedWindowRateLimiter(storage)
        current_app.extensions["selfscan.ratelimit"] = strategy
    return strategy


def enabled() -> bool:
    """Whether limits apply; with RATELIMIT_ENABLED off (tests) every attempt fits and none
    is counted, in this module, so that no caller needs to check."""
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def allowed(name: str, key: str, limits: Sequence[RateLimitItem]) -> bool:
    """Whether one more attempt fits under every limit (the attempt is not counted)."""
    if not enabled():
        return True
    strategy = _strategy()
    return all(strategy.test(item, name, key) for item in limits)


def hits(name: str, key: str, limit: RateLimitItem) -> int:
    """How many attempts the current window of ``limit`` has counted."""
    if not enabled():
        return 0
    _reset, remaining = _strategy().get_window_stats(limit, name, key)
    return limit.amount - remaining


def hit(name: str, key: str, limits: Sequence[RateLimitItem]) -> None:
    """Count one attempt against every limit."""
    if not enabled():
        return
    strategy = _strategy()
    for item in limits:
        strategy.hit(item, name, key)


def retry_after(name: str, key: str, limits: Sequence[RateLimitItem]) -> int:
    """Seconds until one more attempt fits under every limit (0 when it fits now)."""
    strategy = _strategy()
    wait = 0.0
    for item in limits:
        reset, remaining = strategy.get_window_stats(item, name, key)
        if remaining <= 0:
            wait = max(wait, reset - time.time())
    return max(0, math.ceil(wait))
