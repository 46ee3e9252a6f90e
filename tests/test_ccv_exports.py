"""The anonymised export: CSV zip and SQLite file, without names, comments or synthetic rounds."""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile
from datetime import date

import pytest
from factories import make_round, make_user, municipalities_where, sign_in

from selfscan.storage import exports

YEAR = date.today().year
COMMENT = "Vertrouwelijke toelichting van de politie over gezin Jansen"


@pytest.fixture
def signed_in(client, db):
    make_user(db)
    sign_in(client)
    return client


def _open_sqlite(tmp_path, body):
    path = tmp_path / "export.db"
    path.write_bytes(body)
    return sqlite3.connect(path)


def _seed(db, q):
    utrecht = municipalities_where(db, province="Utrecht", peer_group="20k-50k")[:5]
    scattered = (municipalities_where(db, province="Zeeland")[:2]
                 + municipalities_where(db, province="Limburg")[:3])
    for code in utrecht + scattered:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR,
                   comments={q.dimensions[0].id: COMMENT}, coaching=True,
                   email="contact@gemeente.nl")
    alone_in_a_year = municipalities_where(db, province="Drenthe")[0]
    make_round(db, [("police", "2")], questionnaire=q, municipality=alone_in_a_year, year=YEAR - 1)
    return utrecht, scattered


def test_export_pages_need_sign_in(client):
    for path in ("/ccv/export", "/ccv/export/benchmark.zip", "/ccv/export/benchmark.db"):
        assert client.get(path).status_code == 302


def test_sqlite_export_opens_and_holds_no_names_comments_or_addresses(signed_in, db, q,
                                                                        tmp_path):
    _seed(db, q)
    response = signed_in.get("/ccv/export/benchmark.db")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    conn = _open_sqlite(tmp_path, body)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"about", "rounds", "dimension_scores", "item_scores"} <= tables
    assert conn.execute("SELECT count(*) FROM rounds").fetchone()[0] == 10
    assert conn.execute("SELECT count(*) FROM dimension_scores").fetchone()[0] == 10 * 5
    dump = "\n".join(conn.iterdump())
    names = [r[0] for r in db.execute("SELECT name FROM municipalities")]
    codes = [r[0] for r in db.execute("SELECT municipality_code FROM rounds")]
    assert COMMENT not in dump and "Jansen" not in dump and "contact@gemeente.nl" not in dump
    assert not any(f"'{name}'" in dump for name in names if name not in
                   {"Utrecht", "Groningen"})  # province names that are also municipalities
    assert not any(code in dump for code in codes)
    # The year with a single municipality is left out entirely.
    assert conn.execute("SELECT count(*) FROM rounds WHERE year = ?", (YEAR - 1,)).fetchone()[0] == 0


def test_peer_group_and_province_only_where_the_threshold_holds(signed_in, db, q, tmp_path):
    _seed(db, q)
    conn = _open_sqlite(tmp_path, signed_in.get("/ccv/export/benchmark.db").data)
    classes = dict(conn.execute(
        "SELECT peer_group || '/' || province, count(*) FROM rounds GROUP BY 1").fetchall())
    assert classes.get("20k-50k/Utrecht") == 5
    assert all(n >= 5 for n in classes.values())
    # Zeeland and Limburg rows are scattered over peer groups: their place is suppressed.
    assert not conn.execute("SELECT count(*) FROM rounds WHERE province IN "
                            "('Zeeland', 'Limburg')").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM rounds WHERE province = 'onderdrukt'"
                        ).fetchone()[0] == 5


def test_csv_zip_has_the_same_tables(signed_in, db, q):
    _seed(db, q)
    response = signed_in.get("/ccv/export/benchmark.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        assert set(zf.namelist()) == {"rounds.csv", "dimension_scores.csv", "item_scores.csv",
                                      "about.csv"}
        rounds = list(csv.DictReader(io.StringIO(zf.read("rounds.csv").decode())))
        text = "".join(zf.read(n).decode() for n in zf.namelist())
    assert len(rounds) == 10 and {r["synthetic"] for r in rounds} == {"0"}
    assert COMMENT not in text and "contact@gemeente.nl" not in text


def test_synthetic_rounds_stay_out_of_the_real_export(signed_in, db, q, runner, tmp_path):
    _seed(db, q)
    assert runner.invoke(args=["demo-data", "--rounds", "80", "--seed", "2"]).exit_code == 0
    real = _open_sqlite(tmp_path, signed_in.get("/ccv/export/benchmark.db").data)
    assert real.execute("SELECT count(*), max(synthetic) FROM rounds").fetchone() == (10, 0)
    assert "echte rondes" in real.execute("SELECT value FROM about WHERE key = 'data'"
                                          ).fetchone()[0]
    response = signed_in.get("/ccv/export/benchmark.db?synthetisch=1")
    assert "synthetisch" in response.headers["Content-Disposition"]
    (tmp_path / "s").mkdir()
    fake = _open_sqlite(tmp_path / "s", response.data)
    n, lowest = fake.execute("SELECT count(*), min(synthetic) FROM rounds").fetchone()
    assert n > 0 and lowest == 1
    assert "SYNTHETISCH" in fake.execute("SELECT value FROM about WHERE key = 'data'"
                                         ).fetchone()[0]


def test_export_page_offers_synthetic_only_when_present(signed_in, runner):
    assert "synthetisch=1" not in signed_in.get("/ccv/export").text
    runner.invoke(args=["demo-data", "--rounds", "5", "--seed", "1"])
    page = signed_in.get("/ccv/export").text
    assert "synthetisch=1" in page and "datasette" in page


def test_export_bad_parameter_is_a_400(signed_in):
    response = signed_in.get("/ccv/export/benchmark.db?synthetisch=ja-graag")
    assert response.status_code == 400 and "synthetisch=1" in response.text


def test_export_counts_each_municipality_once_per_year(db, q):
    codes = municipalities_where(db)[:5]
    for code in codes:
        make_round(db, [("police", "1")], questionnaire=q, municipality=code, year=YEAR)
    make_round(db, [("police", "4")], questionnaire=q, municipality=codes[0], year=YEAR)
    data = exports.export_data(db, seed=1)
    assert len(data["rounds"]) == 5
    assert sorted(r["overall_score"] for r in data["rounds"]) == [25.0] * 4 + [100.0]
    assert sorted(r["export_id"] for r in data["rounds"]) == [1, 2, 3, 4, 5]
