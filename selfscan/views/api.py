"""Public JSON: health and the questionnaire definitions."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify

from selfscan import web

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    web.get_db().execute("SELECT 1").fetchone()
    return jsonify({"status": "ok", "questionnaires": web.library().versions()})


@bp.get("/api/v1/questionnaires/current")
def questionnaire_current():  # type: ignore[no-untyped-def]
    return jsonify(web.current().to_json())


@bp.get("/api/v1/questionnaires/<questionnaire_id>/<int:version>")
def questionnaire_version(questionnaire_id: str, version: int):  # type: ignore[no-untyped-def]
    q = web.library().get(questionnaire_id, version)
    if q is None:
        abort(404)
    return jsonify(q.to_json())
