"""CSV and JSON exports: own results, anonymous answers, and comments only when asked."""

from __future__ import annotations

import csv
import io
import json

from factories import current, make_round


def _csv(resp):
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_results_json(app, client):
    token = make_round(app, [("police", "1"), ("police", "2"), ("police", "4")]).coordinator
    resp = client.get(f"/c/{token}/uitkomsten.json")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    data = json.loads(resp.data)
    assert data["municipality"] == "Amsterdam"
    assert data["questionnaire"] == {"id": "mpg", "version": 3}  # the current version
    assert data["status"] == "closed" and data["respondents"] == 3
    dims = {d["id"]: d for d in data["dimensions"]}
    assert dims["manpower"]["score"] == 50.0
    assert dims["manpower"]["respondents"] == 3
    item = dims["manpower"]["items"][0]
    assert item["median_level"] == 2.0 and item["q1"] == 1.5 and item["q3"] == 3.0
    assert item["spread"] == 3


def test_results_csv(app, client):
    token = make_round(app, [("police", "3")] * 3).coordinator
    rows = _csv(client.get(f"/c/{token}/uitkomsten.csv"))
    q = current(app)
    assert len([r for r in rows if r["level"] in ("dimension", "item")]) == (
        len(q.dimensions) + len(q.items))
    dim = next(r for r in rows if r["level"] == "dimension" and r["id"] == "governance")
    assert dim["score"] == "75,0" and dim["respondents"] == "3"
    assert dim["text"] == "Bestuurlijke inbedding"
    # Then a row per context question (text questions are not summarised); nobody answered one,
    # so no option rows and no numbers.
    context = [r for r in rows if r["level"].startswith("context")]
    assert [(r["level"], r["id"]) for r in context] == [
        ("context", c.id) for c in q.context_questions if c.type != "text"]
    assert all(r["respondents"] == "0" and r["median"] == r["lowest"] == r["highest"] == ""
               for r in context)
    assert len(rows) == len(q.dimensions) + len(q.items) + len(context)


def test_answers_hide_small_role_groups_and_comments_by_default(app, client):
    token = make_round(
        app, [("police", "1")] * 3 + [("veilig-thuis", "2")] * 2 + [("education", "3")] * 3,
        comments={"connection": "=Jan de Vries weet dit"}).coordinator
    resp = client.get(f"/c/{token}/antwoorden.csv")
    assert resp.status_code == 200
    rows = _csv(resp)
    assert len(rows) == 8
    assert [r["respondent"] for r in rows] == [str(n) for n in range(1, 9)]
    groups = sorted(r["role_group"] for r in rows)
    # Veilig Thuis has two respondents: blank; one group of three is blanked along with it.
    assert "veilig-thuis" not in groups
    assert groups.count("") >= 2
    assert set(groups) - {""} <= {"police", "education"}
    assert not any(k.startswith("comment") for k in rows[0])
    assert "Jan de Vries" not in resp.get_data(as_text=True)
    body = json.loads(client.get(f"/c/{token}/antwoorden.json").data)
    assert len(body["respondents"]) == 8
    assert "Jan de Vries" not in json.dumps(body)
    assert "id" not in body["respondents"][0]


def test_answers_with_comments_only_when_asked(app, client):
    token = make_round(app, [("police", "1")] * 3, comments={"connection": "=SUM(A1)"}).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "toelichting=1" in page and "kan iemand herkenbaar zijn" in page
    rows = _csv(client.get(f"/c/{token}/antwoorden.csv?toelichting=1"))
    # A formula is defused for spreadsheets.
    assert rows[0]["comment-connection"] == "'=SUM(A1)"
    assert rows[0]["role_group"] == "police"
    body = json.loads(client.get(f"/c/{token}/antwoorden.json?toelichting=1").data)
    assert body["respondents"][0]["comment-connection"] == "=SUM(A1)"


def test_unknown_format_is_404(app, client):
    token = make_round(app, [("police", "1")]).coordinator
    assert client.get(f"/c/{token}/uitkomsten.xls").status_code == 404  # .xlsx is offered
    assert client.get(f"/c/{token}/antwoorden.xml").status_code == 404
