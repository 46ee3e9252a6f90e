"""The coordinator: starting a round, the coordinator page, closing, new links, deleting, the next
round and the actions it carries from the previous one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import Email, Optional, ValidationError

from selfscan.core import tokens
from selfscan.core.anonymity import PROVISIONAL_FROM
from selfscan.core.questionnaire import Questionnaire
from selfscan.core.roles import ALL_GROUPS
from selfscan.core.session import STATUSES, Action, ActionInput, Conflict
from selfscan.storage import contact, municipalities, readonly_links, rounds, sessions
from selfscan.web import contact as confirmation
from selfscan.web import helpers as web
from selfscan.web import ratelimit
from selfscan.web.extensions import csrf
from selfscan.web.forms import Form

bp = Blueprint("coordinator", __name__)


def _year_or_none(value: Any) -> int | None:
    # A tampered year is a form error with a Dutch message, not WTForms' English coerce error.
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class StartForm(Form):
    """Starting a round. Every message names its field first ("Gemeente: ..."), so that it
    makes sense on its own in the error summary above the form as well as beside the field."""

    municipality = SelectField(validate_choice=False)
    name = StringField(validators=[Optional()])
    year = SelectField(coerce=_year_or_none, validate_choice=False)
    benchmark_consent = BooleanField()
    coaching = BooleanField()
    contact_email = EmailField()

    def validate_municipality(self, field: Any) -> None:
        # The select posts a CBS code; a typed value (a name without accents, "1900", "GM1900")
        # is accepted when it names exactly one municipality.
        typed = (field.data or "").strip()
        found = municipalities.find_municipality(web.get_db(), typed)
        if found is not None:
            field.data = found["code"]
            return
        if not typed:
            raise ValidationError(_("Gemeente: kies uw gemeente uit de lijst."))
        raise ValidationError(_("Gemeente: we vinden geen gemeente met de naam of code '%(value)s'. "
                                "Kies uw gemeente uit de lijst.", value=typed[:60]))

    def validate_name(self, field: Any) -> None:
        if len((field.data or "").strip()) > NAME_MAX:
            raise ValidationError(_("Naam van de ronde: gebruik hoogstens %(max)s tekens.",
                                    max=NAME_MAX))

    def validate_year(self, field: Any) -> None:
        if field.data not in _years():
            raise ValidationError(_("Jaar: kies een jaar uit de lijst."))

    def validate_contact_email(self, field: Any) -> None:
        # Needed only for a round that is to count beyond its municipality: the address is
        # confirmed through a mailed link before the round counts anywhere else.
        if len(field.data or "") > EMAIL_MAX:
            raise ValidationError(_("Werk-e-mailadres: gebruik hoogstens %(max)s tekens.",
                                    max=EMAIL_MAX))
        if self.coaching.data and not (field.data or "").strip():
            raise ValidationError(_("Werk-e-mailadres: vul uw werk-e-mailadres in, zodat het CCV "
                                    "contact met u kan opnemen over coaching."))
        if self.benchmark_consent.data and not (field.data or "").strip():
            raise ValidationError(_("Werk-e-mailadres: vul uw werk-e-mailadres in. De ronde telt "
                                    "pas mee in de landelijke vergelijking als u dat adres hebt "
                                    "bevestigd."))
        if self.coaching.data or self.benchmark_consent.data:
            _email_format(self, field)


NAME_MAX = 120
EMAIL_MAX = 254


def _email_format(form: Any, field: Any) -> None:
    field.data = (field.data or "").strip()
    Email(message=_("Werk-e-mailadres: vul een geldig e-mailadres in, zoals "
                    "naam@gemeente.nl."))(form, field)


def _years() -> list[int]:
    this = date.today().year
    return [this, this - 1]


# Starting rounds, per client address: enough for a coordinator and a few colleagues, too few to
# fill the database or to flood mailboxes with confirmation links.
START_LIMITS = ratelimit.parse_many("5 per hour;20 per day")


def _start_round(form: StartForm) -> str | None:
    if not form.validate():
        return None
    db = web.get_db()
    round_id, token = rounds.create_round(
        db, municipality_code=form.municipality.data, questionnaire=web.current(),
        year=form.year.data, name=(form.name.data or "").strip(),
        benchmark_consent=form.benchmark_consent.data, coaching_requested=form.coaching.data,
        contact_email=(form.contact_email.data or "").strip().lower() or None)
    ratelimit.hit("start-round", request.remote_addr or "-", START_LIMITS)
    r = rounds.round_by_id(db, round_id)
    if r is not None and contact.wants_confirmation(r):
        _confirmation_sent(r)
    return token


def _confirmation_sent(r: dict[str, Any]) -> None:
    if confirmation.send_confirmation(r):
        flash(_("We hebben een e-mail gestuurd naar %(address)s. Klik op de link in die e-mail om "
                "uw adres te bevestigen.", address=r["contact_email"]), "info")
    else:
        flash(_("De bevestigingsmail kon niet worden verstuurd. Probeer het later opnieuw met de "
                "knop bij 'Meetellen buiten uw gemeente'."), "error")


@bp.route("/start", methods=["GET", "POST"])
@csrf.exempt
def start() -> ResponseReturnValue:
    form = StartForm(meta={"csrf": False})
    form.municipality.choices = [("", _("Kies uw gemeente"))] + [
        (m["code"], m["name"]) for m in municipalities.municipalities(web.get_db())]
    form.year.choices = [(y, str(y)) for y in _years()]
    nonce = request.form.get("form_nonce") or tokens.new_token()
    csrf_failed = request.method == "POST" and web.csrf_failed()
    if request.method == "POST" and not csrf_failed:
        web.limit_or_429("start-round", request.remote_addr or "-", START_LIMITS, _(
            "Er zijn vanaf dit adres in korte tijd veel rondes gestart."))
        token = web.once("created", nonce, lambda: _start_round(form))
        if token is not None:
            return redirect(url_for("coordinator.coordinator", token=token, nieuw=1), code=303)
    return render_template("coordinator/start.html", form=form, nonce=nonce,
                           csrf_failed=csrf_failed, questionnaire=web.current()), (
        400 if request.method == "POST" else 200)


def coordinator_round(token: str) -> dict[str, Any]:
    """The round behind a coordinator link; 404 for an unknown link."""
    r = rounds.round_by_coordinator(web.get_db(), token)
    if r is None:
        abort(404)
    return r


@bp.get("/c/<token>")
@web.link_limit
def coordinator(token: str) -> ResponseReturnValue:
    return _coordinator_page(token, coordinator_round(token))


def coordinator_page(token: str, r: dict[str, Any], *, readonly_url: str | None = None) -> str:
    """The coordinator page; ``readonly_url`` shows a just-made read-only link (once)."""
    return _coordinator_page(token, r, readonly_url=readonly_url)


def _coordinator_page(token: str, r: dict[str, Any],
                      address_form: AddressForm | None = None, *,
                      readonly_url: str | None = None,
                      feedback: ActionFeedback | None = None) -> str:
    invitation = tokens.invitation_token(token, r["invitation_nonce"])
    questionnaire = web.questionnaire_of(r["questionnaire_id"], r["version"])
    counts = rounds.progress(web.get_db(), r["id"])
    rows = [
        {"role": role, "started": counts.get(role.id, {}).get("started", 0),
         "submitted": counts.get(role.id, {}).get("submitted", 0)}
        for role in ALL_GROUPS if role.id in counts
    ]
    totals = {"started": sum(c["started"] for c in counts.values()),
              "submitted": sum(c["submitted"] for c in counts.values())}
    return render_template(
        "coordinator/coordinator.html", round=r, token=token, rows=rows, totals=totals,
        questionnaire=questionnaire, session_url=_session_url(token, r),
        carried=_carried_rows(r["id"], questionnaire), feedback=feedback, statuses=STATUSES,
        coordinator_url=url_for("coordinator.coordinator", token=token, _external=True),
        invitation_url=url_for("respondent.invitation", token=invitation, _external=True),
        new=request.args.get("nieuw") == "1", form_nonce=tokens.new_token(),
        provisional_from=PROVISIONAL_FROM, sharing=sharing_state(r),
        results_available=(r["status"] != "open" and bool(r["respondent_count"])
                           or totals["submitted"] >= PROVISIONAL_FROM),
        readonly_link=readonly_links.has_link(web.get_db(), r["id"]), readonly_url=readonly_url,
        address_form=address_form or AddressForm(meta={"csrf": False},
                                                 contact_email=r["contact_email"]))


def sharing_state(r: dict[str, Any]) -> str:
    """Whether and how the round counts beyond its municipality, in one word for the page."""
    if not (r["benchmark_consent"] or r["coaching_requested"]) or r["synthetic"]:
        return "own"  # asked for nothing beyond the municipality
    if not r["email_confirmed_at"]:
        return "unconfirmed"
    return {"approved": "approved", "rejected": "rejected"}.get(r["approval"], "pending")


class AddressForm(Form):
    contact_email = EmailField()

    def validate_contact_email(self, field: Any) -> None:
        if len(field.data or "") > EMAIL_MAX:
            raise ValidationError(_("Werk-e-mailadres: gebruik hoogstens %(max)s tekens.",
                                    max=EMAIL_MAX))
        if not (field.data or "").strip():
            raise ValidationError(_("Werk-e-mailadres: vul uw werk-e-mailadres in."))
        _email_format(self, field)


# Sending a confirmation link again, per round: a coordinator link cannot flood a mailbox.
ADDRESS_LIMITS = ratelimit.parse_many("5 per hour;10 per day")


@bp.post("/c/<token>/e-mailadres")
@web.link_limit
def address(token: str) -> ResponseReturnValue:
    """Send the confirmation link again, to the same or a corrected address."""
    r = coordinator_round(token)
    target = url_for("coordinator.coordinator", token=token) + "#meetellen"
    if sharing_state(r) != "unconfirmed":
        return redirect(target, code=303)
    form = AddressForm(meta={"csrf": False})
    if not form.validate():
        return _coordinator_page(token, r, form), 400
    web.limit_or_429("confirmation-mail", str(r["id"]), ADDRESS_LIMITS, _(
        "Er zijn voor deze ronde in korte tijd veel bevestigingsmails verstuurd."))
    db = web.get_db()
    contact.set_address(db, r["id"], (form.contact_email.data or "").strip().lower())
    ratelimit.hit("confirmation-mail", str(r["id"]), ADDRESS_LIMITS)
    updated = rounds.round_by_id(db, r["id"])
    if updated is not None:
        _confirmation_sent(updated)
    return redirect(target, code=303)


@bp.post("/c/<token>/sluiten")
@web.link_limit
def close(token: str) -> ResponseReturnValue:
    r = coordinator_round(token)
    if r["status"] == "open":
        if not request.form.get("confirm"):
            flash(_("Vink aan dat u de ronde wilt sluiten en klik dan opnieuw op de knop."),
                  "error")
            return redirect(url_for("coordinator.coordinator", token=token) + "#sluiten",
                            code=303)
        rounds.close_round(web.get_db(), r["id"],
                           web.questionnaire_of(r["questionnaire_id"], r["version"]))
        flash(_("De ronde is gesloten. De uitkomsten zijn berekend."), "success")
    return redirect(url_for("coordinator.coordinator", token=token), code=303)


@bp.post("/c/<token>/nieuwe-uitnodiging")
@web.link_limit
def replace_invitation(token: str) -> ResponseReturnValue:
    r = coordinator_round(token)
    rounds.replace_invitation(web.get_db(), r["id"], token)
    flash(_("Er is een nieuwe uitnodigingslink gemaakt. De oude link werkt niet meer. "
            "Deelnemers die al begonnen zijn, gaan gewoon verder met hun eigen link."), "success")
    return redirect(url_for("coordinator.coordinator", token=token) + "#uitnodiging", code=303)


@bp.route("/c/<token>/verwijderen", methods=["GET", "POST"])
@web.link_limit
def delete(token: str) -> ResponseReturnValue:
    r = coordinator_round(token)
    error = None
    if request.method == "POST":
        if request.form.get("confirm") in ("verwijder", "delete"):
            rounds.delete_round(web.get_db(), r["id"])
            flash(_("De ronde en alle antwoorden zijn verwijderd."), "success")
            return redirect(url_for("public.home"), code=303)
        error = _("Typ het woord 'verwijder' om te bevestigen dat u alles wilt verwijderen.")
    return render_template("coordinator/delete.html", round=r, token=token, error=error), (
        400 if error else 200)


@bp.post("/c/<token>/nieuwe-ronde")
@web.link_limit
def new_round(token: str) -> ResponseReturnValue:
    """Start the next round of the same municipality, linked to this closed one."""
    r = coordinator_round(token)
    if r["status"] != "closed":
        flash(_("Sluit eerst deze ronde. Daarna kunt u een nieuwe ronde starten."), "error")
        return redirect(url_for("coordinator.coordinator", token=token), code=303)
    # Every form of this round shares one nonce for "the round after this one": a double click,
    # a refresh or a second tab shows the round made the first time.
    made = web.once("next_rounds", f"after-{r['id']}", lambda: _next_round(r),
                    still_valid=lambda t: rounds.round_by_coordinator(web.get_db(), t) is not None)
    return redirect(url_for("coordinator.coordinator", token=made, nieuw=1), code=303)


def _next_round(r: dict[str, Any]) -> str:
    q = web.current()
    if q.id != r["questionnaire_id"]:
        # Another questionnaire would share no items; keep comparing like with like.
        q = max((x for x in web.library().questionnaires if x.id == r["questionnaire_id"]),
                key=lambda x: x.version)
    _rid, token = rounds.create_round(
        web.get_db(), municipality_code=r["municipality_code"], questionnaire=q,
        year=date.today().year, name=r["name"], benchmark_consent=bool(r["benchmark_consent"]),
        coaching_requested=bool(r["coaching_requested"]), contact_email=r["contact_email"],
        previous_round_id=r["id"], synthetic=bool(r["synthetic"]))
    made = rounds.round_by_id(web.get_db(), _rid)
    if made is not None and contact.wants_confirmation(made):
        _confirmation_sent(made)  # every round is confirmed and approved on its own
    return token


# --- the working session and the actions carried from the previous round ---------------------


def _session_url(token: str, r: dict[str, Any]) -> str | None:
    """The working session of a closed round, once that page exists in this application."""
    if r["status"] != "closed" or "session.overview" not in current_app.view_functions:
        return None
    return url_for("session.overview", token=token)


@dataclass(frozen=True)
class ActionFeedback:
    """What the page says about one action after a status form came back: an error or a
    conflict, and the status the coordinator chose."""

    action_id: int
    message: str
    chosen: str
    conflict: bool = False


def _carried_rows(round_id: int, questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """The actions this round took over from the previous one, with the names of their place."""
    titles = {d.id: web.tr(d.title) for d in questionnaire.dimensions}
    rows = []
    for a in sessions.actions(web.get_db(), round_id):
        if a.carried_from is None:
            continue
        item = questionnaire.items.get(a.item_id) if a.item_id else None
        rows.append({"action": a, "dimension": titles.get(a.dimension_id, a.dimension_id),
                     "item": item.label(web.lang()) if item is not None else ""})
    return rows


def _with_status(a: Action, status: str) -> ActionInput:
    return ActionInput(a.dimension_id, a.item_id, a.what, a.who, a.due, a.tool_id, status)


def _status_label(status: str) -> str:
    labels = {"open": _("Open"), "busy": _("Bezig"), "done": _("Klaar"),
              "dropped": _("Vervallen")}
    return str(labels.get(status, status))


def _conflict_message(current: object, chosen: str) -> str:
    if not isinstance(current, Action):  # deleted since the page was shown
        return str(_("Deze actie is intussen verwijderd. Uw keuze (%(chosen)s) is niet bewaard.",
                     chosen=_status_label(chosen)))
    return str(_("Iemand anders heeft deze actie intussen gewijzigd. Nu opgeslagen: "
                 "%(stored)s. Uw keuze (%(chosen)s) is niet bewaard. Kies opnieuw en klik op "
                 "'Bewaar status' als u uw keuze wilt houden.",
                 stored=_status_label(current.status), chosen=_status_label(chosen)))


@bp.post("/c/<token>/acties/<int:action_id>/status")
@web.link_limit
def action_status(token: str, action_id: int) -> ResponseReturnValue:
    """Change the status of an action carried from the previous round; a page that is out of
    date (someone else changed the action) gets 409 and sees what is stored now."""
    r = coordinator_round(token)
    db = web.get_db()
    current = sessions.action(db, r["id"], action_id)
    if current is None or current.carried_from is None:
        abort(404)
    status = (request.form.get("status") or "").strip()
    raw_version = (request.form.get("version") or "").strip()
    if status not in STATUSES:
        message = _("Kies een status: open, bezig, klaar of vervallen.")
    elif not raw_version.isdigit():
        message = _("Het formulier is niet compleet. Laad de pagina opnieuw en kies de status "
                    "nog eens.")
    else:
        try:
            sessions.update_action(db, r["id"], action_id, _with_status(current, status),
                                   int(raw_version))
        except Conflict as conflict:
            feedback = ActionFeedback(action_id, _conflict_message(conflict.current, status),
                                      status, conflict=True)
            return _coordinator_page(token, r, feedback=feedback), 409
        flash(_("De status van de actie is bewaard: %(status)s.", status=_status_label(status)),
              "success")
        return redirect(url_for("coordinator.coordinator", token=token) + "#vorige-acties",
                        code=303)
    return _coordinator_page(token, r, feedback=ActionFeedback(action_id, str(message),
                                                               status)), 400
