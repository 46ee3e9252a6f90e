"""Configuration: defaults, SELFSCAN_* environment variables and the instance folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

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
_FALSE = {"0", "false", "no", "off", "nee"}

# Lowest accepted value of each whole-number setting (SMTP_PORT also has a highest).
_MINIMUM = {"SESSION_MINUTES": 1, "PROXY_COUNT": 0, "MAX_CONTENT_LENGTH": 1024, "SMTP_PORT": 1,
            "EMAIL_RETENTION_DAYS": 1, "INACTIVE_ROUND_DAYS": 1, "DELETE_WARNING_DAYS": 0}
_MAXIMUM = {"SMTP_PORT": 65535}
_CHOICES = {"SMTP_TLS": ("starttls", "ssl", "none")}


class SettingError(click.ClickException, ValueError):
    """A SELFSCAN_* variable with a value the service cannot use. Start-up stops with its message,
    which names the variable and the expected form; the flask command prints it without a
    traceback (a click error) and exits with status 1."""

    def __init__(self, variable: str, raw: str, expected: str) -> None:
        super().__init__(f"{variable}: {raw!r} {expected}")
        self.variable = variable


def _integer(key: str, var: str, raw: str, default: int) -> int:
    low, high = _MINIMUM.get(key, 0), _MAXIMUM.get(key)
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingError(var, raw, f"is geen geheel getal; verwacht bijvoorbeeld {default}") from None
    if value < low or (high is not None and value > high):
        bounds = f"tussen {low} en {high}" if high is not None else f"{low} of meer"
        raise SettingError(var, raw, f"valt buiten het bereik; verwacht een geheel getal {bounds}, "
                                     f"bijvoorbeeld {default}")
    return value


def _boolean(var: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise SettingError(var, raw, "is geen ja/nee-waarde; verwacht 1 (aan) of 0 (uit), "
                                 "of true/false, yes/no, on/off, ja/nee")


def _text(key: str, var: str, raw: str) -> str:
    value = raw.strip()
    if key in _CHOICES:
        if value.lower() not in _CHOICES[key]:
            raise SettingError(var, raw, f"is geen geldige keuze; verwacht een van: "
                                         f"{', '.join(_CHOICES[key])}")
        return value.lower()
    if key == "PUBLIC_URL":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingError(var, raw, "is geen webadres; verwacht bijvoorbeeld "
                                         "https://zelfscan.example.nl")
    if key == "RATELIMIT_STORAGE_URI" and value != "database" and "://" not in value:
        raise SettingError(var, raw, "is geen opslag; verwacht database of een opslagadres zoals "
                                     "redis://localhost:6379")
    if key == "MAIL_FROM" and "@" not in value:
        raise SettingError(var, raw, "is geen e-mailadres; verwacht bijvoorbeeld zelfscan@example.nl")
    return raw


def _coerce(key: str, var: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return _boolean(var, raw)
    if isinstance(default, int):
        return _integer(key, var, raw, default)
    return _text(key, var, raw)


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Settings from SELFSCAN_* variables, typed like their defaults; unset ones get defaults.

    Raises SettingError (a ValueError) for a value that does not fit its setting."""
    environ = dict(os.environ if environ is None else environ)
    out: dict[str, Any] = {}
    for key, (var, default) in ENV_SETTINGS.items():
        if var in environ and environ[var] != "":
            out[key] = _coerce(key, var, environ[var], default)
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
