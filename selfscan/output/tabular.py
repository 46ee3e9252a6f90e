"""Tables as files: one CSV and JSON writer for every export, the results export of a round,
and the CCV's anonymised benchmark export (CSV tables in a zip, and one SQLite database)."""

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

# --- one writer for every export ---------------------------------------------------------------


def json_text(data: Any) -> str:
    """JSON as people and programs read it: UTF-8 text, keys in the order written, indented."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *,
             spreadsheet: bool = False) -> str:
    """CSV with a header row; columns a row lacks are empty.

    ``spreadsheet=True`` writes for a municipality's Excel: a BOM and semicolons (Dutch Excel
    opens the file as columns, accents intact), numbers with a decimal comma, and text that a
    spreadsheet would run as a formula prefixed with a quote (CSV injection). Without it the file
    is plain comma-separated UTF-8 for analysis tools.
    """
    buf = io.StringIO()
    if spreadsheet:
        buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=list(columns), delimiter=";" if spreadsheet else ",",
                            extrasaction="ignore", lineterminator="\r\n" if spreadsheet else "\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (_spreadsheet_cell(row.get(k)) if spreadsheet else row.get(k))
                         for k in columns})
    return buf.getvalue()


def _spreadsheet_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
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
    }


RESULTS_COLUMNS = ["level", "dimension", "id", "text", "score", "phase", "median_level",
                   "respondents", "coverage", "unknown_share", "unknown", "not_applicable",
                   "disagreement", "change_since_previous", "peer_group_median",
                   "national_median"]


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
    return rows


# --- the CCV's anonymised benchmark export ------------------------------------------------------


TABLES: dict[str, str] = {
    "rounds": "Eén rij per gemeente per jaar en vragenlijstversie (de laatste afgesloten ronde). "
              "Gemeente vervangen door peergroep en provincie, of 'onderdrukt'.",
    "dimension_scores": "Scores per onderdeel (0-100) van elke ronde in 'rounds'.",
    "item_scores": "Mediaan, kwartielen en aantallen per item van elke ronde in 'rounds'.",
}

COLUMNS: dict[str, list[str]] = {
    "rounds": ["export_id", "year", "questionnaire_id", "version", "peer_group", "province",
               "respondents", "overall_score", "overall_phase", "synthetic"],
    "dimension_scores": ["export_id", "dimension_id", "score", "coverage", "respondents",
                         "disagreement", "unknown_share", "phase_id"],
    "item_scores": ["export_id", "item_id", "median", "q1", "q3", "spread", "respondents",
                    "unknown", "not_applicable"],
}


def about_rows(synthetic: bool) -> list[dict[str, str]]:
    """The explanation that travels with every export."""
    return [
        {"key": "generated_at", "value": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
        {"key": "threshold", "value": str(THRESHOLD)},
        {"key": "data", "value": (
            "SYNTHETISCH: demonstratiegegevens, geen echte gemeenten" if synthetic
            else "echte rondes met toestemming voor de benchmark")},
        {"key": "rules", "value": (
            "Alleen afgesloten rondes met toestemming. Geen gemeentenamen, geen toelichtingen, "
            "geen e-mailadressen, geen datums fijner dan het jaar. Peergroep en provincie staan "
            f"er alleen als minstens {THRESHOLD} gemeenten in hetzelfde jaar en dezelfde versie "
            "ze delen; anders 'onderdrukt'. Jaren met minder gemeenten ontbreken.")},
        *({"key": f"table:{name}", "value": text} for name, text in TABLES.items()),
    ]


def filename(kind: str, synthetic: bool) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    prefix = "selfscan-benchmark-synthetisch" if synthetic else "selfscan-benchmark"
    return f"{prefix}-{stamp}.{kind}"


def csv_zip(data: dict[str, list[dict[str, Any]]], synthetic: bool) -> bytes:
    """A zip with one CSV per table and about.csv (UTF-8, comma separated, header row)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, columns in COLUMNS.items():
            zf.writestr(f"{name}.csv", csv_text(data[name], columns))
        zf.writestr("about.csv", csv_text(about_rows(synthetic), ["key", "value"]))
    return buf.getvalue()


def sqlite_bytes(data: dict[str, list[dict[str, Any]]], synthetic: bool) -> bytes:
    """One SQLite file with the same tables, typed, with foreign keys, ready for Datasette."""
    fd, path = tempfile.mkstemp(suffix=".db")
    os.close(fd)
    try:
        conn = sqlite3.connect(path)
        try:
            conn.executescript("""
                CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE rounds (
                    export_id INTEGER PRIMARY KEY, year INTEGER NOT NULL,
                    questionnaire_id TEXT NOT NULL, version INTEGER NOT NULL,
                    peer_group TEXT NOT NULL, province TEXT NOT NULL, respondents INTEGER,
                    overall_score REAL, overall_phase TEXT, synthetic INTEGER NOT NULL);
                CREATE TABLE dimension_scores (
                    export_id INTEGER NOT NULL REFERENCES rounds(export_id),
                    dimension_id TEXT NOT NULL, score REAL, coverage REAL, respondents INTEGER,
                    disagreement REAL, unknown_share REAL, phase_id TEXT,
                    PRIMARY KEY (export_id, dimension_id));
                CREATE TABLE item_scores (
                    export_id INTEGER NOT NULL REFERENCES rounds(export_id),
                    item_id TEXT NOT NULL, median REAL, q1 REAL, q3 REAL, spread INTEGER,
                    respondents INTEGER, unknown INTEGER, not_applicable INTEGER,
                    PRIMARY KEY (export_id, item_id));
            """)
            conn.executemany("INSERT INTO about VALUES (:key, :value)", about_rows(synthetic))
            for name, columns in COLUMNS.items():
                placeholders = ", ".join(f":{c}" for c in columns)
                conn.executemany(f"INSERT INTO {name} ({', '.join(columns)}) "
                                 f"VALUES ({placeholders})", data[name])
            conn.commit()
        finally:
            conn.close()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
