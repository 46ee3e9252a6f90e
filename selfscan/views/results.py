"""The results of a round for its coordinator: page, printable report, PDF, exports, next round."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from selfscan import report as pdf_report
from selfscan import results as core
from selfscan import results_store, store, tokens, web
from selfscan.anonymity import ROLE_GROUP_THRESHOLD
from selfscan.views.scan import coordinator_round, link_limit

bp = Blueprint("results", __name__)


@bp.context_processor
def _results_globals() -> dict[str, Any]:
    return {"role_group_threshold": ROLE_GROUP_THRESHOLD}

EXPORT_FORMATS = ("csv", "json")


def _cache() -> core.ResultsCache:
    # One cache per application (and so per database): round ids of two apps never mix.
    cache = current_app.extensions.get("selfscan.results_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("selfscan.results_cache", core.ResultsCache())
    return cache


def series_names() -> dict[str, str]:
    return {"own": _("Uw gemeente"), "peer": _("Vergelijkbare gemeenten (mediaan)"),
            "national": _("Alle gemeenten (mediaan)"), "previous": _("Uw vorige ronde")}


def _view(r: dict[str, Any]) -> core.ResultsView | None:
    """The view model, or None while nobody has submitted yet."""
    if r["status"] != "closed" and not any(
            c["submitted"] for c in store.progress(web.get_db(), r["id"]).values()):
        return None
    if r["status"] == "closed" and r["respondent_count"] == 0:
        return None
    lib = web.library()
    return core.build(web.get_db(), r, library=lib, catalogue=lib.catalogue, lang=web.lang(),
                         cache=_cache(), series_names=series_names())


def _empty(r: dict[str, Any], token: str):  # type: ignore[no-untyped-def]
    return render_template("results/empty.html", round=r, token=token)


@bp.get("/c/<token>/uitkomsten")
@link_limit
def results(token: str):  # type: ignore[no-untyped-def]
    r = coordinator_round(token)
    view = _view(r)
    if view is None:
        return _empty(r, token)
    nonce = tokens.new_token()
    return render_template("results/results.html", v=view, token=token, nonce=nonce)


@bp.get("/c/<token>/uitkomsten/rapport")
@link_limit
def report(token: str):  # type: ignore[no-untyped-def]
    r = coordinator_round(token)
    view = _view(r)
    if view is None:
        return _empty(r, token)
    return render_template("results/report.html", v=view, token=token)


def _filename(r: dict[str, Any], suffix: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in r["municipality_name"]).strip("-").lower()
    return f"zelfscan-{safe}-{r['year']}-ronde-{r['id']}{suffix}"


@bp.get("/c/<token>/uitkomsten/rapport.pdf")
@link_limit
def pdf(token: str):  # type: ignore[no-untyped-def]
    r = coordinator_round(token)
    view = _view(r)
    if view is None:
        return _empty(r, token)
    return web.attachment(pdf_report.build_pdf(view), "application/pdf", _filename(r, ".pdf"))


def _csv(rows: list[dict[str, Any]], fields: list[str]) -> str:
    buf = io.StringIO()
    # A semicolon and a BOM: Dutch Excel opens the file as columns, with accents intact.
    buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=fields, delimiter=";", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in fields})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    # Text that a spreadsheet would run as a formula is prefixed with a quote (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return "" if value is None else value


def _check_format(fmt: str) -> None:
    if fmt not in EXPORT_FORMATS:
        abort(404)


@bp.get("/c/<token>/uitkomsten.<fmt>")
@link_limit
def export(token: str, fmt: str):  # type: ignore[no-untyped-def]
    """The municipality's own results: per dimension and per item."""
    _check_format(fmt)
    r = coordinator_round(token)
    view = _view(r)
    if view is None:
        return _empty(r, token)
    data = core.results_export(view)
    if fmt == "json":
        return web.attachment(json.dumps(data, ensure_ascii=False, indent=2),
                           "application/json", _filename(r, "-uitkomsten.json"))
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
    fields = ["level", "dimension", "id", "text", "score", "phase", "median_level",
              "respondents", "coverage", "unknown_share", "unknown", "not_applicable",
              "disagreement", "change_since_previous", "peer_group_median", "national_median"]
    return web.attachment(_csv(rows, fields), "text/csv", _filename(r, "-uitkomsten.csv"))


@bp.get("/c/<token>/antwoorden.<fmt>")
@link_limit
def answers(token: str, fmt: str):  # type: ignore[no-untyped-def]
    """Anonymous answers per respondent; comments only when asked for with ?toelichting=1."""
    _check_format(fmt)
    r = coordinator_round(token)
    db = web.get_db()
    q = web.library().get(r["questionnaire_id"], r["version"])
    if q is None:
        abort(404)
    with_comments = request.args.get("toelichting") == "1"
    respondents = results_store.submitted(db, r["id"])
    rows = core.respondent_rows(
        q, respondents, results_store.comments(db, r["id"]) if with_comments else None)
    suffix = "-antwoorden-met-toelichting" if with_comments else "-antwoorden"
    if fmt == "json":
        body = {"municipality": r["municipality_name"], "year": r["year"],
                "questionnaire": {"id": q.id, "version": q.version},
                "status": "closed" if r["status"] == "closed" else "provisional",
                "respondents": rows}
        return web.attachment(json.dumps(body, ensure_ascii=False, indent=2), "application/json",
                           _filename(r, suffix + ".json"))
    fields = ["respondent", "role_group"] + [i for ids in q.structure.values() for i in ids]
    if with_comments:
        fields += [f"comment-{d.id}" for d in q.dimensions]
    return web.attachment(_csv(rows, fields), "text/csv", _filename(r, suffix + ".csv"))


@bp.post("/c/<token>/nieuwe-ronde")
@link_limit
def new_round(token: str):  # type: ignore[no-untyped-def]
    """Start the next round of the same municipality, linked to this closed one."""
    r = coordinator_round(token)
    if r["status"] != "closed":
        flash(_("Sluit eerst deze ronde. Daarna kunt u een nieuwe ronde starten."), "error")
        return redirect(url_for("scan.coordinator", token=token), code=303)
    # A double click, a refresh or a second tab posts again: show the round made the first time.
    key = request.form.get("form_nonce") or f"after-{r['id']}"
    made: dict[str, str] = session.setdefault("next_rounds", {})
    if key in made or f"after-{r['id']}" in made:
        done = made.get(key) or made[f"after-{r['id']}"]
        if store.round_by_coordinator(web.get_db(), done) is not None:
            return redirect(url_for("scan.coordinator", token=done, nieuw=1), code=303)
    q = web.current()
    if q.id != r["questionnaire_id"]:
        # Another questionnaire would share no items; keep comparing like with like.
        q = max((x for x in web.library().questionnaires if x.id == r["questionnaire_id"]),
                key=lambda x: x.version)
    _rid, new_token = store.create_round(
        web.get_db(), municipality_code=r["municipality_code"], questionnaire=q,
        year=date.today().year, name=r["name"], benchmark_consent=bool(r["benchmark_consent"]),
        coaching_requested=bool(r["coaching_requested"]), contact_email=r["contact_email"],
        previous_round_id=r["id"], synthetic=bool(r["synthetic"]))
    made[key] = new_token
    made[f"after-{r['id']}"] = new_token
    session.modified = True
    return redirect(url_for("scan.coordinator", token=new_token, nieuw=1), code=303)
