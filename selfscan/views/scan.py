"""The scan itself: starting a round, the coordinator's page, and answering through secret links."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
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
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from werkzeug.exceptions import NotFound
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from selfscan import ratelimit, store, tokens, web
from selfscan.extensions import csrf
from selfscan.forms import Form
from selfscan.questionnaire import Questionnaire
from selfscan.roles import ROLE_GROUPS, role_group

bp = Blueprint("scan", __name__)

COMMENT_MAX = 1000
ANSWER_VALUES = ("0", "1", "2", "3", "4", "unknown", "na")
# Guessing secret links: every unknown link (404) counts against the address; past the limit,
# every link route answers 429 for the rest of the window. Valid links cost no bookkeeping.
LINK_LIMITS = ratelimit.parse_many("30 per minute;300 per hour")


def link_limit(view: Callable[..., Any]) -> Callable[..., Any]:
    """Rate-limit misses on a secret-link route, per client address."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not ratelimit.enabled():
            return view(*args, **kwargs)
        address = request.remote_addr or "-"
        if not ratelimit.allowed("link-miss", address, LINK_LIMITS):
            abort(429)
        try:
            return view(*args, **kwargs)
        except NotFound:
            ratelimit.hit("link-miss", address, LINK_LIMITS)
            raise

    return guarded



def _questionnaire(questionnaire_id: str, version: int) -> Questionnaire:
    q = web.library().get(questionnaire_id, version)
    if q is None:  # a stored version always loads; this guards a damaged database only
        abort(500)
    return q


# --- starting a round --------------------------------------------------------------------------


class StartForm(Form):
    municipality = SelectField(validators=[InputRequired()], validate_choice=False)
    name = StringField(validators=[Optional(), Length(max=120)])
    year = SelectField(coerce=int, validate_choice=False)
    benchmark_consent = BooleanField()
    coaching = BooleanField()
    contact_email = EmailField(validators=[Length(max=254)])

    def validate_municipality(self, field: Any) -> None:
        if store.municipality(web.get_db(), field.data or "") is None:
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


REMEMBERED_NONCES = 10  # enough for double clicks and refreshes; keeps the cookie small


def _remember(key: str, nonce: str, token: str) -> None:
    """Remember which token a form submission produced, so a repeat shows the same one."""
    made = dict(session.get(key, {}))
    made[nonce] = token
    session[key] = dict(list(made.items())[-REMEMBERED_NONCES:])


def _created_rounds() -> dict[str, str]:
    return session.get("created", {})


@bp.route("/start", methods=["GET", "POST"])
@csrf.exempt
def start():  # type: ignore[no-untyped-def]
    db = web.get_db()
    form = StartForm(meta={"csrf": False})
    form.municipality.choices = [("", _("Kies uw gemeente"))] + [
        (m["code"], m["name"]) for m in store.municipalities(db)]
    form.year.choices = [(y, str(y)) for y in _years()]
    nonce = request.form.get("form_nonce") or tokens.new_token()
    csrf_failed = False
    if request.method == "POST":
        try:
            csrf.protect()
        except CSRFError:
            csrf_failed = True
    if request.method == "POST" and not csrf_failed:
        # A double click or a refresh posts the same nonce again: show the round made first.
        done = _created_rounds().get(nonce)
        if done:
            return redirect(url_for("scan.coordinator", token=done, nieuw=1), code=303)
        if form.validate():
            q = web.current()
            _round_id, token = store.create_round(
                db, municipality_code=form.municipality.data, questionnaire=q,
                year=form.year.data, name=(form.name.data or "").strip(),
                benchmark_consent=form.benchmark_consent.data,
                coaching_requested=form.coaching.data,
                contact_email=(form.contact_email.data or "").strip() or None)
            _remember("created", nonce, token)
            return redirect(url_for("scan.coordinator", token=token, nieuw=1), code=303)
    return render_template("scan/start.html", form=form, nonce=nonce, csrf_failed=csrf_failed,
                           questionnaire=web.current()), (
        400 if request.method == "POST" else 200)


# --- the coordinator ---------------------------------------------------------------------------


def coordinator_round(token: str) -> dict[str, Any]:
    """The round behind a coordinator link; 404 for an unknown link."""
    r = store.round_by_coordinator(web.get_db(), token)
    if r is None:
        abort(404)
    return r


@bp.get("/c/<token>")
@link_limit
def coordinator(token: str):  # type: ignore[no-untyped-def]
    r = coordinator_round(token)
    db = web.get_db()
    invitation = tokens.invitation_token(token, r["invitation_nonce"])
    counts = store.progress(db, r["id"])
    rows = [
        {"role": role, "started": counts.get(role.id, {}).get("started", 0),
         "submitted": counts.get(role.id, {}).get("submitted", 0)}
        for role in ROLE_GROUPS if role.id in counts
    ]
    totals = {"started": sum(c["started"] for c in counts.values()),
              "submitted": sum(c["submitted"] for c in counts.values())}
    return render_template(
        "scan/coordinator.html", round=r, token=token, rows=rows, totals=totals,
        questionnaire=_questionnaire(r["questionnaire_id"], r["version"]),
        coordinator_url=url_for("scan.coordinator", token=token, _external=True),
        invitation_url=url_for("scan.invitation", token=invitation, _external=True),
        new=request.args.get("nieuw") == "1", form_nonce=tokens.new_token())


@bp.post("/c/<token>/sluiten")
@link_limit
def close(token: str):  # type: ignore[no-untyped-def]
    r = coordinator_round(token)
    if r["status"] == "open":
        if not request.form.get("confirm"):
            flash(_("Vink aan dat u de ronde wilt sluiten en klik dan opnieuw op de knop."),
                  "error")
            return redirect(url_for("scan.coordinator", token=token) + "#sluiten", code=303)
        store.close_round(web.get_db(), r["id"], _questionnaire(r["questionnaire_id"], r["version"]))
        flash(_("De ronde is gesloten. De uitkomsten zijn berekend."), "success")
    return redirect(url_for("scan.coordinator", token=token), code=303)


@bp.post("/c/<token>/nieuwe-uitnodiging")
@link_limit
def replace_invitation(token: str):  # type: ignore[no-untyped-def]
    r = coordinator_round(token)
    store.replace_invitation(web.get_db(), r["id"], token)
    flash(_("Er is een nieuwe uitnodigingslink gemaakt. De oude link werkt niet meer. "
            "Deelnemers die al begonnen zijn, gaan gewoon verder met hun eigen link."), "success")
    return redirect(url_for("scan.coordinator", token=token) + "#uitnodiging", code=303)


@bp.route("/c/<token>/verwijderen", methods=["GET", "POST"])
@link_limit
def delete(token: str):  # type: ignore[no-untyped-def]
    r = coordinator_round(token)
    error = None
    if request.method == "POST":
        if request.form.get("confirm") == "verwijder" or request.form.get("confirm") == "delete":
            store.delete_round(web.get_db(), r["id"])
            flash(_("De ronde en alle antwoorden zijn verwijderd."), "success")
            return redirect(url_for("public.home"), code=303)
        error = _("Typ het woord 'verwijder' om te bevestigen dat u alles wilt verwijderen.")
    return render_template("scan/delete.html", round=r, token=token, error=error), (
        400 if error else 200)


# --- invitation and respondents ----------------------------------------------------------------


@bp.route("/i/<token>", methods=["GET", "POST"])
@link_limit
def invitation(token: str):  # type: ignore[no-untyped-def]
    db = web.get_db()
    r = store.round_by_invitation(db, token)
    if r is None:
        abort(404)
    error = None
    if r["status"] != "open":
        return render_template("scan/closed.html", round=r)
    nonce = request.form.get("form_nonce") or tokens.new_token()
    if request.method == "POST":
        made = session.get("respondents", {})
        if nonce in made:
            return redirect(url_for("scan.step", token=made[nonce], number=1), code=303)
        role = request.form.get("role_group", "")
        if role_group(role) is None:
            error = _("Kies de groep waartoe u hoort.")
        else:
            _rid, resume = store.create_respondent(db, r["id"], role)
            _remember("respondents", nonce, resume)
            return redirect(url_for("scan.step", token=resume, number=1, nieuw=1), code=303)
    return render_template("scan/invitation.html", round=r, roles=ROLE_GROUPS, error=error,
                           nonce=nonce, questionnaire=_questionnaire(r["questionnaire_id"],
                                                                     r["version"])), (
        400 if error else 200)


def _link_csrf(token: str) -> str:
    return tokens.link_csrf_token(current_app.config["SECRET_KEY"], token)


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
    p = store.respondent_by_resume(web.get_db(), token)
    if p is None:
        abort(404)
    return p, _questionnaire(p["questionnaire_id"], p["version"])


_STEPS_CACHE: dict[tuple[Any, ...], list[dict[str, Any]]] = {}


def steps_of(q: Questionnaire) -> list[dict[str, Any]]:
    """The pages of a questionnaire: context, one per dimension, then the review."""
    key = (q.key, q.content_hash, web.lang())
    steps = _STEPS_CACHE.get(key)
    if steps is None:
        steps = [{"kind": "context", "title": _("Over uw aanpak")}]
        steps += [{"kind": "dimension", "dimension": d, "title": web.tr(d.title)}
                  for d in q.dimensions]
        steps.append({"kind": "review", "title": _("Controleren en indienen")})
        _STEPS_CACHE[key] = steps
    return steps


def page_of(q: Questionnaire, number: int) -> dict[str, Any] | None:
    """Which page a step number is, without its title (no translation needed to save)."""
    if number == 1:
        return {"kind": "context"}
    if 2 <= number <= len(q.dimensions) + 1:
        return {"kind": "dimension", "dimension": q.dimensions[number - 2]}
    if number == len(q.dimensions) + 2:
        return {"kind": "review"}
    return None


def first_open_step(q: Questionnaire, answers: dict[str, str]) -> int:
    for number, s in enumerate(steps_of(q), start=1):
        if s["kind"] == "dimension" and any(i.id not in answers for i in s["dimension"].items):
            return number
    return len(steps_of(q))


@bp.get("/r/<token>")
@link_limit
def resume(token: str):  # type: ignore[no-untyped-def]
    p, q = _respondent(token)
    if p["status"] == "submitted":
        return redirect(url_for("scan.done", token=token), code=303)
    answers = store.answers_of(web.get_db(), p["id"])
    return redirect(url_for("scan.step", token=token, number=first_open_step(q, answers)), code=303)


class PageInput:
    """What one page submit carries, validated against the questionnaire of the round."""

    def __init__(self) -> None:
        self.answers: dict[str, str] = {}
        self.context: dict[str, Any] = {}
        self.comments: dict[str, str] = {}
        self.errors: dict[str, str] = {}  # field name -> message (form errors, answers kept)


def parse_page(q: Questionnaire, step: dict[str, Any], form: Any) -> PageInput:
    """Validate a page's fields; raise a 400 for anything that no honest form can send."""
    page = PageInput()
    version = form.get("version")
    if version is not None and version != f"{q.id}:{q.version}":
        raise web.bad_request(_("Deze antwoorden horen bij een andere versie van de vragenlijst. "
                            "Open uw persoonlijke link opnieuw; wat al was opgeslagen, is bewaard."))
    items = {i.id: i for i in step["dimension"].items} if step["kind"] == "dimension" else {}
    questions = {c.id: c for c in q.context_questions} if step["kind"] == "context" else {}
    for key in form.keys():
        if key in ("csrf_token", "action", "version", "form_nonce"):
            continue
        if key.startswith("item-"):
            item_id = key[5:]
            if item_id not in items:
                raise web.bad_request(_("Het formulier bevat een vraag die niet op deze pagina "
                                    "staat. Er is niets opgeslagen van deze pagina; wat u "
                                    "eerder opsloeg, is bewaard."))
            value = form.get(key)
            if value not in ANSWER_VALUES:
                raise web.bad_request(_("Een antwoord heeft een waarde die niet bij de vraag hoort. "
                                    "Er is niets opgeslagen van deze pagina; wat u eerder "
                                    "opsloeg, is bewaard."))
            page.answers[item_id] = value
        elif key.startswith("comment-") and step["kind"] == "dimension" \
                and key[8:] == step["dimension"].id:
            text = form.get(key, "").replace("\x00", "").replace("\r\n", "\n")
            if len(text) > COMMENT_MAX:
                page.errors[key] = _("Uw toelichting is %(n)s tekens lang; er passen er %(max)s "
                                     "in. Maak hem korter.", n=len(text), max=COMMENT_MAX)
            else:
                page.comments[key[8:]] = text
        elif key.startswith("context-") and key[8:] in questions:
            _parse_context(questions[key[8:]], form, page)
        else:
            raise web.bad_request(_("Het formulier bevat een veld dat de zelfscan niet kent. Er is "
                                "niets opgeslagen van deze pagina; wat u eerder opsloeg, is "
                                "bewaard."))
    for question in questions.values():
        # A browser sends nothing for a group of unticked boxes: that means "none chosen".
        if question.type == "multi_choice" and "context-" + question.id not in form:
            page.context[question.id] = []
    return page


def _parse_context(question: Any, form: Any, page: PageInput) -> None:
    key = "context-" + question.id
    if question.type == "multi_choice":
        values = form.getlist(key)
        allowed = {o.id for o in question.options}
        if any(v not in allowed for v in values):
            raise web.bad_request(_("Een antwoord heeft een waarde die niet bij de vraag hoort."))
        page.context[question.id] = sorted(set(values), key=[o.id for o in question.options].index)
        return
    raw = (form.get(key) or "").strip()
    if question.type == "choice":
        if raw and raw not in {o.id for o in question.options}:
            raise web.bad_request(_("Een antwoord heeft een waarde die niet bij de vraag hoort."))
        page.context[question.id] = raw or None
    elif question.type in ("number", "year"):
        if not raw:
            page.context[question.id] = None
            return
        low = question.min if question.min is not None else 0
        high = question.max if question.max is not None else (
            date.today().year if question.type == "year" else 10**9)
        try:
            number = int(raw.replace(".", "").replace(" ", ""))
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            page.errors[key] = _("Vul een heel getal in van %(low)s tot en met %(high)s.",
                                 low=low, high=high)
        else:
            page.context[question.id] = number
    else:
        text = raw.replace("\x00", "")
        if len(text) > question.max_length:
            page.errors[key] = _("Uw antwoord is %(n)s tekens lang; er passen er %(max)s in.",
                                 n=len(text), max=question.max_length)
        else:
            page.context[question.id] = text or None


_ITEMS_CACHE: dict[tuple[Any, ...], str] = {}
_PAGE_CACHE: dict[tuple[Any, ...], str] = {}
# Stand-ins in a cached page for what differs per request: strings that no questionnaire
# text, link token (32 characters) or URL of the service contains.
_TOKEN_MARK = "zz0selfscan0token0mark0zz"
_CSRF_MARK = "zz0selfscan0csrf0mark0zz"
_COMMENT_MARK = "zz0selfscan0comment0mark0zz"


def _tick(html: str, dimension: Any, answers: dict[str, Any]) -> str:
    """Check the radio of each answer in rendered item groups."""
    for item in dimension.items:
        value = answers.get(item.id)
        if value in ANSWER_VALUES:
            plain = f'id="item-{item.id}-{value}" name="item-{item.id}" value="{value}"'
            html = html.replace(plain, plain + " checked", 1)
    return html


def items_html(q: Questionnaire, dimension: Any, answers: dict[str, Any], readonly: bool) -> Markup:
    """The radio groups of a dimension page, with the given answers ticked.

    The groups are the same for every respondent but for which radio is checked, and they are
    most of a page's rendering time; so they are rendered once per questionnaire version,
    dimension and language, and each request only ticks its answers.
    """
    key = (q.key, q.content_hash, dimension.id, web.lang(), readonly)
    html = _ITEMS_CACHE.get(key)
    if html is None:
        html = render_template("scan/_items.html", questionnaire=q, dimension=dimension,
                               readonly=readonly)
        _ITEMS_CACHE[key] = html
    return Markup(_tick(html, dimension, answers))


def _cached_dimension_page(q: Questionnaire, token: str, number: int, step: dict[str, Any],
                           answers: dict[str, Any], comments: dict[str, str]) -> str:
    """A plain dimension page (no messages, no errors) from a per-language cached copy.

    Such a page differs between respondents only in the link token, the CSRF token, the ticks
    and the comment; the copy holds stand-ins for those. The token of the request that
    rendered the copy is replaced by its stand-in everywhere (the page links and the language
    switch), so no respondent's link can leak into another's page.
    """
    dimension = step["dimension"]
    key = (q.key, q.content_hash, number, web.lang(), request.script_root)
    page = _PAGE_CACHE.get(key)
    if page is None:
        rendered = render_template(
            "scan/step_dimension.html", respondent={}, questionnaire=q, token=token,
            number=number, steps=steps_of(q), step=step, answers={}, context={},
            comments={dimension.id: _COMMENT_MARK}, errors={}, csrf_failed=False,
            comment_max=COMMENT_MAX, readonly=False, resume_url="", new=False,
            csrf_token=lambda: _CSRF_MARK,
            items_html=items_html(q, dimension, {}, False))
        page = rendered.replace(token, _TOKEN_MARK)
        _PAGE_CACHE[key] = page
    html = (page.replace(_TOKEN_MARK, token).replace(_CSRF_MARK, _link_csrf(token))
            .replace(_COMMENT_MARK, str(escape(comments.get(dimension.id, "")))))
    return _tick(html, dimension, answers)


def _render_step(p: dict[str, Any], q: Questionnaire, token: str, number: int,
                 posted: Any = None, errors: dict[str, str] | None = None,
                 csrf_failed: bool = False, status: int = 200):  # type: ignore[no-untyped-def]
    db = web.get_db()
    steps = steps_of(q)
    step = steps[number - 1]
    # Each kind of page shows only its own part of what is stored.
    on_context = step["kind"] == "context"
    answers = {} if on_context else store.answers_of(db, p["id"])
    comments = {} if on_context else store.comments_of(db, p["id"])
    context = store.context_of(db, p["id"]) if on_context else {}
    if posted is not None:  # show what was entered, not what is stored
        for key in posted.keys():
            if key.startswith("item-"):
                answers[key[5:]] = posted.get(key)
            elif key.startswith("comment-"):
                comments[key[8:]] = posted.get(key)
            elif key.startswith("context-"):
                values = posted.getlist(key)
                context[key[8:]] = values if len(values) > 1 else (values[0] if values else "")
    plain = (step["kind"] == "dimension" and posted is None and not errors and not csrf_failed
             and not _readonly(p) and not request.args and not session.get("_flashes"))
    if plain:
        return _cached_dimension_page(q, token, number, step, answers, comments), status
    template = {"context": "scan/step_context.html", "dimension": "scan/step_dimension.html",
                "review": "scan/review.html"}[step["kind"]]
    items = (items_html(q, step["dimension"], answers, _readonly(p))
             if step["kind"] == "dimension" else "")
    return render_template(
        template, respondent=p, questionnaire=q, token=token, number=number, steps=steps,
        items_html=items,
        step=step, answers=answers, context=context, comments=comments, errors=errors or {},
        csrf_failed=csrf_failed, comment_max=COMMENT_MAX, readonly=_readonly(p),
        csrf_token=lambda: _link_csrf(token),
        resume_url=url_for("scan.resume", token=token, _external=True),
        new=request.args.get("nieuw") == "1"), status


def _readonly(p: dict[str, Any]) -> bool:
    return p["status"] == "submitted" or p["round_status"] != "open"


@bp.route("/r/<token>/stap/<int:number>", methods=["GET", "POST"])
@csrf.exempt
@link_limit
def step(token: str, number: int):  # type: ignore[no-untyped-def]
    p, q = _respondent(token)
    steps = steps_of(q)
    if not 1 <= number <= len(steps):
        abort(404)
    if request.method == "GET":
        if p["status"] == "submitted":
            return redirect(url_for("scan.done", token=token), code=303)
        return _render_step(p, q, token, number)
    try:
        _protect_link(token)
    except CSRFError:
        # Never lose work to a wrong token: show the page again with what was entered.
        return _render_step(p, q, token, number, posted=request.form, csrf_failed=True,
                            status=400)
    if _readonly(p):
        flash(_("U hebt de scan al ingediend of de ronde is gesloten; er is niets meer "
                "gewijzigd."), "info")
        return redirect(url_for("scan.done", token=token), code=303)
    page = parse_page(q, steps[number - 1], request.form)
    store.save_answers(web.get_db(), p["id"], answers=page.answers,
                       context=page.context, comments=page.comments)
    if page.errors:
        return _render_step(p, q, token, number, posted=request.form, errors=page.errors,
                            status=400)
    action = request.form.get("action", "next")
    if action == "save":
        return redirect(url_for("scan.saved", token=token), code=303)
    if action == "prev":
        return redirect(url_for("scan.step", token=token, number=max(1, number - 1)), code=303)
    if action.startswith("goto-") and action[5:].isdigit():
        target = min(max(1, int(action[5:])), len(steps))
        return redirect(url_for("scan.step", token=token, number=target), code=303)
    return redirect(url_for("scan.step", token=token, number=min(number + 1, len(steps))),
                    code=303)


@bp.post("/r/<token>/autosave/<int:number>")
@csrf.exempt
@link_limit
def autosave(token: str, number: int):  # type: ignore[no-untyped-def]
    """Background save from the page's script; the same rules as a page submit."""
    p, q = _respondent(token)
    _protect_link(token)
    step = page_of(q, number)
    if step is None:
        abort(404)
    if _readonly(p):
        return jsonify({"status": "readonly", "message": _("De scan is al ingediend.")}), 409
    page = parse_page(q, step, request.form)
    store.save_answers(web.get_db(), p["id"], answers=page.answers,
                       context=page.context, comments=page.comments)
    if page.errors:
        return jsonify({"status": "invalid", "errors": page.errors}), 400
    return current_app.response_class(SAVED_JSON, mimetype="application/json")


SAVED_JSON = b'{"status":"saved"}'  # the same answer to every successful background save


@bp.get("/r/<token>/opgeslagen")
@link_limit
def saved(token: str):  # type: ignore[no-untyped-def]
    p, _q = _respondent(token)
    return render_template("scan/saved.html", token=token, respondent=p,
                           resume_url=url_for("scan.resume", token=token, _external=True))


@bp.post("/r/<token>/indienen")
@csrf.exempt
@link_limit
def submit(token: str):  # type: ignore[no-untyped-def]
    p, _q = _respondent(token)
    _protect_link(token)
    store.submit_respondent(web.get_db(), p["id"], p["round_id"])
    return redirect(url_for("scan.done", token=token), code=303)


@bp.get("/r/<token>/klaar")
@link_limit
def done(token: str):  # type: ignore[no-untyped-def]
    p, q = _respondent(token)
    if p["status"] != "submitted" and p["round_status"] == "open":
        return redirect(url_for("scan.step", token=token, number=len(steps_of(q))), code=303)
    return render_template("scan/done.html", respondent=p, token=token)
