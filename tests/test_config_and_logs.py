"""Settings from SELFSCAN_* variables, and secret links kept out of every log line."""

from __future__ import annotations

import logging

from selfscan import config as cfg
from selfscan.core.tokens import new_token
from selfscan.web.logs import redact


def test_environment_settings_are_typed_like_their_defaults():
    settings = cfg.from_environment({
        "SELFSCAN_SECURE_COOKIES": "1", "SELFSCAN_SESSION_MINUTES": "5",
        "SELFSCAN_DATABASE": "/srv/selfscan/db.sqlite", "SELFSCAN_PROXY_COUNT": ""})
    assert settings["SECURE_COOKIES"] is True
    assert settings["SESSION_MINUTES"] == 5
    assert settings["DATABASE"] == "/srv/selfscan/db.sqlite"
    assert settings["PROXY_COUNT"] == 0  # empty means default
    assert settings["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_every_setting_is_documented_in_the_readme():
    readme = (cfg.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for variable, _default in cfg.ENV_SETTINGS.values():
        assert f"`{variable}`" in readme, variable


def test_redact_removes_tokens_from_paths_and_encoded_redirects():
    token = new_token()
    for line in (f'"GET /c/{token} HTTP/1.1" 200', f"/r/{token}/stap/3",
                 f"/taal/en?next=%2Fi%2F{token}"):
        assert token not in redact(line)
    assert redact("/static/css/selfscan.css") == "/static/css/selfscan.css"


def test_request_log_lines_never_contain_tokens(app, client, caplog):
    token = new_token()
    caplog.set_level(logging.INFO)
    logger = logging.getLogger("werkzeug")
    # The dev server logs '"%s" %s %s' with the request line as an argument; gunicorn uses a dict.
    logger.info('"%s" %s %s', f"GET /r/{token}/stap/1 HTTP/1.1", "200", "-")
    logging.getLogger("gunicorn.access").info("%(r)s %(s)s", {"r": f"GET /c/{token}", "s": "200"})
    client.get(f"/c/{token}")  # the 404 path itself may be logged by the app
    assert caplog.records, "the log lines were captured"
    assert all(token not in record.getMessage() for record in caplog.records)
