"""Nothing left behind, no one let in (issue 11, part 5), tried as an attacker would.

A deleted round leaves no text in the database or its WAL and no counts in the event log; the
instance folder and its files are the owner's only; signing out ends every session of the
account; failed sign-ins slow an account down without letting anyone lock its owner out from
another address; rate limits count across workers; the session cookie carries no readable secret
link; and log lines lose every form of a secret-link path.
"""

from __future__ import annotations

import base64
import json
import re
import stat
import zlib
from datetime import date
from pathlib import Path

import pytest
from factories import make_round, make_user, sign_in
from pages import csrf_of, nonce_of

from selfscan import create_app
from selfscan.core import tokens
from selfscan.storage import db as dbmod
from selfscan.web import ccv, ensure_ready
from selfscan.web.logs import redact

SECRET_TEXT = "Zeer vertrouwelijke toelichting over de aanpak in wijk Zuidoost"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _round_with_comment(db, q):
    return make_round(db, [("police", "2")] * 3, questionnaire=q, year=2025, consent=False,
                      comments={q.dimensions[0].id: SECRET_TEXT})


def test_a_deleted_round_leaves_no_text_and_no_counts_behind(app, client, db, q):
    handle = _round_with_comment(db, q)
    round_id, coordinator = handle.round_id, handle.coordinator
    path = Path(app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM events WHERE round_id = ?", [round_id]).fetchone()[0]
    page = client.get(f"/c/{coordinator}/verwijderen").get_data(as_text=True)
    response = client.post(f"/c/{coordinator}/verwijderen",
                           data={"csrf_token": csrf_of(page), "confirm": "verwijder"})
    assert response.status_code == 303
    needle = SECRET_TEXT.encode()
    for file in (path, Path(str(path) + "-wal")):
        if file.exists():
            assert needle not in file.read_bytes(), file
    events = list(db.query("SELECT kind, round_id, detail FROM events"))
    assert not [e for e in events if e["round_id"] == round_id]
    assert {"kind": "round_deleted", "round_id": None, "detail": ""} in events
    assert not [e for e in events if re.search(r"\d", e["detail"] or "")
                and e["kind"] not in ("questionnaire_loaded", "questionnaire_updated")]


def test_closing_logs_no_counts(db, q):
    round_id = _round_with_comment(db, q).round_id
    closed = db.execute("SELECT detail FROM events WHERE kind = 'round_closed' AND round_id = ?",
                        [round_id]).fetchone()
    assert closed == ("",)


def test_instance_folder_and_files_are_the_owners_only(app, db, tmp_path):
    instance = Path(app.instance_path)
    assert _mode(instance) == 0o700
    database = Path(app.config["DATABASE"])
    assert _mode(database) == 0o600
    wal = Path(str(database) + "-wal")
    assert wal.exists() and _mode(wal) == 0o600
    copy = tmp_path / "backups" / "copy.db"
    dbmod.backup(db, copy)
    assert _mode(copy) == 0o600


OFFICE = "10.1.1.1"  # where staff sign in from when the address does not matter


def test_signing_out_ends_every_session_of_the_account(app, db):
    make_user(db)
    laptop, phone = app.test_client(), app.test_client()
    assert sign_in(laptop, address=OFFICE).status_code == 303
    assert sign_in(phone, address=OFFICE).status_code == 303
    assert laptop.get("/ccv").status_code == 200 and phone.get("/ccv").status_code == 200
    page = laptop.get("/ccv").get_data(as_text=True)
    laptop.post("/ccv/uitloggen", data={"csrf_token": csrf_of(page)})
    assert phone.get("/ccv").status_code == 302  # the other session ended too
    assert sign_in(phone, address=OFFICE).status_code == 303 and phone.get("/ccv").status_code == 200


@pytest.fixture
def limited_app(new_app):
    app = new_app("limited", SECRET_KEY="t", RATELIMIT_ENABLED=True)
    make_user(app)
    return app


def test_an_attacker_cannot_lock_the_owner_out_from_another_address(limited_app, monkeypatch):
    monkeypatch.setattr(ccv.time, "sleep", lambda _seconds: None)
    attacker, owner = limited_app.test_client(), limited_app.test_client()
    codes = [sign_in(attacker, password="fout-wachtwoord-123", address="203.0.113.9").status_code
             for _ in range(6)]
    assert codes == [200] * 5 + [429]  # the attacking address waits
    assert sign_in(owner, address="198.51.100.7").status_code == 303  # the owner gets in


def test_many_failures_slow_every_attempt_on_the_account_down(limited_app, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(ccv.time, "sleep", slept.append)
    client = limited_app.test_client()
    for n in range(ccv.SLOWDOWN_AFTER + 3):  # from many addresses: each stays under its limit
        sign_in(client, password="fout-wachtwoord-123", address=f"192.0.2.{n}")
    assert slept[:3] == [0.25, 0.5, 1.0]
    assert ccv.slowdown(100) == ccv.SLOWDOWN_MAX_SECONDS
    assert ccv.slowdown(ccv.SLOWDOWN_AFTER - 1) == 0


def test_rate_limits_count_across_workers(limited_app, tmp_path):
    """Two app instances on one database stand for two gunicorn workers: misses add up."""
    other = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "limited"),
                        "SECRET_KEY": "t", "RATELIMIT_ENABLED": True})
    ensure_ready(other)
    first, second = limited_app.test_client(), other.test_client()
    guesses = [f"/c/{tokens.new_token()}" for _ in range(30)]
    for n, path in enumerate(guesses):
        assert (first if n % 2 else second).get(path).status_code == 404
    assert first.get(f"/c/{tokens.new_token()}").status_code == 429
    assert second.get(f"/c/{tokens.new_token()}").status_code == 429


def _session_payload(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    data = cookie.value
    compressed = data.startswith(".")
    payload = data.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_the_session_cookie_holds_no_readable_secret_link(client):
    page = client.get("/start").get_data(as_text=True)
    response = client.post("/start", data={
        "csrf_token": csrf_of(page), "form_nonce": nonce_of(page), "municipality": "GM0363",
        "year": str(date.today().year)})
    token = response.headers["Location"].split("/c/")[1].split("?")[0]
    payload = _session_payload(client)
    assert "created" in json.loads(payload) and token not in payload
    # The repeat of the same form still leads to the same round.
    again = client.post("/start", data={
        "csrf_token": csrf_of(page), "form_nonce": nonce_of(page), "municipality": "GM0363",
        "year": str(date.today().year)})
    assert again.headers["Location"] == response.headers["Location"]


def test_sealed_tokens_open_only_with_their_key_and_nonce():
    token = tokens.new_token()
    sealed = tokens.seal("key", "nonce", token)
    assert token not in sealed
    assert tokens.unseal("key", "nonce", sealed) == token
    assert tokens.unseal("other key", "nonce", sealed) != token
    assert tokens.unseal("key", "other nonce", sealed) != token
    assert tokens.unseal("key", "nonce", "not base64 !") is None


@pytest.mark.parametrize("template", [
    "GET /c/{t} HTTP/1.1", "GET /c//{t}/uitkomsten HTTP/1.1", "GET /r///{t} HTTP/1.1",
    "GET %2Fi%2F{t}", "GET /taal/en?next=%2Fr%2F{t}%2Fstap%2F2", "next=%252Fc%252F{t}",
    "GET /C/{t}", "GET /c/{t}%3D",
])
def test_log_redaction_covers_every_form_of_a_secret_link(template):
    token = tokens.new_token()
    line = template.format(t=token)
    assert token not in redact(line)
    assert token[:16] not in redact(line)
