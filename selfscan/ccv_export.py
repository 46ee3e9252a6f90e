"""The anonymised benchmark export as files: CSV tables in a zip, and one SQLite database."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import tempfile
import zipfile
from datetime import UTC, datetime
from typing import Any

from selfscan.anonymity import THRESHOLD

TABLES: dict[str, str] = {
    "rounds": "Eén rij per gemeente per jaar en vragenlijstversie (de laatste afgesloten ronde). "
              "Gemeente vervangen door peergroep en provincie, of 'onderdrukt'.",
    "dimension_scores": "Scores per dimensie (0-100) van elke ronde in 'rounds'.",
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


def _csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def csv_zip(data: dict[str, list[dict[str, Any]]], synthetic: bool) -> bytes:
    """A zip with one CSV per table and about.csv (UTF-8, comma separated, header row)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, columns in COLUMNS.items():
            zf.writestr(f"{name}.csv", _csv_text(data[name], columns))
        zf.writestr("about.csv", _csv_text(about_rows(synthetic), ["key", "value"]))
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
