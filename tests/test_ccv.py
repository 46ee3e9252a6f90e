"""The CCV's pages: sign-in, sessions, the dashboard, the coaching list, the API and the CLI."""

from __future__ import annotations

import time
from datetime import date

import pytest
from factories import PASSWORD, make_round, make_user, municipalities_where, sign_in
from itsdangerous import TimestampSigner
from pages import csrf_of

from selfscan.core import disclosure
from selfscan.storage import contact, releases, users

YEAR = date.today().year


@pytest.fixture
def staff(db):
    return make_user(db)


@pytest.fixture
def limited_app(new_app):
    app = new_app("limited", SECRET_KEY="t", RATELIMIT_ENABLED=True,
                  RATELIMIT_STORAGE_URI="memory://")
    make_user(app)
    return app


# --- sign-in ----------------------------------------------------------------------------------


def test_footer_links_to_the_sign_in_page(client):
    assert 'href="/ccv/inloggen"' in client.get("/").text


def test_dashboard_needs_sign_in(client):
    response = client.get("/ccv?jaar=2025")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/ccv/inloggen?next=")
    page = client.get(response.headers["Location"])
    assert "Log in met uw CCV-account" in page.text


def test_sign_in_succeeds_and_returns_to_the_page_asked_for(client, staff):
    page = client.get("/ccv/inloggen?next=/ccv/coaching")
    response = client.post("/ccv/inloggen?next=/ccv/coaching", data={
        "csrf_token": csrf_of(page.text), "email": "Analist@HetCCV.nl", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/ccv/coaching"
    assert client.get("/ccv").status_code == 200


def test_sign_in_never_redirects_off_site(client, staff):
    page = client.get("/ccv/inloggen")
    response = client.post("/ccv/inloggen?next=//evil.example/x", data={
        "csrf_token": csrf_of(page.text), "email": "analist@hetccv.nl", "password": PASSWORD})
    assert response.headers["Location"] == "/ccv"


def test_wrong_password_and_unknown_account_give_the_same_message(client, staff):
    wrong = sign_in(client, password="niet-het-wachtwoord")
    unknown = sign_in(client, email="niemand@hetccv.nl")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Het e-mailadres of het wachtwoord klopt niet" in response.text
    assert client.get("/ccv").status_code == 302


def test_sign_in_needs_a_csrf_token(client, staff):
    response = client.post("/ccv/inloggen", data={"email": "analist@hetccv.nl",
                                                  "password": PASSWORD})
    assert response.status_code in (200, 400)
    assert client.get("/ccv").status_code == 302


def test_empty_form_gets_a_clear_message(client):
    page = client.get("/ccv/inloggen")
    response = client.post("/ccv/inloggen", data={"csrf_token": csrf_of(page.text)})
    assert "Vul uw e-mailadres en uw wachtwoord in" in response.text


def test_sign_out_is_a_post_and_ends_the_session(client, staff):
    sign_in(client)
    assert client.get("/ccv/uitloggen").status_code == 405
    page = client.get("/ccv")
    response = client.post("/ccv/uitloggen", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert "U bent uitgelogd" in client.get(response.headers["Location"]).text
    assert client.get("/ccv").status_code == 302


def test_session_expires_after_inactivity(app, client, staff, monkeypatch):
    sign_in(client)
    assert client.get("/ccv").status_code == 200
    minutes = app.config["SESSION_MINUTES"]
    later = int(time.time()) + (minutes + 1) * 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert client.get("/ccv").status_code == 302


def test_session_lives_on_while_active(app, client, staff, monkeypatch):
    sign_in(client)
    minutes = app.config["SESSION_MINUTES"]
    now = int(time.time())
    # Active every (minutes - 1): the cookie is renewed each time, so it never lapses.
    for step in range(1, 4):
        stamp = now + step * (minutes - 1) * 60
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self, s=stamp: s)
        assert client.get("/ccv").status_code == 200


def test_sign_in_is_rate_limited_per_account(limited_app):
    client = limited_app.test_client()
    for _ in range(5):
        assert sign_in(client, password="fout-wachtwoord-123").status_code == 200
    blocked = sign_in(client, password=PASSWORD)
    assert blocked.status_code == 429
    assert "Te veel inlogpogingen" in blocked.text
    # Another account from the same address is not blocked by the first one's failures.
    other = sign_in(client, email="iemand-anders@hetccv.nl", password="fout-wachtwoord-123")
    assert other.status_code == 200


def test_sign_in_is_rate_limited_per_address(limited_app):
    client = limited_app.test_client()
    codes = [sign_in(client, email=f"poging{i}@hetccv.nl").status_code for i in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429


def test_successful_sign_ins_do_not_use_up_the_account_limit(limited_app):
    client = limited_app.test_client()
    for _ in range(6):
        assert sign_in(client).status_code == 303
        page = client.get("/ccv")
        client.post("/ccv/uitloggen", data={"csrf_token": csrf_of(page.text)})


# --- dashboard --------------------------------------------------------------------------------


def _released(app, db, q, codes, level="2"):
    """Closed, approved rounds of these municipalities, and a release of them."""
    for i, code in enumerate(codes):
        make_round(db, [("police", level if level else str(i % 5))] * 3, questionnaire=q,
                   municipality=code, year=YEAR, approved=True)
    with app.app_context():
        from selfscan.web import helpers

        return releases.cut(db, *disclosure.published_ids(helpers.library(), helpers.current()))


def test_dashboard_shows_the_benchmark_with_tables_beside_charts(app, client, staff, db, q):
    _released(app, db, q, municipalities_where(db)[:12], level=None)
    sign_in(client)
    page = client.get("/ccv").text
    assert "10-19 gemeenten" in page
    assert 'id="figure-distribution"' in page and 'id="dimensions-table"' in page
    assert 'id="trends-table"' in page
    assert 'id="lowest-table"' in page and 'id="unknown-table"' in page
    assert "plotly-selfscan" in page and "js/ccv.js" in page
    assert "<script>" not in page and " onclick=" not in page and 'style="' not in page
    # Municipality names appear nowhere (a few share their name with a province).
    names = [r[0] for r in db.execute(
        """SELECT name FROM municipalities WHERE code IN (SELECT municipality_code FROM rounds)
           AND name NOT IN (SELECT province FROM municipalities)""")]
    assert names and not any(name in page for name in names)


def test_dashboard_breakdowns_and_suppression(app, client, staff, db, q):
    _released(app, db, q, municipalities_where(db, peer_group="tot-20k")[:6]
              + municipalities_where(db, peer_group="20k-50k")[:4])
    sign_in(client)
    page = client.get("/ccv?tabel=peer_group").text
    assert 'id="breakdown-table"' in page and "onderdrukt" in page
    assert 'value="peer_group" selected' in page
    assert "10-19 gemeenten" in client.get("/ccv").text


def test_dashboard_bad_breakdown_is_a_clear_400(client, staff):
    sign_in(client)
    response = client.get("/ccv?tabel=Atlantis")
    assert response.status_code == 400
    assert "Kies een uitsplitsing uit de lijst." in response.text


def test_dashboard_shows_labelled_demo_data_on_a_new_installation(client, staff, runner):
    assert runner.invoke(args=["demo-data", "--rounds", "60", "--seed", "1"]).exit_code == 0
    assert runner.invoke(args=["release", "--synthetic"]).exit_code == 0
    sign_in(client)
    page = client.get("/ccv").text
    assert 'id="synthetic-notice"' in page and "Synthetische data" in page
    real = client.get("/ccv?synthetisch=0").text
    assert 'id="synthetic-notice"' not in real and 'id="no-release"' in real


def test_coaching_list_shows_only_requests_with_contact_and_latest_results(client, staff, db, q):
    codes = municipalities_where(db)[:3]
    for handle in (
            make_round(db, [("police", "3")], questionnaire=q, municipality=codes[0], year=YEAR,
                       coaching=True, email="regie@gemeente.nl", consent=False),
            make_round(db, [("police", "1")], questionnaire=q, municipality=codes[1], year=YEAR,
                       coaching=True, email="open@gemeente.nl", closed=False)):
        contact.confirm(db, contact.new_confirmation(db, handle.round_id))  # only confirmed ones
    make_round(db, [("police", "2")], questionnaire=q, municipality=codes[2], year=YEAR)
    sign_in(client)
    page = client.get("/ccv/coaching").text
    name = {c: db.execute("SELECT name FROM municipalities WHERE code = ?", (c,)).fetchone()[0]
            for c in codes}
    assert name[codes[0]] in page and "regie@gemeente.nl" in page and "75,0" in page
    assert name[codes[1]] in page and "De ronde is nog open" in page
    assert name[codes[2]] not in page


def test_coaching_list_needs_sign_in(client):
    assert client.get("/ccv/coaching").status_code == 302


# --- API --------------------------------------------------------------------------------------


def test_api_without_authentication_is_401_json(client):
    response = client.get("/api/v1/benchmark")
    assert response.status_code == 401
    assert response.is_json and "Niet ingelogd" in response.get_json()["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    bad = client.get("/api/v1/benchmark", headers={"Authorization": "Bearer " + "x" * 32})
    assert bad.status_code == 401


def test_api_with_a_token(app, client, staff, db, q):
    _released(app, db, q, municipalities_where(db)[:5])
    token = users.create_api_token(db, staff.id, "test")
    response = client.get("/api/v1/benchmark", headers={"Authorization": f"Bearer {token}"})
    data = response.get_json()
    assert response.status_code == 200 and data["national"]["shown"]
    assert data["municipalities"] == "5-9" and data["release"] == 1
    assert data["dimension_labels"]["connection"] == "Lokale en landelijke verbinding"


def test_api_with_a_session_and_the_same_anonymity(app, client, staff, db, q):
    _released(app, db, q, municipalities_where(db)[:5])
    sign_in(client)
    data = client.get("/api/v1/benchmark").get_json()
    assert data["national"]["shown"] and data["national"]["dimensions"]["connection"]["q1"] is None
    provinces = data["tables"]["province"]["cells"]
    assert provinces and not any(c["shown"] for c in provinces.values())  # all under five


def test_api_bad_release_is_json(client, staff):
    sign_in(client)
    response = client.get("/api/v1/benchmark?release=abc")
    assert response.status_code == 400 and response.is_json
    assert "release" in response.get_json()["message"]


# --- CLI --------------------------------------------------------------------------------------


def test_create_user_prompts_twice(runner, db):
    result = runner.invoke(args=["create-user", "nieuw@hetccv.nl", "--role", "ccv"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert users.authenticate(db, "nieuw@hetccv.nl", PASSWORD) is not None


def test_create_user_from_stdin_and_refuses_short_passwords(runner, db):
    ok = runner.invoke(args=["create-user", "script@hetccv.nl", "--password-stdin"],
                       input=PASSWORD + "\n")
    assert ok.exit_code == 0
    short = runner.invoke(args=["create-user", "kort@hetccv.nl", "--password-stdin"],
                          input="kort\n")
    assert short.exit_code != 0 and "12 tekens" in short.output
    again = runner.invoke(args=["create-user", "script@hetccv.nl", "--password-stdin"],
                          input=PASSWORD + "\n")
    assert again.exit_code != 0 and "bestaat al" in again.output


def test_create_api_token_prints_it_once(runner, db, staff):
    result = runner.invoke(args=["create-api-token", staff.email, "--label", "rapport"])
    assert result.exit_code == 0
    token = result.stdout.strip().splitlines()[-1]
    assert users.user_for_api_token(db, token).email == staff.email
    missing = runner.invoke(args=["create-api-token", "niemand@hetccv.nl"])
    assert missing.exit_code != 0 and "geen account" in missing.output


def test_demo_data_count_label_years_and_purge(runner, db, q):
    real = make_round(db, [("police", "2")], questionnaire=q, municipality=municipalities_where(db)[0],
                      year=YEAR).round_id
    result = runner.invoke(args=["demo-data", "--rounds", "120", "--seed", "7"])
    assert result.exit_code == 0, result.output
    rows = db.execute("""SELECT count(*), count(DISTINCT year), min(status), max(status),
                         min(benchmark_consent), min(name) FROM rounds WHERE synthetic = 1""").fetchone()
    assert rows[0] == 120 and rows[1] >= 3 and rows[2] == rows[3] == "closed" and rows[4] == 1
    assert "Synthetische" in rows[5]
    # Scores are stored for every dimension and item, as a real closing would.
    n_scores = db.execute("""SELECT count(*) FROM round_scores s JOIN rounds r
                             ON r.id = s.round_id WHERE r.synthetic = 1""").fetchone()[0]
    assert n_scores == 120 * len(q.dimensions)
    purge = runner.invoke(args=["demo-data", "--purge"])
    assert purge.exit_code == 0 and "120 synthetische rondes verwijderd" in purge.output
    assert db.execute("SELECT count(*) FROM rounds WHERE synthetic = 1").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM rounds WHERE id = ?", (real,)).fetchone()[0] == 1


def test_demo_data_needs_an_option(runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0 and "--rounds" in result.output
