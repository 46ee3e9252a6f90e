"""make demo: `flask --app selfscan demo-setup` prepares a separate demo instance whose printed
links and password work, changes nothing elsewhere, and can run again."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from factories import db_snapshot, make_round, sign_in, varied

from selfscan.storage import db as dbmod

URL = "http://127.0.0.1:5001"


def _links(output: str) -> dict[str, str]:
    """The printed coordinator, read-only and sign-in paths, and the demo account."""
    found = {
        "coordinator": re.search(r"Coördinatorlink demoronde: (\S+)", output),
        "results": re.search(r"Uitkomsten: +(\S+)", output),
        "readonly": re.search(r"Alleen-lezenlink: +(\S+)", output),
        "signin": re.search(r"CCV-dashboard: +(\S+)", output),
        "email": re.search(r"e-mail (\S+),", output),
        "password": re.search(r"wachtwoord (\S+)", output),
    }
    assert all(found.values()), output
    links = {key: match.group(1) for key, match in found.items() if match}
    for key in ("coordinator", "results", "readonly", "signin"):
        assert links[key].startswith(URL + "/"), links[key]
        links[key] = urlsplit(links[key]).path
    return links


def _counts(app) -> tuple[int, int, int, int, int]:
    db = dbmod.connect(app.config["DATABASE"])
    try:
        return db.execute(
            """SELECT (SELECT count(*) FROM rounds WHERE synthetic = 1),
                      (SELECT count(DISTINCT municipality_code) FROM rounds WHERE synthetic = 1),
                      (SELECT count(*) FROM rounds WHERE synthetic = 0),
                      (SELECT count(*) FROM releases WHERE synthetic = 1),
                      (SELECT count(*) FROM users)""").fetchone()
    finally:
        db.conn.close()


def _open_everything(app, links: dict[str, str]) -> None:
    client = app.test_client()
    coordinator = client.get(links["coordinator"])
    assert coordinator.status_code == 200
    results = client.get(links["results"])
    assert results.status_code == 200 and "radar" in results.get_data(as_text=True).lower()
    readonly = app.test_client().get(links["readonly"])
    assert readonly.status_code == 200
    staff = app.test_client()
    assert staff.get(links["signin"]).status_code == 200
    signed_in = sign_in(staff, links["email"], links["password"])
    assert signed_in.status_code == 303 and signed_in.location.endswith("/ccv")
    dashboard = staff.get("/ccv").get_data(as_text=True)
    assert 'id="synthetic-notice"' in dashboard and 'id="no-release"' not in dashboard


def test_demo_setup_makes_a_working_demo_in_its_own_instance_only(new_app, tmp_path):
    other = new_app("real")
    before = db_snapshot(other.config["DATABASE"])
    app = new_app("instance-demo")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["demo-setup", "--url", URL])
    assert first.exit_code == 0, first.output
    links = _links(first.output)
    synthetic, municipalities, real, demo_releases, accounts = _counts(app)
    assert municipalities >= 40 and synthetic >= 41  # the demo round is synthetic as well
    assert (real, demo_releases, accounts) == (0, 1, 1)
    _open_everything(app, links)
    assert db_snapshot(other.config["DATABASE"]) == before  # nothing reached another database

    second = runner.invoke(args=["demo-setup", "--url", URL])
    assert second.exit_code == 0, second.output
    again = _links(second.output)
    assert _counts(app) == (synthetic, municipalities, real, demo_releases, accounts)
    assert again["password"] == links["password"]
    _open_everything(app, again)
    # The coordinator and read-only links were replaced: the first ones no longer open.
    assert app.test_client().get(links["coordinator"]).status_code == 404
    assert app.test_client().get(links["readonly"]).status_code == 404
    assert (tmp_path / "instance-demo" / "demo_password").stat().st_mode & 0o077 == 0


def test_demo_setup_refuses_a_database_with_real_rounds(app, runner):
    make_round(app, varied(3))
    result = runner.invoke(args=["demo-setup"])
    assert result.exit_code != 0 and "echte rondes" in result.output
    db = dbmod.connect(app.config["DATABASE"])
    try:
        assert db.execute("SELECT count(*) FROM rounds WHERE synthetic = 1").fetchone()[0] == 0
    finally:
        db.conn.close()


def test_empty_dashboard_says_how_to_get_data_and_points_to_the_demo(app, client):
    from factories import make_user

    make_user(app)
    sign_in(client)
    page = client.get("/ccv").get_data(as_text=True)
    assert 'id="no-release"' in page and 'id="how-to-get-data"' in page
    assert "<code>make demo</code>" in page
