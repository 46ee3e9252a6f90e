"""The CCV's approval queue: confirmed rounds waiting for approval, and the coaching actions.

Only approved rounds count in shared figures (the releases read approval = 'approved'); a new
round never displaces its municipality's approved round until it is approved itself. The queue
shows who and when, never scores.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from selfscan.storage import approvals, coaching_list
from selfscan.web import helpers as web
from selfscan.web.ccv import staff_required

bp = Blueprint("approvals", __name__)


@bp.get("/ccv/goedkeuren")
@staff_required
def queue() -> ResponseReturnValue:
    db = web.get_db()
    return render_template("ccv/approvals.html", waiting=approvals.waiting(db),
                           decided=approvals.recently_decided(db))


@bp.post("/ccv/goedkeuren/<int:round_id>")
@staff_required
def decide(round_id: int) -> ResponseReturnValue:
    decision = request.form.get("decision", "")
    if decision not in approvals.DECISIONS:
        raise web.bad_request(_("Kies 'Goedkeuren' of 'Afwijzen' bij een ronde."))
    if approvals.decide(web.get_db(), round_id, decision):
        current_app.logger.info("round approval decided")  # no content, no round
        flash(_("De ronde is goedgekeurd: hij telt mee in de volgende release.")
              if decision == "approve" else
              _("De ronde is afgewezen: hij telt nergens mee buiten de eigen gemeente."), "success")
    else:
        flash(_("Deze ronde kan niet worden beoordeeld: het e-mailadres is niet bevestigd, of de "
                "ronde bestaat niet meer."), "error")
    return redirect(url_for("approvals.queue"), code=303)


@bp.post("/ccv/coaching/<int:round_id>/afgehandeld")
@staff_required
def coaching_handled(round_id: int) -> ResponseReturnValue:
    if coaching_list.mark_handled(web.get_db(), round_id):
        flash(_("Het coachingsverzoek is afgehandeld. Het e-mailadres wordt bij de volgende "
                "opschoonronde gewist."), "success")
    else:
        flash(_("Dit coachingsverzoek was al afgehandeld of bestaat niet meer."), "info")
    return redirect(url_for("ccv.coaching"), code=303)
