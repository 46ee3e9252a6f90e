"""The results of a round for its coordinator: page, printable report, PDF and exports."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from selfscan.core import disclosure, scoring, tokens
from selfscan.core import results as core
from selfscan.core.anonymity import PROVISIONAL_FROM, ROLE_GROUP_THRESHOLD
from selfscan.core.comparison import from_release
from selfscan.core.questionnaire import Questionnaire
from selfscan.output import charts, pdf, tabular, workbook
from selfscan.storage import releases, rounds, scores, sessions
from selfscan.storage.releases import CASELOAD_QUESTION
from selfscan.web import helpers as web
from selfscan.web.coordinator import coordinator_round
from selfscan.web.results_cache import ResultsCache, round_key

bp = Blueprint("results", __name__)

EXPORT_FORMATS = ("csv", "json")
RESULTS_FORMATS = (*EXPORT_FORMATS, "xlsx")  # the results also come as an Excel workbook


@bp.context_processor
def _results_globals() -> dict[str, Any]:
    return {"role_group_threshold": ROLE_GROUP_THRESHOLD}


def _cache() -> ResultsCache:
    # One cache per application (and so per database): round ids of two apps never mix.
    cache: ResultsCache = current_app.extensions.setdefault("selfscan.results_cache",
                                                            ResultsCache())
    return cache


def series_names() -> dict[str, str]:
    return {"own": _("Uw gemeente"), "peer": _("Vergelijkbare gemeenten (mediaan)"),
            "national": _("Alle gemeenten (mediaan)"), "previous": _("Uw vorige ronde"),
            "target": _("Doel")}


# --- reading a round's results -------------------------------------------------------------------


def _analysis(round_row: dict[str, Any], q: Questionnaire) -> core.Analysis:
    return _cache().get_or_compute(
        ("analysis", *round_key(round_row)),
        lambda: core.analyse(q, scores.submitted(web.get_db(), round_row["id"])))


def _aggregate(round_row: dict[str, Any], q: Questionnaire
               ) -> tuple[scoring.RoundAggregate, core.Analysis]:
    """The round's aggregate (its stored scores when closed) and the analysis of its answers."""
    analysis = _analysis(round_row, q)
    if round_row["status"] == "closed":
        stored = _cache().get_or_compute(
            ("stored", *round_key(round_row)),
            lambda: scores.stored_aggregate(web.get_db(), round_row, q))
        if stored is not None:
            return stored, analysis
    return analysis.aggregate, analysis


def _previous_row(round_row: dict[str, Any]) -> dict[str, Any] | None:
    """The round this one follows, when it is of the same municipality."""
    if not round_row.get("previous_round_id"):
        return None
    row = rounds.round_by_id(web.get_db(), round_row["previous_round_id"])
    if row is None or row["municipality_code"] != round_row["municipality_code"]:
        return None
    return row


def _previous(row: dict[str, Any] | None) -> core.PreviousRound | None:
    """The round this one follows (``_previous_row``), when its questionnaire version loads."""
    if row is None:
        return None
    q = web.library().get(row["questionnaire_id"], row["version"])
    if q is None:
        return None
    aggregate, _analysis_of_previous = _aggregate(row, q)
    return core.PreviousRound(year=row["year"], name=row["name"], version=row["version"],
                              closed=row["status"] == "closed", aggregate=aggregate)


def status_labels() -> dict[str, str]:
    """The statuses of an action in the language of the request."""
    return {status: _(label) for status, label in core.STATUS_LABELS.items()}


def _plan(round_row: dict[str, Any], before: dict[str, Any] | None) -> core.Plan:
    """What the working sessions of this round (and of ``before``, the round it follows)
    recorded."""
    db = web.get_db()
    return core.Plan(
        agreements=sessions.agreements(db, round_row["id"]),
        targets=sessions.targets(db, round_row["id"]),
        actions=tuple(sessions.actions(db, round_row["id"])),
        previous_targets=sessions.targets(db, before["id"]) if before else {},
        previous_actions=tuple(sessions.actions(db, before["id"])) if before else ())


def submitted_count(round_row: dict[str, Any]) -> int:
    return sum(c["submitted"] for c in rounds.progress(web.get_db(), round_row["id"]).values())


def results_shown(round_row: dict[str, Any]) -> bool:
    """A closed round with answers, or an open one where at least PROVISIONAL_FROM submitted."""
    if round_row["status"] == "closed":
        return bool(round_row["respondent_count"])
    return submitted_count(round_row) >= PROVISIONAL_FROM


def results_view(round_row: dict[str, Any]) -> core.ResultsView | None:
    """The view model of a round, or None while there are no results to show yet."""
    if not results_shown(round_row):
        return None
    q = web.questionnaire_of(round_row["questionnaire_id"], round_row["version"])
    aggregate, analysis = _aggregate(round_row, q)
    source = releases.comparison_source(web.get_db(), bool(round_row["synthetic"]))
    families = next((c.median for c in analysis.context if c.question_id == CASELOAD_QUESTION),
                    None)
    comparison = from_release(
        source.national if source else None, source.peer_cells if source else None,
        round_row["peer_group"], [d.id for d in q.dimensions],
        source.number if source else None, source.created_at[:10] if source else "",
        source.caseload_cells if source else None, disclosure.caseload_band(families))
    before = _previous_row(round_row)
    previous = _previous(before)
    view = core.build(round_row, q, aggregate, analysis, previous=previous,
                      comparison=comparison, catalogue=web.library().catalogue, lang=web.lang(),
                      plan=_plan(round_row, before), status_labels=status_labels())
    view.radar = charts.results_radar(view.dimensions, series_names(), previous is not None,
                                      comparison.peer.shown, comparison.national.shown,
                                      lang=web.lang())
    return view


# A download asked for while there are no results yet: the file does not exist in this state of
# the round, so the explanation page comes with 409 Conflict (never 200 under a .csv/.pdf name).
NO_RESULTS_YET = 409


def _empty(r: dict[str, Any], token: str, *, download: bool = False) -> ResponseReturnValue:
    page = render_template("results/empty.html", round=r, token=token, download=download,
                           submitted=submitted_count(r), needed=PROVISIONAL_FROM)
    return (page, NO_RESULTS_YET) if download else page


def _with_results(page: Callable[..., ResponseReturnValue], *, download: bool
                  ) -> Callable[..., ResponseReturnValue]:
    @functools.wraps(page)
    @web.link_limit
    def wrapped(token: str, **kwargs: Any) -> ResponseReturnValue:
        r = coordinator_round(token)
        view = results_view(r)
        if view is None:
            return _empty(r, token, download=download)
        return page(token, r, view, **kwargs)

    return wrapped


def with_results(page: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """The preamble of every results page: the round behind the coordinator link (404 when
    unknown, rate-limited misses), its view model, and the "no results yet" page while too few
    have submitted. The page gets (token, round, view)."""
    return _with_results(page, download=False)


def with_results_download(page: Callable[..., ResponseReturnValue]
                          ) -> Callable[..., ResponseReturnValue]:
    """Like with_results, for a download (PDF, CSV, JSON, xlsx): without results it answers with
    the explanation page as HTML and status 409, without a file name."""
    return _with_results(page, download=True)


# --- pages and downloads -------------------------------------------------------------------------


def _filename(r: dict[str, Any], suffix: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in r["municipality_name"]).strip("-").lower()
    return f"zelfscan-{safe}-{r['year']}-ronde-{r['id']}{suffix}"


@bp.get("/c/<token>/uitkomsten")
@with_results
def results(token: str, _r: dict[str, Any], view: core.ResultsView) -> ResponseReturnValue:
    return render_template("results/results.html", v=view, token=token, nonce=tokens.new_token())


@bp.get("/c/<token>/uitkomsten/rapport")
@with_results
def report(token: str, _r: dict[str, Any], view: core.ResultsView) -> ResponseReturnValue:
    return render_template("results/report.html", v=view, token=token)


@bp.get("/c/<token>/uitkomsten/rapport.pdf", endpoint="pdf")
@with_results_download
def report_pdf(token: str, r: dict[str, Any], view: core.ResultsView) -> ResponseReturnValue:
    return pdf_download(r, view)


def pdf_download(r: dict[str, Any], view: core.ResultsView) -> ResponseReturnValue:
    """The PDF report of a round as a download (the coordinator's and the read-only link's)."""
    return web.attachment(pdf.build_pdf(view, _, lang=web.lang(), ngettext=ngettext),
                          "application/pdf", _filename(r, ".pdf"))


@bp.get("/c/<token>/uitkomsten.<fmt>")
@with_results_download
def export(token: str, r: dict[str, Any], view: core.ResultsView, fmt: str
           ) -> ResponseReturnValue:
    """The municipality's own results: per dimension and per item, with the working session's
    agreed levels, targets and action plan; as CSV, JSON or an Excel workbook."""
    if fmt not in RESULTS_FORMATS:
        abort(404)
    if fmt == "xlsx":
        return web.attachment(workbook.build_workbook(view, _), workbook.CONTENT_TYPE,
                              _filename(r, "-uitkomsten.xlsx"))
    data = tabular.results_export(view)
    if fmt == "json":
        return web.attachment(tabular.json_text(data), "application/json",
                              _filename(r, "-uitkomsten.json"))
    return web.attachment(
        tabular.csv_text(tabular.results_rows(data), tabular.RESULTS_COLUMNS, spreadsheet=True,
                         lang=web.lang()),
        "text/csv", _filename(r, "-uitkomsten.csv"))


@bp.get("/c/<token>/actieplan.<fmt>")
@with_results_download
def plan_export(token: str, r: dict[str, Any], view: core.ResultsView, fmt: str
                ) -> ResponseReturnValue:
    """The plan on its own: the actions (CSV), or actions, targets and agreed levels (JSON)."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    if fmt == "json":
        body = {"municipality": view.municipality, "year": r["year"], "round_name": r["name"],
                "questionnaire": {"id": view.questionnaire_id, "version": view.version},
                **tabular.plan_export(view)}
        return web.attachment(tabular.json_text(body), "application/json",
                              _filename(r, "-actieplan.json"))
    return web.attachment(
        tabular.csv_text(tabular.plan_rows(view), tabular.PLAN_COLUMNS, spreadsheet=True,
                         lang=web.lang()),
        "text/csv", _filename(r, "-actieplan.csv"))


@bp.get("/c/<token>/antwoorden.<fmt>")
@web.link_limit
def answers(token: str, fmt: str) -> ResponseReturnValue:
    """Anonymous answers per respondent; comments only when asked for with ?toelichting=1."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    r = coordinator_round(token)
    if not results_shown(r):
        return _empty(r, token, download=True)
    db = web.get_db()
    q = web.questionnaire_of(r["questionnaire_id"], r["version"])
    with_comments = request.args.get("toelichting") == "1"
    rows = core.respondent_rows(
        q, scores.submitted(db, r["id"]), scores.comments(db, r["id"]) if with_comments else None)
    suffix = "-antwoorden-met-toelichting" if with_comments else "-antwoorden"
    if fmt == "json":
        body = {"municipality": r["municipality_name"], "year": r["year"],
                "questionnaire": {"id": q.id, "version": q.version},
                "status": "closed" if r["status"] == "closed" else "provisional",
                "respondents": rows}
        return web.attachment(tabular.json_text(body), "application/json",
                              _filename(r, suffix + ".json"))
    columns = ["respondent", "role_group"] + [i for ids in q.structure.values() for i in ids]
    if with_comments:
        columns += [f"comment-{d.id}" for d in q.dimensions]
    return web.attachment(tabular.csv_text(rows, columns, spreadsheet=True, lang=web.lang()),
                          "text/csv", _filename(r, suffix + ".csv"))
