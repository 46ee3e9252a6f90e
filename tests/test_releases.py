"""Releases: what counts, how they are cut, and how the dashboard, the API, the exports and the
comparison lines on a results page read them (issue 11, parts 2 and 3)."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections import Counter

import pytest
from factories import make_round, make_user, municipalities_where, sign_in
from pages import csrf_of

from selfscan.core import disclosure
from selfscan.storage import approvals, contact, releases, users


def approve(db, *round_ids):
    """The coordinator confirms the address and the CCV approves, as on the web."""
    for round_id in round_ids:
        if contact.set_address(db, round_id, f"c{round_id}@gemeente.example"):
            assert contact.confirm(db, contact.new_confirmation(db, round_id))
        approvals.decide(db, round_id, "approve")


def approved_rounds(db, codes, level="2", **kw):
    """One closed, consented, approved round per municipality; returns the handles."""
    return [make_round(db, [("police", level)] * 3, municipality=code, approved=True, **kw)
            for code in codes]


def cut(app, db, synthetic=False):
    with app.app_context():
        from selfscan.web import helpers

        return releases.cut(db, *disclosure.published_ids(helpers.library(), helpers.current()),
                            synthetic=synthetic)


@pytest.fixture
def make(db, q):
    def round_of(code, level="2", **kw):
        return make_round(db, [("police", level)] * 3, municipality=code, questionnaire=q, **kw)
    return round_of


# --- what a release counts ---------------------------------------------------------------------


def test_only_approved_closed_consented_real_rounds_count_once_per_municipality(app, db, q, make):
    codes = municipalities_where(db)[:8]
    counted = [make(code) for code in codes[:5]]
    approve(db, *(h.round_id for h in counted))
    later = make(codes[0], "4")  # a newer round of the same municipality, not yet approved
    make(codes[5], "0")  # confirmed nowhere, never approved
    unconsented = make(codes[6], "0", consent=False)
    approve(db, unconsented.round_id)
    still_open = make(codes[7], "0", closed=False)
    approve(db, still_open.round_id)
    units = releases.units(db)
    assert sorted(u.round_id for u in units) == sorted(h.round_id for h in counted)
    # Approving the newer round replaces the older one: still one unit per municipality.
    approve(db, later.round_id)
    units = {u.municipality: u.round_id for u in releases.units(db)}
    assert units[codes[0]] == later.round_id and len(units) == 5


def test_a_release_needs_five_changed_municipalities(app, db, q):
    codes = municipalities_where(db)[:12]
    approved_rounds(db, codes[:4], questionnaire=q)
    with pytest.raises(disclosure.ReleaseRefused):
        cut(app, db)  # four municipalities: too few changes for a first release
    approved_rounds(db, codes[4:5], questionnaire=q)
    first = cut(app, db)
    assert first.number == 1 and first.content["municipalities"] == "5-9"
    approved_rounds(db, codes[5:9], questionnaire=q)  # four more: not enough
    with pytest.raises(disclosure.ReleaseRefused) as refused:
        cut(app, db)
    assert refused.value.changed == 4
    approved_rounds(db, codes[9:10], questionnaire=q)
    assert cut(app, db).number == 2
    assert [r.number for r in releases.all_releases(db)] == [1, 2]
    assert releases.by_number(db, 1).content == first.content  # older releases stay as they were


def test_the_release_command_for_cron(app, db, q, runner):
    refused = runner.invoke(args=["release"])
    assert refused.exit_code == 1 and "minstens 5" in refused.output
    approved_rounds(db, municipalities_where(db)[:6], questionnaire=q)
    made = runner.invoke(args=["release"])
    assert made.exit_code == 0 and "Release 1" in made.output
    assert runner.invoke(args=["release"]).exit_code == 1  # nothing changed since


def test_synthetic_rounds_have_their_own_releases(app, db, q, runner):
    assert runner.invoke(args=["demo-data", "--rounds", "40", "--seed", "3"]).exit_code == 0
    assert runner.invoke(args=["release"]).exit_code == 1  # no real rounds
    assert runner.invoke(args=["release", "--synthetic"]).exit_code == 0
    assert releases.latest(db, synthetic=False) is None
    assert releases.latest(db, synthetic=True).number == 1


# --- the CCV pages ------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return make_user(db)


def test_dashboard_explains_how_to_get_a_release(client, staff):
    sign_in(client)
    page = client.get("/ccv").get_data(as_text=True)
    assert 'id="no-release"' in page and "/ccv/releases" in page


def test_dashboard_shows_a_release_with_its_tables(app, client, staff, db, q):
    approved_rounds(db, municipalities_where(db)[:12], questionnaire=q)
    sign_in(client)
    page = client.get("/ccv/releases").get_data(as_text=True)
    made = client.post("/ccv/releases", data={"csrf_token": csrf_of(page)})
    assert made.status_code == 303
    dashboard = client.get("/ccv").get_data(as_text=True)
    assert "Release 1" in dashboard and 'id="dimensions-table"' in dashboard
    assert "10-19 gemeenten" in dashboard  # a band, never the exact count
    by_province = client.get("/ccv?tabel=province").get_data(as_text=True)
    assert 'id="breakdown-table"' in by_province and "onderdrukt" in by_province
    assert client.get("/ccv?tabel=onbekend").status_code == 400
    assert client.get("/ccv?release=7").status_code == 404
    assert client.get("/ccv?release=x").status_code == 400


def test_cutting_a_release_needs_staff_and_a_csrf_token(app, client, staff, db, q):
    approved_rounds(db, municipalities_where(db)[:6], questionnaire=q)
    assert client.post("/ccv/releases").status_code in (302, 400)
    sign_in(client)
    assert client.post("/ccv/releases").status_code == 400  # no CSRF token
    assert releases.latest(db) is None
    page = client.get("/ccv/releases").get_data(as_text=True)
    client.post("/ccv/releases", data={"csrf_token": csrf_of(page)})
    refused = client.post("/ccv/releases", data={"csrf_token": csrf_of(page)},
                          follow_redirects=True).get_data(as_text=True)
    assert "minstens 5" in refused and releases.latest(db).number == 1


def test_api_serves_a_release_with_a_token(app, client, staff, db, q):
    assert client.get("/api/v1/benchmark").status_code == 401
    with app.app_context():
        token = users.create_api_token(db, staff.id, "test")
    headers = {"Authorization": f"Bearer {token}"}
    empty = client.get("/api/v1/benchmark", headers=headers).get_json()
    assert empty["release"] is None
    approved_rounds(db, municipalities_where(db)[:6], questionnaire=q)
    cut(app, db)
    data = client.get("/api/v1/benchmark", headers=headers).get_json()
    assert data["release"] == 1 and data["municipalities"] == "5-9"
    assert "rows" not in data  # the row file is an export, not part of the API
    medians = [s["median"] for s in data["national"]["dimensions"].values()]
    assert all(isinstance(m, int) for m in medians)
    assert all(s["q1"] is None for s in data["national"]["dimensions"].values())  # < 10


def test_exports_come_from_a_release_and_are_k_anonymous(app, client, staff, db, q):
    codes = municipalities_where(db)[:14]
    handles = approved_rounds(db, codes, questionnaire=q,
                              comments={q.dimensions[0].id: "Geheime toelichting"})
    db.execute("UPDATE rounds SET contact_email = 'coordinator@gemeente.nl' WHERE id = ?",
               [handles[0].round_id])
    cut(app, db)
    sign_in(client)
    assert "Release 1" in client.get("/ccv/export").get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/ccv/export/benchmark.zip").data))
    text = archive.read("rows.csv").decode()
    assert "Geheime toelichting" not in text and "gemeente.nl" not in text
    assert not any(code in text for code in codes)
    path = app.config["DATABASE"] + ".export.db"
    with open(path, "wb") as fh:
        fh.write(client.get("/ccv/export/benchmark.db").data)
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT * FROM rows").fetchall()
    columns = [c[1] for c in conn.execute("PRAGMA table_info(rows)")]
    conn.close()
    assert len(rows) == 14
    quasi = [i for i, c in enumerate(columns) if c in disclosure.QUASI_IDENTIFIERS]
    combos = Counter(tuple(row[i] for i in quasi) for row in rows)
    assert min(combos.values()) >= disclosure.THRESHOLD
    assert client.get("/ccv/export/benchmark.zip?synthetisch=2").status_code == 400


# --- the comparison lines on a results page ------------------------------------------------------


def test_results_page_lines_come_from_the_latest_release(app, client, db, q):
    own = make_round(db, [("police", "1")] * 3, municipality="GM0363", questionnaire=q)
    page = client.get(f"/c/{own.coordinator}/uitkomsten").get_data(as_text=True)
    assert 'id="peer-missing"' in page and 'id="national-missing"' in page
    approved_rounds(db, municipalities_where(db, exclude="GM0363")[:6], "3", questionnaire=q)
    page = client.get(f"/c/{own.coordinator}/uitkomsten").get_data(as_text=True)
    assert 'id="national-missing"' in page  # no release yet: nothing shown live
    cut(app, db)
    page = client.get(f"/c/{own.coordinator}/uitkomsten").get_data(as_text=True)
    assert 'id="national-missing"' not in page and 'id="release-note"' in page
    radar = json.loads(page.split('id="radar-data">')[1].split("</script>")[0])
    national = next(t for t in radar["data"] if t["r"][0] == 75)
    assert national["r"][:-1] == [75] * len(q.dimensions)
