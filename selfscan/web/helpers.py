"""Helpers shared by the blueprints: the database of this request, the library, language,
messages, downloads, secret-link guards and the double-submit guard."""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Response, abort, current_app, flash, g, make_response, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, NotFound

from selfscan.core import tokens
from selfscan.core.messages import Message
from selfscan.core.questionnaire import Library, Questionnaire, Text
from selfscan.output import mail
from selfscan.storage import connection_per_thread
from selfscan.storage import db as dbmod
from selfscan.web import errors, ratelimit
from selfscan.web.extensions import csrf


def get_db() -> dbmod.Database:
    """The database connection of this request (the thread's reused connection)."""
    if "db" not in g:
        g.db = connection_per_thread.thread_connection(current_app.config["DATABASE"])
    return g.db  # type: ignore[no-any-return]  # flask.g attributes are untyped


def close_db(_exc: BaseException | None = None) -> None:
    """End of request: never leave a transaction open on the reused connection."""
    db = g.pop("db", None)
    if db is not None:
        connection_per_thread.end_request(db)


def library() -> Library:
    return current_app.extensions["selfscan.library"]  # type: ignore[no-any-return]  # extensions is a plain dict


def current() -> Questionnaire:
    """The questionnaire version new rounds use."""
    return current_app.extensions["selfscan.current"]  # type: ignore[no-any-return]  # extensions is a plain dict


def questionnaire_of(questionnaire_id: str, version: int) -> Questionnaire:
    """A questionnaire version of the library; the same 404 everywhere when it is not there."""
    q = library().get(questionnaire_id, version)
    if q is None:
        abort(404)
    return q


def lang() -> str:
    """The language of this request, worked out once per request."""
    if "lang" not in g:
        loc = get_locale()
        g.lang = loc.language if loc is not None else "nl"
    return g.lang  # type: ignore[no-any-return]  # flask.g attributes are untyped


def tr(text: Text | None) -> str:
    """A questionnaire text in the language of this request (Dutch when there is no English)."""
    if text is None:
        return ""
    return text.get(lang())


def translate(message: Message) -> str:
    """A core message in the language of this request."""
    return str(_(message.text, **message.params))


def _clean_filename(filename: str) -> str:
    # No control characters, quotes, backslashes or path separators in either form of the name.
    return "".join(c if c.isprintable() and c not in '"\\/' else "-" for c in filename)


def ascii_filename(filename: str) -> str:
    """`filename` in plain ASCII for the `filename=` fallback: accents transliterated
    ("Súdwest-Fryslân" gives "Sudwest-Fryslan"), every other character that could break the
    quoted header value or be read as an escape (quotes, backslashes, "%", control characters,
    non-ASCII) becomes "-"."""
    decomposed = unicodedata.normalize("NFKD", _clean_filename(filename))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    safe = "".join(c if c.isascii() and c.isprintable() and c not in '%;' else "-" for c in bare)
    safe = re.sub(r"-{2,}", "-", safe).strip("- ")
    return safe if safe and not safe.startswith(".") else "download" + safe


def content_disposition(filename: str) -> str:
    """The Content-Disposition value of a download (RFC 6266): an ASCII `filename=` for every
    browser and, when the name is not plain ASCII, the exact name as `filename*` (RFC 5987,
    UTF-8, percent-encoded), which browsers prefer. Without `filename*` a name with accents
    reached the browser as undecodable bytes and it saved the file under the URL's last part."""
    fallback = ascii_filename(filename)
    value = f'attachment; filename="{fallback}"'
    clean = _clean_filename(filename)
    if clean and fallback != clean:
        value += f"; filename*=UTF-8''{quote(clean, safe='')}"
    return value


def attachment(body: bytes | str, mimetype: str, filename: str) -> Response:
    """A download: the browser saves it under `filename` instead of showing it."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response


def bad_request(message: str) -> BadRequest:
    """A 400 whose message the error page shows as it is (it tells the user what to do)."""
    exc = BadRequest(message)
    exc.selfscan_message = True  # type: ignore[attr-defined]  # read by errors._handle
    return exc


def safe_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def csrf_failed() -> bool:
    """For a form that is exempt from the automatic CSRF check so that a failure shows the
    form again with what was entered (never lost): whether this POST lacks a valid token."""
    try:
        csrf.protect()
    except CSRFError:
        return True
    return False


# --- secret links ----------------------------------------------------------------------------

# Guessing secret links: every unknown link (404) counts against the address; past the limit,
# every link route answers 429 for the rest of the window. Valid links cost no bookkeeping.
LINK_LIMITS = ratelimit.parse_many("30 per minute;300 per hour")


def link_limit(view: Callable[..., Any]) -> Callable[..., Any]:
    """Rate-limit misses on a secret-link route, per client address."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        address = request.remote_addr or "-"
        if not ratelimit.allowed("link-miss", address, LINK_LIMITS):
            abort(429)
        try:
            return view(*args, **kwargs)
        except NotFound:
            ratelimit.hit("link-miss", address, LINK_LIMITS)
            raise

    return guarded


def link_csrf(token: str) -> str:
    """The CSRF token of the forms behind one secret link (core.tokens.link_csrf_token)."""
    return tokens.link_csrf_token(current_app.config["SECRET_KEY"], token)


def limit_or_429(name: str, key: str, limits: list[Any], message: str) -> None:
    """Stop with a Dutch 429 page that says when to try again, once ``limits`` are used up.

    Only checks: the caller counts an attempt with ratelimit.hit when it did something.
    """
    if ratelimit.allowed(name, key, limits):
        return
    seconds = max(60, ratelimit.retry_after(name, key, limits))
    try:
        zone: Any = ZoneInfo("Europe/Amsterdam")
    except ZoneInfoNotFoundError:  # a system without time zone data: say it in UTC
        zone = None
    at = (datetime.now(zone) + timedelta(seconds=seconds)).strftime("%H:%M")
    text = message + " " + _("Probeer het opnieuw na %(time)s uur (over ongeveer %(minutes)s "
                             "minuten).", time=at, minutes=(seconds + 59) // 60)
    response = make_response(errors.error_page(429, _("Te veel pogingen"), text))
    response.headers["Retry-After"] = str(seconds)
    abort(response)


# --- e-mail ------------------------------------------------------------------------------------


def mail_settings() -> mail.MailSettings:
    return mail.MailSettings.from_config(current_app.config, current_app.instance_path)


def send_mail(message: Any, *, tell: bool = True) -> bool:
    """Send a message composed by output.mail; False when the mail server failed.

    Without a mail server the message goes to the outbox, and (``tell``) the page says so.
    """
    settings = mail_settings()
    try:
        delivery = mail.send(settings, message)
    except mail.MailError:
        return False
    if tell and delivery.via == "outbox":
        flash(outbox_notice(), "warning")
    return True


def outbox_notice() -> str:
    return str(_("Er is geen mailserver ingesteld: het bericht staat in instance/outbox/ op de "
                 "server. De beheerder kan het daar lezen en doorsturen."))


# --- double submits ----------------------------------------------------------------------------

REMEMBERED_NONCES = 10  # enough for double clicks and refreshes; keeps the cookie small


def once(kind: str, nonce: str, make: Callable[[], str | None],
         still_valid: Callable[[str], bool] = lambda _token: True) -> str | None:
    """The token that the form submission with this nonce made, making it only the first time.

    A double click, a refresh or a second tab posts the same form nonce again: the session
    remembers which token (of a new round, respondent ...) a nonce produced, so the repeat shows
    the same one instead of making another. The session cookie is signed, not encrypted, so it
    keeps the token sealed (core.tokens.seal), never readable. ``make`` returns None when it made
    nothing (a form error); ``still_valid`` rejects a remembered token whose round has gone.
    """
    secret = current_app.config["SECRET_KEY"]
    made: dict[str, str] = dict(session.get(kind, {}))
    remembered = None
    if nonce in made:
        salt, _dot, sealed = made[nonce].partition(".")
        remembered = tokens.unseal(secret, f"{kind}:{nonce}:{salt}", sealed)
    if remembered is not None and still_valid(remembered):
        return remembered
    token = make()
    if token is not None:
        salt = secrets.token_urlsafe(8)  # a fresh pad for every token sealed
        made[nonce] = f"{salt}.{tokens.seal(secret, f'{kind}:{nonce}:{salt}', token)}"
        session[kind] = dict(list(made.items())[-REMEMBERED_NONCES:])
    return token
