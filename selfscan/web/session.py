"""The working session (werksessie) behind the coordinator link: the agenda of a closed round,
one item at a time with its agreed level, targets per dimension and the action plan.

Every form works without JavaScript (POST, then redirect). A CSRF failure, bad input or a
version conflict shows the form again with what was entered, so nothing typed is lost; a
conflict (409) shows what the other person stored beside it instead of overwriting it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from selfscan.core.anonymity import ROLE_GROUP_THRESHOLD
from selfscan.core.messages import Message
from selfscan.core.questionnaire import Item, Questionnaire
from selfscan.core.roles import BY_ID as ROLES
from selfscan.core.scoring import ItemAggregate
from selfscan.core.session import (
    STATUSES,
    Action,
    AgendaEntry,
    Agreement,
    Conflict,
    Target,
    agenda,
    apply_order,
    personal_data_warnings,
    read_action,
    read_agreement,
    read_target,
)
from selfscan.storage import scores, sessions
from selfscan.web import helpers as web
from selfscan.web.coordinator import coordinator_round
from selfscan.web.extensions import csrf
from selfscan.web.results import _aggregate, results_shown

bp = Blueprint("session", __name__)

STATUS_NAMES = {"open": _l("open"), "busy": _l("bezig"), "done": _l("klaar"),
                "dropped": _l("vervallen")}
AGREEMENT_FIELDS = ("note", "evidence_title", "evidence_url")
ACTION_FIELDS = ("dimension_id", "item_id", "what", "who", "due", "tool_id", "status")


@dataclass
class _Session:
    """What every session page needs: the round, its questionnaire, statistics and agenda."""

    token: str
    round: dict[str, Any]
    q: Questionnaire
    stats: dict[str, ItemAggregate]  # the round's (stored) item results
    live: dict[str, ItemAggregate]  # from the submitted answers: the distribution
    entries: list[AgendaEntry]
    # Per role group the results page may show (anonymity.safe_role_groups, with complementary
    # suppression), its item results; groups the rule hides are simply not here.
    roles: dict[str, dict[str, ItemAggregate]] = field(default_factory=dict)

    def role_medians(self, item_id: str, lang: str) -> list[tuple[str, float | None]]:
        """(role-group label, median) for the shown role groups asked this item."""
        item = self.item(item_id)
        return [(ROLES[role].label(lang) if role in ROLES else role, items[item_id].median)
                for role, items in sorted(self.roles.items(),
                                          key=lambda pair: list(ROLES).index(pair[0])
                                          if pair[0] in ROLES else len(ROLES))
                if item_id in items and item.asks(role)
                # A median of fewer level answers than the threshold is (nearly) one person's
                # answer, however large the group: "weet ik niet" does not hide anyone.
                and items[item_id].respondents >= ROLE_GROUP_THRESHOLD]

    def item(self, item_id: str) -> Item:
        item = self.q.items.get(item_id)
        if item is None:
            abort(404)
        return item


def _open(token: str) -> _Session:
    """The session of a closed round with results; a page that says why not otherwise."""
    r = coordinator_round(token)
    if r["status"] != "closed" or not results_shown(r):
        # A form without a valid CSRF token is refused as such (400) here too; it changes nothing.
        status = 400 if request.method == "POST" and web.csrf_failed() else 409
        abort(make_response(render_template("session/unavailable.html", round=r, token=token,
                                            closed=r["status"] == "closed"), status))
    q = web.questionnaire_of(r["questionnaire_id"], r["version"])
    aggregate, analysis = _aggregate(r, q)
    positions, skipped = sessions.order(web.get_db(), r["id"])
    entries = apply_order(agenda(aggregate, q), positions, skipped)
    return _Session(
        token, r, q, {i.item_id: i for d in aggregate.dimensions.values() for i in d.items},
        {i.item_id: i for d in analysis.aggregate.dimensions.values() for i in d.items}, entries,
        {role: {i.item_id: i for d in agg.dimensions.values() for i in d.items}
         for role, agg in analysis.role_aggregates.items() if role in analysis.shown_roles})


def _csrf_message() -> str:
    return str(_("Het formulier was verlopen. Wat u invulde staat er nog; controleer het en "
                 "klik nog een keer op de knop."))


def _translated(errors: Mapping[str, Message]) -> dict[str, str]:
    return {name: web.translate(message) for name, message in errors.items()}


def _form() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


def _version(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


# --- overview ------------------------------------------------------------------------------------


def _overview(s: _Session, status: int = 200, **extra: Any) -> ResponseReturnValue:
    db = web.get_db()
    agreed = sessions.agreements(db, s.round["id"])
    lang = web.lang()
    rows = [{"entry": e, "item": s.q.items[e.item_id], "label": s.q.items[e.item_id].label(lang),
             "stats": s.stats.get(e.item_id), "agreement": agreed.get(e.item_id)}
            for e in s.entries]
    page = {"action_form": {"status": "open"}, "action_errors": {}, "target_errors": {},
            "target_entered": {}, "target_conflict": None, "message": None, **extra}
    return render_template(
        "session/overview.html", s=s, token=s.token, rows=rows,
        targets=sessions.targets(db, s.round["id"]), actions=sessions.actions(db, s.round["id"]),
        tools=web.library().catalogue.tools, statuses=STATUSES, status_names=STATUS_NAMES,
        **page), status


@bp.get("/c/<token>/werksessie")
@web.link_limit
def overview(token: str) -> ResponseReturnValue:
    return _overview(_open(token))


@bp.post("/c/<token>/werksessie/doel")
@csrf.exempt
@web.link_limit
def target(token: str) -> ResponseReturnValue:
    """Set the target level of one dimension."""
    s = _open(token)
    dimension_id = request.form.get("dimension_id") or ""
    if dimension_id not in s.q.structure:
        abort(404)
    raw = request.form.get("target_level") or ""
    entered = {dimension_id: raw}
    if web.csrf_failed():
        return _overview(s, 400, target_entered=entered, message=_csrf_message())
    level, errors = read_target(raw)
    if level is None:
        return _overview(s, 400, target_entered=entered,
                         target_errors={dimension_id: web.translate(errors["target_level"])})
    try:
        sessions.save_target(web.get_db(), s.round["id"], dimension_id, level,
                             _version(request.form.get("version")))
    except Conflict as exc:
        stored = exc.current if isinstance(exc.current, Target) else None
        return _overview(s, 409, target_entered=entered,
                         target_conflict={"dimension_id": dimension_id, "stored": stored})
    flash(_("Het doelniveau is opgeslagen."), "success")
    return redirect(url_for("session.overview", token=token) + "#doelen", code=303)


@bp.post("/c/<token>/werksessie/volgorde")
@csrf.exempt
@web.link_limit
def move(token: str) -> ResponseReturnValue:
    """Move an item one place up or down in the discussion order."""
    s = _open(token)
    item_id = request.form.get("item_id") or ""
    s.item(item_id)
    if web.csrf_failed():
        return _overview(s, 400, message=_csrf_message())
    order = [e.item_id for e in s.entries if not e.skipped]
    if item_id in order:
        at = order.index(item_id)
        to = at - 1 if request.form.get("move") == "up" else at + 1
        if 0 <= to < len(order):
            order[at], order[to] = order[to], order[at]
            sessions.set_order(web.get_db(), s.round["id"], order)
    return redirect(url_for("session.overview", token=token) + f"#agenda-{item_id}", code=303)


# --- one item at a time --------------------------------------------------------------------------


def _neighbours(s: _Session, item_id: str) -> tuple[str | None, str | None]:
    order = [e.item_id for e in s.entries]
    at = order.index(item_id)
    return (order[at - 1] if at > 0 else None, order[at + 1] if at + 1 < len(order) else None)


def _item_page(s: _Session, item_id: str, status: int = 200, *, form: Mapping[str, str] | None = None,
               errors: Mapping[str, str] | None = None, conflict: Agreement | None = None,
               conflict_gone: bool = False, message: str | None = None) -> ResponseReturnValue:
    item = s.item(item_id)
    stored = sessions.agreements(web.get_db(), s.round["id"]).get(item_id)
    if form is None:
        form = {"agreed_level": "" if stored is None or stored.agreed_level is None
                else str(stored.agreed_level),
                "note": stored.note if stored else "",
                "evidence_title": stored.evidence_title if stored else "",
                "evidence_url": stored.evidence_url if stored else "",
                "version": str(stored.version if stored else 0)}
    # Only the comments their writers chose to share with the working session.
    shared = scores.comments(web.get_db(), s.round["id"], shared_only=True)
    texts = sorted(t for by_dimension in shared.values()
                   for d, t in by_dimension.items() if d == item.dimension_id and t.strip())
    previous, following = _neighbours(s, item_id)
    live = s.live.get(item_id)
    return render_template(
        "session/item.html", s=s, token=s.token, item=item, label=item.label(web.lang()),
        dimension=s.q.dimension(item.dimension_id), stats=s.stats.get(item_id),
        distribution=live.distribution if live else (0, 0, 0, 0, 0),
        role_medians=s.role_medians(item_id, web.lang()),
        level_names=[lv.name for lv in s.q.levels], comments=texts, stored=stored,
        skipped=bool(stored and stored.skipped), form=form, errors=errors or {},
        conflict=conflict, conflict_gone=conflict_gone, message=message,
        previous=previous, following=following,
        position=[e.item_id for e in s.entries].index(item_id) + 1), status


@bp.get("/c/<token>/werksessie/<item_id>")
@web.link_limit
def item(token: str, item_id: str) -> ResponseReturnValue:
    return _item_page(_open(token), item_id)


def _background() -> bool:
    """Whether this POST is the page's script saving in the background (it wants JSON)."""
    return bool(request.headers.get("X-Requested-With"))


def _agreement_json(a: Agreement | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"agreed_level": a.agreed_level, "note": a.note, "evidence_title": a.evidence_title,
            "evidence_url": a.evidence_url, "skipped": a.skipped, "version": a.version}


def _item_failed(s: _Session, item_id: str, status: int, form: dict[str, str], *,
                 errors: Mapping[str, str] | None = None, conflict: Agreement | None = None,
                 conflict_gone: bool = False, message: str | None = None) -> ResponseReturnValue:
    """The item form again with what was entered: as the page, or as JSON for the script."""
    if _background():
        return {"message": message, "errors": dict(errors or {}),
                "conflict": _agreement_json(conflict),
                "version": form.get("version")}, status
    return _item_page(s, item_id, status, form=form, errors=errors, conflict=conflict,
                      conflict_gone=conflict_gone, message=message)


@bp.post("/c/<token>/werksessie/<item_id>")
@csrf.exempt
@web.link_limit
def save_item(token: str, item_id: str) -> ResponseReturnValue:
    """Save the agreed level, note and evidence of an item (or skip it); then this or the next
    item."""
    s = _open(token)
    s.item(item_id)
    form = _form()
    if web.csrf_failed():
        return _item_failed(s, item_id, 400, form, message=_csrf_message())
    button = form.get("button", "save")
    skipped = button == "skip"
    if button == "autosave":  # saving as one types leaves a skipped item skipped
        stored = sessions.agreements(web.get_db(), s.round["id"]).get(item_id)
        skipped = bool(stored and stored.skipped)
    values, errors = read_agreement({**form, "skipped": "1" if skipped else ""})
    if values is None:
        return _item_failed(s, item_id, 400, form, errors=_translated(errors))
    try:
        saved = sessions.save_agreement(web.get_db(), s.round["id"], item_id, values,
                                        _version(form.get("version")))
    except Conflict as exc:
        current = exc.current if isinstance(exc.current, Agreement) else None
        form["version"] = str(current.version if current else 0)
        return _item_failed(s, item_id, 409, form, conflict=current,
                            conflict_gone=current is None,
                            message=_("Iemand anders heeft deze stelling opgeslagen terwijl u "
                                      "hem invulde. Er is niets overschreven."))
    warnings = [web.translate(m) for m in personal_data_warnings(form, AGREEMENT_FIELDS).values()]
    if _background():
        return {"version": saved.version, "warnings": warnings}
    for warning in warnings:
        flash(warning, "warning")
    flash(_("Opgeslagen.") if button != "skip" else _("De stelling is overgeslagen."), "success")
    _previous, following = _neighbours(s, item_id)  # the order as the page showed it
    if button in ("next", "skip") and following is not None and not warnings:
        return redirect(url_for("session.item", token=token, item_id=following), code=303)
    return redirect(url_for("session.item", token=token, item_id=item_id), code=303)


# --- actions -------------------------------------------------------------------------------------


def _action_form(a: Action) -> dict[str, str]:
    return {"dimension_id": a.dimension_id, "item_id": a.item_id or "", "what": a.what,
            "who": a.who, "due": a.due.isoformat() if a.due else "", "tool_id": a.tool_id or "",
            "status": a.status, "version": str(a.version)}


def _tool_ids() -> set[str]:
    return {t.id for t in web.library().catalogue.tools}


@bp.post("/c/<token>/werksessie/acties")
@csrf.exempt
@web.link_limit
def add_action(token: str) -> ResponseReturnValue:
    s = _open(token)
    form = _form()
    if web.csrf_failed():
        return _overview(s, 400, action_form=form, message=_csrf_message())
    values, errors = read_action(form, s.q, _tool_ids())
    if values is None:
        return _overview(s, 400, action_form=form, action_errors=_translated(errors))
    sessions.add_action(web.get_db(), s.round["id"], values)
    for message in personal_data_warnings(form, ("what", "who")).values():
        flash(web.translate(message), "warning")
    flash(_("De actie is toegevoegd."), "success")
    return redirect(url_for("session.overview", token=token) + "#acties", code=303)


def _action_page(s: _Session, a: Action | None, status: int = 200, *,
                 form: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None,
                 conflict: Action | None = None, conflict_gone: bool = False,
                 message: str | None = None) -> ResponseReturnValue:
    return render_template(
        "session/action.html", s=s, token=s.token, action=a,
        form=form if form is not None or a is None else _action_form(a),
        errors=errors or {}, conflict=conflict, conflict_gone=conflict_gone, message=message,
        tools=web.library().catalogue.tools, statuses=STATUSES,
        status_names=STATUS_NAMES), status


def _stored_action(s: _Session, action_id: int) -> Action:
    a = sessions.action(web.get_db(), s.round["id"], action_id)
    if a is None:
        abort(404)
    return a


@bp.get("/c/<token>/werksessie/acties/<int:action_id>")
@web.link_limit
def action(token: str, action_id: int) -> ResponseReturnValue:
    s = _open(token)
    return _action_page(s, _stored_action(s, action_id))


@bp.post("/c/<token>/werksessie/acties/<int:action_id>")
@csrf.exempt
@web.link_limit
def edit_action(token: str, action_id: int) -> ResponseReturnValue:
    s = _open(token)
    a = sessions.action(web.get_db(), s.round["id"], action_id)
    form = _form()
    if a is None:
        # Deleted (or never there): say so, and show what was entered so nothing is lost.
        return _action_page(s, None, 409 if form.get("version") else 404, form=form,
                            conflict_gone=True)
    if web.csrf_failed():
        return _action_page(s, a, 400, form=form, message=_csrf_message())
    values, errors = read_action(form, s.q, _tool_ids())
    if values is None:
        return _action_page(s, a, 400, form=form, errors=_translated(errors))
    try:
        sessions.update_action(web.get_db(), s.round["id"], action_id, values,
                               _version(form.get("version")) or 0)
    except Conflict as exc:
        current = exc.current if isinstance(exc.current, Action) else None
        form["version"] = str(current.version) if current else form.get("version", "")
        return _action_page(s, current or a, 409, form=form, conflict=current,
                            conflict_gone=current is None)
    for message in personal_data_warnings(form, ("what", "who")).values():
        flash(web.translate(message), "warning")
    flash(_("De actie is opgeslagen."), "success")
    return redirect(url_for("session.overview", token=token) + "#acties", code=303)


@bp.post("/c/<token>/werksessie/acties/<int:action_id>/verwijderen")
@csrf.exempt
@web.link_limit
def delete_action(token: str, action_id: int) -> ResponseReturnValue:
    s = _open(token)
    a = _stored_action(s, action_id)
    if web.csrf_failed():
        return _action_page(s, a, 400, message=_csrf_message())
    if not request.form.get("confirm"):
        return _action_page(s, a, 400, errors={"confirm": _(
            "Vink aan dat u deze actie wilt verwijderen en klik dan opnieuw op de knop.")})
    try:
        sessions.delete_action(web.get_db(), s.round["id"], action_id,
                               _version(request.form.get("version")))
    except Conflict as exc:
        current = exc.current if isinstance(exc.current, Action) else a
        return _action_page(s, current, 409, conflict=current)
    flash(_("De actie is verwijderd."), "success")
    return redirect(url_for("session.overview", token=token) + "#acties", code=303)
