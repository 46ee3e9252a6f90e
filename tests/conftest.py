"""Shared fixtures: an application on a fresh database in a temporary instance folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from selfscan import create_app
from selfscan.storage import db as dbmod
from selfscan.web import ensure_ready

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False,
    })
    ensure_ready(app)
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mini_folder(tmp_path):
    """A questionnaire folder with the small test questionnaire and catalogue."""
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    for name in ("mini-v1.yaml", "tools.yaml"):
        shutil.copy(FIXTURES / name, folder / name)
    return folder


@pytest.fixture
def db(app):
    """A connection to the app's database, for arranging and checking data directly."""
    conn = dbmod.connect(app.config["DATABASE"])
    yield conn
    conn.conn.close()


@pytest.fixture
def q(app):
    """The current questionnaire version."""
    return app.extensions["selfscan.current"]
