"""Account care, API tokens, backup and restore from the command line (issue 14)."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
from factories import PASSWORD, STAFF_EMAIL, make_user, sign_in

from selfscan.storage import db as dbmod
from selfscan.storage import migrations, users

NEW_PASSWORD = "een-ander-wachtwoord-456"


@pytest.fixture
def staff(db):
    return make_user(db)


def _api(client, token):
    return client.get("/api/v1/benchmark", headers={"Authorization": f"Bearer {token}"})


# --- accounts ----------------------------------------------------------------------------------


def test_list_users_shows_accounts_without_hashes(runner, db, staff):
    make_user(db, "oud@hetccv.nl", role="admin")  # made by an earlier version
    result = runner.invoke(args=["list-users"])
    assert result.exit_code == 0, result.output
    assert STAFF_EMAIL in result.output and "oud@hetccv.nl" in result.output
    assert "admin" in result.output and "nee" in result.output
    assert "argon2" not in result.output


def test_list_users_on_an_empty_database_says_how_to_make_one(runner):
    result = runner.invoke(args=["list-users"])
    assert result.exit_code == 0 and "create-user" in result.output


def test_create_user_no_longer_offers_the_admin_role(runner):
    result = runner.invoke(args=["create-user", "x@hetccv.nl", "--role", "admin",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code != 0 and "admin" in result.output
    assert "--password-stdin" in runner.invoke(args=["create-user", "--help"]).output
    assert "--password-stdin" in runner.invoke(args=["reset-password", "--help"]).output


def test_an_old_admin_account_works_as_ccv(app, db):
    make_user(db, "oud@hetccv.nl", role="admin")
    client = app.test_client()
    assert sign_in(client, "oud@hetccv.nl").status_code == 303
    assert client.get("/ccv").status_code == 200


def test_reset_password_prompts_twice_and_ends_sessions(app, runner, db, staff):
    client = app.test_client()
    sign_in(client)
    assert client.get("/ccv").status_code == 200
    result = runner.invoke(args=["reset-password", STAFF_EMAIL],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert users.authenticate(db, STAFF_EMAIL, PASSWORD) is None
    assert users.authenticate(db, STAFF_EMAIL, NEW_PASSWORD) is not None
    assert client.get("/ccv").status_code == 302  # the old session has ended


def test_reset_password_from_stdin_and_its_refusals(runner, db, staff):
    ok = runner.invoke(args=["reset-password", STAFF_EMAIL, "--password-stdin"],
                       input=NEW_PASSWORD + "\n")
    assert ok.exit_code == 0 and users.authenticate(db, STAFF_EMAIL, NEW_PASSWORD)
    short = runner.invoke(args=["reset-password", STAFF_EMAIL, "--password-stdin"],
                          input="kort\n")
    assert short.exit_code != 0 and "12 tekens" in short.output
    assert users.authenticate(db, STAFF_EMAIL, NEW_PASSWORD) is not None
    missing = runner.invoke(args=["reset-password", "niemand@hetccv.nl", "--password-stdin"],
                            input=NEW_PASSWORD + "\n")
    assert missing.exit_code != 0 and "geen account" in missing.output


def test_a_disabled_user_cannot_sign_in_or_use_tokens_until_enabled(app, runner, db, staff):
    token = users.create_api_token(db, staff.id, "rapport")
    client = app.test_client()
    sign_in(client)
    assert _api(client, token).status_code == 200
    result = runner.invoke(args=["disable-user", STAFF_EMAIL])
    assert result.exit_code == 0 and "uitgeschakeld" in result.output
    assert client.get("/ccv").status_code == 302  # the session has ended
    assert _api(app.test_client(), token).status_code == 401
    assert sign_in(app.test_client()).status_code == 200  # the form again, with an error
    listed = runner.invoke(args=["list-users"]).output.splitlines()[1]
    assert listed.startswith(STAFF_EMAIL) and not listed.endswith("nee")  # a date instead
    assert "uitgeschakeld" in runner.invoke(args=["list-api-tokens"]).output
    enabled = runner.invoke(args=["disable-user", STAFF_EMAIL, "--enable"])
    assert enabled.exit_code == 0 and "ingeschakeld" in enabled.output
    assert sign_in(app.test_client()).status_code == 303
    assert _api(app.test_client(), token).status_code == 200


def test_disable_user_refuses_an_unknown_address(runner):
    result = runner.invoke(args=["disable-user", "niemand@hetccv.nl"])
    assert result.exit_code != 0 and "geen account" in result.output


def test_delete_user_asks_for_the_address(runner, db, staff):
    users.create_api_token(db, staff.id)
    wrong = runner.invoke(args=["delete-user", STAFF_EMAIL], input="iemand@anders.nl\n")
    assert wrong.exit_code == 1 and "niet verwijderd" in wrong.output
    assert users.user_by_email(db, STAFF_EMAIL) is not None
    right = runner.invoke(args=["delete-user", STAFF_EMAIL], input=STAFF_EMAIL + "\n")
    assert right.exit_code == 0, right.output
    assert users.user_by_email(db, STAFF_EMAIL) is None
    assert users.list_api_tokens(db) == []


def test_delete_user_with_yes_and_an_unknown_address(runner, db, staff):
    assert runner.invoke(args=["delete-user", STAFF_EMAIL, "--yes"]).exit_code == 0
    assert users.user_by_email(db, STAFF_EMAIL) is None
    missing = runner.invoke(args=["delete-user", STAFF_EMAIL, "--yes"])
    assert missing.exit_code != 0 and "geen account" in missing.output


# --- API tokens --------------------------------------------------------------------------------


def test_list_api_tokens_never_shows_the_token(runner, db, staff):
    assert "Geen API-tokens" in runner.invoke(args=["list-api-tokens"]).output
    token = users.create_api_token(db, staff.id, "dashboard")
    result = runner.invoke(args=["list-api-tokens"])
    assert result.exit_code == 0
    assert STAFF_EMAIL in result.output and "dashboard" in result.output
    assert token not in result.output


def test_revoke_api_token_stops_it_at_once(app, runner, db, staff):
    token = users.create_api_token(db, staff.id, "dashboard")
    keep = users.create_api_token(db, staff.id, "ander")
    number = users.list_api_tokens(db)[0]["id"]
    result = runner.invoke(args=["revoke-api-token", str(number)])
    assert result.exit_code == 0 and "ingetrokken" in result.output
    assert _api(app.test_client(), token).status_code == 401
    assert _api(app.test_client(), keep).status_code == 200
    again = runner.invoke(args=["revoke-api-token", str(number)])
    assert again.exit_code != 0 and "geen API-token" in again.output


# --- the locked-out message --------------------------------------------------------------------


def test_the_locked_out_message_points_to_a_command_that_exists(app, runner):
    with app.test_request_context():
        from selfscan.web import ccv

        page = ccv._too_many(None)[0]
    assert "reset-password" in page
    assert runner.invoke(args=["reset-password", "--help"]).exit_code == 0


# --- backup ------------------------------------------------------------------------------------


def test_backup_writes_mode_600_and_verifies_the_copy(runner, db, staff, tmp_path):
    target = tmp_path / "kopie" / "selfscan.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity_check ok" in result.output
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    copy = dbmod.connect(target)
    assert users.user_by_email(copy, STAFF_EMAIL) is not None
    copy.conn.close()


def test_backup_refuses_a_directory_as_target(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path)])
    assert result.exit_code == 1 and "is een map" in result.output


def test_backup_refuses_a_missing_or_empty_source(new_app, tmp_path):
    app = new_app("leeg")
    path = app.config["DATABASE"]
    os.remove(path)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.db")])
    assert result.exit_code == 1 and "bestaat niet of is leeg" in result.output
    assert not os.path.exists(path)  # not created by the refusal
    open(path, "wb").close()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.db")])
    assert result.exit_code == 1 and "bestaat niet of is leeg" in result.output
    assert not (tmp_path / "b.db").exists()


def test_backup_refuses_a_database_without_tables(new_app, tmp_path):
    app = new_app("zonder")
    path = app.config["DATABASE"]
    os.remove(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 1")  # a real file, but no tables
    conn.close()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.db")])
    assert result.exit_code == 1 and "leeg" in result.output


# --- restore -----------------------------------------------------------------------------------


@pytest.fixture
def saved(runner, db, staff, tmp_path):
    """A backup holding the staff account, after which the live database changes."""
    path = tmp_path / "saved.db"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    make_user(db, "later@hetccv.nl")
    return path


def test_restore_after_typing_herstel(runner, db, saved, app):
    result = runner.invoke(args=["restore", str(saved)], input="herstel\n")
    assert result.exit_code == 0, result.output
    assert "Hersteld" in result.output and "1 accounts" in result.output
    assert users.user_by_email(db, "later@hetccv.nl") is None  # the open connection sees it
    assert users.user_by_email(db, STAFF_EMAIL) is not None
    assert migrations.schema_version(db) == migrations.SCHEMA_VERSION
    assert stat.S_IMODE(os.stat(app.config["DATABASE"]).st_mode) == 0o600


def test_restore_without_the_word_changes_nothing(runner, db, saved):
    result = runner.invoke(args=["restore", str(saved)], input="ja\n")
    assert result.exit_code == 1 and "niet hersteld" in result.output
    assert users.user_by_email(db, "later@hetccv.nl") is not None


def test_restore_with_yes(runner, db, saved):
    assert runner.invoke(args=["restore", str(saved), "--yes"]).exit_code == 0
    assert users.user_by_email(db, "later@hetccv.nl") is None


def test_restore_migrates_an_older_backup(runner, db, tmp_path, monkeypatch):
    old = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 10)
    conn = dbmod.connect(old)
    migrations.migrate(conn)
    conn.conn.close()
    monkeypatch.undo()
    result = runner.invoke(args=["restore", str(old), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"schema nu {migrations.SCHEMA_VERSION}" in result.output


def test_restore_refuses_missing_foreign_and_corrupt_files(runner, db, staff, tmp_path):
    missing = runner.invoke(args=["restore", str(tmp_path / "nergens.db"), "--yes"])
    assert missing.exit_code == 1 and "bestaat niet" in missing.output
    text = tmp_path / "tekst.db"
    text.write_text("dit is geen database\n" * 100)
    foreign = runner.invoke(args=["restore", str(text), "--yes"])
    assert foreign.exit_code == 1 and "geen SQLite-database" in foreign.output
    broken = tmp_path / "kapot.db"
    assert runner.invoke(args=["backup", str(broken)]).exit_code == 0
    data = bytearray(broken.read_bytes())
    for offset in range(4096 * 2, min(len(data), 4096 * 6)):
        data[offset] = 0xFF  # overwrite b-tree pages, keep the header
    broken.write_bytes(bytes(data))
    corrupt = runner.invoke(args=["restore", str(broken), "--yes"])
    assert corrupt.exit_code == 1 and "beschadigd" in corrupt.output
    assert runner.invoke(args=["restore", str(tmp_path), "--yes"]).exit_code == 1
    assert users.user_by_email(db, STAFF_EMAIL) is not None


def test_restore_refuses_a_newer_schema(runner, db, staff, tmp_path):
    newer = tmp_path / "nieuwer.db"
    assert runner.invoke(args=["backup", str(newer)]).exit_code == 0
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION + 1}")
    conn.close()
    result = runner.invoke(args=["restore", str(newer), "--yes"])
    assert result.exit_code == 1 and "nieuwer" in result.output
