"""What the working session changes on the results page, the report, the PDF and the exports:
agreed levels beside the medians, targets (table and radar), the action plan, and in the next
round the previous round's targets checked and its actions done."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import openpyxl
import pytest
from factories import make_round, varied
from pages import element, text_of
from test_report import _pdf_text

from selfscan.core.session import ActionInput, AgreementInput
from selfscan.output.workbook import CONTENT_TYPE, safe_text
from selfscan.storage import readonly_links, sessions


def _csv(resp) -> list[dict[str, str]]:
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def _radar(page: str) -> dict:
    match = re.search(r'<script[^>]*id="radar-data"[^>]*>(.*?)</script>', page, re.S)
    assert match, "page has no radar data"
    return json.loads(match.group(1))


@pytest.fixture
def tool(app):
    return app.extensions["selfscan.library"].catalogue.tools[0]


@pytest.fixture
def planned(app, db, q, tool):
    """A closed round whose working session agreed a level, set a target and made actions."""
    handle = make_round(app, varied(6))
    dim = q.dimensions[0]
    item = dim.items[0]
    sessions.save_agreement(db, handle.round_id, item.id, AgreementInput(
        3, "Convenant getekend", "Convenant zorg en veiligheid", "https://example.org/convenant"),
        None)
    sessions.save_target(db, handle.round_id, dim.id, 3, None)
    sessions.add_action(db, handle.round_id, ActionInput(
        dim.id, item.id, "=Convenant herzien", "Gemeente, team Veiligheid", date(2027, 3, 31),
        tool.id, "busy"))
    sessions.add_action(db, handle.round_id, ActionInput(
        q.dimensions[1].id, None, "Casusoverleg evalueren", "Zorg- en Veiligheidshuis"))
    return handle, dim, item


def _scores(client, token: str) -> dict:
    data = json.loads(client.get(f"/c/{token}/uitkomsten.json").data)
    return {d["id"]: (d["score"], [i["median_level"] for i in d["items"]])
            for d in data["dimensions"]} | {"overall": data["overall_score"]}


def test_agreements_never_change_the_scores(app, client, db, q):
    handle = make_round(app, varied(6))
    before = _scores(client, handle.coordinator)
    for n, item in enumerate(q.items):
        sessions.save_agreement(db, handle.round_id, item, AgreementInput(n % 5), None)
    for d in q.dimensions:
        sessions.save_target(db, handle.round_id, d.id, 4, None)
    assert _scores(client, handle.coordinator) == before


def test_results_page_shows_agreed_levels_targets_and_plan(client, planned, q, tool):
    handle, dim, item = planned
    page = client.get(f"/c/{handle.coordinator}/uitkomsten").get_data(as_text=True)
    text = text_of(page)
    # The agreed level sits beside the median in the item table, never in its place.
    assert "Afgesproken niveau" in text
    assert f'data-agreed="{item.id}">3<' in page
    agreements = element(page, "agreements")
    assert "Convenant getekend" in agreements and 'href="https://example.org/convenant"' in agreements
    # Targets: in the scores table and as a dashed line on the radar, only where set.
    scores = element(page, "scores-table")
    assert "Doelniveau" in scores and "Doelscore" in scores
    assert f'data-target="{dim.id}">3<' in scores
    radar = _radar(page)
    target = next(t for t in radar["data"] if t["name"] == "Doel")
    assert target["line"]["dash"] == "longdash"
    assert target["r"][0] == 75 and target["r"][1] is None
    # The action plan as a table.
    plan = element(page, "action-plan")
    assert "Actieplan" in plan
    assert "=Convenant herzien" in text_of(plan) and "31-03-2027" in plan
    assert "Bezig" in plan and "Open" in plan and tool.title.nl in plan
    assert item.label("nl") in plan and dim.title.nl in plan
    assert 'class="table-wrap"' in page.split('id="plan"')[1][:400]
    # The downloads of the plan.
    for link in ("uitkomsten.xlsx", "actieplan.csv", "actieplan.json"):
        assert f"/c/{handle.coordinator}/{link}" in page
    assert "Doelen van de vorige ronde" not in text


def test_report_and_pdf_show_the_plan(client, planned, tool):
    handle, dim, item = planned
    report = text_of(client.get(f"/c/{handle.coordinator}/uitkomsten/rapport").get_data(as_text=True))
    assert "Afspraken per stelling" in report and "Convenant getekend" in report
    assert "Actieplan" in report and "Casusoverleg evalueren" in report and "31-03-2027" in report
    assert "Doelscore" in report
    text = _pdf_text(client.get(f"/c/{handle.coordinator}/uitkomsten/rapport.pdf").data)
    assert "Afgesproken niveaus" in text and "Convenant getekend" in text
    assert "Actieplan" in text and "Casusoverleg evalueren" in text
    assert "31-03-2027" in text and "Bezig" in text
    assert "Doelscore" in text and "Doel" in text


def test_csv_and_json_exports_hold_the_plan(client, planned, tool):
    handle, dim, item = planned
    token = handle.coordinator
    rows = _csv(client.get(f"/c/{token}/uitkomsten.csv"))
    item_row = next(r for r in rows if r["level"] == "item" and r["id"] == item.id)
    assert item_row["agreed_level"] == "3"
    dim_row = next(r for r in rows if r["level"] == "dimension" and r["id"] == dim.id)
    assert (dim_row["target_level"], dim_row["target_score"]) == ("3", "75")
    data = json.loads(client.get(f"/c/{token}/uitkomsten.json").data)
    assert data["targets"] == [{"dimension": dim.id, "title": dim.title.nl,
                                "score": next(d["score"] for d in data["dimensions"]
                                              if d["id"] == dim.id),
                                "target_level": 3, "target_score": 75}]
    assert data["agreements"][0]["agreed_level"] == 3
    assert data["agreements"][0]["evidence_url"] == "https://example.org/convenant"
    first = data["actions"][0]
    assert first["what"] == "=Convenant herzien" and first["due"] == "2027-03-31"
    assert first["tool"] == tool.id and first["status"] == "busy" and first["status_label"] == "Bezig"

    resp = client.get(f"/c/{token}/actieplan.csv")
    assert resp.mimetype == "text/csv" and "-actieplan.csv" in resp.headers["Content-Disposition"]
    plan = _csv(resp)
    assert [r["what"] for r in plan] == ["'=Convenant herzien", "Casusoverleg evalueren"]
    assert plan[0]["due"] == "31-03-2027" and plan[0]["status_label"] == "Bezig"
    assert plan[1]["item"] == "" and plan[1]["status"] == "open"
    body = json.loads(client.get(f"/c/{token}/actieplan.json").data)
    assert body["municipality"] == "Amsterdam"
    assert len(body["actions"]) == 2 and body["targets"][0]["target_score"] == 75
    assert client.get(f"/c/{token}/actieplan.xml").status_code == 404


def test_xlsx_workbook(client, planned, q, tool):
    handle, dim, item = planned
    resp = client.get(f"/c/{handle.coordinator}/uitkomsten.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == CONTENT_TYPE
    assert re.search(r'attachment; filename="zelfscan-amsterdam-\d{4}-ronde-\d+-uitkomsten\.xlsx"',
                     resp.headers["Content-Disposition"])
    wb = openpyxl.load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["Scores", "Afspraken", "Actieplan"]
    scores = list(wb["Scores"].values)
    assert scores[0][0] == "Onderdeel" and "Doelscore" in scores[0]
    row = next(r for r in scores if r[0] == dim.title.nl)
    assert row[-2:] == (3, 75) and isinstance(row[1], float)
    agreed = list(wb["Afspraken"].values)
    assert len(agreed) == 1 + len(q.items)
    row = next(r for r in agreed if r[1] == item.label("nl"))
    assert row[3] == 3 and row[4] == "Convenant getekend"
    plan = list(wb["Actieplan"].values)
    assert plan[0][:3] == ("Onderdeel", "Stelling", "Wat")
    assert plan[1][2] == "'=Convenant herzien"  # never a formula
    assert wb["Actieplan"]["C2"].data_type == "s"
    assert plan[1][4].date() == date(2027, 3, 31)
    assert wb["Actieplan"]["E2"].number_format == "DD-MM-YYYY"
    assert plan[1][5] == tool.title.nl and plan[1][6] == "Bezig"
    assert plan[2][2] == "Casusoverleg evalueren"


def test_formula_text_is_defused():
    for text in ("=SUM(A1)", "+31", "-1", "@home"):
        assert safe_text(text) == "'" + text
    assert safe_text("Convenant") == "Convenant"


def test_round_without_session_data_looks_as_before(app, client):
    token = make_round(app, varied(6)).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    text = text_of(page)
    for absent in ("Afgesproken niveau", "Afspraken per stelling", "Doelniveau",
                   "Doelen van de vorige ronde", "Uit de werksessie"):
        assert absent not in text
    assert 'data-agreed=' not in page and 'id="action-plan"' not in page
    assert all(t["name"] != "Doel" for t in _radar(page)["data"])
    report = text_of(client.get(f"/c/{token}/uitkomsten/rapport").get_data(as_text=True))
    assert "Actieplan" not in report and "Doelscore" not in report
    pdf = _pdf_text(client.get(f"/c/{token}/uitkomsten/rapport.pdf").data)
    assert "Actieplan" not in pdf and "Afgesproken" not in pdf and "Doelscore" not in pdf
    data = json.loads(client.get(f"/c/{token}/uitkomsten.json").data)
    assert data["actions"] == [] and data["targets"] == [] and data["agreements"] == []
    assert _csv(client.get(f"/c/{token}/actieplan.csv")) == []
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/c/{token}/uitkomsten.xlsx").data))
    assert list(wb["Actieplan"].values)[1:] == []


def test_next_round_compares_with_last_rounds_targets_and_names_the_actions_done(app, client, db, q):
    first = make_round(app, [("police", "2")] * 3)  # every dimension scores 50
    d0, d1 = q.dimensions[0], q.dimensions[1]
    sessions.save_target(db, first.round_id, d0.id, 4, None)  # 100: not met
    sessions.save_target(db, first.round_id, d1.id, 1, None)  # 25: met
    sessions.add_action(db, first.round_id, ActionInput(d0.id, None, "Convenant getekend",
                                                        "Gemeente", status="done"))
    sessions.add_action(db, first.round_id, ActionInput(d1.id, None, "Werkwijze vastleggen"))
    second = make_round(app, [("police", "2")] * 3, previous_round_id=first.round_id)
    sessions.carry_over_actions(db, first.round_id, second.round_id)  # idempotent
    assert [a.what for a in sessions.actions(db, second.round_id)] == ["Werkwijze vastleggen"]

    page = client.get(f"/c/{second.coordinator}/uitkomsten").get_data(as_text=True)
    checked = element(page, "previous-targets")
    assert "Doelen van de vorige ronde" in checked
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>.*?<td>([^<]+)</td></tr>', checked, re.S))
    assert rows[d0.title.nl].strip() == "Nee, nog niet"
    assert rows[d1.title.nl].strip() == "Ja, gehaald"
    assert "Convenant getekend" in element(page, "previous-plan")
    plan = text_of(element(page, "action-plan"))
    assert "Werkwijze vastleggen (uit de vorige ronde)" in plan
    assert "Convenant getekend" not in plan  # done actions are not carried

    report = text_of(client.get(f"/c/{second.coordinator}/uitkomsten/rapport").get_data(as_text=True))
    assert "Doelen van de vorige ronde" in report
    assert "Deze acties uit de vorige ronde zijn klaar: Convenant getekend" in report
    pdf = _pdf_text(client.get(f"/c/{second.coordinator}/uitkomsten/rapport.pdf").data)
    assert "Doelen van de vorige ronde" in pdf and "Nee, nog niet" in pdf
    assert "Convenant getekend" in pdf
    data = json.loads(client.get(f"/c/{second.coordinator}/actieplan.json").data)
    met = {t["dimension"]: t["met"] for t in data["previous_targets"]}
    assert met == {d0.id: False, d1.id: True}
    assert [a["what"] for a in data["previous_actions_done"]] == ["Convenant getekend"]
    # The first round itself is unchanged by the second: no comparison there.
    first_page = text_of(client.get(f"/c/{first.coordinator}/uitkomsten").get_data(as_text=True))
    assert "Doelen van de vorige ronde" not in first_page


def test_readonly_link_shows_the_plan_without_downloads(client, db, planned):
    handle, dim, item = planned
    link = readonly_links.create_or_replace(db, handle.round_id)
    page = client.get(f"/l/{link}").get_data(as_text=True)
    assert "Actieplan" in text_of(page) and f'data-agreed="{item.id}">3<' in page
    assert "uitkomsten.xlsx" not in page and "actieplan.csv" not in page
    assert handle.coordinator not in page
