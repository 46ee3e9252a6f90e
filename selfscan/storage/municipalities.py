"""The municipality register (CBS): loading the CSV and reading it."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path
from typing import Any

from selfscan.core.anonymity import peer_group_for, size_class
from selfscan.storage.db import Database, write


def read_municipalities(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        population = int(row["population"])
        out.append({
            "code": row["code"], "name": row["name"], "province": row["province"],
            "population": population, "size_class": size_class(population),
            "peer_group": peer_group_for(population),
        })
    return out


def load_municipalities(db: Database, path: str | Path) -> int:
    """Upsert the municipality register; idempotent."""
    rows = read_municipalities(path)
    with write(db):
        db.conn.executemany(
            """INSERT INTO municipalities (code, name, province, population, size_class, peer_group)
               VALUES (:code, :name, :province, :population, :size_class, :peer_group)
               ON CONFLICT(code) DO UPDATE SET name=excluded.name, province=excluded.province,
                 population=excluded.population, size_class=excluded.size_class,
                 peer_group=excluded.peer_group""",
            rows,
        )
    return len(rows)


def municipalities(db: Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM municipalities ORDER BY name COLLATE NOCASE"))


def municipality(db: Database, code: str) -> dict[str, Any] | None:
    return next(db.query("SELECT * FROM municipalities WHERE code = ?", [code]), None)


def fold(text: str) -> str:
    """Text for matching: without accents, case, apostrophes and surrounding spaces.

    "Súdwest-Fryslân" and "sudwest-fryslan" fold alike, and so do "'s-Hertogenbosch" and
    "s-hertogenbosch": people type names as they say them.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace("'", "").replace("\u2019", "").split())


def code_of(text: str) -> str | None:
    """The CBS code a typed value means ("GM1900", "gm1900" or "1900"), or None."""
    value = text.strip().upper()
    digits = value[2:] if value.startswith("GM") else value
    if digits.isdigit() and 1 <= len(digits) <= 4:
        return "GM" + digits.zfill(4)
    return None


def find_municipality(db: Database, text: str) -> dict[str, Any] | None:
    """The municipality a typed value names exactly: its CBS code (with or without "GM") or its
    name, without regard to accents or case; None when it names none (or more than one)."""
    if not text.strip():
        return None
    code = code_of(text)
    if code is not None:
        return municipality(db, code)
    key = fold(text)
    found = [m for m in municipalities(db) if fold(m["name"]) == key]
    return found[0] if len(found) == 1 else None



def provinces(db: Database) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT DISTINCT province FROM municipalities ORDER BY province").fetchall()]
