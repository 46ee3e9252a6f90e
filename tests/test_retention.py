"""flask --app selfscan purge-expired: addresses erased, inactive rounds warned then deleted,
expired confirmation links and rate-limit counters removed; the output has counts only."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from factories import add_respondents, make_round, varied
from mailserver import body

from selfscan.storage import contact
from selfscan.storage import db as dbmod


@pytest.fixture
def app(new_app, inbox):
    return new_app(**inbox.config, PUBLIC_URL="https://zelfscan.example.nl/")


@pytest.fixture
def conn(app):
    c = dbmod.connect(app.config["DATABASE"])
    yield c
    c.conn.close()


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def confirmed(app, conn, **kwargs):
    handle = make_round(app, varied(3), municipality="GM0228", email="coord@ede.example",
                        **kwargs)
    contact.confirm(conn, contact.new_confirmation(conn, handle.round_id))
    return handle.round_id


def purge(app):
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    return result.output


def email_of(conn, round_id):
    return conn.execute("SELECT contact_email FROM rounds WHERE id = ?", (round_id,)).fetchone()[0]


def exists(conn, round_id):
    return conn.execute("SELECT count(*) FROM rounds WHERE id = ?", (round_id,)).fetchone()[0] == 1


def test_addresses_are_erased_after_the_retention_period(app, conn):
    recent = confirmed(app, conn, consent=True)
    old = confirmed(app, conn, consent=True)
    coaching = confirmed(app, conn, coaching=True)
    handled = confirmed(app, conn, coaching=True, closed=False)
    conn.execute("UPDATE rounds SET closed_at = ? WHERE id IN (?, ?)", (ago(91), old, coaching))
    conn.execute("UPDATE rounds SET closed_at = ? WHERE id = ?", (ago(89), recent))
    conn.execute("UPDATE rounds SET coaching_handled_at = ? WHERE id = ?", (ago(0), handled))
    output = purge(app)
    assert email_of(conn, recent) == "coord@ede.example"
    assert email_of(conn, old) is None
    assert email_of(conn, coaching) == "coord@ede.example"  # kept until the CCV handled it
    assert email_of(conn, handled) is None
    assert "addresses erased: 2" in output
    assert "coord@ede.example" not in output
    # Once handled, the coaching request's address goes too.
    conn.execute("UPDATE rounds SET coaching_handled_at = ? WHERE id = ?", (ago(0), coaching))
    purge(app)
    assert email_of(conn, coaching) is None


def test_an_inactive_round_without_a_confirmed_address_is_deleted_without_warning(app, conn,
                                                                                  inbox):
    quiet = make_round(app, (), closed=False, consent=True, email="nep@ede.example").round_id
    busy = make_round(app, (), closed=False).round_id
    closed = make_round(app, varied(3)).round_id
    conn.execute("UPDATE rounds SET created_at = ? WHERE id IN (?, ?)", (ago(366), quiet, closed))
    conn.execute("UPDATE rounds SET created_at = ? WHERE id = ?", (ago(400), busy))
    add_respondents(app, busy, [("police", "2")], submitted=0)  # activity today
    output = purge(app)
    assert not exists(conn, quiet)
    assert exists(conn, busy) and exists(conn, closed)
    assert inbox.messages == []
    assert "rounds deleted: 1" in output
    # No trace of the deleted round in the event log.
    assert conn.execute("SELECT count(*) FROM events WHERE round_id = ?", (quiet,)).fetchone()[0] == 0


def test_an_inactive_round_with_a_confirmed_address_is_warned_first(app, conn, inbox):
    round_id = confirmed(app, conn, consent=True, closed=False)
    stamp = ago(340)
    conn.execute("UPDATE rounds SET created_at = ?, email_confirmed_at = ? WHERE id = ?",
                 (stamp, stamp, round_id))
    conn.execute("UPDATE respondents SET updated_at = ?, submitted_at = ?", (stamp, stamp))
    inbox.messages.clear()
    output = purge(app)
    assert "warnings sent: 1" in output and exists(conn, round_id)
    [message] = inbox.to("coord@ede.example")
    assert "wordt verwijderd" in message["Subject"]
    assert "https://zelfscan.example.nl/links-opnieuw" in body(message)
    # Not warned twice; not deleted before the warning period ends, even once inactive long enough.
    purge(app)
    assert len(inbox.messages) == 1
    later = ago(370)
    conn.execute("UPDATE rounds SET created_at = ?, email_confirmed_at = ? WHERE id = ?",
                 (later, later, round_id))
    conn.execute("UPDATE respondents SET updated_at = ?, submitted_at = ?", (later, later))
    conn.execute("UPDATE rounds SET deletion_warned_at = ? WHERE id = ?", (ago(29), round_id))
    purge(app)
    assert exists(conn, round_id)
    conn.execute("UPDATE rounds SET deletion_warned_at = ? WHERE id = ?", (ago(31), round_id))
    assert "rounds deleted: 1" in purge(app)
    assert not exists(conn, round_id)


def test_activity_after_the_warning_keeps_the_round(app, conn, inbox):
    round_id = confirmed(app, conn, consent=True, closed=False)
    old = ago(400)
    conn.execute("UPDATE rounds SET created_at = ?, email_confirmed_at = ?, deletion_warned_at = ?"
                 " WHERE id = ?", (old, old, ago(380), round_id))
    conn.execute("UPDATE respondents SET updated_at = ?, submitted_at = ?", (ago(370), ago(370)))
    inbox.messages.clear()
    purge(app)  # activity after the warning: warn again rather than delete
    assert exists(conn, round_id)
    assert len(inbox.to("coord@ede.example")) == 1


def test_expired_confirmation_links_and_rate_limit_counters_go(app, conn):
    make_round(app, (), closed=False, consent=True, email="a@ede.example")
    contact.new_confirmation(conn, 1)
    conn.execute("UPDATE email_confirmations SET created_at = ?", (ago(15),))
    keep = make_round(app, (), closed=False, consent=True, email="b@ede.example").round_id
    contact.new_confirmation(conn, keep)
    conn.execute("INSERT INTO rate_limits (key, hits, expires_at) VALUES ('old', 1, ?), "
                 "('new', 1, ?)", (time.time() - 10, time.time() + 3600))
    output = purge(app)
    assert "confirmations deleted: 1" in output and "rate limits deleted: 1" in output
    assert conn.execute("SELECT round_id FROM email_confirmations").fetchall() == [(keep,)]
    assert conn.execute("SELECT key FROM rate_limits").fetchall() == [("new",)]


def test_the_retention_periods_are_settings(new_app, inbox):
    app = new_app(**inbox.config, EMAIL_RETENTION_DAYS=10)
    conn = dbmod.connect(app.config["DATABASE"])
    try:
        round_id = confirmed(app, conn, consent=True)
        conn.execute("UPDATE rounds SET closed_at = ? WHERE id = ?", (ago(11), round_id))
        purge(app)
        assert email_of(conn, round_id) is None
    finally:
        conn.conn.close()


def test_the_command_logs_counts_only(app, conn, caplog):
    caplog.set_level(logging.INFO)
    round_id = confirmed(app, conn, consent=True)
    conn.execute("UPDATE rounds SET closed_at = ? WHERE id = ?", (ago(100), round_id))
    purge(app)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith(("selfscan", "flask"))]
    assert any("purge-expired" in line and "addresses erased: 1" in line for line in lines)
    assert all("coord@ede.example" not in line for line in lines)
