"""Respondents: accepting an invitation and answering the questionnaire through a secret link."""

from __future__ import annotations

import re
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
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from selfscan.core import answers as pages
from selfscan.core import tokens
from selfscan.core.anonymity import PROVISIONAL_FROM
from selfscan.core.messages import N_
from selfscan.core.questionnaire import Questionnaire
from selfscan.core.roles import ROLE_GROUPS, offered_role_group
from selfscan.storage import rounds
from selfscan.web import fragment_cache, minutes_cache
from selfscan.web import helpers as web
from selfscan.web.extensions import csrf
from selfscan.web.gettext_cache import gettext as fast_

bp = Blueprint("respondent", __name__)


# --- the invitation ----------------------------------------------------------------------------


@bp.route("/i/<token>", methods=["GET", "POST"])
@web.link_limit
def invitation(token: str) -> ResponseReturnValue:
    db = web.get_db()
    r = rounds.round_by_invitation(db, token)
    if r is None:
        abort(404)
    if r["status"] != "open":
        return render_template("respondent/closed.html", round=r)
    error = None
    nonce = request.form.get("form_nonce") or tokens.new_token()
    if request.method == "POST":
        role = request.form.get("role_group", "")

        def join() -> str | None:
            if offered_role_group(role) is None:
                return None
            return rounds.create_respondent(db, r["id"], role)[1]

        resume = web.once("respondents", nonce, join)
        if resume is not None:
            return redirect(url_for("respondent.step", token=resume, number=1, nieuw=1),
                            code=303)
        error = _("Kies de groep waartoe u hoort.")
    q = web.questionnaire_of(r["questionnaire_id"], r["version"])
    return render_template(
        "respondent/invitation.html", round=r, roles=ROLE_GROUPS, error=error, nonce=nonce,
        questionnaire=q, intro=intro_without_time(web.tr(q.intro)),
        minutes=minutes_range(q)), (400 if error else 200)


# --- answering ---------------------------------------------------------------------------------


def _protect_link(token: str) -> None:
    """Refuse a post behind a respondent link that lacks the link's own CSRF token.

    Respondent pages carry a token bound to their link (tokens.link_csrf_token) instead of
    one kept in a session: answering neither needs nor sets a cookie, a page left open for
    days can still be saved, and no session is read on the busiest requests of the service.
    Raises CSRFError like Flask-WTF does.
    """
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    if not tokens.link_csrf_valid(current_app.config["SECRET_KEY"], token, sent):
        raise CSRFError("The CSRF token of this link is missing or wrong.")


def _respondent(token: str) -> tuple[dict[str, Any], Questionnaire]:
    p = rounds.respondent_by_resume(web.get_db(), token)
    if p is None:
        abort(404)
    return p, web.questionnaire_of(p["questionnaire_id"], p["version"])


def _readonly(p: dict[str, Any]) -> bool:
    return bool(p["status"] == "submitted" or p["round_status"] != "open")


def _step(q: Questionnaire, number: int) -> pages.Step:
    step = pages.step_of(q, number)
    if step is None:
        abort(404)
    return step


def step_titles(q: Questionnaire) -> list[str]:
    """The title of every page, in the language of the request."""
    return [fast_(N_("Over uw aanpak"))] + [web.tr(d.title) for d in q.dimensions] + [
        fast_(N_("Controleren en indienen"))]


def _parse(p: dict[str, Any], q: Questionnaire, step: pages.Step) -> pages.PageInput:
    try:
        return pages.parse_page(q, step, request.form, p["role_group"])
    except pages.PageRefused as exc:
        raise web.bad_request(web.translate(exc.message)) from None


def _extra_options() -> tuple[str, str]:
    """The two answers outside the scale, in the language of the request."""
    return fast_(N_("Weet ik niet")), fast_(N_("Niet van toepassing"))


def _fragments(q: Questionnaire, step: pages.Step, role_group: str) -> Any:
    if step.dimension is None:
        return {}
    # N_ marks the strings for extraction; fast_ translates them through the request's catalogue.
    labels = fragment_cache.Labels(fast_(N_("Stelling %(n)s van %(total)s")),
                                   fast_(N_("Waarom vragen we dit?")), *_extra_options(),
                                   full_levels=fast_(N_("Volledige beschrijvingen")))
    return fragment_cache.item_fragments(q, step.dimension, web.lang(), labels, role_group)


def minutes_for(q: Questionnaire, role_group: str | None) -> int:
    """The minutes the questionnaire takes a respondent of this role group, from its words."""
    return minutes_cache.minutes(q, role_group, web.lang(), _extra_options())


def minutes_range(q: Questionnaire) -> tuple[int, int]:
    """The fewest and most minutes over the role groups offered: said before a group is chosen."""
    found = [minutes_for(q, role.id) for role in ROLE_GROUPS]
    return min(found), max(found)


# The time sentence that the intro of a questionnaire may end with ("Het invullen duurt ongeveer
# 20 minuten."). Published versions cannot change (storage.questionnaires refuses a changed
# version that has answers), so the page leaves the sentence out and states the time that
# core.reading_time computes from the words instead.
_TIME_SENTENCE = re.compile(
    r"\s*(?:Het invullen duurt ongeveer|It takes about) \d+ (?:minuten|minutes)\.", re.IGNORECASE)


def intro_without_time(text: str) -> str:
    """An intro without its own statement of the time."""
    return _TIME_SENTENCE.sub("", text).strip()


def _shown_values(p: dict[str, Any], step: pages.Step, posted: Any
                  ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str], dict[str, bool]]:
    """Answers, context answers, comments and their share choices to show: each page only its
    own part of what is stored, and what was posted instead where a post is shown again."""
    db = web.get_db()
    on_context = step.kind == "context"
    answers: dict[str, Any] = {} if on_context else rounds.answers_of(db, p["id"])
    comments = {} if on_context else rounds.comments_of(db, p["id"])
    shares = {} if on_context else rounds.shares_of(db, p["id"])
    context = rounds.context_of(db, p["id"]) if on_context else {}
    if posted is not None:  # show what was entered, not what is stored
        if step.dimension is not None and "comment-" + step.dimension.id in posted:
            shares[step.dimension.id] = posted.get("share-" + step.dimension.id) == "1"
        for key in posted.keys():
            if key.startswith("item-"):
                answers[key[5:]] = posted.get(key)
            elif key.startswith("comment-"):
                comments[key[8:]] = posted.get(key)
            elif key.startswith("context-"):
                values = posted.getlist(key)
                context[key[8:]] = values if len(values) > 1 else (values[0] if values else "")
    return answers, context, comments, shares


_TEMPLATES = {"context": "respondent/step_context.html",
              "dimension": "respondent/step_dimension.html",
              "review": "respondent/review.html"}


def _render_step(p: dict[str, Any], q: Questionnaire, token: str, step: pages.Step,
                 posted: Any = None, errors: dict[str, str] | None = None,
                 csrf_failed: bool = False, status: int = 200) -> ResponseReturnValue:
    answers, context, comments, shares = _shown_values(p, step, posted)
    titles = step_titles(q)
    return render_template(
        _TEMPLATES[step.kind], respondent=p, questionnaire=q, token=token, number=step.number,
        step=step, step_title=titles[step.number - 1], titles=titles,
        fragments=_fragments(q, step, p["role_group"]), answers=answers,
        asked=lambda d: pages.asked_items(d, p["role_group"]), context=context, comments=comments,
        shares=shares, errors=errors or {}, csrf_failed=csrf_failed, comment_max=pages.COMMENT_MAX,
        readonly=_readonly(p), csrf_token=lambda: web.link_csrf(token),
        resume_url=url_for("respondent.resume", token=token, _external=True),
        new=request.args.get("nieuw") == "1",
        minutes=minutes_for(q, p["role_group"]) if step.kind == "context" else None), status


@bp.get("/r/<token>")
@web.link_limit
def resume(token: str) -> ResponseReturnValue:
    p, q = _respondent(token)
    if p["status"] == "submitted":
        return redirect(url_for("respondent.done", token=token), code=303)
    answers = rounds.answers_of(web.get_db(), p["id"])
    return redirect(url_for("respondent.step", token=token,
                            number=pages.first_open_step(q, answers, p["role_group"])),
                    code=303)


def _save(p: dict[str, Any], q: Questionnaire, step: pages.Step) -> dict[str, str]:
    """Save what a page submit carries; returns its errors, translated (the rest is saved)."""
    page = _parse(p, q, step)
    rounds.save_answers(web.get_db(), p["id"], answers=page.answers, context=page.context,
                        comments=page.comments, shares=page.shares)
    return {key: web.translate(message) for key, message in page.errors.items()}


def _next_page(token: str, number: int, last: int) -> ResponseReturnValue:
    action = request.form.get("action", "next")
    if action == "save":
        return redirect(url_for("respondent.saved", token=token), code=303)
    if action == "prev":
        target = max(1, number - 1)
    elif action.startswith("goto-") and action[5:].isdigit():
        target = min(max(1, int(action[5:])), last)
    else:
        target = min(number + 1, last)
    return redirect(url_for("respondent.step", token=token, number=target), code=303)


@bp.route("/r/<token>/stap/<int:number>", methods=["GET", "POST"])
@csrf.exempt
@web.link_limit
def step(token: str, number: int) -> ResponseReturnValue:
    p, q = _respondent(token)
    this = _step(q, number)
    if request.method == "GET":
        if p["status"] == "submitted":
            return redirect(url_for("respondent.done", token=token), code=303)
        return _render_step(p, q, token, this)
    try:
        _protect_link(token)
    except CSRFError:
        # Never lose work to a wrong token: show the page again with what was entered.
        return _render_step(p, q, token, this, posted=request.form, csrf_failed=True,
                            status=400)
    if _readonly(p):
        flash(_("U hebt de scan al ingediend of de ronde is gesloten; er is niets meer "
                "gewijzigd."), "info")
        return redirect(url_for("respondent.done", token=token), code=303)
    errors = _save(p, q, this)
    if errors:
        return _render_step(p, q, token, this, posted=request.form, errors=errors, status=400)
    return _next_page(token, number, len(pages.steps_of(q)))


SAVED_JSON = b'{"status":"saved"}'  # the same answer to every successful background save


@bp.post("/r/<token>/autosave/<int:number>")
@csrf.exempt
@web.link_limit
def autosave(token: str, number: int) -> ResponseReturnValue:
    """Background save from the page's script; the same rules as a page submit."""
    p, q = _respondent(token)
    _protect_link(token)
    this = _step(q, number)
    if _readonly(p):
        return jsonify({"status": "readonly", "message": _("De scan is al ingediend.")}), 409
    errors = _save(p, q, this)
    if errors:
        return jsonify({"status": "invalid", "errors": errors}), 400
    return current_app.response_class(SAVED_JSON, mimetype="application/json")


@bp.get("/r/<token>/opgeslagen")
@web.link_limit
def saved(token: str) -> ResponseReturnValue:
    p, _q = _respondent(token)
    return render_template("respondent/saved.html", token=token, respondent=p,
                           resume_url=url_for("respondent.resume", token=token, _external=True))


@bp.post("/r/<token>/indienen")
@csrf.exempt
@web.link_limit
def submit(token: str) -> ResponseReturnValue:
    p, _q = _respondent(token)
    _protect_link(token)
    rounds.submit_respondent(web.get_db(), p["id"], p["round_id"])
    return redirect(url_for("respondent.done", token=token), code=303)


@bp.get("/r/<token>/klaar")
@web.link_limit
def done(token: str) -> ResponseReturnValue:
    p, q = _respondent(token)
    if p["status"] != "submitted" and p["round_status"] == "open":
        return redirect(url_for("respondent.step", token=token, number=len(pages.steps_of(q))),
                        code=303)
    return render_template("respondent/done.html", respondent=p, token=token,
                           provisional_from=PROVISIONAL_FROM)
