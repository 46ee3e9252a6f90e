"""Public JSON: health and the questionnaire definitions."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from selfscan.web import helpers as web

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    web.get_db().execute("SELECT 1").fetchone()
    return jsonify({"status": "ok", "questionnaires": web.library().versions()})


@bp.get("/api/v1/questionnaires/current")
def questionnaire_current() -> ResponseReturnValue:
    return jsonify(web.current().to_json())


@bp.get("/api/v1/questionnaires/<questionnaire_id>/<int:version>")
def questionnaire_version(questionnaire_id: str, version: int) -> ResponseReturnValue:
    return jsonify(web.questionnaire_of(questionnaire_id, version).to_json())
