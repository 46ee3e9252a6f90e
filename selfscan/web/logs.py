"""Log redaction: secret-link tokens never reach a log line (dev server, gunicorn, the app)."""

from __future__ import annotations

import logging
import re

# A secret link in every form a path can take: /c/<token> (and /i/, /r/, /l/, /bevestig/),
# /c//<token>, with encoded slashes (%2F, %252F), and with the token itself percent-encoded.
_SLASH = r"(?:/|%2F|%252F)"
_TOKEN_IN_PATH = re.compile(
    rf"({_SLASH}(?:c|i|r|l|bevestig){_SLASH}+)(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{{2}}){{16,}}", re.IGNORECASE)


def redact(text: str) -> str:
    """The text with every secret-link token replaced by [verborgen]."""
    return _TOKEN_IN_PATH.sub(lambda m: f"{m.group(1)}[verborgen]", text)


class _RedactTokens(logging.Filter):
    """Remove secret-link tokens from log lines (request logs of the dev server and gunicorn)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):  # gunicorn's access log passes its atoms as a dict
            record.args = {k: redact(v) if isinstance(v, str) else v
                           for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg)) if isinstance(record.msg, str) else record.msg
        return True


def install_log_redaction() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "selfscan", "flask.app"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactTokens) for f in logger.filters):
            logger.addFilter(_RedactTokens())
