"""Tables as files: one CSV and JSON writer for every export, the results export of a round
(with the working session's agreed levels, targets and action plan), and the CCV's anonymised
benchmark export (CSV tables in a zip, and one SQLite database).

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
from selfscan.core.results import ActionView, ResultsView
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
                "target_level": d.target_level, "target_score": d.target_score,
                "items": [
                    {"id": i.id, "statement": i.statement, "median_level": i.median,
                     "q1": i.q1, "q3": i.q3, "spread": i.spread,
                     "respondents_with_level": i.respondents, "unknown": i.unknown,
                     "not_applicable": i.not_applicable,
                     "change_since_previous": i.change, "agreed_level": i.agreed_level}
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
        **plan_export(view),
    }


def plan_export(view: ResultsView) -> dict[str, Any]:
    """What the working session recorded, as plain data: the agreed levels (beside the medians),
    the targets per dimension, the action plan, and the previous round's targets checked."""
    return {
        "agreements": [
            {"dimension": d.id, "item": i.id, "label": i.label, "median_level": i.median,
             "agreed_level": i.agreed_level, "note": i.agreed_note,
             "evidence_title": i.evidence_title, "evidence_url": i.evidence_url}
            for d, i in view.agreed
        ],
        "targets": [
            {"dimension": d.id, "title": d.title, "score": _r(d.score),
             "target_level": d.target_level, "target_score": d.target_score}
            for d in view.dimensions if d.target_level is not None
        ],
        "actions": [action_row(a) for a in view.actions],
        "previous_targets": [
            {"dimension": t.dimension_id, "title": t.title, "target_level": t.level,
             "target_score": t.target_score, "score": _r(t.score), "met": t.met}
            for t in view.previous_targets
        ],
        "previous_actions_done": [action_row(a) for a in view.previous_done],
    }


def action_row(a: ActionView) -> dict[str, Any]:
    """One action as plain data; the date as yyyy-mm-dd (``due_text`` has dd-mm-jjjj)."""
    return {"dimension": a.dimension_id, "dimension_title": a.dimension_title,
            "item": a.item_id or "", "item_label": a.item_label, "what": a.what, "who": a.who,
            "due": a.due.isoformat() if a.due else None, "tool": a.tool_id or "",
            "tool_title": a.tool_title, "status": a.status, "status_label": a.status_label,
            "carried_from_previous_round": a.carried}


PLAN_COLUMNS = ["dimension", "dimension_title", "item", "item_label", "what", "who", "due", "tool",
                "tool_title", "status", "status_label", "carried_from_previous_round"]


def plan_rows(view: ResultsView) -> list[dict[str, Any]]:
    """The action plan for CSV: a row per action, the date as dd-mm-jjjj."""
    return [{**action_row(a), "due": a.due_text,
             "carried_from_previous_round": "1" if a.carried else "0"} for a in view.actions]


RESULTS_COLUMNS = ["level", "dimension", "id", "text", "score", "phase", "median_level",
                   "respondents", "coverage", "unknown_share", "unknown", "not_applicable",
                   "disagreement", "change_since_previous", "peer_group_median",
                   "national_median", "median", "lowest", "highest", "agreed_level",
                   "target_level", "target_score"]


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
                     "national_median": d["national_median"],
                     "target_level": d.get("target_level"), "target_score": d.get("target_score")})
        for i in d["items"]:
            rows.append({"level": "item", "dimension": d["id"], "id": i["id"],
                         "text": i["statement"], "median_level": i["median_level"],
                         "respondents": i["respondents_with_level"], "unknown": i["unknown"],
                         "not_applicable": i["not_applicable"],
                         "change_since_previous": i["change_since_previous"],
                         "agreed_level": i.get("agreed_level")})
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
    """A zip with rows.csv, about.csv and the action plans (plans_dimensions.csv, plans_tools.csv
    and plans.json); CSV in UTF-8, comma separated, header row, decimal points: machine-readable
    in every language."""
    rows = content["rows"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("rows.csv", csv_text(rows["rows"], _row_columns(rows)))
        about = about_rows(number, created_at, synthetic, rows["columns"])
        zf.writestr("about.csv", csv_text(about + release_plan_about_rows(), ["key", "value"]))
        dimensions, tools = release_plan_tables(content)
        zf.writestr("plans_dimensions.csv", csv_text(dimensions, RELEASE_PLAN_DIMENSION_COLUMNS))
        zf.writestr("plans_tools.csv", csv_text(tools, RELEASE_PLAN_TOOL_COLUMNS))
        zf.writestr("plans.json", json_text(content.get("plans") or {}))
    return buf.getvalue()


def release_sqlite(content: Mapping[str, Any], number: int, created_at: str, synthetic: bool
                   ) -> bytes:
    """One SQLite file with the tables rows, about, plans_dimensions and plans_tools, ready for
    Datasette."""
    rows = content["rows"]
    columns = _row_columns(rows)
    fd, path = tempfile.mkstemp(suffix=".db")
    os.close(fd)
    try:
        conn = sqlite3.connect(path)
        try:
            conn.execute("CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.executemany("INSERT INTO about VALUES (:key, :value)",
                             about_rows(number, created_at, synthetic, rows["columns"])
                             + release_plan_about_rows())
            write_release_plan_tables(conn, content)
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


# --- the action plans of a release (national figures only) --------------------------------------

RELEASE_PLAN_DIMENSION_COLUMNS = ["dimension", "done_percent", "municipalities"]
RELEASE_PLAN_TOOL_COLUMNS = ["tool", "municipalities"]


def release_plan_tables(content: Mapping[str, Any]
                        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The plans section of a release as two tables: per dimension the median share of actions
    done (whole percent) and the band of municipalities; per tool named by at least the threshold
    of municipalities its band. Empty for a release cut before plans were published."""
    plans = content.get("plans") or {}
    dimensions = [{"dimension": dim, "done_percent": figures.get("done_percent"),
                   "municipalities": figures.get("municipalities")}
                  for dim, figures in (plans.get("dimensions") or {}).items()]
    tools = [{"tool": t["tool_id"], "municipalities": t["municipalities"]}
             for t in plans.get("tools") or []]
    return dimensions, tools


def release_plan_about_rows() -> list[dict[str, str]]:
    """What the plan tables mean, for about.csv and the about table."""
    return [
        {"key": "table:plans_dimensions", "value": (
            "Per onderdeel de mediaan over gemeenten van hun aandeel acties dat klaar is (hele "
            "procenten; vervallen acties tellen niet mee) en het aantal gemeenten met acties in "
            "dat onderdeel als groep. Leeg als minder dan " + str(THRESHOLD) + " gemeenten acties "
            "in het onderdeel hebben, of als de gemeenten zonder acties erin 1 tot "
            + str(THRESHOLD - 1) + " zijn.")},
        {"key": "table:plans_tools", "value": (
            "Per hulpmiddel uit de catalogus (questionnaires/tools.yaml) het aantal gemeenten "
            "dat het in zijn actieplan noemt, als groep. Een hulpmiddel dat ontbreekt staat in "
            "de plannen van minder dan " + str(THRESHOLD) + " gemeenten, of van geen.")},
    ]


def write_release_plan_tables(conn: sqlite3.Connection, content: Mapping[str, Any]) -> None:
    """The tables plans_dimensions and plans_tools of the SQLite export."""
    dimensions, tools = release_plan_tables(content)
    conn.execute("CREATE TABLE plans_dimensions (dimension TEXT PRIMARY KEY, done_percent "
                 "INTEGER, municipalities TEXT)")
    conn.executemany("INSERT INTO plans_dimensions VALUES (:dimension, :done_percent, "
                     ":municipalities)", dimensions)
    conn.execute("CREATE TABLE plans_tools (tool TEXT PRIMARY KEY, municipalities TEXT NOT NULL)")
    conn.executemany("INSERT INTO plans_tools VALUES (:tool, :municipalities)", tools)
