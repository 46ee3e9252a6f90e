"""Storage: migrations, connection settings, the municipality register, immutable versions, backup."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from factories import make_round

from selfscan import create_app
from selfscan.core.anonymity import peer_group_for, size_class
from selfscan.loading import load_folder
from selfscan.storage import db as dbmod
from selfscan.storage import migrations, municipalities, questionnaires, rounds, scores
from selfscan.web import ensure_ready

FIXTURES = Path(__file__).parent / "fixtures"


def _app(tmp_path, folder=None):
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst"), "SECRET_KEY": "x"}
    if folder:
        config["QUESTIONNAIRES"] = str(folder)
    return create_app(config)


def test_init_db_is_idempotent(tmp_path):
    app = _app(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    # Versions 1 and 2 stay for the rounds that answered them; version 3 is the current one.
    assert "342 gemeenten" in second.output and "vragenlijsten: mpg v1, mpg v2, mpg v3" in second.output
    conn = dbmod.connect(app.config["DATABASE"])
    assert migrations.schema_version(conn) == migrations.SCHEMA_VERSION
    assert conn.execute("SELECT questionnaire_id, version FROM questionnaire_versions "
                        "ORDER BY version").fetchall() == [("mpg", 1), ("mpg", 2), ("mpg", 3)]


def test_every_connection_has_wal_foreign_keys_and_busy_timeout(tmp_path):
    conn = dbmod.connect(tmp_path / "x.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == dbmod.BUSY_TIMEOUT_MS


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst")}
    a = create_app(config)
    b = create_app(config)
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(a.config["SECRET_KEY"]) >= 64


def test_municipality_register(app):
    conn = dbmod.connect(app.config["DATABASE"])
    rows = municipalities.municipalities(conn)
    assert len(rows) == 342
    amsterdam = municipalities.municipality(conn, "GM0363")
    assert amsterdam["name"] == "Amsterdam" and amsterdam["province"] == "Noord-Holland"
    assert amsterdam["size_class"] == size_class(amsterdam["population"])
    assert amsterdam["peer_group"] == peer_group_for(amsterdam["population"]) == "100k-plus"
    assert sum(r["population"] for r in rows) == 17_942_942


def _respond(conn, library):
    """An open round of the library's current version with one submitted answer."""
    q = library.current
    return make_round(conn, [("police", {q.dimensions[0].items[0].id: "2"})], closed=False,
                      questionnaire=q, municipality="GM0014", year=2026, consent=False).round_id


def test_changed_version_with_responses_is_refused(tmp_path, mini_folder):
    app = _app(tmp_path, mini_folder)
    ensure_ready(app)
    conn = dbmod.connect(app.config["DATABASE"])
    _respond(conn, load_folder(mini_folder))
    data = yaml.safe_load((mini_folder / "mini-v1.yaml").read_text())
    data["dimensions"][0]["items"][0]["statement"]["nl"] = "Een andere stelling."
    (mini_folder / "mini-v1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    result = app.test_cli_runner().invoke(args=["load-questionnaires"])
    assert result.exit_code != 0
    assert "publiceer de wijziging als nieuwe versie (version: 2)" in result.output
    stored = conn.execute("SELECT definition FROM questionnaire_versions").fetchone()[0]
    assert "Een andere stelling." not in stored


def test_changed_version_without_responses_is_updated(tmp_path, mini_folder):
    app = _app(tmp_path, mini_folder)
    ensure_ready(app)
    data = yaml.safe_load((mini_folder / "mini-v1.yaml").read_text())
    data["title"]["nl"] = "Nieuwe titel"
    (mini_folder / "mini-v1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    result = app.test_cli_runner().invoke(args=["load-questionnaires"])
    assert result.exit_code == 0 and "bijgewerkt" in result.output
    conn = dbmod.connect(app.config["DATABASE"])
    assert json.loads(conn.execute("SELECT definition FROM questionnaire_versions")
                      .fetchone()[0])["title"]["nl"] == "Nieuwe titel"


def test_new_version_becomes_current_and_old_rounds_keep_their_version(tmp_path, mini_folder):
    app = _app(tmp_path, mini_folder)
    ensure_ready(app)
    conn = dbmod.connect(app.config["DATABASE"])
    round_id = _respond(conn, load_folder(mini_folder))
    data = yaml.safe_load((mini_folder / "mini-v1.yaml").read_text())
    data["version"] = 2
    data["dimensions"][0]["items"].pop()
    (mini_folder / "mini-v2.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    (mini_folder / "mini-v1.yaml").unlink()  # even with its file gone, v1 stays scorable
    app2 = _app(tmp_path, mini_folder)
    ensure_ready(app2)
    library = app2.extensions["selfscan.library"]
    assert app2.extensions["selfscan.current"].version == 2
    assert library.get("mini", 1) is not None and library.get("mini", 2) is not None
    row = rounds.round_by_id(conn, round_id)
    assert (row["questionnaire_id"], row["version"]) == ("mini", 1)
    assert rounds.close_round(conn, round_id, library.get("mini", 1))
    scores = {r["dimension_id"]: r["score"] for r in conn.query(
        "SELECT * FROM round_scores WHERE round_id = ?", [round_id])}
    assert scores == {"alpha": 50.0, "beta": None}


def test_backup_is_a_consistent_copy(app, tmp_path):
    target = tmp_path / "backup" / "copy.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM municipalities").fetchone()[0] == 342


def test_healthz_lists_loaded_versions(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["questionnaires"][0]["id"] == "mpg" and body["questionnaires"][0]["version"] == 1


def test_questionnaire_api(client):
    current = client.get("/api/v1/questionnaires/current").get_json()
    assert current["id"] == "mpg" and len(current["dimensions"]) == 5
    item = current["dimensions"][0]["items"][0]
    assert [lv["value"] for lv in item["levels"]] == [0, 1, 2, 3, 4]
    assert item["levels"][0]["description"]["nl"] and item["levels"][0]["description"]["en"]
    assert {a["value"] for a in current["answers_without_level"]} == {"unknown", "na"}
    assert current["version"] == 3
    assert item["short"] == {"nl": "Vast casusoverleg", "en": "Regular case meeting"}
    same = client.get("/api/v1/questionnaires/mpg/3").get_json()
    assert same == current
    # Version 1 is still served, for the rounds that answered it.
    old = client.get("/api/v1/questionnaires/mpg/1").get_json()
    assert old["version"] == 1 and old["content_hash"] != current["content_hash"]
    assert len(old["dimensions"]) == 5
    missing = client.get("/api/v1/questionnaires/mpg/99")
    assert missing.status_code == 404 and missing.get_json()["error"]


@pytest.mark.parametrize("folder", [None])
def test_make_run_style_start_serves_healthz(tmp_path, folder):
    """What `make run` does: init-db, then serve; here through the app instead of a port."""
    app = _app(tmp_path)
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    assert app.test_client().get("/healthz").status_code == 200


def test_delete_round_removes_everything_and_logs_without_content(app):
    conn = dbmod.connect(app.config["DATABASE"])
    library = app.extensions["selfscan.library"]
    round_id = _respond(conn, library)
    rounds.delete_round(conn, round_id)
    for table in ("rounds", "respondents", "answers"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    events = list(conn.query("SELECT kind, round_id, detail FROM events ORDER BY id"))
    assert events[-1] == {"kind": "round_deleted", "round_id": None, "detail": ""}
    assert all(e["round_id"] is None for e in events)


def test_fixture_copy_is_untouched():
    assert (FIXTURES / "mini-v1.yaml").exists()
    shutil.disk_usage(FIXTURES)


# --- saving answers (one statement through the view `saves`) -------------------------------------


def _started(db, q):
    """An open round and the id of a respondent in it who has answered nothing yet."""
    handle = make_round(db, [("police", None)], submitted=0, closed=False, questionnaire=q,
                        municipality="GM0014", year=2026, consent=False)
    return handle.round_id, handle.respondents[0][0]


def _stamps(db, respondent_id):
    return dict(db.execute("SELECT item_id, updated_at FROM answers WHERE respondent_id = ?",
                           [respondent_id]).fetchall())


def test_save_writes_answers_context_and_comments_together_and_clears(db, q):
    _round_id, rid = _started(db, q)
    a, b = q.dimensions[0].items[0].id, q.dimensions[0].items[1].id
    question = q.context_questions[0].id
    assert rounds.save_answers(db, rid, answers={a: "2", b: "na"}, context={question: ["x", "é"]},
                              comments={"connection": "Onze toelichting"})
    assert rounds.answers_of(db, rid) == {a: "2", b: "na"}
    assert rounds.context_of(db, rid) == {question: ["x", "é"]}
    assert rounds.comments_of(db, rid) == {"connection": "Onze toelichting"}
    assert rounds.save_answers(db, rid, answers={b: None}, context={question: []},
                              comments={"connection": "  "})
    assert rounds.answers_of(db, rid) == {a: "2"}
    assert rounds.context_of(db, rid) == {} and rounds.comments_of(db, rid) == {}
    # Clearing what is not there, or sending nothing, is still a permitted save.
    assert rounds.save_answers(db, rid, answers={b: None}) and rounds.save_answers(db, rid)


def test_save_writes_only_what_changed(db, q):
    _round_id, rid = _started(db, q)
    a, b = q.dimensions[0].items[0].id, q.dimensions[0].items[1].id
    rounds.save_answers(db, rid, answers={a: "1", b: "3"})
    first = _stamps(db, rid)
    before = db.conn.total_changes
    assert rounds.save_answers(db, rid, answers={a: "1", b: "3"})  # the page sent again as it was
    assert db.conn.total_changes == before
    assert rounds.save_answers(db, rid, answers={a: "1", b: "4"})
    assert db.conn.total_changes == before + 1
    later = _stamps(db, rid)
    assert later[a] == first[a] and later[b] > first[b]


def test_save_is_all_or_nothing(db, q):
    _round_id, rid = _started(db, q)
    a, b = q.dimensions[0].items[0].id, q.dimensions[0].items[1].id
    rounds.save_answers(db, rid, answers={a: "1"})
    # A value the schema refuses (the web layer never sends one) fails the whole save.
    with pytest.raises(sqlite3.IntegrityError):
        rounds.save_answers(db, rid, answers={a: "4", b: "not-an-option"},
                           comments={"connection": "tekst"})
    assert rounds.answers_of(db, rid) == {a: "1"} and rounds.comments_of(db, rid) == {}
    with pytest.raises(sqlite3.IntegrityError, match="unknown kind of save"):
        db.execute("INSERT INTO saves VALUES (?, 'other', 'x', 'y', 'z')", [rid])


def test_a_comment_is_shared_only_when_its_writer_ticks_the_box(db, q):
    round_id, rid = _started(db, q)
    # A new comment and its share in one save: the share row follows the comment row.
    assert rounds.save_answers(db, rid, comments={"connection": "Gedeeld"},
                               shares={"connection": True})
    assert rounds.comments_of(db, rid) == {"connection": "Gedeeld"}
    assert rounds.shares_of(db, rid) == {"connection": True}
    # Changing the text keeps the choice; unticking withdraws it.
    assert rounds.save_answers(db, rid, comments={"connection": "Anders"},
                               shares={"connection": True})
    assert rounds.shares_of(db, rid) == {"connection": True}
    assert rounds.save_answers(db, rid, comments={"connection": "Anders"},
                               shares={"connection": False})
    assert rounds.shares_of(db, rid) == {"connection": False}
    # A share without a comment marks nothing; a cleared comment goes with its choice.
    assert rounds.save_answers(db, rid, shares={"other": True})
    assert rounds.save_answers(db, rid, comments={"connection": "Weer"},
                               shares={"connection": True})
    assert rounds.save_answers(db, rid, comments={"connection": " "},
                               shares={"connection": True})
    assert rounds.comments_of(db, rid) == {} and rounds.shares_of(db, rid) == {}
    with pytest.raises(sqlite3.IntegrityError, match="a share is 0 or 1"):
        db.execute("INSERT INTO saves VALUES (?, 'share', 'connection', 'ja', 'z')", [rid])
    # The working session reads only shared comments of submitted respondents.
    other, _resume = rounds.create_respondent(db, round_id, "police")
    rounds.save_answers(db, other, comments={"connection": "Niet delen"},
                        shares={"connection": False})
    rounds.save_answers(db, rid, comments={"connection": "Deel dit"}, shares={"connection": True})
    for respondent_id in (rid, other):
        rounds.submit_respondent(db, respondent_id, round_id)
    assert scores.comments(db, round_id, shared_only=True) == {rid: {"connection": "Deel dit"}}
    assert scores.comments(db, round_id)[other] == {"connection": "Niet delen"}
    rounds.save_answers(db, rid, shares={"connection": False})  # submitted: nothing changes
    assert rounds.shares_of(db, rid) == {"connection": True}


def test_no_save_after_submitting_or_closing(db, q):
    round_id, rid = _started(db, q)
    a = q.dimensions[0].items[0].id
    rounds.save_answers(db, rid, answers={a: "1"})
    rounds.submit_respondent(db, rid, round_id)
    assert not rounds.save_answers(db, rid, answers={a: "4"}, comments={"connection": "laat"})
    assert not rounds.save_answers(db, rid, answers={a: None})
    assert rounds.answers_of(db, rid) == {a: "1"} and rounds.comments_of(db, rid) == {}
    _other_round, late = _started(db, q)
    rounds.save_answers(db, late, answers={a: "2"})
    db.execute("UPDATE rounds SET status = 'closed' WHERE id = ?", [_other_round])
    assert not rounds.save_answers(db, late, answers={a: "0"})
    assert rounds.answers_of(db, late) == {a: "2"}


def test_a_database_of_an_older_schema_is_migrated_with_its_answers(tmp_path, monkeypatch, q):
    """A database made by the first release (schema 2) gets migration 3 and keeps its data."""
    path = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 2)
    old = dbmod.connect(path)
    assert migrations.migrate(old) == 2
    monkeypatch.undo()
    old.execute("INSERT INTO municipalities (code, name, province, population, size_class, "
                "peer_group) VALUES ('GM0014', 'Groningen', 'Groningen', 1, 'x', 'y')")
    questionnaires.sync_questionnaires(old, [q])  # the version the round below refers to
    _round_id, rid = _started(old, q)
    old.execute("INSERT INTO answers VALUES (?, ?, '3', 'then')", [rid, q.dimensions[0].items[0].id])
    old.conn.close()
    db = dbmod.connect(path)
    assert migrations.migrate(db) == migrations.SCHEMA_VERSION == 11
    assert rounds.answers_of(db, rid) == {q.dimensions[0].items[0].id: "3"}
    assert rounds.save_answers(db, rid, answers={q.dimensions[0].items[1].id: "1"})
    assert len(rounds.answers_of(db, rid)) == 2
    db.conn.close()
