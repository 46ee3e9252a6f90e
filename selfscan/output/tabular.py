"""Tables as files: one CSV and JSON writer for every export, the results export of a round,
and the CCV's anonymised benchmark export (CSV tables in a zip, and one SQLite database).

Numbers in files:

* JSON and SQLite hold real numbers; they never depend on a language.
* Machine-readable CSV (the CCV's benchmark export, ``csv_text`` without ``spreadsheet``) is
  comma-separated with a decimal point (1.5), in every language (docs/ccv-export.md).
* Spreadsheet CSV (a municipality's downloads, ``spreadsheet=True``) is written for the
  spreadsheet of the reader's language (``lang``): Dutch with a decimal comma (68,1) and
  semicolons between the fields, English with a decimal point (68.1) and commas. The field
  separator is never the decimal mark. The number itself comes from
  ``formats.spreadsheet_number``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from selfscan.core.anonymity import THRESHOLD
from selfscan.core.results import ResultsView
from selfscan.output import formats

# --- one writer for every export ---------------------------------------------------------------


def json_text(data: Any) -> str:
    """JSON as people and programs read it: UTF-8 text, keys in the order written, indented."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *,
             spreadsheet: bool = False, lang: str = formats.DEFAULT_LANG) -> str:
    """CSV with a header row; columns a row lacks are empty.

    ``spreadsheet=True`` writes for a municipality's Excel in the reader's language ``lang``: a
    BOM (accents intact), numbers with the language's decimal mark and the other separator
    between fields (Dutch: 68,1 and semicolons, so that Dutch Excel opens the file as columns;
    English: 68.1 and commas), and text that a spreadsheet would run as a formula prefixed with
    a quote (CSV injection). Without it the file is plain comma-separated UTF-8 with decimal
    points for analysis tools, whatever the language.
    """
    buf = io.StringIO()
    delimiter = ","
    if spreadsheet:
        buf.write("\ufeff")
        delimiter = ";" if formats.decimal_mark(lang) == "," else ","
    writer = csv.DictWriter(buf, fieldnames=list(columns), delimiter=delimiter,
                            extrasaction="ignore", lineterminator="\r\n" if spreadsheet else "\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (_spreadsheet_cell(row.get(k), lang) if spreadsheet else row.get(k))
                         for k in columns})
    return buf.getvalue()


def _spreadsheet_cell(value: Any, lang: str) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, float):
        return formats.spreadsheet_number(value, lang=lang)
    return "" if value is None else value


# --- a round's results --------------------------------------------------------------------------


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def results_export(view: ResultsView) -> dict[str, Any]:
    """The municipality's own results as plain data (JSON export; the CSV flattens it)."""
    return {
        "municipality": view.municipality,
        "municipality_code": view.round["municipality_code"],
        "year": view.round["year"],
        "round_name": view.round["name"],
        "questionnaire": {"id": view.questionnaire_id, "version": view.version},
        "status": "provisional" if view.provisional else "closed",
        "generated": view.generated.isoformat(),
        "respondents": view.respondents,
        "overall_score": _r(view.overall),
        "overall_phase": view.overall_phase_name,
        "dimensions": [
            {
                "id": d.id, "title": d.title, "score": _r(d.score), "phase": d.phase_name,
                "respondents": d.respondents, "coverage": _r(d.coverage, 3),
                "unknown_share": _r(d.unknown_share, 3), "disagreement": _r(d.disagreement),
                "change_since_previous": _r(d.change),
                "peer_group_median": _r(d.peer), "national_median": _r(d.national),
                "items": [
                    {"id": i.id, "statement": i.statement, "median_level": i.median,
                     "q1": i.q1, "q3": i.q3, "spread": i.spread,
                     "respondents_with_level": i.respondents, "unknown": i.unknown,
                     "not_applicable": i.not_applicable,
                     "change_since_previous": i.change}
                    for i in d.items
                ],
            }
            for d in view.dimensions
        ],
        "context": [
            {"id": c.id, "question": c.question, "answered": c.answered,
             "median": c.median, "lowest": c.low, "highest": c.high,
             "chosen": [{"option": label, "respondents": n} for label, n in c.counts]}
            for c in view.context
        ],
    }


RESULTS_COLUMNS = ["level", "dimension", "id", "text", "score", "phase", "median_level",
                   "respondents", "coverage", "unknown_share", "unknown", "not_applicable",
                   "disagreement", "change_since_previous", "peer_group_median",
                   "national_median", "median", "lowest", "highest"]


def results_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The results export flattened for CSV: a row per dimension, followed by its items."""
    rows: list[dict[str, Any]] = []
    for d in data["dimensions"]:
        rows.append({"level": "dimension", "dimension": d["id"], "id": d["id"],
                     "text": d["title"], "score": d["score"], "phase": d["phase"],
                     "respondents": d["respondents"], "coverage": d["coverage"],
                     "unknown_share": d["unknown_share"], "disagreement": d["disagreement"],
                     "change_since_previous": d["change_since_previous"],
                     "peer_group_median": d["peer_group_median"],
                     "national_median": d["national_median"]})
        for i in d["items"]:
            rows.append({"level": "item", "dimension": d["id"], "id": i["id"],
                         "text": i["statement"], "median_level": i["median_level"],
                         "respondents": i["respondents_with_level"], "unknown": i["unknown"],
                         "not_applicable": i["not_applicable"],
                         "change_since_previous": i["change_since_previous"]})
    for c in data.get("context", ()):
        rows.append({"level": "context", "id": c["id"], "text": c["question"],
                     "respondents": c["answered"], "median": c["median"],
                     "lowest": c["lowest"], "highest": c["highest"]})
        rows += [{"level": "context-option", "id": c["id"], "text": chosen["option"],
                  "respondents": chosen["respondents"]} for chosen in c["chosen"]]
    return rows


# --- the CCV's anonymised export of a release ---------------------------------------------------


def about_rows(number: int, created_at: str, synthetic: bool, columns: Sequence[str]
               ) -> list[dict[str, str]]:
    """The explanation that travels with every export."""
    return [
        {"key": "release", "value": str(number)},
        {"key": "release_date", "value": created_at},
        {"key": "generated_at", "value": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
        {"key": "threshold", "value": str(THRESHOLD)},
        {"key": "data", "value": (
            "SYNTHETISCH: demonstratiegegevens, geen echte gemeenten" if synthetic
            else "goedgekeurde rondes met toestemming voor de benchmark")},
        {"key": "rules", "value": (
            "Eén rij per gemeente: haar laatste goedgekeurde, afgesloten ronde in deze release. "
            "Geen gemeentenamen, geen toelichtingen, geen e-mailadressen, geen aantallen "
            "deelnemers. Scores als hele getallen. Alleen kenmerken (" + ", ".join(columns)
            + ") waarvan elke combinatie minstens " + str(THRESHOLD) + " keer voorkomt; "
            "andere kenmerken zijn weggelaten. De volgorde van de rijen zegt niets.")},
        {"key": "table:rows", "value": "Per gemeente de kenmerken, de totaalscore, de score per "
                                       "onderdeel (dimension:…) en de mediaan per stelling "
                                       "(item:…, niveau 0-4)."},
    ]


def filename(kind: str, number: int, synthetic: bool) -> str:
    prefix = "selfscan-benchmark-synthetisch" if synthetic else "selfscan-benchmark"
    return f"{prefix}-release-{number}.{kind}"


def _row_columns(release_rows: Mapping[str, Any]) -> list[str]:
    return list(release_rows["rows"][0]) if release_rows["rows"] else list(release_rows["columns"])


def release_zip(content: Mapping[str, Any], number: int, created_at: str, synthetic: bool
                ) -> bytes:
    """A zip with rows.csv and about.csv (UTF-8, comma separated, header row, decimal points:
    machine-readable in every language)."""
    rows = content["rows"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("rows.csv", csv_text(rows["rows"], _row_columns(rows)))
        zf.writestr("about.csv", csv_text(about_rows(number, created_at, synthetic,
                                                     rows["columns"]), ["key", "value"]))
    return buf.getvalue()


def release_sqlite(content: Mapping[str, Any], number: int, created_at: str, synthetic: bool
                   ) -> bytes:
    """One SQLite file with the tables rows and about, ready for Datasette."""
    rows = content["rows"]
    columns = _row_columns(rows)
    fd, path = tempfile.mkstemp(suffix=".db")
    os.close(fd)
    try:
        conn = sqlite3.connect(path)
        try:
            conn.execute("CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.executemany("INSERT INTO about VALUES (:key, :value)",
                             about_rows(number, created_at, synthetic, rows["columns"]))
            quoted = [f'"{c}"' for c in columns]
            conn.execute(f"CREATE TABLE rows ({', '.join(quoted) or 'empty'})")
            if rows["rows"]:
                conn.executemany(
                    f"INSERT INTO rows ({', '.join(quoted)}) VALUES "
                    f"({', '.join('?' for _ in columns)})",
                    [[row.get(c) for c in columns] for row in rows["rows"]])
            conn.commit()
        finally:
            conn.close()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
