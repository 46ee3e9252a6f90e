"""Attack: a side's median on a statement must never be one person's answer.

A side (care, criminal law) is shown from three respondents. When two of them answer "weet ik
niet" on a statement, a median of that side on it would be the third person's answer, and the
coordinator, who knows who took part, would read it. The results page shows a side's median on a
statement (and a side's score on a dimension) only from three answers with a level.
"""

from __future__ import annotations

from factories import current, make_round

from selfscan.core import results as core

ITEM = "connection-case-meeting"


def _round(app, justice_answers: list[str]) -> str:
    care = [("child-protection", {"*": "2", ITEM: "4"})] * 3
    justice = [("police", {"*": "2", ITEM: answer}) for answer in justice_answers]
    return make_round(app, care + justice).coordinator


def test_a_sides_median_from_one_answer_is_not_shown(app, client):
    token = _round(app, ["0", "unknown", "unknown"])
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "Zorgkant: niveau" not in page and "Strafkant: niveau" not in page


def test_a_sides_median_from_three_answers_is_shown(app, client):
    # The control: the same round with three level answers on the criminal-law side shows both.
    token = _round(app, ["0", "0", "0"])
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "Zorgkant: niveau 4" in page and "Strafkant: niveau 0" in page


def test_side_items_need_three_level_answers_on_each_side(app):
    q = current(app)
    care = [{"role_group": "child-protection", "answers": {i: 2 for i in q.items} | {ITEM: 4}}
            for _ in range(3)]
    one = [{"role_group": "police", "answers": {i: 2 for i in q.items} | {ITEM: a}}
           for a in (0, "unknown", "unknown")]
    three = [{"role_group": "police", "answers": {i: 2 for i in q.items} | {ITEM: 0}}
             for _ in range(3)]
    assert core.side_items(core.analyse(q, care + one)) == {}
    assert ITEM in core.side_items(core.analyse(q, care + three))["connection"]


def test_a_sides_dimension_score_from_one_respondent_is_not_shown(app):
    q = current(app)
    dimension = q.dimension("connection")
    unknown = {i.id: "unknown" for i in dimension.items}
    care = [{"role_group": "child-protection", "answers": {i: 4 for i in q.items}}
            for _ in range(3)]
    justice = [{"role_group": "police", "answers": {i: 0 for i in q.items}}] + [
        {"role_group": "police", "answers": {i: 2 for i in q.items} | unknown} for _ in range(2)]
    analysis = core.analyse(q, care + justice)
    assert core._group_dimension_score(analysis.side_aggregates["justice"], "connection") is None
    assert core._group_dimension_score(analysis.side_aggregates["care"], "connection") == 100.0


def test_a_role_groups_dimension_score_from_one_respondent_is_not_shown(app):
    # The breakdown tables per role group and per side: the same rule as the side's line above.
    q = current(app)
    unknown = {i.id: "unknown" for i in q.dimension("connection").items}
    police = [{"role_group": "police", "answers": {i: 0 for i in q.items}}] + [
        {"role_group": "police", "answers": {i: 2 for i in q.items} | unknown} for _ in range(2)]
    care = [{"role_group": "child-protection", "answers": {i: 4 for i in q.items}}
            for _ in range(3)]
    view_groups, view_sides = core._group_views(q, core.analyse(q, police + care), "nl")
    by_id = {g.id: g for g in view_groups + view_sides}
    assert by_id["police"].scores["connection"] is None
    assert by_id["justice"].scores["connection"] is None
    assert by_id["child-protection"].scores["connection"] == 100.0
    assert by_id["police"].scores["manpower"] is not None  # three scores there
