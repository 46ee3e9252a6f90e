"""Shared fixtures: an application on its own copy of a database prepared once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from factories import build_template, make_app
from mailserver import smtp_server

from selfscan.storage import db as dbmod

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """The database every app starts from: migrated, with the register and the questionnaires.

    Made once: migrating and loading 342 municipalities and the questionnaires cost each test
    about a third of a second.
    """
    return build_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def new_app(template, tmp_path):
    """Make an app in tmp_path/<name> on its own copy of the template, with extra settings."""
    def new(name: str = "instance", **config):
        return make_app(template, tmp_path / name, **config)

    return new


@pytest.fixture
def app(new_app):
    return new_app()


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


@pytest.fixture
def inbox():
    """A real SMTP server (aiosmtpd) on a free loopback port, and what arrives there."""
    with smtp_server() as server:
        yield server
