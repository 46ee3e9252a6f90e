"""Configuration: defaults, SELFSCAN_* environment variables and the instance folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Every setting an operator may change, with its environment variable. README documents each.
ENV_SETTINGS: dict[str, tuple[str, Any]] = {
    # key: (environment variable, default)
    "INSTANCE_PATH": ("SELFSCAN_INSTANCE_PATH", None),
    "SECRET_KEY": ("SELFSCAN_SECRET_KEY", None),
    "DATABASE": ("SELFSCAN_DATABASE", None),
    "QUESTIONNAIRES": ("SELFSCAN_QUESTIONNAIRES", str(PROJECT_ROOT / "questionnaires")),
    "MUNICIPALITIES_CSV": ("SELFSCAN_MUNICIPALITIES", str(PROJECT_ROOT / "data" / "gemeenten.csv")),
    "SECURE_COOKIES": ("SELFSCAN_SECURE_COOKIES", False),
    "RATELIMIT_STORAGE_URI": ("SELFSCAN_RATELIMIT_STORAGE", "database"),
    "SESSION_MINUTES": ("SELFSCAN_SESSION_MINUTES", 30),
    "PROXY_COUNT": ("SELFSCAN_PROXY_COUNT", 0),
    "MAX_CONTENT_LENGTH": ("SELFSCAN_MAX_CONTENT_LENGTH", 1024 * 1024),
    "CHROMIUM": ("SELFSCAN_CHROMIUM", "/usr/bin/chromium"),
    # E-mail: without a host, messages are written to <instance>/outbox/ (output/mail.py).
    "SMTP_HOST": ("SELFSCAN_SMTP_HOST", ""),
    "SMTP_PORT": ("SELFSCAN_SMTP_PORT", 587),
    "SMTP_TLS": ("SELFSCAN_SMTP_TLS", "starttls"),
    "SMTP_USER": ("SELFSCAN_SMTP_USER", ""),
    "SMTP_PASSWORD": ("SELFSCAN_SMTP_PASSWORD", ""),
    "MAIL_FROM": ("SELFSCAN_MAIL_FROM", "zelfscan@localhost"),
    "PUBLIC_URL": ("SELFSCAN_PUBLIC_URL", ""),
    # Retention (flask --app selfscan purge-expired).
    "EMAIL_RETENTION_DAYS": ("SELFSCAN_EMAIL_RETENTION_DAYS", 90),
    "INACTIVE_ROUND_DAYS": ("SELFSCAN_INACTIVE_ROUND_DAYS", 365),
    "DELETE_WARNING_DAYS": ("SELFSCAN_DELETE_WARNING_DAYS", 30),
}

_TRUE = {"1", "true", "yes", "on", "ja"}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in _TRUE
    if isinstance(default, int):
        return int(raw)
    return raw


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Settings from SELFSCAN_* variables, typed like their defaults; unset ones get defaults."""
    environ = dict(os.environ if environ is None else environ)
    out: dict[str, Any] = {}
    for key, (var, default) in ENV_SETTINGS.items():
        if var in environ and environ[var] != "":
            out[key] = _coerce(environ[var], default)
        else:
            out[key] = default
    return out


def instance_secret_key(instance_path: Path) -> str:
    """Read the secret key kept in the instance folder, creating it on first start.

    Kept in a file (mode 600) rather than generated per process so that sessions and CSRF
    tokens survive restarts and are shared by every gunicorn worker.
    """
    path = instance_path / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key
