"""Storage: every SQL string of the service, one connection type, numbered migrations.

``prepare`` brings a database up to date on start: schema, municipality register and the
questionnaire versions of the folder.
"""

from __future__ import annotations

from pathlib import Path

from selfscan.core.questionnaire import Library, Questionnaire
from selfscan.loading import load_folder
from selfscan.storage import municipalities, questionnaires, scores
from selfscan.storage.db import connect
from selfscan.storage.migrations import migrate


def prepare(database: str | Path, municipalities_csv: str | Path,
            questionnaire_folder: str | Path) -> tuple[Library, Questionnaire]:
    """Migrate the schema, load the register into an empty database and store new questionnaire
    versions. Returns the library of every version (files and database) and the current
    version of the folder, the one new rounds answer. Idempotent."""
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    db = connect(database)
    try:
        migrate(db)
        if db.execute("SELECT count(*) FROM municipalities").fetchone()[0] == 0:
            municipalities.load_municipalities(db, municipalities_csv)
        files = load_folder(questionnaire_folder)
        questionnaires.sync_questionnaires(db, files.questionnaires)
        library = questionnaires.merge_library(files, questionnaires.stored_questionnaires(db))
        scores.apply_scoring_rules(db, library)
        return library, files.current
    finally:
        db.conn.close()
