"""The coordinator: starting a round, the coordinator page, closing, new links, deleting, the next
round."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from selfscan.core import tokens
from selfscan.core.roles import ROLE_GROUPS
from selfscan.storage import municipalities, rounds
from selfscan.web import helpers as web
from selfscan.web.extensions import csrf
from selfscan.web.forms import Form

bp = Blueprint("coordinator", __name__)


class StartForm(Form):
    municipality = SelectField(validators=[InputRequired()], validate_choice=False)
    name = StringField(validators=[Optional(), Length(max=120)])
    year = SelectField(coerce=int, validate_choice=False)
    benchmark_consent = BooleanField()
    coaching = BooleanField()
    contact_email = EmailField(validators=[Length(max=254)])

    def validate_municipality(self, field: Any) -> None:
        if municipalities.municipality(web.get_db(), field.data or "") is None:
            raise ValidationError(_("Kies uw gemeente uit de lijst."))

    def validate_year(self, field: Any) -> None:
        if field.data not in _years():
            raise ValidationError(_("Kies een jaar uit de lijst."))

    def validate_contact_email(self, field: Any) -> None:
        if self.coaching.data:
            if not field.data:
                raise ValidationError(_("Vul een e-mailadres in, zodat het CCV contact met u kan "
                                        "opnemen over coaching."))
            Email(message=_("Vul een geldig e-mailadres in, zoals naam@gemeente.nl."))(self, field)


def _years() -> list[int]:
    this = date.today().year
    return [this, this - 1]


def _start_round(form: StartForm) -> str | None:
    if not form.validate():
        return None
    _round_id, token = rounds.create_round(
        web.get_db(), municipality_code=form.municipality.data, questionnaire=web.current(),
        year=form.year.data, name=(form.name.data or "").strip(),
        benchmark_consent=form.benchmark_consent.data, coaching_requested=form.coaching.data,
        contact_email=(form.contact_email.data or "").strip() or None)
    return token


@bp.route("/start", methods=["GET", "POST"])
@csrf.exempt
def start() -> ResponseReturnValue:
    form = StartForm(meta={"csrf": False})
    form.municipality.choices = [("", _("Kies uw gemeente"))] + [
        (m["code"], m["name"]) for m in municipalities.municipalities(web.get_db())]
    form.year.choices = [(y, str(y)) for y in _years()]
    nonce = request.form.get("form_nonce") or tokens.new_token()
    csrf_failed = False
    if request.method == "POST":
        try:
            csrf.protect()
        except CSRFError:
            csrf_failed = True
        else:
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
    r = coordinator_round(token)
    invitation = tokens.invitation_token(token, r["invitation_nonce"])
    counts = rounds.progress(web.get_db(), r["id"])
    rows = [
        {"role": role, "started": counts.get(role.id, {}).get("started", 0),
         "submitted": counts.get(role.id, {}).get("submitted", 0)}
        for role in ROLE_GROUPS if role.id in counts
    ]
    totals = {"started": sum(c["started"] for c in counts.values()),
              "submitted": sum(c["submitted"] for c in counts.values())}
    return render_template(
        "coordinator/coordinator.html", round=r, token=token, rows=rows, totals=totals,
        questionnaire=web.questionnaire_of(r["questionnaire_id"], r["version"]),
        coordinator_url=url_for("coordinator.coordinator", token=token, _external=True),
        invitation_url=url_for("respondent.invitation", token=invitation, _external=True),
        new=request.args.get("nieuw") == "1", form_nonce=tokens.new_token())


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
    return token
