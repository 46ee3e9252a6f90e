"""The rules that issue 10 put in one place, and the performance measures that were kept.

Each kept measure has a test here that fails if it goes wrong: the questionnaire fragments never
carry one respondent's data into another's page and follow language and content; the results
cache never serves an earlier state of a round; the per-thread connection is never shared between
threads and never keeps a transaction open; the per-request catalogue follows each request's
language. Plus the one definition of "latest closed round" with its tie-break, the one 404 for a
questionnaire version that is not loaded, the synthetic rounds scored by the scoring core, and
the account role migration.
"""

from __future__ import annotations

import dataclasses
import re
import threading

import pytest
from pages import csrf_of

from selfscan import create_app
from selfscan.core import scoring, tokens
from selfscan.core.questionnaire import Library, Text
from selfscan.storage import db as dbmod
from selfscan.storage import demo, migrations, releases, rounds, users
from selfscan.web import ensure_ready, fragment_cache
from selfscan.web import helpers as web
from selfscan.web.results_cache import ResultsCache, round_key

# --- the latest closed round: one definition, one tie-break ------------------------------------


def _closed_round(db, q, code, level, closed_at, *, coaching=False):
    round_id, _token = rounds.create_round(
        db, municipality_code=code, questionnaire=q, year=2025, benchmark_consent=True,
        coaching_requested=coaching, contact_email="a@b.nl" if coaching else None)
    pid, _ = rounds.create_respondent(db, round_id, "police")
    rounds.save_answers(db, pid, answers={i: str(level) for i in q.items})
    rounds.submit_respondent(db, pid, round_id)
    rounds.close_round(db, round_id, q)
    db.execute("UPDATE rounds SET closed_at = ? WHERE id = ?", [closed_at, round_id])
    return round_id


def test_latest_closed_round_breaks_ties_on_the_higher_id_everywhere(app, db, q):
    """Two rounds of one municipality closed at the same moment: every reader takes the one made
    last (the higher id), never the other, so no figure can mix the two."""
    stamp = "2025-06-01T10:00:00.000000Z"
    others = [r[0] for r in db.execute(
        "SELECT code FROM municipalities WHERE code != 'GM0014' ORDER BY code LIMIT 5")]
    for code, level in zip(others, (2, 1, 1, 3, 3), strict=True):
        _closed_round(db, q, code, level, "2025-05-01T10:00:00.000000Z")
    first = _closed_round(db, q, "GM0014", 0, stamp, coaching=True)
    second = _closed_round(db, q, "GM0014", 4, stamp)
    assert second > first

    latest = db.execute(
        rounds.latest_closed(partition="r.municipality_code", where="r.municipality_code = ?"),
        ["GM0014"]).fetchall()
    assert [row[0] for row in latest] == [second]

    # A release uses one unit for GM0014: the second round (level 4 = 100), once approved.
    db.execute("UPDATE rounds SET approval = 'approved'")
    units = [u for u in releases.units(db) if u.municipality == "GM0014"]
    assert [(u.round_id, u.overall) for u in units] == [(second, 100.0)]


# --- one 404 for a questionnaire version that is not loaded ------------------------------------


def test_a_questionnaire_version_that_is_not_loaded_gives_the_same_404_everywhere(app, db, q):
    round_id, coordinator = rounds.create_round(db, municipality_code="GM0363", questionnaire=q,
                                                year=2025)
    pid, resume = rounds.create_respondent(db, round_id, "police")
    rounds.save_answers(db, pid, answers={i: "2" for i in q.items})
    rounds.submit_respondent(db, pid, round_id)
    rounds.close_round(db, round_id, q)
    app.extensions["selfscan.library"] = Library((), app.extensions["selfscan.library"].catalogue)
    client = app.test_client()
    not_found = client.get("/deze-pagina-bestaat-niet").get_data(as_text=True)
    title = re.search(r"<h1>(.*?)</h1>", not_found).group(1)
    for path in (f"/c/{coordinator}", f"/c/{coordinator}/uitkomsten",
                 f"/c/{coordinator}/uitkomsten/rapport.pdf", f"/c/{coordinator}/uitkomsten.csv",
                 f"/c/{coordinator}/antwoorden.csv", f"/r/{resume}/stap/2", f"/r/{resume}",
                 f"/api/v1/questionnaires/{q.id}/{q.version}"):
        response = client.get(path)
        assert response.status_code == 404, path
        if not path.startswith("/api/"):
            assert f"<h1>{title}</h1>" in response.get_data(as_text=True), path


# --- the questionnaire fragments ---------------------------------------------------------------


def _respondent_with(db, q, round_id, level):
    pid, resume = rounds.create_respondent(db, round_id, "police")
    rounds.save_answers(db, pid, answers={i.id: level for i in q.dimensions[0].items})
    return resume


def test_each_respondent_sees_only_their_own_answers_and_link(app, client, db, q):
    fragment_cache.clear()
    round_id, _ = rounds.create_round(db, municipality_code="GM0363", questionnaire=q, year=2025)
    one, three = _respondent_with(db, q, round_id, "1"), _respondent_with(db, q, round_id, "3")
    page_one = client.get(f"/r/{one}/stap/2").get_data(as_text=True)
    page_three = client.get(f"/r/{three}/stap/2").get_data(as_text=True)
    # Both are police: their pages show the items the police are asked, with their own answers
    # (the items outside the audience, stored here all the same, are not on the page at all).
    items = [i for i in q.dimensions[0].items if i.asks("police")]
    not_asked = [i for i in q.dimensions[0].items if not i.asks("police")]
    assert items and not_asked
    for page, mine, other, token, stranger in ((page_one, "1", "3", one, three),
                                               (page_three, "3", "1", three, one)):
        assert page.count('checked') == len(items)
        for item in items:
            assert f'name="item-{item.id}" value="{mine}" checked' in page
            assert f'name="item-{item.id}" value="{other}" checked' not in page
        assert not [i.id for i in not_asked if f'name="item-{i.id}"' in page]
        assert token in page and stranger not in page
        assert csrf_of(page) == tokens.link_csrf_token("test-secret", token)
    # The same fragments served both pages: they were built once for this version and language.
    assert len(fragment_cache._cache) == 1


def test_fragments_follow_the_language_and_the_content(app, client, db, q):
    fragment_cache.clear()
    round_id, _ = rounds.create_round(db, municipality_code="GM0363", questionnaire=q, year=2025)
    resume = _respondent_with(db, q, round_id, "2")
    item = q.dimensions[0].items[0]
    dutch = client.get(f"/r/{resume}/stap/2").get_data(as_text=True)
    client.get("/taal/en")
    english = client.get(f"/r/{resume}/stap/2").get_data(as_text=True)
    assert item.statement.nl in dutch and item.statement.en in english
    assert item.statement.en not in dutch
    # A changed questionnaire (another content hash) never gets the old texts.
    changed_item = dataclasses.replace(item, statement=Text("Een nieuwe stelling", "A new one"))
    changed_dim = dataclasses.replace(q.dimensions[0],
                                      items=(changed_item, *q.dimensions[0].items[1:]))
    changed = dataclasses.replace(q, dimensions=(changed_dim, *q.dimensions[1:]),
                                  content_hash="another")
    labels = fragment_cache.Labels("Stelling %(n)s:", "Waarom?", "Weet ik niet", "N.v.t.")
    with app.test_request_context():
        old = fragment_cache.item_fragments(q, q.dimensions[0], "nl", labels)
        new = fragment_cache.item_fragments(changed, changed_dim, "nl", labels)
    assert "Een nieuwe stelling" in new[item.id].head
    assert "Een nieuwe stelling" not in old[item.id].head
    # Texts are escaped: the fragments are markup, their content is not.
    hostile = dataclasses.replace(item, statement=Text("<script>x</script>"))
    hostile_dim = dataclasses.replace(q.dimensions[0], items=(hostile,))
    hostile_q = dataclasses.replace(q, dimensions=(hostile_dim,), content_hash="hostile")
    fragments = fragment_cache.item_fragments(hostile_q, hostile_dim, "nl", labels)
    assert "<script>" not in fragments[item.id].head
    assert "&lt;script&gt;" in fragments[item.id].head


# --- the results cache -------------------------------------------------------------------------


def test_results_cache_recomputes_for_every_new_state_of_a_round():
    cache = ResultsCache(size=2)
    row = {"id": 1, "created_at": "t", "revision": 0, "status": "open"}
    calls = []

    def compute(value):
        def run():
            calls.append(value)
            return value
        return run

    assert cache.get_or_compute(round_key(row), compute("a")) == "a"
    assert cache.get_or_compute(round_key(row), compute("b")) == "a"  # same state: cached
    for change in ({"revision": 1}, {"status": "closed"}, {"created_at": "reused id"}):
        assert cache.get_or_compute(round_key({**row, **change}), compute(str(change))) == str(
            change)
    assert calls == ["a", *(str(c) for c in ({"revision": 1}, {"status": "closed"},
                                              {"created_at": "reused id"}))]
    assert len(cache._data) == 2  # least recently used states are dropped


def test_provisional_results_follow_each_submission_through_the_cache(app, client, db, q):
    round_id, coordinator = rounds.create_round(db, municipality_code="GM0363", questionnaire=q,
                                                year=2025)
    for n, level in enumerate(("0", "4", "2", "1"), start=1):
        pid, _ = rounds.create_respondent(db, round_id, "police")
        rounds.save_answers(db, pid, answers={i: level for i in q.items})
        rounds.submit_respondent(db, pid, round_id)
        page = client.get(f"/c/{coordinator}/uitkomsten").get_data(as_text=True)
        if n < 3:  # provisional results wait for three submissions
            assert 'id="provisional-rule"' in page
            continue
        count = re.search(r'id="respondent-count">([^<]*)<', page).group(1)
        assert str(n) in count


# --- the connection per thread -----------------------------------------------------------------


def test_connection_is_reused_per_thread_and_never_shared_or_left_in_a_transaction(app):
    seen = {}

    def grab(name):
        with app.app_context():
            seen[name] = web.get_db()

    grab("first")
    grab("again")
    assert seen["first"] is seen["again"]
    thread = threading.Thread(target=grab, args=("other",))
    thread.start()
    thread.join()
    assert seen["other"] is not seen["first"]
    with app.app_context():
        db = web.get_db()
        db.execute("BEGIN")
        assert db.conn.in_transaction
    assert not seen["first"].conn.in_transaction  # the end of the request rolled it back


# --- the catalogue per request -----------------------------------------------------------------


def test_each_request_is_translated_in_its_own_language(client):
    for _ in range(2):
        assert "Privacyverklaring" in client.get("/privacy", headers={
            "Accept-Language": "nl"}).get_data(as_text=True)
        english = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Privacyverklaring" not in english and "Privacy" in english


# --- synthetic rounds are scored by the scoring core --------------------------------------------


def test_synthetic_rounds_follow_the_scoring_rules(app, db, q):
    assert demo.insert_synthetic(db, q, 25, seed=3) == 25
    for round_row in db.query("SELECT * FROM rounds WHERE synthetic = 1"):
        assert round_row["status"] == "closed" and round_row["benchmark_consent"] == 1
        dims = {r["dimension_id"]: r for r in db.query(
            "SELECT * FROM round_scores WHERE round_id = ?", [round_row["id"]])}
        items = {r["item_id"]: r for r in db.query(
            "SELECT * FROM round_item_scores WHERE round_id = ?", [round_row["id"]])}
        for dim_id, item_ids in q.structure.items():
            medians = [items[i]["median"] for i in item_ids if items[i]["median"] is not None]
            expected = (sum(m * 25 for m in medians) / len(medians)) if medians else None
            assert dims[dim_id]["score"] == pytest.approx(expected)
            assert dims[dim_id]["phase_id"] == scoring.phase_for(dims[dim_id]["score"], q.phases)
        present = [d["score"] for d in dims.values() if d["score"] is not None]
        assert round_row["overall_score"] == pytest.approx(sum(present) / len(present))
        assert round_row["overall_phase"] == scoring.phase_for(round_row["overall_score"],
                                                                q.phases)
    assert demo.purge_synthetic(db) == 25


# --- account roles are not role groups ---------------------------------------------------------


def test_a_schema_3_database_gets_account_roles_and_keeps_its_accounts(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 3)
    old = dbmod.connect(path)
    assert migrations.migrate(old) == 3
    monkeypatch.undo()
    old.execute("INSERT INTO users (email, password_hash, role, created_at) "
                "VALUES ('a@ccv.nl', 'x', 'admin', 'then')")
    old.conn.close()
    db = dbmod.connect(path)
    assert migrations.migrate(db) == migrations.SCHEMA_VERSION
    assert users.user_by_email(db, "a@ccv.nl").account_role == "admin"
    columns = [row[1] for row in db.execute("PRAGMA table_info(users)")]
    assert "account_role" in columns and "role" not in columns
    db.conn.close()
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst"),
                      "SECRET_KEY": "x", "DATABASE": str(path)})
    ensure_ready(app)  # starting the app on the migrated database works
