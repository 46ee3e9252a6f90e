"""The coordinator's e-mail address: confirming it through a mailed link, and asking for the
secret links again. A round counts beyond its municipality only once its address is confirmed
(and the CCV approved it, web/approvals.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import EmailField
from wtforms.validators import Email, InputRequired, Length

from selfscan.core import tokens
from selfscan.output import mail
from selfscan.storage import contact, rounds
from selfscan.web import helpers as web
from selfscan.web import ratelimit
from selfscan.web.extensions import csrf
from selfscan.web.forms import Form

bp = Blueprint("contact", __name__)

# Asking for links: per client address, and per e-mail address asked for (silently: the page
# answers the same), so that nobody can flood a mailbox or keep replacing someone's links.
LINK_REQUEST_LIMITS = ratelimit.parse_many("5 per hour")
LINK_REQUESTS_PER_ADDRESS = ratelimit.parse_many("3 per hour;10 per day")


def send_confirmation(r: dict[str, Any]) -> bool:
    """Mail a new confirmation link to the round's address; False when the mail server failed
    (the page then says so, and the coordinator page offers to send it again)."""
    token = contact.new_confirmation(web.get_db(), r["id"])
    message = mail.confirmation_message(
        web.mail_settings().sender, r["contact_email"], municipality=r["municipality_name"],
        year=r["year"], confirm_url=url_for("contact.confirm", token=token, _external=True),
        valid_days=contact.CONFIRMATION_VALID_DAYS)
    return web.send_mail(message)


@bp.route("/bevestig/<token>", methods=["GET", "POST"])
@web.link_limit
def confirm(token: str) -> ResponseReturnValue:
    r = contact.round_for_confirmation(web.get_db(), token)
    if r is None:
        abort(404)
    if request.method == "POST":
        contact.confirm(web.get_db(), token)
        return redirect(url_for("contact.confirmed"), code=303)
    return render_template("contact/confirm.html", round=r, token=token)


@bp.get("/bevestigd")
def confirmed() -> ResponseReturnValue:
    return render_template("contact/confirmed.html")


class LinksForm(Form):
    email = EmailField(validators=[Length(max=254)])

    def validate_email(self, field: Any) -> None:
        field.data = (field.data or "").strip()
        message = _("Vul bij 'E-mailadres' een geldig e-mailadres in, zoals naam@gemeente.nl.")
        InputRequired(message=_("Vul bij 'E-mailadres' het e-mailadres in dat u bij het starten "
                                "van de ronde opgaf."))(self, field)
        Email(message=message)(self, field)


def _mail_new_links(address: str) -> None:
    """New secret links for every round whose confirmed address this is, in one message."""
    db = web.get_db()
    found = contact.rounds_of_address(db, address)
    if not found:
        return
    made = []
    for r in found:
        coordinator = rounds.replace_coordinator(db, r["id"])
        invitation = tokens.invitation_token(coordinator, r["invitation_nonce"])
        made.append(mail.RoundLinks(
            municipality=r["municipality_name"], year=r["year"], name=r["name"],
            is_open=r["status"] == "open",
            coordinator_url=url_for("coordinator.coordinator", token=coordinator, _external=True),
            invitation_url=url_for("respondent.invitation", token=invitation, _external=True)
            if r["status"] == "open" else None))
    web.send_mail(mail.links_message(web.mail_settings().sender, address, made), tell=False)


@bp.route("/links-opnieuw", methods=["GET", "POST"])
@csrf.exempt
def resend_links() -> ResponseReturnValue:
    """The same answer whatever the address: never tells whether it belongs to a round."""
    form = LinksForm(meta={"csrf": False})
    csrf_failed = request.method == "POST" and web.csrf_failed()
    if request.method == "POST" and not csrf_failed:
        client = request.remote_addr or "-"
        web.limit_or_429("links-request", client, LINK_REQUEST_LIMITS, _(
            "Er zijn vanaf dit adres in korte tijd veel links aangevraagd."))
        if form.validate():
            address = (form.email.data or "").strip().lower()
            ratelimit.hit("links-request", client, LINK_REQUEST_LIMITS)
            if ratelimit.allowed("links-address", address, LINK_REQUESTS_PER_ADDRESS):
                ratelimit.hit("links-address", address, LINK_REQUESTS_PER_ADDRESS)
                _mail_new_links(address)
            return redirect(url_for("contact.resend_links", verstuurd=1), code=303)
    return render_template(
        "contact/links.html", form=form, csrf_failed=csrf_failed,
        sent=request.args.get("verstuurd") == "1",
        outbox=web.mail_settings().uses_outbox and request.args.get("verstuurd") == "1",
        outbox_notice=web.outbox_notice(),
        contact_days=current_app.config["EMAIL_RETENTION_DAYS"]), (
        400 if request.method == "POST" else 200)
