"""The action plans in releases: which catalogue tools municipalities put in their plans and the
share of actions done per dimension, under the same disclosure rules as every other figure."""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from factories import make_round, make_user, municipalities_where, sign_in, varied
from pages import element, text_of

from selfscan.core import disclosure
from selfscan.core.disclosure import Unit
from selfscan.core.session import ActionInput
from selfscan.storage import releases, sessions


def _cut(app, db):
    with app.app_context():
        from selfscan.web import helpers

        return releases.cut(db, *disclosure.published_ids(helpers.library(), helpers.current()))


def _tools(app) -> list[str]:
    return [t.id for t in app.extensions["selfscan.library"].catalogue.tools]


def _planned_rounds(db, q, codes, plan):
    """An approved round per municipality; plan(n) gives the (dimension, tool, status) of the
    actions of the n-th one."""
    handles = []
    for n, code in enumerate(codes):
        handle = make_round(db, varied(3, seed=n), municipality=code, questionnaire=q,
                            approved=True)
        for dimension_id, tool_id, status in plan(n):
            sessions.add_action(db, handle.round_id, ActionInput(
                dimension_id, None, f"Actie {n}", "Team veiligheid", None, tool_id, status))
        handles.append(handle)
    return handles


@pytest.fixture
def tools(app):
    found = _tools(app)
    assert len(found) >= 3
    return found[:3]


def _plan_six(q, tools):
    """Six municipalities: all name tool 0 (one action done, one open), four also tool 1, and
    all have a dropped action naming tool 2."""
    dim = q.dimensions[0].id

    def plan(n):
        out = [(dim, tools[0], "done"), (dim, tools[0], "open"), (dim, tools[2], "dropped")]
        return out + ([(dim, tools[1], "busy")] if n < 4 else [])
    return plan


def test_a_release_shows_the_tools_and_the_share_done(app, db, q, tools):
    codes = municipalities_where(db)[:6]
    _planned_rounds(db, q, codes, _plan_six(q, tools))
    plans = _cut(app, db).content["plans"]
    assert plans["municipalities"] == "5-9"
    # Tool 1 is in four plans: absent, not zero. Tool 2 only in dropped actions: absent.
    assert plans["tools"] == [{"tool_id": tools[0], "municipalities": "5-9"}]
    first, second = q.dimensions[0].id, q.dimensions[1].id
    # Four municipalities: 1 of 3 done (the dropped one does not count); two: 1 of 2 done.
    assert plans["dimensions"][first] == {"done_percent": 33, "municipalities": "5-9"}
    assert plans["dimensions"][second] == {"done_percent": None, "municipalities": None}


def test_the_units_carry_the_plan_without_dropped_actions(app, db, q, tools):
    codes = municipalities_where(db)[:6]
    handles = _planned_rounds(db, q, codes, _plan_six(q, tools))
    units = {u.round_id: u for u in releases.units(db)}
    first = units[handles[0].round_id]
    assert first.plan_tools == frozenset(tools[:2])
    assert first.plan_actions == {q.dimensions[0].id: (1, 3)}
    assert units[handles[5].round_id].plan_actions == {q.dimensions[0].id: (1, 2)}


def test_four_municipalities_with_plans_show_nothing(app, db, q, tools):
    codes = municipalities_where(db)[:6]
    dim = q.dimensions[0].id
    _planned_rounds(db, q, codes,
                    lambda n: [(dim, tools[0], "done")] if n < 4 else [])
    plans = _cut(app, db).content["plans"]
    assert plans["tools"] == []
    assert plans["municipalities"] is None
    assert all(v == {"done_percent": None, "municipalities": None}
               for v in plans["dimensions"].values())


def _unit(n, tools=frozenset(), actions=None):
    return Unit(municipality=f"GM{n:04d}", round_id=n, year=2025, version="mpg:1",
                province="Utrecht", peer_group="20k-50k", caseload=None, overall=50.0,
                dimensions={"connection": 50.0}, plan_tools=frozenset(tools),
                plan_actions=actions or {})


def test_plain_rules_of_the_plans_section():
    full = [_unit(n, {"a", "b"} if n < 4 else {"a"}, {"connection": (1 + n % 2, 2 + 2 * (n % 2))})
            for n in range(7)]
    plans = disclosure.plans(full, ["connection"])
    assert plans["tools"] == [{"tool_id": "a", "municipalities": "5-9"}]
    assert plans["dimensions"]["connection"] == {"done_percent": 50, "municipalities": "5-9"}
    # Fewer than five units: nothing at all.
    assert disclosure.plans(full[:4], ["connection"]) == {
        "municipalities": None, "dimensions": {}, "tools": []}
    # Seven with actions and two without: the two would be a small group left out.
    left_out = full + [_unit(10), _unit(11)]
    assert disclosure.plans(left_out, ["connection"])["dimensions"]["connection"] == {
        "done_percent": None, "municipalities": None}
    # ... with five or more without, the share is shown again.
    plenty = left_out + [_unit(12 + n) for n in range(3)]
    assert disclosure.plans(plenty, ["connection"])["dimensions"]["connection"][
        "done_percent"] == 50


def test_tools_are_ordered_by_band_then_id_never_by_exact_count():
    units = [_unit(n, {"z"} if n < 12 else set()) for n in range(12)]
    units = [replace(u, plan_tools=u.plan_tools | ({"a"} if u.round_id < 6 else set())
                     | ({"m"} if u.round_id < 7 else set())) for u in units]
    assert [t["tool_id"] for t in disclosure.plans(units, [])["tools"]] == ["z", "a", "m"]


def test_the_plan_never_enters_the_row_file(app, db, q, tools):
    codes = municipalities_where(db)[:6]
    _planned_rounds(db, q, codes, _plan_six(q, tools))
    content = _cut(app, db).content
    assert not any(tools[0] in json.dumps(r) for r in content["rows"]["rows"])
    assert all(not k.startswith("plan") for r in content["rows"]["rows"] for k in r)


def test_two_consecutive_releases_cannot_reveal_one_municipalitys_plan(app, db, q, tools):
    """A municipality enters with a plan that names a tool four others name: the tool would
    appear because of it alone. That release is refused; once four more have entered, the new
    figures are the same whichever of the five entrants named the tool."""
    codes = municipalities_where(db)[:11]
    dim = q.dimensions[0].id
    _planned_rounds(db, q, codes[:6],
                    lambda n: [(dim, tools[1], "open")] + ([(dim, tools[0], "done")] if n < 4
                                                            else []))
    first = _cut(app, db)
    assert [t["tool_id"] for t in first.content["plans"]["tools"]] == [tools[1]]
    target = _planned_rounds(db, q, codes[6:7], lambda n: [(dim, tools[0], "done")])[0]
    with pytest.raises(disclosure.ReleaseRefused):
        _cut(app, db)
    # A continuing member marking its actions done is no change either: still refused, and
    # nothing of it shows until a release is cut.
    member = releases.units(db)[0]
    for action in sessions.actions(db, member.round_id):
        sessions.update_action(db, member.round_id, action.id, ActionInput(
            action.dimension_id, None, action.what, action.who, None, action.tool_id, "done"),
            action.version)
    with pytest.raises(disclosure.ReleaseRefused):
        _cut(app, db)
    assert releases.latest(db).content == first.content
    others = _planned_rounds(db, q, codes[7:11], lambda n: [(dim, tools[1], "open")])
    second = _cut(app, db)
    assert second.number == 2
    assert {t["tool_id"] for t in second.content["plans"]["tools"]} == {tools[0], tools[1]}
    # Give the target's plan to any other entrant and the target theirs: the same release.
    units = releases.units(db)
    by_round = {u.round_id: u for u in units}
    dims = second.content["dimension_ids"]
    for other in others:
        a, b = by_round[target.round_id], by_round[other.round_id]
        swapped = [replace(u, plan_tools=b.plan_tools, plan_actions=b.plan_actions)
                   if u is a else replace(u, plan_tools=a.plan_tools,
                                          plan_actions=a.plan_actions)
                   if u is b else u for u in units]
        assert disclosure.plans(swapped, dims) == second.content["plans"]


# --- the dashboard, the API and the export -------------------------------------------------------


@pytest.fixture
def planned(app, db, q, tools):
    _planned_rounds(db, q, municipalities_where(db)[:6], _plan_six(q, tools))
    release = _cut(app, db)
    make_user(db)
    return release


def _tool_title(app, tool_id, lang="nl"):
    return app.extensions["selfscan.library"].catalogue.get(tool_id).title.get(lang)


def test_the_dashboard_shows_the_plans_in_dutch(app, client, planned, q, tools):
    sign_in(client)
    page = client.get("/ccv").get_data(as_text=True)
    section = element(page, "plans")
    assert "Actieplannen" in text_of(section)
    dims = text_of(element(page, "plans-dimensions-table"))
    assert "33%" in dims and "5-9" in dims
    tools_table = element(page, "plans-tools-table")
    assert _tool_title(app, tools[0]) in text_of(tools_table)
    assert _tool_title(app, tools[1]) not in text_of(tools_table)  # in four plans
    assert tools_table.count("<tr>") == 2  # the header and the one tool of five or more
    assert "minder dan 5 of geen" in text_of(element(page, "plans-rules"))


def test_the_dashboard_renders_in_english(app, client, planned, tools):
    sign_in(client)
    client.get("/taal/en?next=/ccv")
    response = client.get("/ccv")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'lang="en"' in page
    assert element(page, "plans-dimensions-table") and element(page, "plans-tools-table")
    assert _tool_title(app, tools[0], "en") in text_of(element(page, "plans-tools-table"))


def test_a_release_from_before_plans_says_so(app, client, db, planned):
    db.execute("UPDATE releases SET content = json_remove(content, '$.plans')")
    sign_in(client)
    page = client.get("/ccv").get_data(as_text=True)
    assert element(page, "plans-missing")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/ccv/export/benchmark.zip").data))
    assert archive.read("plans_tools.csv").decode().splitlines() == ["tool,municipalities"]


def test_the_api_carries_the_plans(app, client, planned, tools):
    sign_in(client)
    data = client.get("/api/v1/benchmark").get_json()
    assert data["plans"]["tools"] == [{"tool_id": tools[0], "municipalities": "5-9"}]
    assert set(data["tool_labels"]) == {tools[0]}


def test_the_export_contains_the_plans(app, client, planned, q, tools):
    sign_in(client)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/ccv/export/benchmark.zip").data))
    assert {"plans_dimensions.csv", "plans_tools.csv", "plans.json"} <= set(archive.namelist())
    assert archive.read("plans_tools.csv").decode().splitlines() == [
        "tool,municipalities", f"{tools[0]},5-9"]
    dims = archive.read("plans_dimensions.csv").decode().splitlines()
    assert dims[0] == "dimension,done_percent,municipalities"
    assert f"{q.dimensions[0].id},33,5-9" in dims
    assert json.loads(archive.read("plans.json")) == planned.content["plans"]
    assert "table:plans_tools" in archive.read("about.csv").decode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "release.db"
        path.write_bytes(client.get("/ccv/export/benchmark.db").data)
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("SELECT tool, municipalities FROM plans_tools").fetchall() == [
                (tools[0], "5-9")]
            assert conn.execute("SELECT done_percent, municipalities FROM plans_dimensions "
                                "WHERE dimension = ?", [q.dimensions[0].id]).fetchone() == (
                33, "5-9")
        finally:
            conn.close()
