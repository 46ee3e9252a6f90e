"""The municipality register (CBS): loading the CSV and reading it."""

from __future__ import annotations

import csv
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



def provinces(db: Database) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT DISTINCT province FROM municipalities ORDER BY province").fetchall()]
