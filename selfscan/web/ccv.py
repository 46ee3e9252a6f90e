"""The CCV's view: sign-in, the anonymised national benchmark, coaching requests, exports, API."""

from __future__ import annotations

import json
import time
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from selfscan.core import disclosure
from selfscan.core.anonymity import PEER_GROUP_LABELS, THRESHOLD
from selfscan.core.messages import N_
from selfscan.output import formats, tabular
from selfscan.output.charts import wrap_label
from selfscan.storage import coaching_list, releases, users
from selfscan.web import helpers as web
from selfscan.web import ratelimit
from selfscan.web.extensions import login_manager
from selfscan.web.forms import Form

bp = Blueprint("ccv", __name__)

STAFF_ROLES = users.ACCOUNT_ROLES
# Failed sign-ins of one account from one address: past the limit that address waits, while
# the account's owner, signing in from anywhere else, is not locked out. Every sign-in post per
# address, whatever account it tries. And failures of an account from every address together,
# counted only to slow each further attempt on that account down (never to refuse it).
LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = ratelimit.parse_many("5 per 15 minutes")
LOGIN_LIMIT_PER_ADDRESS = ratelimit.parse_many("20 per minute")
LOGIN_FAILURES_PER_ACCOUNT = ratelimit.parse_many("100000 per 15 minutes")
SLOWDOWN_AFTER = 10
"""Failed sign-ins of one account (from any address) after which every attempt waits a while."""
SLOWDOWN_MAX_SECONDS = 4.0


@bp.record_once
def _setup(_state: Any) -> None:
    login_manager.login_view = "ccv.login"
    # Translated at request time through localize_callback; the catalogue holds the English.
    login_manager.login_message = "Log in met uw CCV-account om deze pagina te zien."
    login_manager.login_message_category = "info"
    login_manager.localize_callback = _


@bp.context_processor
def _ccv_globals() -> dict[str, Any]:
    return {"threshold": THRESHOLD, "min_changes": disclosure.MIN_CHANGES,
            "municipalities_label": municipalities_label}


def staff_required(view: Any) -> Any:
    """Only signed-in CCV staff; others go to the sign-in page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.account_role not in STAFF_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# --- sign-in ----------------------------------------------------------------------------------


class LoginForm(Form):
    email = EmailField(validators=[InputRequired(), Length(max=254)])
    password = PasswordField(validators=[InputRequired(), Length(max=1024)])


def _login_email_key() -> str:
    # Per account: the e-mail address that was posted.
    return "ccv-login:" + (request.form.get("email") or "").strip().lower()[:254]


def slowdown(failures: int) -> float:
    """Seconds a sign-in of an account waits after this many recent failures from anywhere:
    nothing at first, then doubling from a quarter of a second up to SLOWDOWN_MAX_SECONDS."""
    if failures < SLOWDOWN_AFTER:
        return 0.0
    return min(SLOWDOWN_MAX_SECONDS, 0.25 * 2.0 ** (failures - SLOWDOWN_AFTER))


def _throttle_sign_in(address: str, account: str) -> None:
    if not (ratelimit.allowed("login-address", address, LOGIN_LIMIT_PER_ADDRESS)
            and ratelimit.allowed("login-account-address", f"{account}|{address}",
                                  LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS)):
        abort(429)
    ratelimit.hit("login-address", address, LOGIN_LIMIT_PER_ADDRESS)
    delay = slowdown(ratelimit.hits("login-account", account, LOGIN_FAILURES_PER_ACCOUNT[0]))
    if delay:
        time.sleep(delay)


@bp.route("/ccv/inloggen", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    posted = request.method == "POST"
    address, account = request.remote_addr or "-", _login_email_key()
    if posted:
        _throttle_sign_in(address, account)
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = users.authenticate(web.get_db(), form.email.data or "", form.password.data or "")
        if user is not None and user.account_role in STAFF_ROLES:
            session.clear()  # a fresh session at sign-in: nothing carries over from before
            login_user(user)
            session.permanent = True  # PERMANENT_SESSION_LIFETIME: expiry after inactivity
            target = web.safe_path(request.args.get("next")) or url_for("ccv.dashboard")
            return redirect(target, code=303)
        error = _("Het e-mailadres of het wachtwoord klopt niet. Controleer ze en probeer het "
                  "opnieuw.")
    elif request.method == "POST":
        error = _("Vul uw e-mailadres en uw wachtwoord in.")
    if posted:  # a failed attempt: a successful one returned above
        ratelimit.hit("login-account-address", f"{account}|{address}",
                      LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS)
        ratelimit.hit("login-account", account, LOGIN_FAILURES_PER_ACCOUNT)
    return render_template("ccv/login.html", form=form, error=error), 200


@bp.errorhandler(429)
def _too_many(_exc: Any) -> ResponseReturnValue:
    # Past the limit of one account from one address, that address waits up to 15 minutes.
    message = _("Te veel inlogpogingen. Wacht een kwartier en probeer het dan opnieuw. Weet u uw "
                "wachtwoord niet meer? Vraag een beheerder van de zelfscan om een nieuw wachtwoord "
                "(flask --app selfscan reset-password).")
    return render_template("ccv/login.html", form=LoginForm(), error=message), 429


@bp.post("/ccv/uitloggen")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        # Signing out ends every session of the account, also on other devices.
        users.end_sessions(web.get_db(), current_user.id)
    logout_user()
    session.clear()
    return redirect(url_for("ccv.login", uitgelogd=1), code=303)


# --- the benchmark: releases only --------------------------------------------------------------

BREAKDOWN_LABELS = {
    "province": N_("Provincie"), "peer_group": N_("Grootte (aantal inwoners)"),
    "year": N_("Jaar"), "version": N_("Vragenlijstversie"),
    "caseload": N_("Aantal gezinnen in de aanpak"),
}


class Names(dict[str, str]):
    """Names by id that never show an id: an id without a name (a version no longer loaded)
    reads as the fallback, in the page's language."""

    def __init__(self, fallback: str) -> None:
        super().__init__()
        self.fallback = fallback

    def __missing__(self, key: str) -> str:
        return str(_(self.fallback))


def _labels(short: bool = False) -> tuple[Names, Names, dict[str, str]]:
    """Dimension titles, item statements (or, with `short`, their short labels where the
    questionnaire has one) and item -> dimension, from the current version and then every other
    version (an item may only exist in an older version)."""
    dims = Names(N_("een onderdeel van een oudere vragenlijst"))
    items = Names(N_("een stelling van een oudere vragenlijst"))
    item_dim: dict[str, str] = {}
    for questionnaire in (web.current(), *web.library().questionnaires):
        for d in questionnaire.dimensions:
            dims.setdefault(d.id, web.tr(d.title))
            for item in d.items:
                text = (item.short or item.statement) if short else item.statement
                items.setdefault(item.id, web.tr(text))
                item_dim.setdefault(item.id, d.id)
    return dims, items, item_dim


def _version_label(key: str) -> str:
    """A questionnaire version ("mpg:2" in a release) as people name it, never by its id."""
    questionnaire_id, _sep, number = key.partition(":")
    if questionnaire_id == web.current().id or not number:
        return str(_("Versie %(version)s van de vragenlijst", version=number or key))
    titles = {q.id: web.tr(q.title) for q in web.library().questionnaires}
    return str(_("%(title)s, versie %(version)s",
                 title=titles.get(questionnaire_id, _("een andere vragenlijst")), version=number))


def _cell_label(breakdown: str, key: str) -> str:
    if key == "":
        return str(_("onbekend"))
    if breakdown == "peer_group" and key in PEER_GROUP_LABELS:
        return PEER_GROUP_LABELS[key][1 if web.lang() == "en" else 0]
    if breakdown == "caseload":
        return str(_("%(band)s gezinnen", band=key))
    if breakdown == "version":
        return _version_label(key)
    return key


BAND_LABELS = frozenset(label for _low, _high, label in disclosure.COUNT_BANDS)


def municipalities_label(band: str | None) -> str:
    """A published number of municipalities in the page's language: its band ("10-19
    gemeenten"), or that it is below the threshold. A release stores the band, or None below the
    threshold; anything else there (an older release may hold Dutch text such as "minder dan 5")
    also reads as below the threshold, translated."""
    if band in BAND_LABELS:
        return str(_("%(band)s gemeenten", band=band))
    return str(ngettext("minder dan %(num)s gemeente", "minder dan %(num)s gemeenten", THRESHOLD))


def _kind(args: Any) -> bool:
    """Real (False) or synthetic (True) releases; synthetic ones by default only on an
    installation that has no real release yet."""
    raw = (args.get("synthetisch") or "").strip().lower()
    if raw not in ("", "0", "1"):
        raise web.bad_request(_("Gebruik synthetisch=1 voor de demonstratiegegevens, of laat het "
                                "weg."))
    if raw:
        return raw == "1"
    db = web.get_db()
    return not releases.exists(db, False) and releases.exists(db, True)


def _release(args: Any, synthetic: bool) -> releases.Release | None:
    """The release asked for (?release=N), or the latest; 404 for a number that does not exist."""
    raw = (args.get("release") or "").strip()
    if not raw:
        return releases.latest(web.get_db(), synthetic)
    if not raw.isdigit():
        raise web.bad_request(_("Kies een release uit de lijst."))
    found = releases.by_number(web.get_db(), int(raw), synthetic)
    if found is None:
        abort(404)
    return found


def _breakdown(args: Any) -> str | None:
    raw = (args.get("tabel") or "").strip()
    if raw and raw not in disclosure.BREAKDOWNS:
        raise web.bad_request(_("Kies een uitsplitsing uit de lijst."))
    return raw or None


def _trends(summaries: list[releases.Summary], dims: list[str]) -> list[dict[str, Any]]:
    """The national median per dimension in every release: trends compare releases."""
    out = []
    for rel in summaries:
        national = rel.national
        out.append({"number": rel.number, "date": rel.created_at[:10],
                    "shown": national.get("shown", False),
                    "medians": {d: national.get("dimensions", {}).get(d, {}).get("median")
                                for d in dims} if national.get("shown") else {}})
    return out


CHART_DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
CHART_MARKERS = ("circle", "square", "diamond", "triangle-up", "x")
"""Each trend line has its own dash and marker besides its colour (from the design tokens, set by
ccv.js), so colour is never the only difference."""


def _figures(release: releases.Release, trends: list[dict[str, Any]],
             dim_labels: dict[str, str]) -> dict[str, Any]:
    """Plotly figures from published numbers only: box plots and the trend lines, with the
    decimal mark of the page's language. Colours and the font come from the page's design tokens
    (ccv.js reads them), so the figures carry none."""
    national = release.content["national"]
    separators = formats.plotly_separators(web.lang())
    figures: dict[str, Any] = {}
    dims = [d for d in release.content["dimension_ids"]
            if national.get("shown") and national["dimensions"].get(d, {}).get("q1") is not None]
    if dims:
        stats = [national["dimensions"][d] for d in dims]
        whiskers = all(s["p10"] is not None for s in stats)
        # Horizontal boxes: the dimension names stack on the y axis, wrapped over lines, so they
        # never run into each other however narrow the screen.
        figures["distribution"] = {"data": [{
            "type": "box", "orientation": "h", "name": _("Alle gemeenten"),
            "y": [wrap_label(dim_labels[d], 18) for d in dims],
            "q1": [s["q1"] for s in stats], "median": [s["median"] for s in stats],
            "q3": [s["q3"] for s in stats],
            # Whiskers only where P10 and P90 may be published; otherwise the box alone.
            "lowerfence": [s["p10"] if whiskers else s["q1"] for s in stats],
            "upperfence": [s["p90"] if whiskers else s["q3"] for s in stats],
            "hoverinfo": "x"}], "layout": {
            "xaxis": {"range": [0, 100], "title": {"text": _("Score (0-100)")}, "dtick": 20},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "margin": {"t": 10, "r": 20}, "showlegend": False, "separators": separators}}
    shown = [t for t in trends if t["shown"]]
    if len(shown) >= 2:
        figures["trends"] = {"data": [
            {"type": "scatter", "mode": "lines+markers", "name": dim_labels[d],
             "x": [t["number"] for t in shown], "y": [t["medians"].get(d) for t in shown],
             "line": {"dash": CHART_DASHES[n % len(CHART_DASHES)], "width": 2},
             "marker": {"symbol": CHART_MARKERS[n % len(CHART_MARKERS)], "size": 8}}
            for n, d in enumerate(release.content["dimension_ids"])],
            "layout": {"yaxis": {"range": [0, 100], "title": {"text": _("Mediaan (0-100)")}},
                       "xaxis": {"dtick": 1, "title": {"text": _("Release")}},
                       "margin": {"t": 10, "r": 20},
                       "legend": {"orientation": "h", "y": -0.25, "yanchor": "top"},
                       "separators": separators}}
    return figures


@bp.get("/ccv")
@staff_required
def dashboard() -> ResponseReturnValue:
    synthetic = _kind(request.args)
    release = _release(request.args, synthetic)
    breakdown = _breakdown(request.args)
    dim_labels, item_labels, item_dim = _labels(short=True)
    db = web.get_db()
    has_synthetic = releases.exists(db, True)
    if release is None:
        return render_template("ccv/dashboard.html", release=None, synthetic=synthetic,
                               has_synthetic=has_synthetic, breakdown=breakdown)
    dims = release.content["dimension_ids"]
    summaries = releases.all_releases(db, synthetic)
    trends = _trends(summaries, dims)
    table = release.content["tables"][breakdown] if breakdown else None
    return render_template(
        "ccv/dashboard.html", release=release, synthetic=synthetic,
        has_synthetic=has_synthetic, all_releases=summaries,
        breakdown=breakdown, breakdowns=[(b, _(BREAKDOWN_LABELS[b])) for b in disclosure.BREAKDOWNS],
        table=table, cell_label=_cell_label, dims=dims, dim_labels=dim_labels,
        item_labels=item_labels, item_dim=item_dim, trends=trends,
        figures=_figures(release, trends, dim_labels), plans=release.content.get("plans"),
        tool_labels=_tool_labels())


def _tool_labels() -> Names:
    """Catalogue tool id -> its title in the page's language."""
    names = Names(N_("een hulpmiddel dat niet meer in de catalogus staat"))
    names.update((t.id, web.tr(t.title)) for t in web.library().catalogue.tools)
    return names


@bp.route("/ccv/releases", methods=["GET", "POST"])
@staff_required
def release_list() -> ResponseReturnValue:
    """Releases of both kinds, and cutting the next one."""
    db = web.get_db()
    if request.method == "POST":
        synthetic = request.form.get("synthetisch") == "1"
        try:
            made = releases.cut(db, *disclosure.published_ids(web.library(), web.current()),
                                synthetic=synthetic)
        except disclosure.ReleaseRefused as exc:
            flash(_refused(exc.changed), "error")
        else:
            flash(_("Release %(n)s is gemaakt.", n=made.number), "success")
        return redirect(url_for("ccv.release_list"), code=303)
    return render_template("ccv/releases.html", real=releases.all_releases(db, False)[::-1],
                           synthetic=releases.all_releases(db, True)[::-1],
                           min_changes=disclosure.MIN_CHANGES)


def _refused(changed: int) -> str:
    """Why no release was made, with "1 gemeente" or "2 gemeenten" as the number asks."""
    return " ".join((
        ngettext("Sinds de vorige release is %(num)s gemeente veranderd.",
                 "Sinds de vorige release zijn %(num)s gemeenten veranderd.", changed),
        ngettext("Er moet minstens %(num)s gemeente veranderd zijn, zodat twee releases nooit "
                 "één gemeente laten zien.",
                 "Er moeten minstens %(num)s gemeenten veranderd zijn, zodat twee releases nooit "
                 "één gemeente laten zien.", disclosure.MIN_CHANGES),
        _("Wacht tot er meer rondes zijn goedgekeurd.")))


@bp.get("/ccv/coaching")
@staff_required
def coaching() -> ResponseReturnValue:
    db = web.get_db()
    dim_labels, _items, _dims = _labels()
    return render_template("ccv/coaching.html", requests=coaching_list.coaching_requests(db),
                           dim_labels=dim_labels)


# --- exports ----------------------------------------------------------------------------------


@bp.get("/ccv/export")
@staff_required
def exports() -> ResponseReturnValue:
    synthetic = _kind(request.args)
    return render_template("ccv/exports.html", release=releases.latest(web.get_db(), synthetic),
                           synthetic=synthetic,
                           has_synthetic=releases.exists(web.get_db(), True))


def _export_release() -> tuple[releases.Release, bool]:
    synthetic = _kind(request.args)
    release = _release(request.args, synthetic)
    if release is None:
        abort(404)
    return release, synthetic


@bp.get("/ccv/export/benchmark.zip")
@staff_required
def export_csv() -> ResponseReturnValue:
    release, synthetic = _export_release()
    return web.attachment(tabular.release_zip(release.content, release.number,
                                              release.created_at, synthetic),
                          "application/zip", tabular.filename("zip", release.number, synthetic))


@bp.get("/ccv/export/benchmark.db")
@staff_required
def export_sqlite() -> ResponseReturnValue:
    release, synthetic = _export_release()
    return web.attachment(tabular.release_sqlite(release.content, release.number,
                                                 release.created_at, synthetic),
                          "application/vnd.sqlite3",
                          tabular.filename("db", release.number, synthetic))


# --- API --------------------------------------------------------------------------------------


def _api_user() -> users.User | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        user = users.user_for_api_token(web.get_db(), token.strip())
        return user if user is not None and user.account_role in STAFF_ROLES else None
    if current_user.is_authenticated and current_user.account_role in STAFF_ROLES:
        return current_user  # type: ignore[no-any-return]  # a users.User behind Flask-Login's proxy
    return None


@bp.get("/api/v1/benchmark")
def api_benchmark() -> ResponseReturnValue:
    """A release as JSON: the national figures, the one-way tables, the bottlenecks, the action
    plans (releases cut before plans existed have none) and the trends over releases.
    ?release=N for an older one, ?synthetisch=1 for demonstration data."""
    if _api_user() is None:
        response = jsonify({"error": _("Niet ingelogd"), "message": _(
            "Deze gegevens zijn alleen voor CCV-accounts. Log in, of stuur een API-token mee "
            "als 'Authorization: Bearer <token>'.")})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="selfscan"'
        return response
    synthetic = _kind(request.args)
    release = _release(request.args, synthetic)
    if release is None:
        return jsonify({"release": None, "synthetic": synthetic, "message": _(
            "Er is nog geen release. Een CCV-medewerker maakt er een op de pagina Releases, of "
            "met flask --app selfscan release.")})
    dim_labels, item_labels, _item_dim = _labels()
    content = {k: v for k, v in release.content.items() if k != "rows"}
    tools = _tool_labels()
    data = {"release": release.number, "created_at": release.created_at,
            "synthetic": synthetic, "threshold": THRESHOLD, **content,
            "dimension_labels": {d: dim_labels.get(d, d) for d in content["dimension_ids"]},
            "item_labels": {e["item_id"]: item_labels.get(e["item_id"], e["item_id"])
                            for entries in content["bottlenecks"].values() for e in entries},
            "tool_labels": {t["tool_id"]: tools.get(t["tool_id"], t["tool_id"])
                            for t in content.get("plans", {}).get("tools", [])},
            "trends": _trends(releases.all_releases(web.get_db(), synthetic),
                              content["dimension_ids"])}
    return current_app.response_class(json.dumps(data, ensure_ascii=False),
                                      mimetype="application/json")
