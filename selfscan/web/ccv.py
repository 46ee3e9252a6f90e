"""The CCV's view: sign-in, the anonymised national benchmark, coaching requests, exports, API."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from selfscan.core import benchmark as rules
from selfscan.core.anonymity import PEER_GROUP_LABELS, PEER_GROUPS, THRESHOLD
from selfscan.core.questionnaire import Questionnaire
from selfscan.output import tabular
from selfscan.storage import benchmark, coaching_list, municipalities, users
from selfscan.storage import exports as anonymised_export
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
    return {"threshold": THRESHOLD}


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
    limited = request.method == "POST" and ratelimit.enabled()
    address, account = request.remote_addr or "-", _login_email_key()
    if limited:
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
    if limited:  # a failed attempt: a successful one returned above
        ratelimit.hit("login-account-address", f"{account}|{address}",
                      LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS)
        ratelimit.hit("login-account", account, LOGIN_FAILURES_PER_ACCOUNT)
    return render_template("ccv/login.html", form=form, error=error), 200


@bp.errorhandler(429)
def _too_many(_exc: Any) -> ResponseReturnValue:
    message = _("Te veel inlogpogingen. Wacht een minuut en probeer het dan opnieuw. Weet u uw "
                "wachtwoord niet meer? Vraag de beheerder om een nieuw account.")
    return render_template("ccv/login.html", form=LoginForm(), error=message), 429


@bp.post("/ccv/uitloggen")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        # Signing out ends every session of the account, also on other devices.
        users.end_sessions(web.get_db(), current_user.id)
    logout_user()
    session.clear()
    return redirect(url_for("ccv.login", uitgelogd=1), code=303)


# --- the benchmark ----------------------------------------------------------------------------


def _questionnaire_for(filters: rules.Filters) -> Questionnaire:
    if filters.questionnaire_id is not None and filters.version is not None:
        q = web.library().get(filters.questionnaire_id, filters.version)
        if q is not None:
            return q
    return web.current()


def _filters(args: Any, provinces: list[str]) -> rules.Filters:
    versions = [q.key for q in web.library().questionnaires]
    try:
        return rules.parse_filters(args, provinces, versions)
    except rules.FilterError as exc:
        raise web.bad_request(str(exc)) from None


def _labels(q: Questionnaire) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Dimension titles, item statements and item -> dimension, from the chosen version and
    then every other version (an item may only exist in an older version)."""
    dims: dict[str, str] = {}
    items: dict[str, str] = {}
    item_dim: dict[str, str] = {}
    for questionnaire in (q, *web.library().questionnaires):
        for d in questionnaire.dimensions:
            dims.setdefault(d.id, web.tr(d.title))
            for item in d.items:
                items.setdefault(item.id, web.tr(item.statement))
                item_dim.setdefault(item.id, d.id)
    return dims, items, item_dim


def _figures(data: dict[str, Any], dim_labels: dict[str, str]) -> dict[str, Any]:
    """Plotly figures from already suppressed numbers: box plots and the trend lines."""
    shown = [d for d in data["dimensions"] if d["shown"]]
    national = {n["id"]: n["median"] for n in data["national"]}
    figures: dict[str, Any] = {}
    if shown:
        x = [dim_labels.get(d["id"], d["id"]) for d in shown]
        traces: list[dict[str, Any]] = [{
            "type": "box", "name": _("Gemeenten in deze selectie"), "x": x,
            "q1": [d["q1"] for d in shown], "median": [d["median"] for d in shown],
            "q3": [d["q3"] for d in shown], "lowerfence": [d["p10"] for d in shown],
            "upperfence": [d["p90"] for d in shown], "hoverinfo": "y",
        }]
        if any(national.get(d["id"]) is not None for d in shown):
            traces.append({
                "type": "scatter", "mode": "markers", "name": _("Landelijke mediaan"), "x": x,
                "y": [national.get(d["id"]) for d in shown],
                "marker": {"symbol": "diamond", "size": 11},
            })
        figures["distribution"] = {"data": traces, "layout": {
            "yaxis": {"range": [0, 100], "title": {"text": _("Score (0-100)")}},
            "margin": {"t": 20}, "showlegend": True, "legend": {"orientation": "h"}}}
    trend_years = [t for t in data["trends"] if t["shown"]]
    if trend_years:
        years = [t["year"] for t in data["trends"]]
        figures["trends"] = {"data": [
            {"type": "scatter", "mode": "lines+markers", "name": dim_labels.get(d, d),
             "x": years, "y": [t["medians"].get(d) for t in data["trends"]]}
            for d in (n["id"] for n in data["national"])
        ], "layout": {"yaxis": {"range": [0, 100], "title": {"text": _("Mediaan (0-100)")}},
                      "xaxis": {"dtick": 1}, "margin": {"t": 20},
                      "legend": {"orientation": "h"}}}
    return figures


@bp.get("/ccv")
@staff_required
def dashboard() -> ResponseReturnValue:
    db = web.get_db()
    provinces = municipalities.provinces(db)
    has_synthetic = benchmark.has_rounds(db, synthetic=True)
    filters = _filters(request.args, provinces)
    auto_synthetic = False
    if ("synthetisch" not in request.args and "synthetic" not in request.args
            and has_synthetic and not benchmark.has_rounds(db, synthetic=False)):
        # A new installation: show the demonstration data, clearly labelled, until real rounds
        # come in. Real and synthetic rounds are never shown together.
        filters = replace(filters, synthetic=True)
        auto_synthetic = True
    q = _questionnaire_for(filters)
    data = benchmark.benchmark(db, filters, [d.id for d in q.dimensions])
    dim_labels, item_labels, item_dim = _labels(q)
    return render_template(
        "ccv/dashboard.html", data=data, filters=filters, auto_synthetic=auto_synthetic,
        dim_labels=dim_labels, item_labels=item_labels, item_dim=item_dim,
        figures=_figures(data, dim_labels), provinces=provinces,
        peer_groups=[(p, PEER_GROUP_LABELS[p][1 if web.lang() == "en" else 0])
                     for p in PEER_GROUPS],
        versions=[f"{x.id}:{x.version}" for x in web.library().questionnaires],
        has_synthetic=has_synthetic)


@bp.get("/ccv/coaching")
@staff_required
def coaching() -> ResponseReturnValue:
    db = web.get_db()
    dim_labels, _items, _dims = _labels(web.current())
    return render_template("ccv/coaching.html", requests=coaching_list.coaching_requests(db),
                           dim_labels=dim_labels)


# --- exports ----------------------------------------------------------------------------------


def _export_synthetic() -> bool:
    raw = (request.args.get("synthetisch") or "").strip().lower()
    if raw not in ("", "0", "1"):
        raise web.bad_request(_("Gebruik synthetisch=1 voor de demonstratiegegevens, of laat het "
                             "weg."))
    return raw == "1"


@bp.get("/ccv/export")
@staff_required
def exports() -> ResponseReturnValue:
    db = web.get_db()
    return render_template("ccv/exports.html", has_synthetic=benchmark.has_rounds(db, synthetic=True))


@bp.get("/ccv/export/benchmark.zip")
@staff_required
def export_csv() -> ResponseReturnValue:
    synthetic = _export_synthetic()
    data = anonymised_export.export_data(web.get_db(), synthetic=synthetic)
    return web.attachment(tabular.csv_zip(data, synthetic), "application/zip",
                          tabular.filename("zip", synthetic))


@bp.get("/ccv/export/benchmark.db")
@staff_required
def export_sqlite() -> ResponseReturnValue:
    synthetic = _export_synthetic()
    data = anonymised_export.export_data(web.get_db(), synthetic=synthetic)
    return web.attachment(tabular.sqlite_bytes(data, synthetic), "application/vnd.sqlite3",
                          tabular.filename("db", synthetic))


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
    if _api_user() is None:
        response = jsonify({"error": _("Niet ingelogd"), "message": _(
            "Deze gegevens zijn alleen voor CCV-accounts. Log in, of stuur een API-token mee "
            "als 'Authorization: Bearer <token>'.")})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="selfscan"'
        return response
    db = web.get_db()
    filters = _filters(request.args, municipalities.provinces(db))
    q = _questionnaire_for(filters)
    data = benchmark.benchmark(db, filters, [d.id for d in q.dimensions])
    dim_labels, item_labels, _item_dim = _labels(q)
    for entry in data["dimensions"] + data["national"]:
        entry["label"] = dim_labels.get(entry["id"], entry["id"])
    for entries in data["bottlenecks"].values():
        for entry in entries:
            entry["label"] = item_labels.get(entry["item_id"], entry["item_id"])
    return current_app.response_class(json.dumps(data, ensure_ascii=False),
                                      mimetype="application/json")
