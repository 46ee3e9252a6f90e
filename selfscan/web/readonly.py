"""The read-only results link (/l/<token>): the results of a round for the college, the council
or partners. It shows what the coordinator sees on the results page and in the report, but
offers nothing that changes the round and no way to the coordinator's pages. The coordinator
makes, replaces and revokes it on the coordinator page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from selfscan.core import results as core
from selfscan.core import tokens
from selfscan.core.anonymity import PROVISIONAL_FROM
from selfscan.storage import readonly_links
from selfscan.web import helpers as web
from selfscan.web.coordinator import coordinator_page, coordinator_round
from selfscan.web.results import (
    NO_RESULTS_YET,
    pdf_download,
    results_shown,
    results_view,
    submitted_count,
)

bp = Blueprint("readonly", __name__)


def readonly_round(token: str) -> dict[str, Any]:
    """The round behind a read-only link; 404 for an unknown or revoked link."""
    r = readonly_links.round_by_readonly(web.get_db(), token)
    if r is None:
        abort(404)
    return r


def _with_readonly_results(page: Callable[..., ResponseReturnValue], *, download: bool
                           ) -> Callable[..., ResponseReturnValue]:
    @functools.wraps(page)
    @web.link_limit
    def wrapped(token: str, **kwargs: Any) -> ResponseReturnValue:
        r = readonly_round(token)
        view = results_view(r)
        if view is None:
            html = render_template("results/empty.html", round=r, token=token, readonly=True,
                                   download=download, submitted=submitted_count(r),
                                   needed=PROVISIONAL_FROM)
            return (html, NO_RESULTS_YET) if download else html
        return page(token, r, view, **kwargs)

    return wrapped


def with_readonly_results(page: Callable[..., ResponseReturnValue]
                          ) -> Callable[..., ResponseReturnValue]:
    """Like results.with_results, for the read-only link: the page gets (token, round, view)."""
    return _with_readonly_results(page, download=False)


def with_readonly_download(page: Callable[..., ResponseReturnValue]
                           ) -> Callable[..., ResponseReturnValue]:
    """Like results.with_results_download: no results yet gives the explanation page with 409."""
    return _with_readonly_results(page, download=True)


@bp.get("/l/<token>")
@with_readonly_results
def results(token: str, _r: dict[str, Any], view: core.ResultsView) -> ResponseReturnValue:
    return render_template("results/results.html", v=view, token=token, readonly=True)


@bp.get("/l/<token>/rapport")
@with_readonly_results
def report(token: str, _r: dict[str, Any], view: core.ResultsView) -> ResponseReturnValue:
    return render_template("results/report.html", v=view, token=token, readonly=True)


@bp.get("/l/<token>/rapport.pdf", endpoint="pdf")
@with_readonly_download
def report_pdf(token: str, r: dict[str, Any], view: core.ResultsView) -> ResponseReturnValue:
    return pdf_download(r, view)


# --- the coordinator's side: making, replacing and revoking the link ----------------------------


@bp.post("/c/<token>/alleen-lezen")
@web.link_limit
def create(token: str) -> ResponseReturnValue:
    """Make the read-only link, or a new one in place of the old; the page shows it once."""
    r = coordinator_round(token)
    if not results_shown(r):
        flash(_("Een alleen-lezen link kan pas als er uitkomsten zijn."), "error")
        return redirect(url_for("coordinator.coordinator", token=token) + "#alleen-lezen",
                        code=303)
    db = web.get_db()
    nonce = request.form.get("form_nonce") or tokens.new_token()

    def still_valid(made: str) -> bool:
        row = readonly_links.round_by_readonly(db, made)
        return row is not None and row["id"] == r["id"]

    made = web.once("readonly_links", nonce, lambda: readonly_links.create_or_replace(db, r["id"]),
                    still_valid=still_valid)
    readonly_url = url_for("readonly.results", token=made, _external=True)
    return coordinator_page(token, r, readonly_url=readonly_url)


@bp.post("/c/<token>/alleen-lezen/intrekken")
@web.link_limit
def revoke(token: str) -> ResponseReturnValue:
    r = coordinator_round(token)
    if readonly_links.has_link(web.get_db(), r["id"]):
        readonly_links.revoke(web.get_db(), r["id"])
        flash(_("De alleen-lezen link is ingetrokken. Wie hem heeft, kan de uitkomsten niet meer "
                "bekijken."), "success")
    return redirect(url_for("coordinator.coordinator", token=token) + "#alleen-lezen", code=303)
