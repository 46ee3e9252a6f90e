"""Settings with a bad value stop start-up with a message naming the variable and the expected
form: create_app raises SettingError (a ValueError); the flask command prints the message
without a traceback and exits with status 1."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from selfscan import config as cfg
from selfscan import create_app


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean SELFSCAN_* environment with its own instance folder; returns a setter."""
    for variable, _default in cfg.ENV_SETTINGS.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("SELFSCAN_INSTANCE_PATH", str(tmp_path / "instance"))
    return monkeypatch.setenv


BAD = [
    ("SELFSCAN_SESSION_MINUTES", "30m",
     "SELFSCAN_SESSION_MINUTES: '30m' is geen geheel getal; verwacht bijvoorbeeld 30"),
    ("SELFSCAN_SMTP_PORT", "587.0", "SELFSCAN_SMTP_PORT: '587.0' is geen geheel getal"),
    ("SELFSCAN_SMTP_PORT", "70000", "verwacht een geheel getal tussen 1 en 65535"),
    ("SELFSCAN_SESSION_MINUTES", "0", "verwacht een geheel getal 1 of meer, bijvoorbeeld 30"),
    ("SELFSCAN_PROXY_COUNT", "-1", "SELFSCAN_PROXY_COUNT: '-1' valt buiten het bereik"),
    ("SELFSCAN_SECURE_COOKIES", "misschien",
     "SELFSCAN_SECURE_COOKIES: 'misschien' is geen ja/nee-waarde; verwacht 1 (aan) of 0 (uit)"),
    ("SELFSCAN_PUBLIC_URL", "zelfscan.example.nl",
     "SELFSCAN_PUBLIC_URL: 'zelfscan.example.nl' is geen webadres; verwacht bijvoorbeeld https://"),
    ("SELFSCAN_PUBLIC_URL", "ftp://zelfscan.example.nl", "is geen webadres"),
    ("SELFSCAN_SMTP_TLS", "maybe",
     "SELFSCAN_SMTP_TLS: 'maybe' is geen geldige keuze; verwacht een van: starttls, ssl, none"),
    ("SELFSCAN_RATELIMIT_STORAGE", "redis", "SELFSCAN_RATELIMIT_STORAGE: 'redis' is geen opslag"),
    ("SELFSCAN_MAIL_FROM", "zelfscan", "SELFSCAN_MAIL_FROM: 'zelfscan' is geen e-mailadres"),
]


@pytest.mark.parametrize(("variable", "value", "message"), BAD)
def test_a_bad_value_stops_create_app_with_a_clear_message(env, variable, value, message):
    env(variable, value)
    with pytest.raises(cfg.SettingError) as caught:
        create_app()
    assert isinstance(caught.value, ValueError)
    assert message in str(caught.value)
    assert caught.value.variable == variable


def test_the_message_of_the_issue(env):
    env("SELFSCAN_SESSION_MINUTES", "30m")
    with pytest.raises(ValueError, match=r"^SELFSCAN_SESSION_MINUTES: '30m' is geen geheel getal; "
                                         r"verwacht bijvoorbeeld 30$"):
        create_app()


def test_good_values_are_typed(env):
    settings = cfg.from_environment({
        "SELFSCAN_SESSION_MINUTES": " 45 ", "SELFSCAN_SMTP_PORT": "465", "SELFSCAN_PROXY_COUNT": "0",
        "SELFSCAN_SECURE_COOKIES": "ja", "SELFSCAN_SMTP_TLS": "SSL",
        "SELFSCAN_PUBLIC_URL": "https://zelfscan.example.nl/",
        "SELFSCAN_RATELIMIT_STORAGE": "redis://localhost:6379",
        "SELFSCAN_MAIL_FROM": "Zelfscan <zelfscan@example.nl>"})
    assert settings["SESSION_MINUTES"] == 45 and settings["SMTP_PORT"] == 465
    assert settings["PROXY_COUNT"] == 0
    assert settings["SECURE_COOKIES"] is True
    assert settings["SMTP_TLS"] == "ssl"
    assert settings["PUBLIC_URL"] == "https://zelfscan.example.nl/"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://localhost:6379"


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("true", True), ("Yes", True), ("on", True), ("ja", True),
    ("0", False), ("false", False), ("no", False), ("OFF", False), ("nee", False)])
def test_booleans_in_both_languages(value, expected):
    assert cfg.from_environment({"SELFSCAN_SECURE_COOKIES": value})["SECURE_COOKIES"] is expected


def test_the_defaults_pass(env):
    app = create_app()
    assert app.config["SESSION_MINUTES"] == 30 and app.config["SECURE_COOKIES"] is False


def test_flask_command_prints_the_message_without_a_traceback(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SELFSCAN_")}
    environment.update(SELFSCAN_INSTANCE_PATH=str(tmp_path / "instance"),
                       SELFSCAN_SESSION_MINUTES="30m")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "selfscan", "init-db"],
                          env=environment, capture_output=True, text=True, timeout=60,
                          cwd=cfg.PROJECT_ROOT)
    assert done.returncode == 1
    assert "SELFSCAN_SESSION_MINUTES: '30m' is geen geheel getal; verwacht bijvoorbeeld 30" \
        in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "instance" / "selfscan.db").exists()


def test_gunicorn_stops_with_one_line_on_a_bad_setting():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "SELFSCAN_SESSION_MINUTES": "30m", "PORT": "127.0.0.1:0"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "SELFSCAN_SESSION_MINUTES: '30m' is geen geheel getal" in done.stderr
    assert "Traceback" not in done.stderr
