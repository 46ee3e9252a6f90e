"""Questionnaire versions kept in the database, so that rounds stay scorable for ever."""

from __future__ import annotations

import json
from collections.abc import Iterable

from selfscan.core.questionnaire import Library, Questionnaire
from selfscan.loading import parse_questionnaire
from selfscan.storage.db import Database, log_event, now, write


class VersionChanged(Exception):
    """A questionnaire file changed under a version that already has responses."""



def has_responses(db: Database, questionnaire_id: str, version: int) -> bool:
    row = db.execute(
        """SELECT 1 FROM respondents r JOIN rounds s ON s.id = r.round_id
           WHERE s.questionnaire_id = ? AND s.version = ? LIMIT 1""",
        (questionnaire_id, version),
    ).fetchone()
    return row is not None


def sync_questionnaires(db: Database, questionnaires: Iterable[Questionnaire]) -> list[str]:
    """Store each loaded version with its content hash; refuse to change one that has responses.

    Returns a line per version saying what happened. Raises VersionChanged (and stores
    nothing) when a file changed under a version that respondents already answered.
    """
    report = []
    with write(db):
        for q in questionnaires:
            row = db.execute(
                "SELECT content_hash FROM questionnaire_versions "
                "WHERE questionnaire_id = ? AND version = ?", (q.id, q.version)).fetchone()
            definition = json.dumps(q.raw, ensure_ascii=False, sort_keys=True)
            if row is None:
                db.execute(
                    "INSERT INTO questionnaire_versions VALUES (?, ?, ?, ?, ?, ?)",
                    (q.id, q.version, q.content_hash, definition, q.source, now()))
                log_event(db, "questionnaire_loaded", None, f"{q.id} v{q.version}")
                report.append(f"{q.id} v{q.version}: nieuw geladen")
            elif row[0] == q.content_hash:
                report.append(f"{q.id} v{q.version}: ongewijzigd")
            elif has_responses(db, q.id, q.version):
                raise VersionChanged(
                    f"{q.source}: vragenlijst {q.id!r} versie {q.version} is gewijzigd, maar er "
                    "zijn al antwoorden op deze versie. Een versie met antwoorden verandert niet "
                    f"meer: publiceer de wijziging als nieuwe versie (version: {q.version + 1}) "
                    "in een nieuw bestand, of zet het oude bestand terug.")
            else:
                db.execute(
                    "UPDATE questionnaire_versions SET content_hash = ?, definition = ?, "
                    "source = ?, loaded_at = ? WHERE questionnaire_id = ? AND version = ?",
                    (q.content_hash, definition, q.source, now(), q.id, q.version))
                log_event(db, "questionnaire_updated", None, f"{q.id} v{q.version}")
                report.append(f"{q.id} v{q.version}: bijgewerkt (nog geen antwoorden)")
    return report


def stored_questionnaires(db: Database) -> list[Questionnaire]:
    """Versions kept in the database, so rounds stay scorable after their file is removed."""
    return [
        parse_questionnaire(json.loads(row["definition"]), row["source"])
        for row in db.query("SELECT * FROM questionnaire_versions ORDER BY questionnaire_id, version")
    ]


def merge_library(files: Library, stored: Iterable[Questionnaire]) -> Library:
    by_key = {q.key: q for q in stored}
    by_key.update({q.key: q for q in files.questionnaires})
    return Library(tuple(sorted(by_key.values(), key=lambda q: q.key)), files.catalogue)
